package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// ListInput is a whole list to publish as a new version. Exactly one of
// the item slices matches Kind.
type ListInput struct {
	Kind             domain.ListKind
	EffectiveDate    time.Time
	Note             string
	Powers           []domain.PowerItem
	Responsibilities []domain.ResponsibilityItem
	Services         []domain.ServiceItem
	// GuardRemovals refuses, with ErrTooManyRemovals, a version that
	// removes more than a quarter of the current version's items: the
	// mark of a file of another layout or of the wrong list.
	GuardRemovals bool
	// DryRun computes the result and its changes and writes nothing.
	DryRun bool
}

// ErrTooManyRemovals is the error of a guarded publish that would remove
// more than a quarter of the current version's items.
var ErrTooManyRemovals = errors.New("the new version removes more than a quarter of the items")

// ListChange is one item a new version adds, changes or removes.
type ListChange struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Change string `json:"change"` // added, changed or removed
}

// tooManyRemovals reports whether removing removed of prev items is more
// than a quarter of them.
func tooManyRemovals(removed, prev int) bool { return prev > 0 && removed*4 > prev }

// PublishResult describes the version a publish produced.
type PublishResult struct {
	VersionID int64  `json:"version_id"`
	Number    int    `json:"number"`
	Created   bool   `json:"created"` // false: identical to the current version, nothing written
	Added     int    `json:"added"`
	Changed   int    `json:"changed"`
	Removed   int    `json:"removed"`
	Items     int    `json:"items"`
	Kind      string `json:"kind"`
	// DryRun: the result of ListInput.DryRun, nothing written.
	DryRun bool `json:"dry_run,omitempty"`
	// Changes are the items added, changed and removed, by code within
	// each kind of change.
	Changes []ListChange `json:"changes,omitempty"`
}

type listEntry struct {
	code, name string
	hash       []byte
	item       any
}

func hashItem(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("hashItem: %v", err))
	}
	h := sha256.Sum256(b)
	return h[:]
}

// listItems are, for each list, how an input's items are stored and
// validated.
var listItems = map[domain.ListKind]struct {
	entries  func(ListInput) []listEntry
	validate func(ListInput) domain.FieldErrors
}{
	domain.ListPowers: {
		func(in ListInput) []listEntry {
			return entriesOf(in.Powers, func(it domain.PowerItem) (string, string) { return it.Code, it.Name })
		},
		func(in ListInput) domain.FieldErrors { return domain.ValidatePowerItems(in.Powers) },
	},
	domain.ListResponsibilities: {
		func(in ListInput) []listEntry {
			return entriesOf(in.Responsibilities, func(it domain.ResponsibilityItem) (string, string) { return it.Code, it.Name })
		},
		func(in ListInput) domain.FieldErrors { return domain.ValidateResponsibilityItems(in.Responsibilities) },
	},
	domain.ListPublicServices: {
		func(in ListInput) []listEntry {
			return entriesOf(in.Services, func(it domain.ServiceItem) (string, string) { return it.Code, it.Name })
		},
		func(in ListInput) domain.FieldErrors { return domain.ValidateServiceItems(in.Services) },
	},
}

func entriesOf[T any](items []T, name func(T) (code, name string)) []listEntry {
	var out []listEntry
	for _, it := range items {
		code, n := name(it)
		out = append(out, listEntry{code, n, hashItem(it), it})
	}
	return out
}

func (in ListInput) entries() []listEntry {
	if l, ok := listItems[in.Kind]; ok {
		return l.entries(in)
	}
	return nil
}

// Validate reports every problem of the input's items, as the domain's
// validation of its list does; an unknown kind is a problem of its own.
func (in ListInput) Validate() domain.FieldErrors {
	l, ok := listItems[in.Kind]
	if !ok {
		return domain.FieldErrors{{Field: "kind", Code: domain.CodeEnum, Message: "unknown list; want " + domain.ListKindNames()}}
	}
	return l.validate(in)
}

// itemTable is the table of a list's items: power_items and so on.
func itemTable(k domain.ListKind) string {
	if k.Info().Item == "" {
		panic("itemTable: " + string(k))
	}
	return k.Info().Item + "_items"
}

// PublishList publishes a whole list as the next numbered version with its
// change log against the previous version. Publishing a list identical to
// the current version writes nothing and returns that version. Versions of
// one list are numbered without gaps even under concurrent publishers.
func (s *Store) PublishList(ctx context.Context, a Actor, in ListInput, opt WriteOptions) (PublishResult, error) {
	entries := in.entries()
	res := PublishResult{Kind: string(in.Kind), Items: len(entries)}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('list:' || $1))`, string(in.Kind)); err != nil {
			return err
		}
		var prevID int64
		var prevNumber int
		err := tx.QueryRow(ctx, `SELECT id, number FROM list_versions WHERE kind = $1 ORDER BY number DESC LIMIT 1`,
			string(in.Kind)).Scan(&prevID, &prevNumber)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		prev := map[string]listEntry{}
		if prevID != 0 {
			rows, err := tx.Query(ctx, `SELECT code, name, content_hash FROM `+itemTable(in.Kind)+` WHERE version_id = $1`, prevID)
			if err != nil {
				return err
			}
			var e listEntry
			_, err = pgx.ForEachRow(rows, []any{&e.code, &e.name, &e.hash}, func() error {
				prev[e.code] = e
				return nil
			})
			if err != nil {
				return err
			}
		}
		res.Changes = listChanges(prev, entries)
		for _, ch := range res.Changes {
			switch ch.Change {
			case "added":
				res.Added++
			case "changed":
				res.Changed++
			default:
				res.Removed++
			}
		}
		if prevID != 0 && len(res.Changes) == 0 {
			res.VersionID, res.Number = prevID, prevNumber
			return nil
		}
		if in.GuardRemovals && tooManyRemovals(res.Removed, len(prev)) {
			return fmt.Errorf("%w: %d of the %d items of version %d", ErrTooManyRemovals, res.Removed, len(prev), prevNumber)
		}
		res.Number, res.Created = prevNumber+1, true
		if in.DryRun {
			return nil
		}
		changes := make([][]any, len(res.Changes))
		for i, ch := range res.Changes {
			changes[i] = []any{ch.Code, ch.Name, ch.Change}
		}
		eff := in.EffectiveDate
		if eff.IsZero() {
			eff = time.Now()
		}
		if err := tx.QueryRow(ctx, `INSERT INTO list_versions (kind, number, effective_date, note, item_count, demo)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, string(in.Kind), res.Number, eff, in.Note, len(entries), opt.Demo).
			Scan(&res.VersionID); err != nil {
			return AsConflict(err)
		}
		for i := range changes {
			changes[i] = append([]any{res.VersionID}, changes[i]...)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"list_changes"}, []string{"version_id", "code", "name", "change"},
			pgx.CopyFromRows(changes)); err != nil {
			return AsConflict(err)
		}
		if err := insertItems(ctx, tx, in.Kind, res.VersionID, entries); err != nil {
			return err
		}
		if err := appendChanges(ctx, tx, EntityListVersion, "upsert", nil, []int64{res.VersionID}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "list.publish", EntityListVersion, []int64{res.VersionID},
			map[string]any{"kind": in.Kind, "number": res.Number, "added": res.Added, "changed": res.Changed, "removed": res.Removed})
	})
	if err != nil {
		return PublishResult{}, fmt.Errorf("store.PublishList(%s, %d items): %w", in.Kind, len(entries), err)
	}
	if in.DryRun {
		res.DryRun, res.VersionID = true, 0
	}
	return res, nil
}

// listChanges are the changes from the items prev (by code) to entries:
// the added and changed ones in the order of entries, then the removed
// ones by code.
func listChanges(prev map[string]listEntry, entries []listEntry) []ListChange {
	out := []ListChange{}
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		seen[e.code] = true
		p, ok := prev[e.code]
		switch {
		case !ok:
			out = append(out, ListChange{e.code, e.name, "added"})
		case string(p.hash) != string(e.hash):
			out = append(out, ListChange{e.code, e.name, "changed"})
		}
	}
	var removed []ListChange
	for code, p := range prev {
		if !seen[code] {
			removed = append(removed, ListChange{code, p.name, "removed"})
		}
	}
	slices.SortFunc(removed, func(a, b ListChange) int { return strings.Compare(a.Code, b.Code) })
	return append(out, removed...)
}

func insertItems(ctx context.Context, tx pgx.Tx, kind domain.ListKind, versionID int64, entries []listEntry) error {
	var duties, nodes, edges [][]any
	addFlow := func(owner int64, f domain.Flow) {
		for i, n := range f.Nodes {
			nodes = append(nodes, []any{string(kind), owner, n.Key, i, n.Label, string(n.Kind), n.TimeLimit, n.Note})
		}
		for i, e := range f.Edges {
			edges = append(edges, []any{string(kind), owner, i, e.From, e.To, e.Label})
		}
	}
	for _, e := range entries {
		var id int64
		var err error
		switch it := e.item.(type) {
		case domain.PowerItem:
			g := it.Guide
			err = tx.QueryRow(ctx, `INSERT INTO power_items (version_id, code, name, category, sub_items, legal_basis,
				unit, level, accountability, remarks, guide_basis, guide_applicant, guide_channels, guide_time_place,
				guide_conditions, guide_materials, statutory_limit, promised_limit, fees, consult_phone, complaint_phone,
				online_url, guide_notes, content_hash)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24) RETURNING id`,
				versionID, it.Code, it.Name, it.Category, nonNil(it.SubItems), it.LegalBasis, it.Unit, it.Level,
				it.Accountability, it.Remarks, g.Basis, g.Applicant, g.Channels, g.TimePlace, g.Conditions,
				nonNil(g.Materials), g.StatutoryLimit, g.PromisedLimit, g.Fees, g.ConsultPhone, g.ComplaintPhone,
				g.OnlineURL, g.Notes, e.hash).Scan(&id)
			for i, d := range it.Duties {
				duties = append(duties, []any{id, i, d.Stage, d.Content})
			}
			addFlow(id, it.Flow)
		case domain.ResponsibilityItem:
			err = tx.QueryRow(ctx, `INSERT INTO responsibility_items (version_id, code, part, duty, name, detail,
				accountability, basis, content_hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
				versionID, it.Code, it.Part, it.Duty, it.Name, it.Detail, it.Accountability, it.Basis, e.hash).Scan(&id)
		case domain.ServiceItem:
			err = tx.QueryRow(ctx, `INSERT INTO service_items (version_id, code, name, target, basis, unit, conditions,
				materials, process, time_limit, fees, consult_phone, complaint_phone, content_hash)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING id`,
				versionID, it.Code, it.Name, it.Target, it.Basis, it.Unit, it.Conditions, nonNil(it.Materials),
				it.Process, it.TimeLimit, it.Fees, it.ConsultPhone, it.ComplaintPhone, e.hash).Scan(&id)
			addFlow(id, it.Flow)
		}
		if err != nil {
			return fmt.Errorf("item %s: %w", e.code, AsConflict(err))
		}
	}
	copies := []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"power_duties", []string{"item_id", "position", "stage", "content"}, duties},
		{"flow_nodes", []string{"owner_kind", "owner_id", "key", "position", "label", "kind", "time_limit", "note"}, nodes},
		{"flow_edges", []string{"owner_kind", "owner_id", "position", "from_key", "to_key", "label"}, edges},
	}
	for _, c := range copies {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return fmt.Errorf("insert %s: %w", c.table, AsConflict(err))
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
