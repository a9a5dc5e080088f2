package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// The public reads of the enforcement records, methods of *Public like the
// rest of the public read path: inspection results are returned only
// while published, with the inspected party's identifiers masked and free
// text scrubbed as penalties are; a result's link to its penalty is only
// given while that penalty is public. Officers are read without any field
// beyond those of domain.Officer.

// PublishedBody is a registered enforcement body.
type PublishedBody struct {
	ID int64
	domain.EnforcementBody
	District      string // name of DistrictCode
	ValidOfficers int64  // officers whose certificate is valid today
	Demo          bool
	PublishedAt   time.Time
	UpdatedAt     time.Time
}

// BodyQuery selects bodies; zero fields do not filter.
type BodyQuery struct {
	DistrictCode string
	Status       domain.BodyStatus
}

const bodySelect = `SELECT b.id, b.name, b.credit_code, b.legal_basis, b.district_code, b.entrusted, b.entrusting_body,
	b.entrusting_code, b.status, b.remarks, d.name,
	(SELECT count(*) FROM enforcement_officers o WHERE o.body_id = b.id AND o.status = '有效' AND o.valid_until >= $1::date),
	b.demo, b.published_at, b.updated_at
	FROM enforcement_bodies b JOIN districts d ON d.code = b.district_code `

func (pub *Public) scanBody(row pgx.Row) (PublishedBody, error) {
	var b PublishedBody
	e := &b.EnforcementBody
	err := row.Scan(&b.ID, &e.Name, &e.CreditCode, &e.LegalBasis, &e.DistrictCode, &e.Entrusted, &e.EntrustingBody,
		&e.EntrustingCode, &e.Status, &e.Remarks, &b.District, &b.ValidOfficers, &b.Demo, &b.PublishedAt, &b.UpdatedAt)
	e.Remarks = pub.rules.Text(e.Remarks)
	return b, err
}

// EnforcementBodies returns the bodies q selects, the municipal ones first
// (by district code), then by name.
func (pub *Public) EnforcementBodies(ctx context.Context, q BodyQuery) ([]PublishedBody, error) {
	w := &where{args: []any{pub.today()}}
	w.conds = append(w.conds, "true")
	if q.DistrictCode != "" {
		w.add("b.district_code = %s", q.DistrictCode)
	}
	if q.Status != "" {
		w.add("b.status = %s", string(q.Status))
	}
	rows, err := pub.s.pool.Query(ctx, bodySelect+`WHERE `+w.sql()+` ORDER BY b.district_code, b.entrusted, b.name, b.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store.EnforcementBodies: %w", err)
	}
	bs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublishedBody, error) { return pub.scanBody(r) })
	if err != nil {
		return nil, fmt.Errorf("store.EnforcementBodies: %w", err)
	}
	return bs, nil
}

// EnforcementBody returns the body with the credit code; ErrNotFound when
// none is registered.
func (pub *Public) EnforcementBody(ctx context.Context, creditCode string) (PublishedBody, error) {
	b, err := pub.scanBody(pub.s.pool.QueryRow(ctx, bodySelect+`WHERE b.credit_code = $2`, pub.today(), creditCode))
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return PublishedBody{}, fmt.Errorf("store.EnforcementBody(%s): %w", creditCode, err)
	}
	return b, nil
}

// PublishedOfficer is an officer as the roster shows it.
type PublishedOfficer struct {
	ID int64
	domain.Officer
	Effective domain.OfficerStatus // Status, or 已过期 past ValidUntil
	Demo      bool
	UpdatedAt time.Time
}

// OfficerQuery selects officers; zero fields do not filter.
type OfficerQuery struct {
	BodyCode     string
	DistrictCode string // of the officer's body
	Status       domain.OfficerStatus
	Cursor       string // from Page.Next
	Limit        int    // 1 to MaxPageSize
}

// officerMatches selects the officers a query matches ($1 body code, $2
// district, $3 status; "" for any) with their body.
const officerMatches = `SELECT o.*, b.credit_code AS body_code, b.name AS body_name
	FROM enforcement_officers o JOIN enforcement_bodies b ON b.id = o.body_id
	WHERE ($1 = '' OR b.credit_code = $1) AND ($2 = '' OR b.district_code = $2) AND ($3 = '' OR o.status::text = $3)`

// Officers returns one page of the officers q selects, by name (then id);
// the page's Total counts every match.
func (pub *Public) Officers(ctx context.Context, q OfficerQuery) (Page[PublishedOfficer], error) {
	limit := min(max(q.Limit, 1), MaxPageSize)
	after := Cursor{}
	if q.Cursor != "" {
		c, err := decodeNameCursor(q.Cursor)
		if err != nil {
			return Page[PublishedOfficer]{}, fmt.Errorf("store.Officers: %w", err)
		}
		after = c
	}
	rows, err := pub.s.pool.Query(ctx, `WITH m AS (`+officerMatches+`)
		SELECT m.id, m.certificate_no, m.name, m.issuing_authority, m.body_code, m.body_name, m.status, m.valid_until,
			m.demo, m.updated_at, (SELECT count(*) FROM m)
		FROM m WHERE $4::bigint = 0 OR (m.name COLLATE "C", m.id) > ($5, $4::bigint)
		ORDER BY m.name COLLATE "C", m.id LIMIT $6`,
		q.BodyCode, q.DistrictCode, string(q.Status), after.ID, after.Key, limit+1)
	if err != nil {
		return Page[PublishedOfficer]{}, fmt.Errorf("store.Officers: %w", err)
	}
	page := Page[PublishedOfficer]{Items: []PublishedOfficer{}}
	var o PublishedOfficer
	_, err = pgx.ForEachRow(rows, []any{&o.ID, &o.CertificateNo, &o.Name, &o.IssuingAuthority, &o.BodyCode, &o.Body,
		&o.Status, &o.ValidUntil, &o.Demo, &o.UpdatedAt, &page.Total}, func() error {
		o.Effective = o.EffectiveStatus(pub.today())
		page.Items = append(page.Items, o)
		return nil
	})
	if err != nil {
		return Page[PublishedOfficer]{}, fmt.Errorf("store.Officers: %w", err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		last := page.Items[limit-1]
		page.Next = Cursor{List: "officers", Sort: "name", Key: last.Name, ID: last.ID}.String()
	}
	return page, nil
}

func decodeNameCursor(raw string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	var c Cursor
	if err == nil {
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		err = dec.Decode(&c)
	}
	if err != nil || c.ID <= 0 || c.List != "officers" || c.Sort != "name" {
		return Cursor{}, fmt.Errorf("%w: not a cursor of the officers list", ErrCursor)
	}
	return c, nil
}

// VerifyOfficer is the citizen's check of an enforcement certificate: the
// certificate number is normalised (full-width forms, spaces, case) and
// looked up; the answer holds the officer's name, body, status — 已过期
// when a valid certificate's validity has ended — and valid-until date,
// and nothing else. ErrNotFound when no such certificate is registered.
func (pub *Public) VerifyOfficer(ctx context.Context, certificateNo string) (domain.OfficerCheck, error) {
	no := domain.NormalizeCode(certificateNo)
	var o domain.Officer
	err := pub.s.pool.QueryRow(ctx, `SELECT o.name, b.name, o.status, o.valid_until
		FROM enforcement_officers o JOIN enforcement_bodies b ON b.id = o.body_id WHERE o.certificate_no = $1`, no).
		Scan(&o.Name, &o.Body, &o.Status, &o.ValidUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return domain.OfficerCheck{}, fmt.Errorf("store.VerifyOfficer: %w", err)
	}
	return domain.OfficerCheck{Name: o.Name, Body: o.Body, Status: o.EffectiveStatus(pub.today()), ValidUntil: o.ValidUntil}, nil
}

// RegisterVersion describes one version of a register and what it changed.
type RegisterVersion struct {
	Register      Register
	Number        int
	EffectiveDate time.Time
	Note          string
	Items         int // records in the register after this version
	Demo          bool
	PublishedAt   time.Time
	Added         int
	Changed       int
	Removed       int
}

// RegisterChange is one record a version added, changed or removed, with
// the record's content as of that version (nil when removed).
type RegisterChange struct {
	Version int
	At      time.Time // when the version was published
	Key     string    // credit code, certificate number or item code
	Name    string
	Change  string   // added, changed, removed
	Fields  []string // for "changed": the fields that differ from the version before
	Content map[string]string
}

const registerVersionSelect = `SELECT v.register::text, v.number, v.effective_date, v.note, v.item_count, v.demo,
	v.published_at, count(c.key) FILTER (WHERE c.change = 'added'), count(c.key) FILTER (WHERE c.change = 'changed'),
	count(c.key) FILTER (WHERE c.change = 'removed')
	FROM enforcement_versions v LEFT JOIN enforcement_changes c ON c.version_id = v.id `

// RegisterVersions returns every version of a register, newest first.
func (pub *Public) RegisterVersions(ctx context.Context, reg Register) ([]RegisterVersion, error) {
	rows, err := pub.s.pool.Query(ctx, registerVersionSelect+`WHERE v.register = $1 GROUP BY v.id ORDER BY v.number DESC`, string(reg))
	if err != nil {
		return nil, fmt.Errorf("store.RegisterVersions(%s): %w", reg, err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[RegisterVersion])
	if err != nil {
		return nil, fmt.Errorf("store.RegisterVersions(%s): %w", reg, err)
	}
	return vs, nil
}

// registerVersion returns the id and description of version n of a
// register (0: the newest); ErrNotFound when there is none.
func (pub *Public) registerVersion(ctx context.Context, reg Register, n int) (int64, RegisterVersion, error) {
	var id int64
	err := pub.s.pool.QueryRow(ctx, `SELECT id FROM enforcement_versions WHERE register = $1 AND ($2 = 0 OR number = $2)
		ORDER BY number DESC LIMIT 1`, string(reg), n).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, RegisterVersion{}, ErrNotFound
	}
	if err != nil {
		return 0, RegisterVersion{}, err
	}
	rows, err := pub.s.pool.Query(ctx, registerVersionSelect+`WHERE v.id = $1 GROUP BY v.id`, id)
	if err != nil {
		return 0, RegisterVersion{}, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[RegisterVersion])
	return id, v, err
}

const registerChangeSelect = `SELECT v.number, v.published_at, c.key, c.name, c.change::text, c.fields, c.content
	FROM enforcement_changes c JOIN enforcement_versions v ON v.id = c.version_id `

func scanRegisterChange(row pgx.CollectableRow) (RegisterChange, error) {
	var c RegisterChange
	err := row.Scan(&c.Version, &c.At, &c.Key, &c.Name, &c.Change, &c.Fields, &c.Content)
	return c, err
}

// RegisterChanges returns version n of a register (0: the newest) and
// what it added, changed and removed, by key.
func (pub *Public) RegisterChanges(ctx context.Context, reg Register, n int) (RegisterVersion, []RegisterChange, error) {
	id, v, err := pub.registerVersion(ctx, reg, n)
	if err != nil {
		return v, nil, fmt.Errorf("store.RegisterChanges(%s, %d): %w", reg, n, err)
	}
	rows, err := pub.s.pool.Query(ctx, registerChangeSelect+`WHERE c.version_id = $1 ORDER BY c.key`, id)
	if err != nil {
		return v, nil, fmt.Errorf("store.RegisterChanges(%s, %d): %w", reg, n, err)
	}
	cs, err := pgx.CollectRows(rows, scanRegisterChange)
	if err != nil {
		return v, nil, fmt.Errorf("store.RegisterChanges(%s, %d): %w", reg, n, err)
	}
	return v, cs, nil
}

// RecordHistory returns every change of one record of a register (by
// credit code, certificate number or item code), oldest first; none for
// an unknown key.
func (pub *Public) RecordHistory(ctx context.Context, reg Register, key string) ([]RegisterChange, error) {
	rows, err := pub.s.pool.Query(ctx, registerChangeSelect+`WHERE v.register = $1 AND c.key = $2 ORDER BY v.number`,
		string(reg), key)
	if err != nil {
		return nil, fmt.Errorf("store.RecordHistory(%s, %s): %w", reg, key, err)
	}
	cs, err := pgx.CollectRows(rows, scanRegisterChange)
	if err != nil {
		return nil, fmt.Errorf("store.RecordHistory(%s, %s): %w", reg, key, err)
	}
	return cs, nil
}

// InspectionItems returns version n of the random-inspection list (0: the
// current one) and its items by code; ErrNotFound when there is none.
func (pub *Public) InspectionItems(ctx context.Context, n int) (RegisterVersion, []domain.InspectionItem, error) {
	id, v, err := pub.registerVersion(ctx, RegisterInspectionItems, n)
	if err != nil {
		return v, nil, fmt.Errorf("store.InspectionItems(%d): %w", n, err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT code, name, category, scope, method, body, basis, frequency, remarks
		FROM inspection_items WHERE version_id = $1 ORDER BY code`, id)
	if err != nil {
		return v, nil, fmt.Errorf("store.InspectionItems(%d): %w", n, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.InspectionItem])
	if err != nil {
		return v, nil, fmt.Errorf("store.InspectionItems(%d): %w", n, err)
	}
	return v, items, nil
}

// PublishedTask is a random-inspection task with the number of its
// published results.
type PublishedTask struct {
	ID int64
	domain.InspectionTask
	District    string
	Results     int64 // published results of the task
	Demo        bool
	PublishedAt time.Time
	UpdatedAt   time.Time
}

// TaskQuery selects tasks; zero fields do not filter.
type TaskQuery struct {
	BodyCode     string
	DistrictCode string
	Year         int // tasks running at some time of the year
	Cursor       string
	Limit        int
}

const taskSelect = `SELECT p.id, p.code, p.name, b.credit_code, b.name, coalesce(p.plan_year, 0), p.item_codes, p.start_date,
	p.end_date, p.candidates, p.drawn, p.inspector_pool, p.inspectors, p.seed, p.algorithm, p.drawn_on, p.remarks, d.name,
	(SELECT count(*) FROM inspection_results r WHERE r.task_id = p.id AND r.status = 'published'),
	p.demo, p.published_at, p.updated_at
	FROM inspection_tasks p JOIN enforcement_bodies b ON b.id = p.body_id JOIN districts d ON d.code = b.district_code `

func scanTask(row pgx.Row) (PublishedTask, error) {
	var t PublishedTask
	e := &t.InspectionTask
	err := row.Scan(&t.ID, &e.Code, &e.Name, &e.BodyCode, &e.Body, &e.PlanYear, &e.ItemCodes, &e.StartDate, &e.EndDate,
		&e.Candidates, &e.Drawn, &e.InspectorPool, &e.Inspectors, &e.Seed, &e.Algorithm, &e.DrawnOn, &e.Remarks,
		&t.District, &t.Results, &t.Demo, &t.PublishedAt, &t.UpdatedAt)
	return t, err
}

var taskSorts = map[string]sortColumn{"start_date": {"p.start_date", "date"}}

// TaskSort is the order of the task list: newest start first.
var TaskSort = Sort{Key: "start_date", Desc: true}

// InspectionTasks returns one page of the tasks q selects, newest start
// first. Draws are not computed here: see InspectionTask.
func (pub *Public) InspectionTasks(ctx context.Context, q TaskQuery) (Page[PublishedTask], error) {
	w := &where{}
	w.conds = append(w.conds, "true")
	bodyFilters(w, "p.body_id", q.BodyCode, q.DistrictCode)
	if q.Year != 0 {
		w.add("p.start_date <= %s AND p.end_date >= %s", time.Date(q.Year, 12, 31, 0, 0, 0, 0, time.UTC),
			time.Date(q.Year, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	page, err := listPage(ctx, pub, "inspection_tasks", taskSelect, w, taskSorts, TaskSort, q.Cursor, q.Limit, scanTask,
		func(t PublishedTask) (string, int64) { return t.StartDate.Format(domain.DateLayout), t.ID })
	if err != nil {
		return page, fmt.Errorf("store.InspectionTasks: %w", err)
	}
	return page, nil
}

// InspectionTask returns the task with the id; ErrNotFound when there is
// none. Its draw is repeated with DrawEnterprises and DrawInspectors.
func (pub *Public) InspectionTask(ctx context.Context, id int64) (PublishedTask, error) {
	t, err := scanTask(pub.s.pool.QueryRow(ctx, taskSelect+`WHERE p.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return PublishedTask{}, fmt.Errorf("store.InspectionTask(%d): %w", id, err)
	}
	return t, nil
}

// bodyFilters adds the filters by body credit code and by the body's
// district on column col (a body id).
func bodyFilters(w *where, col, bodyCode, districtCode string) {
	if bodyCode != "" {
		w.add(col+" = (SELECT id FROM enforcement_bodies WHERE credit_code = %s)", bodyCode)
	}
	if districtCode != "" {
		w.add(col+" IN (SELECT id FROM enforcement_bodies WHERE district_code = %s)", districtCode)
	}
}

// PublishedInspectionResult is a public inspection result, masked.
type PublishedInspectionResult struct {
	domain.Publication
	domain.InspectionResult
	TaskID int64 // 0 when not a 双随机抽查
	// PenaltyID is the public penalty the 立案查处 led to; 0, with
	// PenaltyDecisionNo and PenaltyAgencyCode empty, while there is none
	// public (not yet decided or published, withdrawn, or past its
	// publicity period).
	PenaltyID int64
}

// InspectionResultQuery selects public inspection results; zero fields do
// not filter.
type InspectionResultQuery struct {
	BodyCode     string
	DistrictCode string
	TaskID       int64
	Kind         string
	Category     string
	Outcome      domain.InspectionOutcome
	PartyKind    domain.PartyKind
	CreditCode   string
	// Name matches the results whose party's public name holds it
	// (case-insensitively). Names and Name are compared digit-blind: a
	// digit, or an ID number's check letter after one, matches any
	// other, so a search tells nothing about a digit that masking hides.
	Name          string
	InspectedFrom time.Time
	InspectedTo   time.Time
	Sort          Sort // zero: InspectionResultSort
	Cursor        string
	Limit         int
}

// InspectionResultSortKeys are the keys the results can be sorted by.
var InspectionResultSortKeys = []string{"inspection_date", "published_at"}

// InspectionResultSort is the default order: newest inspections first.
var InspectionResultSort = Sort{Key: "inspection_date", Desc: true}

var resultSorts = map[string]sortColumn{
	"inspection_date": {"p.inspection_date", "date"},
	"published_at":    {"p.published_at", "instant"},
}

// The columns of a PublishedInspectionResult but its PenaltyID, and the
// tables they come from.
const (
	resultColumns = `p.id, coalesce(d.name, ''), coalesce(d.code, ''), p.status, coalesce(p.withdraw_reason::text, ''),
	p.withdraw_note, p.withdrawn_at, p.published_at, p.updated_at, p.demo,
	p.record_no, b.credit_code, b.name, coalesce(t.code, ''), p.kind, ` + partyColumnsP + `, p.category,
	p.inspection_date, p.outcome, p.hazards, p.penalty_agency_code, p.penalty_decision_no, p.summary, coalesce(t.id, 0)`
	resultFrom = `FROM inspection_results p JOIN enforcement_bodies b ON b.id = p.body_id
	LEFT JOIN districts d ON d.code = b.district_code LEFT JOIN inspection_tasks t ON t.id = p.task_id `
	resultSelect = `SELECT ` + resultColumns + ` ` + resultFrom
)

// scanResult reads resultColumns, then the extra destinations.
func scanResult(row pgx.Row, extra ...any) (PublishedInspectionResult, error) {
	var r PublishedInspectionResult
	e := &r.InspectionResult
	dest := append(publicationDest(&r.Publication), &e.RecordNo, &e.BodyCode, &e.Body, &e.TaskCode, &e.Kind)
	dest = append(dest, partyDest(&e.Party)...)
	dest = append(dest, &e.Category, &e.InspectionDate, &e.Outcome, &e.Hazards, &e.PenaltyAgencyCode,
		&e.PenaltyDecisionNo, &e.Summary, &r.TaskID)
	err := row.Scan(append(dest, extra...)...)
	return r, err
}

func (pub *Public) maskResult(r PublishedInspectionResult) PublishedInspectionResult {
	r.Party = pub.rules.Party(r.Party)
	r.Summary = pub.rules.Text(r.Summary)
	r.WithdrawNote = pub.rules.Text(r.WithdrawNote)
	return r
}

// finishResults masks rs and resolves their penalty links: only a penalty
// that is public today is linked, and a link to one that is not is
// removed.
func (pub *Public) finishResults(ctx context.Context, rs []PublishedInspectionResult) error {
	var agencies, numbers []string
	for _, r := range rs {
		if r.PenaltyDecisionNo != "" {
			agencies, numbers = append(agencies, r.PenaltyAgencyCode), append(numbers, r.PenaltyDecisionNo)
		}
	}
	ids := map[[2]string]int64{}
	if len(numbers) > 0 {
		rows, err := pub.s.pool.Query(ctx, `SELECT a.credit_code, p.decision_no, p.id
			FROM unnest($2::text[], $3::text[]) AS k(agency, no)
			JOIN agencies a ON a.credit_code = k.agency
			JOIN penalties p ON p.agency_id = a.id AND p.decision_no = k.no
			WHERE `+publicPenalty, pub.today(), agencies, numbers)
		if err != nil {
			return fmt.Errorf("penalty links: %w", err)
		}
		var k [2]string
		var id int64
		if _, err := pgx.ForEachRow(rows, []any{&k[0], &k[1], &id}, func() error { ids[k] = id; return nil }); err != nil {
			return fmt.Errorf("penalty links: %w", err)
		}
	}
	for i := range rs {
		r := &rs[i]
		r.PenaltyID = ids[[2]string{r.PenaltyAgencyCode, r.PenaltyDecisionNo}]
		if r.PenaltyID == 0 {
			r.PenaltyAgencyCode, r.PenaltyDecisionNo = "", ""
		}
		*r = pub.maskResult(*r)
	}
	return nil
}

// resultConds adds the public filter and q's filters to w.
func resultConds(w *where, q InspectionResultQuery) {
	w.conds = append(w.conds, "p.status = 'published'")
	bodyFilters(w, "p.body_id", q.BodyCode, q.DistrictCode)
	for _, f := range [][2]string{{"p.kind", q.Kind}, {"p.category", q.Category}, {"p.outcome", string(q.Outcome)},
		{"p.party_kind", string(q.PartyKind)}, {"p.credit_code", q.CreditCode}} {
		if f[1] != "" {
			w.add(f[0]+" = %s", f[1])
		}
	}
	if q.TaskID != 0 {
		w.add("p.task_id = %s", q.TaskID)
	}
	if q.Name != "" { // served by inspection_results_public_name (migration 00014)
		w.add("gongshi_name_blind(p.party_name) ILIKE '%%' || gongshi_name_blind(%s) || '%%'", likeEscaper.Replace(q.Name))
	}
	if !q.InspectedFrom.IsZero() {
		w.add("p.inspection_date >= %s", q.InspectedFrom)
	}
	if !q.InspectedTo.IsZero() {
		w.add("p.inspection_date <= %s", q.InspectedTo)
	}
}

// InspectionResults returns one page of the public inspection results q
// selects, masked. A cursor that is not from a page of the same sort is
// ErrCursor.
func (pub *Public) InspectionResults(ctx context.Context, q InspectionResultQuery) (Page[PublishedInspectionResult], error) {
	if q.Sort.Key == "" {
		q.Sort = InspectionResultSort
	}
	w := &where{}
	resultConds(w, q)
	page, err := listPage(ctx, pub, "inspection_results", resultSelect, w, resultSorts, q.Sort, q.Cursor, q.Limit,
		func(row pgx.Row) (PublishedInspectionResult, error) { return scanResult(row) },
		func(r PublishedInspectionResult) (string, int64) {
			if q.Sort.Key == "published_at" {
				return r.PublishedAt.UTC().Format(time.RFC3339Nano), r.ID
			}
			return r.InspectionDate.Format(domain.DateLayout), r.ID
		})
	if err == nil {
		err = pub.finishResults(ctx, page.Items)
	}
	if err != nil {
		return page, fmt.Errorf("store.InspectionResults: %w", err)
	}
	return page, nil
}

// InspectionResultsByID returns the public, masked results among ids, in
// id order; the others are absent.
func (pub *Public) InspectionResultsByID(ctx context.Context, ids []int64) ([]PublishedInspectionResult, error) {
	rows, err := pub.s.pool.Query(ctx, resultSelect+`WHERE p.status = 'published' AND p.id = ANY($1) ORDER BY p.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("store.InspectionResultsByID: %w", err)
	}
	rs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublishedInspectionResult, error) { return scanResult(r) })
	if err == nil {
		err = pub.finishResults(ctx, rs)
	}
	if err != nil {
		return nil, fmt.Errorf("store.InspectionResultsByID: %w", err)
	}
	return rs, nil
}

// InspectionResult returns the public result with the id, masked;
// ErrNotFound when it does not exist or is withdrawn.
func (pub *Public) InspectionResult(ctx context.Context, id int64) (PublishedInspectionResult, error) {
	rs, err := pub.InspectionResultsByID(ctx, []int64{id})
	if err != nil {
		return PublishedInspectionResult{}, err
	}
	if len(rs) == 0 {
		return PublishedInspectionResult{}, fmt.Errorf("store.InspectionResult(%d): %w", id, ErrNotFound)
	}
	return rs[0], nil
}

// PublishedPlan is an annual enforcement plan.
type PublishedPlan struct {
	ID int64
	domain.EnforcementPlan
	District    string
	Demo        bool
	PublishedAt time.Time
	UpdatedAt   time.Time
}

// PlanQuery selects plans; zero fields do not filter.
type PlanQuery struct {
	Year         int
	BodyCode     string
	DistrictCode string
}

// EnforcementPlans returns the plans q selects, newest year first, then by
// district and body name; targets in their given order.
func (pub *Public) EnforcementPlans(ctx context.Context, q PlanQuery) ([]PublishedPlan, error) {
	w := &where{}
	w.conds = append(w.conds, "true")
	bodyFilters(w, "p.body_id", q.BodyCode, q.DistrictCode)
	if q.Year != 0 {
		w.add("p.year = %s", q.Year)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT p.id, p.year, b.credit_code, b.name, p.name, p.approved_on,
			coalesce((SELECT json_agg(json_build_object('Category', t.category, 'Enterprises', t.enterprises) ORDER BY t.position)
				FROM enforcement_plan_targets t WHERE t.plan_id = p.id), '[]'),
			p.remarks, d.name, p.demo, p.published_at, p.updated_at
		FROM enforcement_plans p JOIN enforcement_bodies b ON b.id = p.body_id JOIN districts d ON d.code = b.district_code
		WHERE `+w.sql()+` ORDER BY p.year DESC, b.district_code, b.name, p.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store.EnforcementPlans: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublishedPlan, error) {
		var p PublishedPlan
		e := &p.EnforcementPlan
		err := r.Scan(&p.ID, &e.Year, &e.BodyCode, &e.Body, &e.Name, &e.ApprovedOn, &e.Targets, &e.Remarks, &p.District,
			&p.Demo, &p.PublishedAt, &p.UpdatedAt)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store.EnforcementPlans: %w", err)
	}
	return ps, nil
}

// PublishedReferral is one published referral count.
type PublishedReferral struct {
	domain.CriminalReferral
	District  string
	Demo      bool
	UpdatedAt time.Time
}

// ReferralQuery selects referral counts; zero fields do not filter.
type ReferralQuery struct {
	From, To     domain.Quarter // inclusive
	BodyCode     string
	DistrictCode string
	Stage        domain.Stage
}

// CriminalReferrals returns the referral counts q selects, by quarter,
// then body and stage.
func (pub *Public) CriminalReferrals(ctx context.Context, q ReferralQuery) ([]PublishedReferral, error) {
	w := &where{}
	referralConds(w, q.BodyCode, q.DistrictCode, q.Stage)
	if q.From.Valid() {
		w.add("(c.year, c.quarter) >= (%s, %s)", q.From.Year, q.From.Q)
	}
	if q.To.Valid() {
		w.add("(c.year, c.quarter) <= (%s, %s)", q.To.Year, q.To.Q)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT c.year, c.quarter, b.credit_code, b.name, c.stage, c.cases, c.persons,
			d.name, c.demo, c.updated_at
		FROM criminal_referrals c JOIN enforcement_bodies b ON b.id = c.body_id JOIN districts d ON d.code = b.district_code
		WHERE `+w.sql()+` ORDER BY c.year, c.quarter, b.district_code, b.name, c.stage`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("store.CriminalReferrals: %w", err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublishedReferral, error) {
		var c PublishedReferral
		e := &c.CriminalReferral
		err := r.Scan(&e.Year, &e.Quarter, &e.BodyCode, &e.Body, &e.Stage, &e.Cases, &e.Persons, &c.District, &c.Demo, &c.UpdatedAt)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store.CriminalReferrals: %w", err)
	}
	return cs, nil
}

// referralConds adds the filters of referral counts (alias c) to w.
func referralConds(w *where, bodyCode, districtCode string, stage domain.Stage) {
	w.conds = append(w.conds, "true")
	bodyFilters(w, "c.body_id", bodyCode, districtCode)
	if stage != "" {
		w.add("c.stage = %s", string(stage))
	}
}
