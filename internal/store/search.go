package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// This file serves search: the change log and cursors the indexer reads,
// the leases that keep one indexer active, the current lists it indexes,
// and the degraded-mode queries that answer searches from PostgreSQL while
// Meilisearch is unreachable.

// Change is one entry of the change log.
type Change struct {
	Seq      int64
	Entity   Entity
	EntityID int64
	Op       string // "upsert" or "withdraw"
	Reason   string // withdraw reason; "" for upserts
	At       time.Time
}

// ChangesAfter returns up to limit change-log entries with seq > after, in
// seq order. Appends commit in seq order (see appendChanges), so a reader
// that pages by seq never skips an entry that commits late.
func (s *Store) ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, entity::text, entity_id, op::text, coalesce(reason::text, ''), at
		FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store.ChangesAfter(%d): %w", after, err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Change, error) {
		var c Change
		var entity string
		err := r.Scan(&c.Seq, &entity, &c.EntityID, &c.Op, &c.Reason, &c.At)
		c.Entity = Entity(entity)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store.ChangesAfter(%d): %w", after, err)
	}
	return cs, nil
}

// LastChangeSeq returns the seq of the newest committed change-log entry,
// 0 when the log is empty. Every entry up to it has committed.
func (s *Store) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store.LastChangeSeq: %w", err)
	}
	return seq, nil
}

// SearchCursor returns the named consumer's position in the change log;
// found is false when it has never stored one.
func (s *Store) SearchCursor(ctx context.Context, name string) (seq int64, found bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT seq FROM search_cursors WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store.SearchCursor(%s): %w", name, err)
	}
	return seq, true, nil
}

// RewindSearchCursor moves the named cursor back to seq if it is ahead of
// it, creating it at seq if absent, and wakes the listeners of
// ChangesChannel. A rebuild calls it after swapping in indexes filled from
// a snapshot taken after seq, so that every change since is replayed.
func (s *Store) RewindSearchCursor(ctx context.Context, name string, seq int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO search_cursors (name, seq) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET seq = least(search_cursors.seq, EXCLUDED.seq), updated_at = now()`, name, seq)
		if err != nil {
			return err
		}
		// Wake the consumer, so it replays now rather than at its next poll.
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, 'rewind')`, ChangesChannel)
		return err
	})
	if err != nil {
		return fmt.Errorf("store.RewindSearchCursor(%s, %d): %w", name, seq, err)
	}
	return nil
}

// LeaseKey names an advisory lock that at most one process holds.
type LeaseKey int64

const (
	// IndexerLease is held by the active indexer; others wait as standbys.
	IndexerLease LeaseKey = 0x676f6e6773686901
	// RebuildLease is held while a full search rebuild runs.
	RebuildLease LeaseKey = 0x676f6e6773686902
)

// ErrLeaseHeld is returned by TryLease when another session holds the lease.
var ErrLeaseHeld = errors.New("lease held by another session")

// Lease is a session-level advisory lock held on a dedicated connection:
// it lasts until Close, or until the connection is lost. The connection
// also receives change-log notifications after Listen.
type Lease struct {
	conn *pgx.Conn
	key  LeaseKey
}

// TryLease takes the lease on a new connection, or returns ErrLeaseHeld.
func (s *Store) TryLease(ctx context.Context, key LeaseKey) (*Lease, error) {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "gongshi-lease"
	delete(cfg.RuntimeParams, "statement_timeout")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.TryLease: connect: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(key)).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("store.TryLease: %w", err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, ErrLeaseHeld
	}
	return &Lease{conn: conn, key: key}, nil
}

// Listen subscribes the lease's connection to ChangesChannel.
func (l *Lease) Listen(ctx context.Context) error {
	if _, err := l.conn.Exec(ctx, "LISTEN "+pgx.Identifier{ChangesChannel}.Sanitize()); err != nil {
		return fmt.Errorf("store.Lease.Listen: %w", err)
	}
	return nil
}

// WaitForChange blocks until a change-log notification arrives (true), or
// until timeout passes (false). Notifications that arrived meanwhile are
// delivered at once. An error means the connection, and with it the lease,
// is lost.
func (l *Lease) WaitForChange(ctx context.Context, timeout time.Duration) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := l.conn.WaitForNotification(wctx)
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case wctx.Err() != nil && !l.conn.IsClosed():
		return false, nil
	}
	return false, fmt.Errorf("store.Lease.WaitForChange: %w", err)
}

// Check reports whether the lease is still held.
func (l *Lease) Check(ctx context.Context) error {
	var held bool
	err := l.conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
		AND granted AND ((classid::bigint << 32) | objid::bigint) = $1)`, int64(l.key)).Scan(&held)
	if err != nil {
		return fmt.Errorf("store.Lease.Check: %w", err)
	}
	if !held {
		return errors.New("store.Lease.Check: lease lost")
	}
	return nil
}

// AdvanceCursor moves the named cursor from seq from to seq to, on the
// lease's own connection so that a holder that lost its lease cannot move
// it. It reports false, changing nothing, when the cursor is no longer at
// from (a rebuild rewound it).
func (l *Lease) AdvanceCursor(ctx context.Context, name string, from, to int64) (bool, error) {
	tag, err := l.conn.Exec(ctx, `UPDATE search_cursors SET seq = $3, updated_at = now() WHERE name = $1 AND seq = $2`,
		name, from, to)
	if err != nil {
		return false, fmt.Errorf("store.Lease.AdvanceCursor(%s, %d→%d): %w", name, from, to, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Close releases the lease.
func (l *Lease) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.Close(ctx)
}

// ListKindsOfVersions returns the kinds of the given list versions.
func (s *Store) ListKindsOfVersions(ctx context.Context, versionIDs []int64) ([]domain.ListKind, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT kind::text FROM list_versions WHERE id = ANY($1) ORDER BY 1`, versionIDs)
	if err != nil {
		return nil, fmt.Errorf("store.ListKindsOfVersions: %w", err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[domain.ListKind])
	if err != nil {
		return nil, fmt.Errorf("store.ListKindsOfVersions: %w", err)
	}
	return kinds, nil
}

// CurrentList is the newest version of one list with all its items.
type CurrentList struct {
	Kind             domain.ListKind
	VersionID        int64 // 0 when the list was never published
	Number           int
	EffectiveDate    time.Time
	Powers           []domain.PowerItem
	Responsibilities []domain.ResponsibilityItem
	Services         []domain.ServiceItem
}

// CurrentListItems reads the newest version of the list kind, items in
// code order with their duties, guides and flowcharts. Lists hold no
// personal data, so they need no masking.
func (s *Store) CurrentListItems(ctx context.Context, kind domain.ListKind) (CurrentList, error) {
	l := CurrentList{Kind: kind}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, number, effective_date FROM list_versions WHERE kind = $1
			ORDER BY number DESC LIMIT 1`, string(kind)).Scan(&l.VersionID, &l.Number, &l.EffectiveDate)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		switch kind {
		case domain.ListPowers:
			return readPowers(ctx, tx, &l)
		case domain.ListResponsibilities:
			rows, err := tx.Query(ctx, `SELECT code, part, duty, name, detail, accountability, basis
				FROM responsibility_items WHERE version_id = $1 ORDER BY code`, l.VersionID)
			if err != nil {
				return err
			}
			l.Responsibilities, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.ResponsibilityItem])
			return err
		case domain.ListPublicServices:
			return readServices(ctx, tx, &l)
		}
		return fmt.Errorf("unknown list kind %q", kind)
	})
	if err != nil {
		return CurrentList{}, fmt.Errorf("store.CurrentListItems(%s): %w", kind, err)
	}
	return l, nil
}

func readPowers(ctx context.Context, tx pgx.Tx, l *CurrentList) error {
	rows, err := tx.Query(ctx, `SELECT id, code, name, category, sub_items, legal_basis, unit, level, accountability,
		remarks, guide_basis, guide_applicant, guide_channels, guide_time_place, guide_conditions, guide_materials,
		statutory_limit, promised_limit, fees, consult_phone, complaint_phone, online_url, guide_notes
		FROM power_items WHERE version_id = $1 ORDER BY code`, l.VersionID)
	if err != nil {
		return err
	}
	var ids []int64
	byID := map[int64]int{}
	var id int64
	var it domain.PowerItem
	g := &it.Guide
	_, err = pgx.ForEachRow(rows, []any{&id, &it.Code, &it.Name, &it.Category, &it.SubItems, &it.LegalBasis, &it.Unit,
		&it.Level, &it.Accountability, &it.Remarks, &g.Basis, &g.Applicant, &g.Channels, &g.TimePlace, &g.Conditions,
		&g.Materials, &g.StatutoryLimit, &g.PromisedLimit, &g.Fees, &g.ConsultPhone, &g.ComplaintPhone, &g.OnlineURL,
		&g.Notes}, func() error {
		byID[id] = len(l.Powers)
		ids = append(ids, id)
		l.Powers = append(l.Powers, it)
		it = domain.PowerItem{}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT item_id, stage, content FROM power_duties WHERE item_id = ANY($1)
		ORDER BY item_id, position`, ids)
	if err != nil {
		return err
	}
	var d domain.Duty
	_, err = pgx.ForEachRow(rows, []any{&id, &d.Stage, &d.Content}, func() error {
		p := &l.Powers[byID[id]]
		p.Duties = append(p.Duties, d)
		return nil
	})
	if err != nil {
		return err
	}
	return readFlows(ctx, tx, domain.ListPowers, ids, func(id int64) *domain.Flow { return &l.Powers[byID[id]].Flow })
}

func readServices(ctx context.Context, tx pgx.Tx, l *CurrentList) error {
	rows, err := tx.Query(ctx, `SELECT id, code, name, target, basis, unit, conditions, materials, process,
		time_limit, fees, consult_phone, complaint_phone
		FROM service_items WHERE version_id = $1 ORDER BY code`, l.VersionID)
	if err != nil {
		return err
	}
	var ids []int64
	byID := map[int64]int{}
	var id int64
	var it domain.ServiceItem
	_, err = pgx.ForEachRow(rows, []any{&id, &it.Code, &it.Name, &it.Target, &it.Basis, &it.Unit, &it.Conditions,
		&it.Materials, &it.Process, &it.TimeLimit, &it.Fees, &it.ConsultPhone, &it.ComplaintPhone}, func() error {
		byID[id] = len(l.Services)
		ids = append(ids, id)
		l.Services = append(l.Services, it)
		it = domain.ServiceItem{}
		return nil
	})
	if err != nil {
		return err
	}
	return readFlows(ctx, tx, domain.ListPublicServices, ids, func(id int64) *domain.Flow { return &l.Services[byID[id]].Flow })
}

func readFlows(ctx context.Context, tx pgx.Tx, kind domain.ListKind, ids []int64, flowOf func(int64) *domain.Flow) error {
	rows, err := tx.Query(ctx, `SELECT owner_id, key, label, kind::text, time_limit, note FROM flow_nodes
		WHERE owner_kind = $1 AND owner_id = ANY($2) ORDER BY owner_id, position`, string(kind), ids)
	if err != nil {
		return err
	}
	var id int64
	var n domain.FlowNode
	_, err = pgx.ForEachRow(rows, []any{&id, &n.Key, &n.Label, &n.Kind, &n.TimeLimit, &n.Note}, func() error {
		f := flowOf(id)
		f.Nodes = append(f.Nodes, n)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT owner_id, from_key, to_key, label FROM flow_edges
		WHERE owner_kind = $1 AND owner_id = ANY($2) ORDER BY owner_id, position`, string(kind), ids)
	if err != nil {
		return err
	}
	var e domain.FlowEdge
	_, err = pgx.ForEachRow(rows, []any{&id, &e.From, &e.To, &e.Label}, func() error {
		f := flowOf(id)
		f.Edges = append(f.Edges, e)
		return nil
	})
	return err
}

// RecordQuery is a degraded-mode search over public penalties or permits.
// Every field has been validated by the caller; the store still binds
// every value as a parameter.
type RecordQuery struct {
	Terms        []string // each must occur in the record's searchable text (case-insensitive)
	Exact        string   // a credit code or decision number whose records rank first
	Category     []string // 处罚类别 (penalties) or 许可类别 (permits); any of
	Year         []int    // decision year; any of
	District     []string // district names or 6-digit codes; any of
	Agency       []string // agency names or credit codes; any of
	Stage        []string // penalties only
	SubjectKind  []string
	PermitStatus []string // permits only
	Sort         string   // "" (newest first), "decision_date:asc|desc", "fine_amount:asc|desc" (penalties only)
	Offset       int
	Limit        int
}

// RecordPage is one page of a degraded-mode search.
type RecordPage[T any] struct {
	Total   int64
	Records []T            // public and masked, in rank order
	Exact   map[int64]bool // ids of records that matched RecordQuery.Exact
	Facets  map[string]map[string]int64
}

// recordSearch describes how to search one table.
type recordSearch struct {
	table string
	// plain columns are public as stored (checked codes); free-text
	// columns are masked by the public read path (domain.MaskingRules.Text).
	plain, free []string
	// columns the facets and the order need besides the common ones.
	extra    string
	category string // condition on $n for the category filter
	status   string // condition on $n for the permit_status filter
	facets   string // facet queries on m beyond the common ones
	sorts    map[string]string
}

var penaltySearch = recordSearch{
	table: "penalties",
	plain: []string{"credit_code"},
	free: []string{"party_name", "decision_no", "violation_type", "basis", "licence_affected", "source_name", "legal_rep",
		"business_reg_no", "facts", "content", "remarks"},
	extra:    "p.categories, p.fine_yuan, coalesce(p.stage::text, '') AS stage",
	category: `p.categories && %s::text[]`,
	facets: `
		UNION ALL SELECT 'category', c, count(*), 0, false FROM m, unnest(m.categories) AS c GROUP BY 2
		UNION ALL SELECT 'stage', stage, count(*), 0, false FROM m WHERE stage <> '' GROUP BY 2`,
	sorts: map[string]string{
		"decision_date:desc": "decision_date DESC", "decision_date:asc": "decision_date ASC",
		"fine_amount:desc": "fine_yuan DESC", "fine_amount:asc": "fine_yuan ASC",
	},
}

var permitSearch = recordSearch{
	table: "permits",
	plain: []string{"credit_code"},
	free: []string{"party_name", "decision_no", "document_name", "certificate_name", "permit_no", "source_name",
		"legal_rep", "business_reg_no", "content", "remarks"},
	extra:    "p.category, p.state::text AS state",
	category: `p.category = ANY(%s)`,
	status:   `p.state::text = ANY(%s)`,
	facets: `
		UNION ALL SELECT 'category', category, count(*), 0, false FROM m GROUP BY 2
		UNION ALL SELECT 'permit_status', state, count(*), 0, false FROM m GROUP BY 2`,
	sorts: map[string]string{"decision_date:desc": "decision_date DESC", "decision_date:asc": "decision_date ASC"},
}

// text is the lower-cased searchable text of a record. With scrub, the
// number runs of 11 digits or more in its free text are hidden
// (gongshi_scrub): a term with digits is matched against it, so it cannot
// find a record by digits the public read path masks. A term without
// digits cannot match inside a number, and is matched against the cheaper
// unscrubbed text. The free columns are joined by line breaks, which end
// a number run as they do in Text.
func (rs recordSearch) text(scrub bool) string {
	var parts, free []string
	for _, c := range rs.plain {
		parts = append(parts, "p."+c)
	}
	for _, c := range rs.free {
		free = append(free, "p."+c)
	}
	freeText := strings.Join(free, " || E'\\n' || ")
	if scrub {
		freeText = "gongshi_scrub(" + freeText + ")"
	}
	parts = append(parts, freeText)
	return "lower(" + strings.Join(parts, " || ' ' || ") + ")"
}

type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// likeEscaper makes a term match literally inside LIKE '%…%'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func hasDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }) >= 0
}

func (rs recordSearch) where(pub *Public, q RecordQuery, args *sqlArgs) string {
	conds := []string{"p.status = 'published'"}
	if rs.table == "penalties" {
		conds = append(conds, "p.publicity_until >= "+args.add(pub.today())+"::date")
	}
	for _, t := range q.Terms {
		conds = append(conds, rs.text(hasDigit(t))+" LIKE "+args.add("%"+likeEscaper.Replace(strings.ToLower(t))+"%"))
	}
	if len(q.Category) > 0 {
		conds = append(conds, fmt.Sprintf(rs.category, args.add(q.Category)))
	}
	if len(q.Year) > 0 {
		conds = append(conds, "extract(year FROM p.decision_date)::int = ANY("+args.add(q.Year)+")")
	}
	if len(q.District) > 0 {
		a := args.add(q.District)
		conds = append(conds, "(d.name = ANY("+a+") OR d.code = ANY("+a+"))")
	}
	if len(q.Agency) > 0 {
		a := args.add(q.Agency)
		conds = append(conds, "(a.name = ANY("+a+") OR a.credit_code::text = ANY("+a+"))")
	}
	if len(q.Stage) > 0 {
		conds = append(conds, "p.stage::text = ANY("+args.add(q.Stage)+")")
	}
	if len(q.SubjectKind) > 0 {
		conds = append(conds, "p.party_kind::text = ANY("+args.add(q.SubjectKind)+")")
	}
	if len(q.PermitStatus) > 0 && rs.status != "" {
		conds = append(conds, fmt.Sprintf(rs.status, args.add(q.PermitStatus)))
	}
	return strings.Join(conds, " AND ")
}

// search matches, counts, facets and pages in one scan of the table; it
// returns the ids of the page in rank order.
func (rs recordSearch) search(ctx context.Context, pub *Public, q RecordQuery) (ids []int64, exact map[int64]bool,
	total int64, facets map[string]map[string]int64, err error) {
	if q.Sort != "" && rs.sorts[q.Sort] == "" {
		return nil, nil, 0, nil, fmt.Errorf("store: sort %q does not apply to %s", q.Sort, rs.table)
	}
	if (len(q.Stage) > 0 && rs.table != "penalties") || (len(q.PermitStatus) > 0 && rs.table != "permits") {
		return nil, nil, 0, nil, fmt.Errorf("store: a filter does not apply to %s", rs.table)
	}
	var args sqlArgs
	where := rs.where(pub, q, &args)
	exactCol := "false"
	if q.Exact != "" {
		e := args.add(q.Exact)
		exactCol = "(p.credit_code = " + e + " OR p.decision_no = " + e + ")"
	}
	order := []string{"exact DESC"}
	if q.Sort != "" {
		order = append(order, rs.sorts[q.Sort])
	}
	order = append(order, "decision_date DESC", "id DESC")
	rows, err := pub.s.pool.Query(ctx, `WITH m AS MATERIALIZED (
			SELECT p.id, `+rs.extra+`, p.decision_date, coalesce(d.name, '') AS district, a.name AS agency,
				p.party_kind::text AS kind, `+exactCol+` AS exact
			FROM `+rs.table+` p JOIN agencies a ON a.id = p.agency_id LEFT JOIN districts d ON d.code = a.district_code
			WHERE `+where+`)
		SELECT 'total', '', count(*), 0::bigint, false FROM m
		UNION ALL SELECT 'year', extract(year FROM decision_date)::int::text, count(*), 0, false FROM m GROUP BY 2
		UNION ALL SELECT 'district', district, count(*), 0, false FROM m WHERE district <> '' GROUP BY 2
		UNION ALL SELECT 'agency', agency, count(*), 0, false FROM m GROUP BY 2
		UNION ALL SELECT 'subject_kind', kind, count(*), 0, false FROM m GROUP BY 2`+rs.facets+`
		UNION ALL (SELECT 'page', '', 0, id, exact FROM m ORDER BY `+strings.Join(order, ", ")+
		` OFFSET `+args.add(max(q.Offset, 0))+` LIMIT `+args.add(max(q.Limit, 0))+`)`, args...)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	facets = map[string]map[string]int64{}
	exact = map[int64]bool{}
	var facet, value string
	var n, id int64
	var isExact bool
	_, err = pgx.ForEachRow(rows, []any{&facet, &value, &n, &id, &isExact}, func() error {
		switch facet {
		case "total":
			total = n
		case "page":
			ids = append(ids, id)
			if isExact {
				exact[id] = true
			}
		default:
			if facets[facet] == nil {
				facets[facet] = map[string]int64{}
			}
			if facet == "agency" {
				value = pub.rules.Text(value) // agency names are typed free text
			}
			facets[facet][value] += n
		}
		return nil
	})
	return ids, exact, total, facets, err
}

// inOrder returns recs ordered as ids; records no longer public are dropped.
func inOrder[T any](ids []int64, recs []T, id func(T) int64) []T {
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b T) int { return pos[id(a)] - pos[id(b)] })
	return out
}

// SearchPenalties is the degraded-mode search over public penalties: every
// term must occur in a penalty's searchable text (public columns, with long
// numbers hidden), the filters restrict the set, and records matching Exact
// come first. Records come from the public read path, masked.
func (pub *Public) SearchPenalties(ctx context.Context, q RecordQuery) (RecordPage[domain.PublishedPenalty], error) {
	ids, exact, total, facets, err := penaltySearch.search(ctx, pub, q)
	if err != nil {
		return RecordPage[domain.PublishedPenalty]{}, fmt.Errorf("store.SearchPenalties: %w", err)
	}
	page := RecordPage[domain.PublishedPenalty]{Total: total, Exact: exact, Facets: facets}
	if len(ids) > 0 {
		recs, err := pub.PenaltiesByID(ctx, ids)
		if err != nil {
			return page, err
		}
		page.Records = inOrder(ids, recs, func(p domain.PublishedPenalty) int64 { return p.ID })
	}
	return page, nil
}

// SearchPermits is SearchPenalties for permits.
func (pub *Public) SearchPermits(ctx context.Context, q RecordQuery) (RecordPage[domain.PublishedPermit], error) {
	ids, exact, total, facets, err := permitSearch.search(ctx, pub, q)
	if err != nil {
		return RecordPage[domain.PublishedPermit]{}, fmt.Errorf("store.SearchPermits: %w", err)
	}
	page := RecordPage[domain.PublishedPermit]{Total: total, Exact: exact, Facets: facets}
	if len(ids) > 0 {
		recs, err := pub.PermitsByID(ctx, ids)
		if err != nil {
			return page, err
		}
		page.Records = inOrder(ids, recs, func(p domain.PublishedPermit) int64 { return p.ID })
	}
	return page, nil
}
