package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// Public is the only read path for public outputs (pages, API, search
// documents, downloads, masked feeds): it returns published records within
// their publicity period only, with natural persons' identifiers masked by
// its rules. Code that serves the public holds a *Public, never raw rows.
type Public struct {
	s     *Store
	rules domain.MaskingRules
	today func() time.Time
}

// Public returns the public read path with the given masking rules; today
// gives the current instant or date, read as a date in China Standard
// Time whatever its location (publicity periods end at a Chinese date).
func (s *Store) Public(rules domain.MaskingRules, today func() time.Time) *Public {
	return &Public{s: s, rules: rules, today: func() time.Time { return domain.ChinaDate(today()) }}
}

// penaltySelect reads every column a PublishedPenalty needs; it is
// followed by a WHERE clause.
const penaltySelect = `SELECT p.id, coalesce(d.name, ''), coalesce(d.code, ''), p.status, coalesce(p.withdraw_reason::text, ''),
	p.withdraw_note, p.withdrawn_at, p.published_at, p.updated_at, p.demo,
	p.decision_no, ` + partyColumnsP + `, p.violation_type, p.facts, p.basis, p.categories, p.content,
	(p.fine_yuan * 100)::bigint, (p.confiscated_yuan * 100)::bigint, p.licence_affected, p.decision_date, p.valid_until,
	p.publicity_until, a.name, a.credit_code, p.source_name, p.source_code, p.remarks, coalesce(p.stage::text, ''),
	p.publicity_class
	FROM penalties p JOIN agencies a ON a.id = p.agency_id LEFT JOIN districts d ON d.code = a.district_code `

const partyColumnsP = `p.party_name, p.party_kind, p.credit_code, p.business_reg_no, p.org_code, p.tax_reg_no,
	p.institution_no, p.social_org_no, p.legal_rep, p.legal_rep_id_type, p.legal_rep_id_no, p.id_type, p.id_no`

const permitSelect = `SELECT p.id, coalesce(d.name, ''), coalesce(d.code, ''), p.status, coalesce(p.withdraw_reason::text, ''),
	p.withdraw_note, p.withdrawn_at, p.published_at, p.updated_at, p.demo,
	p.decision_no, ` + partyColumnsP + `, p.document_name, p.category, p.certificate_name, p.permit_no, p.content,
	p.decision_date, p.valid_from, p.valid_to, a.name, a.credit_code, p.state, p.source_name, p.source_code, p.remarks
	FROM permits p JOIN agencies a ON a.id = p.agency_id LEFT JOIN districts d ON d.code = a.district_code `

func publicationDest(p *domain.Publication) []any {
	return []any{&p.ID, &p.District, &p.DistrictCode, &p.Status, &p.WithdrawReason, &p.WithdrawNote, &p.WithdrawnAt,
		&p.PublishedAt, &p.UpdatedAt, &p.Demo}
}

func partyDest(p *domain.Party) []any {
	return []any{&p.Name, &p.Kind, &p.CreditCode, &p.BusinessRegNo, &p.OrgCode, &p.TaxRegNo, &p.InstitutionNo,
		&p.SocialOrgNo, &p.LegalRep, &p.LegalRepIDType, &p.LegalRepIDNo, &p.IDType, &p.IDNo}
}

func scanPenalty(row pgx.Row) (domain.PublishedPenalty, error) {
	var p domain.PublishedPenalty
	dest := publicationDest(&p.Publication)
	dest = append(dest, &p.DecisionNo)
	dest = append(dest, partyDest(&p.Party)...)
	dest = append(dest, &p.ViolationType, &p.Facts, &p.Basis, &p.Categories, &p.Content, &p.Fine, &p.Confiscated,
		&p.LicenceAffected, &p.DecisionDate, &p.ValidUntil, &p.PublicityUntil, &p.Agency, &p.AgencyCode, &p.Source,
		&p.SourceCode, &p.Remarks, &p.Stage, &p.Class)
	err := row.Scan(dest...)
	return p, err
}

func scanPermit(row pgx.Row) (domain.PublishedPermit, error) {
	var p domain.PublishedPermit
	dest := publicationDest(&p.Publication)
	dest = append(dest, &p.DecisionNo)
	dest = append(dest, partyDest(&p.Party)...)
	dest = append(dest, &p.DocName, &p.Category, &p.CertName, &p.PermitNo, &p.Content, &p.DecisionDate, &p.ValidFrom,
		&p.ValidTo, &p.Agency, &p.AgencyCode, &p.State, &p.Source, &p.SourceCode, &p.Remarks)
	err := row.Scan(dest...)
	return p, err
}

// The public filters, shared by every public query.
const (
	publicPenalty = `p.status = 'published' AND p.publicity_until >= $1::date`
	publicPermit  = `p.status = 'published'`
)

func (pub *Public) maskPenalty(p domain.PublishedPenalty) domain.PublishedPenalty {
	p.Penalty = pub.rules.Penalty(p.Penalty)
	p.WithdrawNote = pub.rules.Text(p.WithdrawNote)
	return p
}

func (pub *Public) maskPermit(p domain.PublishedPermit) domain.PublishedPermit {
	p.Permit = pub.rules.Permit(p.Permit)
	p.WithdrawNote = pub.rules.Text(p.WithdrawNote)
	return p
}

// PenaltiesByID returns the public, masked penalties among ids, in id
// order; ids that are not public (withdrawn, expired, unknown) are absent.
func (pub *Public) PenaltiesByID(ctx context.Context, ids []int64) ([]domain.PublishedPenalty, error) {
	rows, err := pub.s.pool.Query(ctx, penaltySelect+`WHERE `+publicPenalty+` AND p.id = ANY($2) ORDER BY p.id`, pub.today(), ids)
	if err != nil {
		return nil, fmt.Errorf("store.PenaltiesByID: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.PublishedPenalty, error) { return scanPenalty(r) })
	if err != nil {
		return nil, fmt.Errorf("store.PenaltiesByID: %w", err)
	}
	for i := range ps {
		ps[i] = pub.maskPenalty(ps[i])
	}
	return ps, nil
}

// PermitsByID is PenaltiesByID for permits.
func (pub *Public) PermitsByID(ctx context.Context, ids []int64) ([]domain.PublishedPermit, error) {
	rows, err := pub.s.pool.Query(ctx, permitSelect+`WHERE `+publicPermit+` AND p.id = ANY($1) ORDER BY p.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store.PermitsByID: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.PublishedPermit, error) { return scanPermit(r) })
	if err != nil {
		return nil, fmt.Errorf("store.PermitsByID: %w", err)
	}
	for i := range ps {
		ps[i] = pub.maskPermit(ps[i])
	}
	return ps, nil
}

// EachPenalty streams every public penalty, masked, in id order, calling
// fn for each; it holds one row in memory at a time.
func (pub *Public) EachPenalty(ctx context.Context, fn func(domain.PublishedPenalty) error) error {
	rows, err := pub.s.pool.Query(ctx, penaltySelect+`WHERE `+publicPenalty+` ORDER BY p.id`, pub.today())
	if err != nil {
		return fmt.Errorf("store.EachPenalty: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPenalty(rows)
		if err != nil {
			return fmt.Errorf("store.EachPenalty: %w", err)
		}
		if err := fn(pub.maskPenalty(p)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachPermit streams every public permit, masked, in id order.
func (pub *Public) EachPermit(ctx context.Context, fn func(domain.PublishedPermit) error) error {
	rows, err := pub.s.pool.Query(ctx, permitSelect+`WHERE `+publicPermit+` ORDER BY p.id`)
	if err != nil {
		return fmt.Errorf("store.EachPermit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPermit(rows)
		if err != nil {
			return fmt.Errorf("store.EachPermit: %w", err)
		}
		if err := fn(pub.maskPermit(p)); err != nil {
			return err
		}
	}
	return rows.Err()
}
