package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// The open datasets of the enforcement records.
const (
	DatasetInspectionResults = "inspection-results" // 双随机抽查及其他检查结果: published results, masked
	DatasetOfficers          = "officers"           // 执法人员名单: every registered officer, with status
)

// EnforcementDatasets lists the enforcement datasets, read by
// ExportEnforcementDataset.
var EnforcementDatasets = []Dataset{
	{Name: DatasetInspectionResults, Entity: string(EntityInspectionResult), Fields: domain.InspectionResultExportFields},
	{Name: DatasetOfficers, Entity: string(EntityEnforcementOfficer), Fields: domain.OfficerFields},
}

// datasetSources are the change-log entities whose entries can change a
// dataset's content: the records themselves, the bodies whose names they
// show, the tasks whose codes they show and, for results, the penalties
// they link to.
var datasetSources = map[string][]string{
	DatasetInspectionResults: {string(EntityInspectionResult), string(EntityEnforcementBody), string(EntityInspectionTask),
		string(EntityPenalty)},
	DatasetOfficers: {string(EntityEnforcementOfficer), string(EntityEnforcementBody)},
}

// EnforcementDatasetByName returns the enforcement dataset called name.
func EnforcementDatasetByName(name string) (Dataset, bool) {
	for _, d := range EnforcementDatasets {
		if d.Name == name {
			return d, true
		}
	}
	return Dataset{}, false
}

// enforcementDatasetState is DatasetState for the enforcement datasets.
// The inspection results link to penalties only while those are public,
// which changes without a change-log entry when a publicity period ends:
// their version also carries the day.
func (pub *Public) enforcementDatasetState(ctx context.Context, q queryer, d Dataset, today time.Time) (DatasetState, error) {
	st := DatasetState{Dataset: d.Name, Day: civilDate(today)}
	var at *time.Time
	// The newest entry of each source, each read from the end of the
	// (entity, seq) index.
	err := q.QueryRow(ctx, `SELECT coalesce(max(c.seq), 0), max(c.at) FROM unnest($1::text[]) AS e(entity)
		LEFT JOIN LATERAL (SELECT seq, at FROM changes WHERE entity = e.entity::change_entity ORDER BY seq DESC LIMIT 1) c ON true`,
		datasetSources[d.Name]).Scan(&st.Seq, &at)
	if err != nil {
		return st, err
	}
	if at != nil {
		st.Modified = *at
	}
	st.Version = fmt.Sprintf("%s/%d", d.Name, st.Seq)
	if d.Name == DatasetInspectionResults {
		st.Version += "/" + st.Day.Format(domain.DateLayout) + "/" + pub.maskingKey()
	}
	st.Version += "/" + d.SchemaVersion()
	return st, nil
}

// EnforcementDatasetState returns the current state of an enforcement
// dataset; ErrNotFound for another name.
func (pub *Public) EnforcementDatasetState(ctx context.Context, name string) (DatasetState, error) {
	d, ok := EnforcementDatasetByName(name)
	if !ok {
		return DatasetState{}, fmt.Errorf("store.EnforcementDatasetState(%q): %w", name, ErrNotFound)
	}
	st, err := pub.enforcementDatasetState(ctx, pub.s.pool, d, pub.today())
	if err != nil {
		return DatasetState{}, fmt.Errorf("store.EnforcementDatasetState(%q): %w", name, err)
	}
	return st, nil
}

// ExportEnforcementDataset is ExportDataset for the enforcement datasets:
// start gets the state, then row gets every row — values in the order of
// the dataset's fields, identifiers masked — from one consistent snapshot,
// streamed. ErrNotFound for another name.
func (pub *Public) ExportEnforcementDataset(ctx context.Context, name string, start func(DatasetState) error, row func([]string) error) error {
	d, ok := EnforcementDatasetByName(name)
	if !ok {
		return fmt.Errorf("store.ExportEnforcementDataset(%q): %w", name, ErrNotFound)
	}
	tx, err := pub.s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("store.ExportEnforcementDataset(%q): %w", name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0`); err != nil {
		return fmt.Errorf("store.ExportEnforcementDataset(%q): %w", name, err)
	}
	today := pub.today()
	st, err := pub.enforcementDatasetState(ctx, tx, d, today)
	if err != nil {
		return fmt.Errorf("store.ExportEnforcementDataset(%q): state: %w", name, err)
	}
	if err := start(st); err != nil {
		return err
	}
	if d.Name == DatasetOfficers {
		err = exportOfficers(ctx, tx, row)
	} else {
		err = pub.exportResults(ctx, tx, today, row)
	}
	if err != nil {
		return fmt.Errorf("store.ExportEnforcementDataset(%q): %w", name, err)
	}
	return nil
}

func exportOfficers(ctx context.Context, q queryer, fn func([]string) error) error {
	rows, err := q.Query(ctx, `SELECT o.certificate_no, o.name, o.issuing_authority, b.credit_code, b.name, o.status, o.valid_until
		FROM enforcement_officers o JOIN enforcement_bodies b ON b.id = o.body_id ORDER BY b.credit_code, o.name, o.id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var o domain.Officer
	vals := make([]string, len(domain.OfficerFields))
	for rows.Next() {
		if err := rows.Scan(&o.CertificateNo, &o.Name, &o.IssuingAuthority, &o.BodyCode, &o.Body, &o.Status, &o.ValidUntil); err != nil {
			return err
		}
		rec := domain.OfficerRecord(o)
		for i, f := range domain.OfficerFields {
			vals[i] = rec[f.Code]
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// resultLinkedColumns and resultLinkedFrom read results like resultSelect,
// with the penalty link resolved against the penalties public on day $1.
const (
	resultLinkedColumns = resultColumns + `, coalesce(pen.id, 0)`
	resultLinkedFrom    = resultFrom + `LEFT JOIN LATERAL (SELECT x.id FROM penalties x JOIN agencies ag ON ag.id = x.agency_id
		WHERE ag.credit_code = p.penalty_agency_code AND x.decision_no = p.penalty_decision_no
			AND x.status = 'published' AND x.publicity_until >= $1::date) pen ON p.penalty_decision_no <> '' `
)

// scanLinkedResult reads resultLinkedColumns, then the extra destinations,
// and removes a link to a penalty that is not public.
func scanLinkedResult(row pgx.Row, extra ...any) (PublishedInspectionResult, error) {
	var penaltyID int64
	r, err := scanResult(row, append([]any{&penaltyID}, extra...)...)
	r.PenaltyID = penaltyID
	if r.PenaltyID == 0 {
		r.PenaltyAgencyCode, r.PenaltyDecisionNo = "", ""
	}
	return r, err
}

func (pub *Public) exportResults(ctx context.Context, q queryer, today time.Time, fn func([]string) error) error {
	vals := make([]string, len(domain.InspectionResultExportFields))
	return pub.eachResult(ctx, q, today, func(r PublishedInspectionResult) error {
		return fn(InspectionResultValues(&r, vals))
	})
}

// eachResult streams the public results, masked, in id order.
func (pub *Public) eachResult(ctx context.Context, q queryer, today time.Time, fn func(PublishedInspectionResult) error) error {
	rows, err := q.Query(ctx, `SELECT `+resultLinkedColumns+` `+resultLinkedFrom+`WHERE p.status = 'published' ORDER BY p.id`, today)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanLinkedResult(rows)
		if err != nil {
			return err
		}
		if err := fn(pub.maskResult(r)); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EachInspectionResult streams every public inspection result, masked and
// with its penalty link resolved, in id order, one row in memory at a
// time: what a search rebuild indexes.
func (pub *Public) EachInspectionResult(ctx context.Context, fn func(PublishedInspectionResult) error) error {
	if err := pub.eachResult(ctx, pub.s.pool, pub.today(), fn); err != nil {
		return fmt.Errorf("store.EachInspectionResult: %w", err)
	}
	return nil
}

// InspectionResultValues fills vals (len(domain.InspectionResultExportFields),
// or nil to allocate) with r's values in the order of that dictionary: the
// values of domain.InspectionResultRecord and the publication date (China
// time).
func InspectionResultValues(r *PublishedInspectionResult, vals []string) []string {
	if vals == nil {
		vals = make([]string, len(domain.InspectionResultExportFields))
	}
	rec := domain.InspectionResultRecord(r.InspectionResult)
	rec[domain.InspectionResultPublishedField.Code] = date(domain.ChinaDate(r.PublishedAt))
	for i, f := range domain.InspectionResultExportFields {
		vals[i] = rec[f.Code]
	}
	return vals
}

// inspectionResultFeed delivers a page of the inspection results' change
// log as FeedPage does penalties: an entry carries the result's current
// state, a withdrawn result's fields never leave the database again, and
// the natural key is (record number, body credit code) in DecisionNo and
// AgencyCode. Values are in the order of InspectionResultExportFields.
func (f *CreditFeed) inspectionResults(ctx context.Context, q queryer, pg FeedPage, masked bool, fn func(*FeedEntry) error) error {
	rows, err := q.Query(ctx, `SELECT `+resultLinkedColumns+`, c.seq, c.at, c.op::text, coalesce(c.reason::text, '')
		`+resultLinkedFrom+` JOIN changes c ON c.entity_id = p.id
		WHERE c.entity = 'inspection_result' AND c.seq > $2 AND c.seq <= $3 ORDER BY c.seq`,
		f.pub.today(), pg.After, pg.Last)
	if err != nil {
		return err
	}
	defer rows.Close()
	var fr feedRow
	vals := make([]string, len(domain.InspectionResultExportFields))
	scrub := func(s string) string { return s }
	if masked {
		scrub = f.pub.rules.Text
	}
	for rows.Next() {
		r, err := scanLinkedResult(rows, &fr.entry.Seq, &fr.entry.At, &fr.op, &fr.reason)
		if err != nil {
			return err
		}
		fr.entry.ID, fr.status, fr.currentReason, fr.note = r.ID, r.Status, string(r.WithdrawReason), r.WithdrawNote
		if fr.resolve(true, scrub) {
			if masked {
				r = f.pub.maskResult(r)
			}
			fr.entry.Values = InspectionResultValues(&r, vals)
		}
		fr.entry.DecisionNo, fr.entry.AgencyCode = r.RecordNo, r.BodyCode
		if err := fn(&fr.entry); err != nil {
			return err
		}
	}
	return rows.Err()
}
