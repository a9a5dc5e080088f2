package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
)

// Dataset is an open-data dataset of the registry (package dataset).
// Export rows hold one value per field, in the dictionary's order.
type Dataset = dataset.Dataset

// The datasets, by name.
const (
	DatasetPenalties = dataset.Penalties
	DatasetPermits   = dataset.Permits
	DatasetPowers    = dataset.Powers
)

// Datasets lists every dataset: the registry, dataset.All.
var Datasets = dataset.All

// DatasetByName returns the dataset called name.
func DatasetByName(name string) (Dataset, bool) { return dataset.ByName(name) }

// datasetSQL reads the rows of every dataset of the registry, by name:
// all of its public rows, as downloads and snapshots write them, and a
// sample of the newest for the data pages.
var datasetSQL = map[string]struct {
	export func(pub *Public, ctx context.Context, q queryer, today time.Time, row func([]string) error) error
	sample func(pub *Public, ctx context.Context, n int) ([][]string, error)
}{
	DatasetPenalties: {
		export: func(pub *Public, ctx context.Context, q queryer, today time.Time, row func([]string) error) error {
			return pub.exportPenalties(ctx, q, today, row)
		},
		sample: (*Public).samplePenalties,
	},
	DatasetPermits: {
		export: func(pub *Public, ctx context.Context, q queryer, _ time.Time, row func([]string) error) error {
			return pub.exportPermits(ctx, q, row)
		},
		sample: (*Public).samplePermits,
	},
	DatasetPowers: {
		export: func(_ *Public, ctx context.Context, q queryer, _ time.Time, row func([]string) error) error {
			return exportPowers(ctx, q, row)
		},
		sample: (*Public).samplePowers,
	},
}

// Every dataset of the registry must have its SQL: a missing one is a
// programming error caught when the package loads.
func init() {
	for _, d := range dataset.All {
		if s := datasetSQL[d.Name]; s.export == nil || s.sample == nil {
			panic("store: no SQL for dataset " + d.Name)
		}
	}
}

// DatasetState says which version of a dataset's public content is
// current. Reading it costs one small query.
type DatasetState struct {
	Dataset string
	// Version changes whenever the content may have changed: with the
	// change log, when a penalty's publicity period ends, or when the
	// masking rules differ. Equal versions mean equal content.
	Version string
	// Seq is the newest change-log entry of the dataset's entity that the
	// content reflects; 0 when there is none.
	Seq int64
	// Modified is when the content last changed; zero for an empty
	// dataset that never changed.
	Modified time.Time
	// Day is the date (China Standard Time, at 00:00 UTC) the content is
	// public as of.
	Day time.Time
}

// queryer is a pool or a transaction.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// DatasetState returns the current state of the dataset called name;
// ErrNotFound for an unknown name.
func (pub *Public) DatasetState(ctx context.Context, name string) (DatasetState, error) {
	d, ok := DatasetByName(name)
	if !ok {
		return DatasetState{}, fmt.Errorf("store.DatasetState(%q): %w", name, ErrNotFound)
	}
	st, err := pub.datasetState(ctx, pub.s.pool, d, pub.today())
	if err != nil {
		return DatasetState{}, fmt.Errorf("store.DatasetState(%q): %w", name, err)
	}
	return st, nil
}

func (pub *Public) datasetState(ctx context.Context, q queryer, d Dataset, today time.Time) (DatasetState, error) {
	st := DatasetState{Dataset: d.Name, Day: civilDate(today)}
	var at *time.Time
	switch Entity(d.Entity) {
	case EntityPenalty, EntityPermit:
		// Penalties also leave the public dataset, without a change-log
		// entry, on the day after their publicity period ends: the newest
		// such end date is part of the version.
		var expired *time.Time
		expiredSQL := `NULL::date`
		args := []any{d.Entity}
		if Entity(d.Entity) == EntityPenalty {
			expiredSQL = `(SELECT max(publicity_until) FROM penalties WHERE status = 'published' AND publicity_until < $2::date)`
			args = append(args, today)
		}
		err := q.QueryRow(ctx, `SELECT coalesce(c.seq, 0), c.at, `+expiredSQL+`
			FROM (SELECT 1) one LEFT JOIN LATERAL (
				SELECT seq, at FROM changes WHERE entity = $1 ORDER BY seq DESC LIMIT 1) c ON true`,
			args...).Scan(&st.Seq, &at, &expired)
		if err != nil {
			return st, err
		}
		if at != nil {
			st.Modified = *at
		}
		var exp string
		if expired != nil {
			exp = expired.Format(domain.DateLayout)
			// The record left at 00:00 China time the day after.
			y, m, dd := expired.Date()
			left := time.Date(y, m, dd+1, 0, 0, 0, 0, domain.China)
			if left.After(st.Modified) {
				st.Modified = left
			}
		}
		st.Version = fmt.Sprintf("%s/%d/%s/%s", d.Name, st.Seq, exp, pub.maskingKey())
	case EntityListVersion:
		var id int64
		var number int
		err := q.QueryRow(ctx, `SELECT v.id, v.number, v.published_at, coalesce(
				(SELECT max(seq) FROM changes WHERE entity = 'list_version' AND entity_id = v.id), 0)
			FROM list_versions v WHERE v.kind = 'powers' ORDER BY v.number DESC LIMIT 1`).Scan(&id, &number, &at, &st.Seq)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return st, err
		}
		if at != nil {
			st.Modified = *at
		}
		st.Version = fmt.Sprintf("%s/%d/%d", d.Name, id, number)
	}
	st.Version += "/" + d.SchemaVersion()
	return st, nil
}

// maskingKey identifies the masking rules, which shape the content.
func (pub *Public) maskingKey() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%+v", pub.rules))
	return hex.EncodeToString(h[:4])
}

// ExportDataset streams the public content of the dataset called name:
// start gets its state, then row gets every row — values in the order of
// the dataset's fields, identifiers masked — and must not keep the slice,
// which is reused. State and rows come from one consistent snapshot of the
// database, so start's Version describes exactly the rows that follow.
// Rows are read as the caller consumes them, so memory stays constant; the
// caller's context, not the statement timeout, bounds a slow reader.
// ErrNotFound for an unknown name.
func (pub *Public) ExportDataset(ctx context.Context, name string, start func(DatasetState) error, row func([]string) error) error {
	d, ok := DatasetByName(name)
	if !ok {
		return fmt.Errorf("store.ExportDataset(%q): %w", name, ErrNotFound)
	}
	tx, err := pub.s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("store.ExportDataset(%q): %w", name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("store.ExportDataset(%q): %w", name, err)
	}
	today := pub.today()
	st, err := pub.datasetState(ctx, tx, d, today)
	if err != nil {
		return fmt.Errorf("store.ExportDataset(%q): state: %w", name, err)
	}
	if err := start(st); err != nil {
		return err
	}
	if err := datasetSQL[d.Name].export(pub, ctx, tx, today, row); err != nil {
		return fmt.Errorf("store.ExportDataset(%q): %w", name, err)
	}
	return nil
}

// The export reads only the columns of the standard fields.
const (
	penaltyExportColumns = `p.decision_no, ` + partyColumnsP + `, p.violation_type, p.facts, p.basis,
	p.categories, p.content, (p.fine_yuan * 100)::bigint, (p.confiscated_yuan * 100)::bigint, p.licence_affected,
	p.decision_date, p.valid_until, p.publicity_until, a.name, a.credit_code, p.source_name, p.source_code, p.remarks,
	coalesce(p.stage::text, ''), p.publicity_class`
	penaltyExportSelect = `SELECT ` + penaltyExportColumns + ` FROM penalties p JOIN agencies a ON a.id = p.agency_id `
)

func penaltyExportDest(p *domain.Penalty) []any {
	dest := []any{&p.DecisionNo}
	dest = append(dest, partyDest(&p.Party)...)
	return append(dest, &p.ViolationType, &p.Facts, &p.Basis, &p.Categories, &p.Content, &p.Fine, &p.Confiscated,
		&p.LicenceAffected, &p.DecisionDate, &p.ValidUntil, &p.PublicityUntil, &p.Agency, &p.AgencyCode, &p.Source,
		&p.SourceCode, &p.Remarks, &p.Stage, &p.Class)
}

const (
	permitExportColumns = `p.decision_no, ` + partyColumnsP + `, p.document_name, p.category,
	p.certificate_name, p.permit_no, p.content, p.decision_date, p.valid_from, p.valid_to, a.name, a.credit_code,
	p.state, p.source_name, p.source_code, p.remarks`
	permitExportSelect = `SELECT ` + permitExportColumns + ` FROM permits p JOIN agencies a ON a.id = p.agency_id `
)

func permitExportDest(p *domain.Permit) []any {
	dest := []any{&p.DecisionNo}
	dest = append(dest, partyDest(&p.Party)...)
	return append(dest, &p.DocName, &p.Category, &p.CertName, &p.PermitNo, &p.Content, &p.DecisionDate, &p.ValidFrom,
		&p.ValidTo, &p.Agency, &p.AgencyCode, &p.State, &p.Source, &p.SourceCode, &p.Remarks)
}

func (pub *Public) exportPenalties(ctx context.Context, q queryer, today time.Time, fn func([]string) error) error {
	rows, err := q.Query(ctx, penaltyExportSelect+`WHERE `+publicPenalty+` ORDER BY p.id`, today)
	if err != nil {
		return err
	}
	defer rows.Close()
	var pp domain.PublishedPenalty
	d := newRowDecoder(penaltyKinds...)
	vals := make([]string, len(domain.PenaltyFields))
	return scanRows(rows, d, penaltyExportDest(&pp.Penalty), func(raw [][]byte) error {
		return d.penalty(raw, 0, &pp.Penalty)
	}, func() error {
		m := pub.maskPenalty(pp)
		return fn(PenaltyValues(&m.Penalty, vals))
	})
}

func (pub *Public) exportPermits(ctx context.Context, q queryer, fn func([]string) error) error {
	rows, err := q.Query(ctx, permitExportSelect+`WHERE `+publicPermit+` ORDER BY p.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var pp domain.PublishedPermit
	d := newRowDecoder(permitKinds...)
	vals := make([]string, len(domain.PermitFields))
	return scanRows(rows, d, permitExportDest(&pp.Permit), func(raw [][]byte) error {
		return d.permit(raw, 0, &pp.Permit)
	}, func() error {
		m := pub.maskPermit(pp)
		return fn(PermitValues(&m.Permit, vals))
	})
}

// PenaltyValues fills vals (len(domain.PenaltyFields), or nil to allocate)
// with p's values in the order of domain.PenaltyFields: exactly the values
// of domain.PenaltyRecord(p), without building a map.
func PenaltyValues(p *domain.Penalty, vals []string) []string {
	if vals == nil {
		vals = make([]string, len(penaltyGetters))
	}
	for i, g := range penaltyGetters {
		vals[i] = g(p)
	}
	return vals
}

// PermitValues is PenaltyValues for permits (domain.PermitRecord).
func PermitValues(p *domain.Permit, vals []string) []string {
	if vals == nil {
		vals = make([]string, len(permitGetters))
	}
	for i, g := range permitGetters {
		vals[i] = g(p)
	}
	return vals
}

// date formats t as domain.DateLayout, "" for the zero time.
func date(t time.Time) string { return domain.FormatOptionalDate(t) }

func partyGetters(prefix string) map[string]func(*domain.Party) string {
	return map[string]func(*domain.Party) string{
		prefix + "_XDR_MC":    func(p *domain.Party) string { return p.Name },
		prefix + "_XDR_LB":    func(p *domain.Party) string { return string(p.Kind) },
		prefix + "_XDR_SHXYM": func(p *domain.Party) string { return p.CreditCode },
		prefix + "_XDR_GSZC":  func(p *domain.Party) string { return p.BusinessRegNo },
		prefix + "_XDR_ZZJG":  func(p *domain.Party) string { return p.OrgCode },
		prefix + "_XDR_SWDJ":  func(p *domain.Party) string { return p.TaxRegNo },
		prefix + "_XDR_SYDW":  func(p *domain.Party) string { return p.InstitutionNo },
		prefix + "_XDR_SHZZ":  func(p *domain.Party) string { return p.SocialOrgNo },
		prefix + "_FRDB":      func(p *domain.Party) string { return p.LegalRep },
		prefix + "_FR_ZJLX":   func(p *domain.Party) string { return p.LegalRepIDType },
		prefix + "_FR_ZJHM":   func(p *domain.Party) string { return p.LegalRepIDNo },
		prefix + "_XDR_ZJLX":  func(p *domain.Party) string { return p.IDType },
		prefix + "_XDR_ZJHM":  func(p *domain.Party) string { return p.IDNo },
	}
}

// bindGetters orders getters by the dictionary; a field without a getter
// is a programming error caught when the package loads.
func bindGetters[T any](fields []domain.Field, own map[string]func(*T) string, party func(*T) *domain.Party, prefix string) []func(*T) string {
	pg := partyGetters(prefix)
	out := make([]func(*T) string, len(fields))
	for i, f := range fields {
		if g, ok := own[f.Code]; ok {
			out[i] = g
			continue
		}
		if g, ok := pg[f.Code]; ok {
			out[i] = func(v *T) string { return g(party(v)) }
			continue
		}
		panic("store: no export value for field " + f.Code)
	}
	return out
}

var penaltyGetters = bindGetters(domain.PenaltyFields, map[string]func(*domain.Penalty) string{
	"CF_WSH":     func(p *domain.Penalty) string { return p.DecisionNo },
	"CF_WFXW":    func(p *domain.Penalty) string { return p.ViolationType },
	"CF_SY":      func(p *domain.Penalty) string { return p.Facts },
	"CF_YJ":      func(p *domain.Penalty) string { return p.Basis },
	"CF_CFLB":    func(p *domain.Penalty) string { return strings.Join(p.Categories, ";") },
	"CF_NR":      func(p *domain.Penalty) string { return p.Content },
	"CF_NR_FK":   func(p *domain.Penalty) string { return p.Fine.WanOrEmpty() },
	"CF_NR_WFFF": func(p *domain.Penalty) string { return p.Confiscated.WanOrEmpty() },
	"CF_NR_ZKDX": func(p *domain.Penalty) string { return p.LicenceAffected },
	"CF_JDRQ":    func(p *domain.Penalty) string { return date(p.DecisionDate) },
	"CF_YXQ": func(p *domain.Penalty) string {
		if p.ValidUntil == nil {
			return ""
		}
		return date(*p.ValidUntil)
	},
	"CF_GSJZQ":  func(p *domain.Penalty) string { return date(p.PublicityUntil) },
	"CF_CFJG":   func(p *domain.Penalty) string { return p.Agency },
	"CF_CFJGDM": func(p *domain.Penalty) string { return p.AgencyCode },
	"CF_SJLY":   func(p *domain.Penalty) string { return p.Source },
	"CF_SJLYDM": func(p *domain.Penalty) string { return p.SourceCode },
	"BZ":        func(p *domain.Penalty) string { return p.Remarks },
	"CF_AJJD":   func(p *domain.Penalty) string { return string(p.Stage) },
	"CF_GSLB":   func(p *domain.Penalty) string { return string(p.Class) },
}, func(p *domain.Penalty) *domain.Party { return &p.Party }, "CF")

var permitGetters = bindGetters(domain.PermitFields, map[string]func(*domain.Permit) string{
	"XK_XKWS":   func(p *domain.Permit) string { return p.DocName },
	"XK_WSH":    func(p *domain.Permit) string { return p.DecisionNo },
	"XK_XKLB":   func(p *domain.Permit) string { return p.Category },
	"XK_XKZS":   func(p *domain.Permit) string { return p.CertName },
	"XK_XKBH":   func(p *domain.Permit) string { return p.PermitNo },
	"XK_NR":     func(p *domain.Permit) string { return p.Content },
	"XK_JDRQ":   func(p *domain.Permit) string { return date(p.DecisionDate) },
	"XK_YXQZ":   func(p *domain.Permit) string { return date(p.ValidFrom) },
	"XK_YXQZI":  func(p *domain.Permit) string { return date(p.ValidTo) },
	"XK_XKJG":   func(p *domain.Permit) string { return p.Agency },
	"XK_XKJGDM": func(p *domain.Permit) string { return p.AgencyCode },
	"XK_ZT":     func(p *domain.Permit) string { return string(p.State) },
	"XK_LYDW":   func(p *domain.Permit) string { return p.Source },
	"XK_LYDWDM": func(p *domain.Permit) string { return p.SourceCode },
	"BZ":        func(p *domain.Permit) string { return p.Remarks },
}, func(p *domain.Permit) *domain.Party { return &p.Party }, "XK")

// Today is the date the public read path publishes as of: its calendar
// date in China Standard Time, at 00:00 UTC.
func (pub *Public) Today() time.Time { return civilDate(pub.today()) }
