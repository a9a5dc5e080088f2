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

// taskHashed is what identifies a change of a task: the body by its id.
type taskHashed struct {
	Task   domain.InspectionTask
	BodyID int64
}

var taskCols = []string{"body_id", "code", "name", "plan_year", "item_codes", "start_date", "end_date", "candidates",
	"drawn", "inspector_pool", "inspectors", "seed", "algorithm", "drawn_on", "remarks", "demo", "record_hash"}

var taskUpsert = keyedUpsert("inspection_tasks", []string{"body_id", "code"}, taskCols, plainSet(taskCols), "")

// UpsertInspectionTasks writes a batch of validated random-inspection
// tasks, keyed by (body, task code). Each task's body must be registered
// and its item codes must be items of the current random-inspection list;
// otherwise the batch fails with domain.FieldErrors.
func (s *Store) UpsertInspectionTasks(ctx context.Context, a Actor, ts []domain.InspectionTask, opt WriteOptions) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		bodies, err := bodyRefs(ctx, tx, codesOf(ts, func(t domain.InspectionTask) string { return t.BodyCode }))
		if err != nil {
			return err
		}
		var version int
		var items []string
		err = tx.QueryRow(ctx, `SELECT v.number, coalesce((SELECT array_agg(code) FROM inspection_items WHERE version_id = v.id), '{}')
			FROM enforcement_versions v WHERE v.register = $1 ORDER BY v.number DESC LIMIT 1`,
			string(RegisterInspectionItems)).Scan(&version, &items)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("current inspection list: %w", err)
		}
		var c refChecker
		c.duplicates(keysOf(ts, func(t domain.InspectionTask) string { return t.BodyCode + "\x00" + t.Code }), "code")
		args := make([][]any, len(ts))
		for i, t := range ts {
			id := c.body(i, bodies, t.BodyCode, t.Body, "body_code", "body")
			for _, code := range t.ItemCodes {
				if !slices.Contains(items, code) {
					c.add(i, "item_codes", domain.CodeConflict, "%s is not an item of the current random-inspection list (version %d)", code, version)
				}
			}
			t.Body = ""
			args[i] = []any{id, t.Code, t.Name, nullable(t.PlanYear), t.ItemCodes, t.StartDate, t.EndDate, t.Candidates,
				t.Drawn, t.InspectorPool, t.Inspectors, t.Seed, t.Algorithm, t.DrawnOn, t.Remarks, opt.Demo,
				recordHash(taskHashed{t, id}, opt.Demo)}
		}
		if err := c.err(); err != nil {
			return err
		}
		if results, err = runUpserts(ctx, tx, taskUpsert, args); err != nil {
			return err
		}
		_, err = logUpserts(ctx, tx, a, EntityInspectionTask, results)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store.UpsertInspectionTasks(%d records): %w", len(ts), err)
	}
	return results, nil
}

// resultHashed is what identifies a change of an inspection result.
type resultHashed struct {
	Result         domain.InspectionResult
	BodyID, TaskID int64
}

var resultCols = []string{"body_id", "record_no", "task_id", "kind", "party_name", "party_kind", "credit_code",
	"business_reg_no", "org_code", "tax_reg_no", "institution_no", "social_org_no", "legal_rep", "legal_rep_id_type",
	"legal_rep_id_no", "id_type", "id_no", "category", "inspection_date", "outcome", "hazards", "penalty_agency_code",
	"penalty_decision_no", "summary", "demo", "record_hash", "published_at"}

// A corrected result withdrawn as "corrected" is published again by its
// corrected version, as penalties are; published_at keeps its first value.
var resultUpsert = keyedUpsert("inspection_results", []string{"body_id", "record_no"}, resultCols,
	updateSet("t", slices.DeleteFunc(slices.Clone(resultCols), func(c string) bool { return c == "published_at" })),
	placeholdersFrom(1, len(resultCols)-1)+fmt.Sprintf(", coalesce($%d, now())", len(resultCols)))

// DatedInspectionResult is an inspection result with the instant it was
// first published, for results published before Gongshi held them (and
// for demo data).
type DatedInspectionResult struct {
	domain.InspectionResult
	PublishedAt time.Time
}

// UpsertInspectionResults writes a batch of validated inspection results,
// keyed by (body, record number), published now. Each result's body must
// be registered; a 双随机抽查 must name a task of the same body, and its
// inspection date must lie within the task's dates; otherwise the batch
// fails with domain.FieldErrors. Upserting a result withdrawn as
// "corrected" publishes it again.
func (s *Store) UpsertInspectionResults(ctx context.Context, a Actor, rs []domain.InspectionResult, opt WriteOptions) ([]UpsertResult, error) {
	dated := make([]DatedInspectionResult, len(rs))
	for i, r := range rs {
		dated[i].InspectionResult = r
	}
	return s.BackfillInspectionResults(ctx, a, dated, opt)
}

// BackfillInspectionResults is UpsertInspectionResults for results whose
// publication instant is known (a zero PublishedAt means now). The instant
// is only written when a result is created.
func (s *Store) BackfillInspectionResults(ctx context.Context, a Actor, rs []DatedInspectionResult, opt WriteOptions) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		bodies, err := bodyRefs(ctx, tx, codesOf(rs, func(r DatedInspectionResult) string { return r.BodyCode }))
		if err != nil {
			return err
		}
		tasks, err := taskRefs(ctx, tx, rs)
		if err != nil {
			return err
		}
		var c refChecker
		c.duplicates(keysOf(rs, func(r DatedInspectionResult) string { return r.BodyCode + "\x00" + r.RecordNo }), "JC_JLBH")
		args := make([][]any, len(rs))
		for i, d := range rs {
			r := d.InspectionResult
			bodyID := c.body(i, bodies, r.BodyCode, r.Body, "JC_JCZTDM", "JC_JCZT")
			var taskID int64
			if r.TaskCode != "" {
				t, ok := tasks[taskKey{r.BodyCode, r.TaskCode}]
				switch {
				case !ok:
					c.add(i, "JC_RWBH", domain.CodeConflict, "the body %s has no task %s", r.BodyCode, r.TaskCode)
				case r.InspectionDate.Before(t.start) || r.InspectionDate.After(t.end):
					c.add(i, "JC_JCRQ", domain.CodeRange, "%s is outside the task's dates (%s to %s)",
						r.InspectionDate.Format(domain.DateLayout), t.start.Format(domain.DateLayout), t.end.Format(domain.DateLayout))
				}
				taskID = t.id
			}
			r.Body = ""
			p := &r.Party
			var published *time.Time
			if !d.PublishedAt.IsZero() {
				published = &d.PublishedAt
			}
			args[i] = []any{bodyID, r.RecordNo, nullable(taskID), r.Kind, p.Name, string(p.Kind), p.CreditCode,
				p.BusinessRegNo, p.OrgCode, p.TaxRegNo, p.InstitutionNo, p.SocialOrgNo, p.LegalRep, p.LegalRepIDType,
				p.LegalRepIDNo, p.IDType, p.IDNo, r.Category, r.InspectionDate, string(r.Outcome), r.Hazards,
				r.PenaltyAgencyCode, r.PenaltyDecisionNo, r.Summary, opt.Demo,
				recordHash(resultHashed{r, bodyID, taskID}, opt.Demo), published}
		}
		if err := c.err(); err != nil {
			return err
		}
		if results, err = writeResults(ctx, tx, args); err != nil {
			return err
		}
		_, err = logUpserts(ctx, tx, a, EntityInspectionResult, results)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store.UpsertInspectionResults(%d records): %w", len(rs), err)
	}
	return results, nil
}

// resultArrayTypes are the SQL types of resultCols' values as arrays
// (enums travel as text), and resultValues how an unnested row (k.cN) is
// written to each column.
var (
	resultArrayTypes = []string{"bigint", "text", "bigint", "text", "text", "text", "text", "text", "text", "text", "text",
		"text", "text", "text", "text", "text", "text", "text", "date", "text", "integer", "text", "text", "text", "boolean",
		"bytea", "timestamptz"}
	resultValues = func() []string {
		out := make([]string, len(resultCols))
		for i, c := range resultCols {
			switch c {
			case "party_kind":
				out[i] = fmt.Sprintf("k.c%d::party_kind", i)
			case "outcome":
				out[i] = fmt.Sprintf("k.c%d::inspection_outcome", i)
			case "published_at":
				out[i] = fmt.Sprintf("coalesce(k.c%d, now())", i)
			default:
				out[i] = fmt.Sprintf("k.c%d", i)
			}
		}
		return out
	}()
	resultInsertNew = func() string {
		params, names := make([]string, len(resultCols)), make([]string, len(resultCols))
		for i, t := range resultArrayTypes {
			params[i], names[i] = fmt.Sprintf("$%d::%s[]", i+1, t), fmt.Sprintf("c%d", i)
		}
		return fmt.Sprintf(`INSERT INTO inspection_results (%s) SELECT %s FROM unnest(%s) AS k(%s)
			ON CONFLICT (body_id, record_no) DO NOTHING RETURNING id, body_id, record_no`,
			strings.Join(resultCols, ", "), strings.Join(resultValues, ", "), strings.Join(params, ", "), strings.Join(names, ", "))
	}()
)

// writeResults writes result rows (args in the order of resultCols) as
// runUpserts would, faster for large batches: rows equal to the stored
// ones (same record_hash) are left alone, new rows are inserted by one
// statement, and only changed rows — and new rows another writer inserted
// meanwhile — go through the upsert one by one.
func writeResults(ctx context.Context, tx pgx.Tx, args [][]any) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(args))
	bodies, numbers, hashes := make([]int64, len(args)), make([]string, len(args)), make([][]byte, len(args))
	for i, a := range args {
		bodies[i], numbers[i], hashes[i] = a[0].(int64), a[1].(string), a[len(a)-2].([]byte)
	}
	rows, err := tx.Query(ctx, `SELECT k.i, r.id, r.record_hash = k.h
		FROM unnest($1::bigint[], $2::text[], $3::bytea[]) WITH ORDINALITY AS k(body, no, h, i)
		JOIN inspection_results r ON r.body_id = k.body AND r.record_no = k.no`, bodies, numbers, hashes)
	if err != nil {
		return nil, fmt.Errorf("stored results: %w", err)
	}
	stored := map[int]bool{}
	var i int64
	var id int64
	var same bool
	if _, err := pgx.ForEachRow(rows, []any{&i, &id, &same}, func() error {
		stored[int(i-1)] = true
		if same {
			results[i-1] = UpsertResult{ID: id, Outcome: Unchanged}
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("stored results: %w", err)
	}
	var fresh []int
	for i := range args {
		if !stored[i] {
			fresh = append(fresh, i)
		}
	}
	if len(fresh) > 0 {
		cols := make([]any, len(resultCols))
		for c := range cols {
			col := make([]any, len(fresh))
			for j, i := range fresh {
				col[j] = args[i][c]
			}
			cols[c] = col
		}
		rows, err := tx.Query(ctx, resultInsertNew, cols...)
		if err != nil {
			return nil, fmt.Errorf("insert results: %w", AsConflict(err))
		}
		inserted := map[string]int64{}
		var body int64
		var no string
		if _, err := pgx.ForEachRow(rows, []any{&id, &body, &no}, func() error {
			inserted[fmt.Sprint(body, "\x00", no)] = id
			return nil
		}); err != nil {
			return nil, fmt.Errorf("insert results: %w", AsConflict(err))
		}
		for _, i := range fresh {
			if id, ok := inserted[fmt.Sprint(bodies[i], "\x00", numbers[i])]; ok {
				results[i] = UpsertResult{ID: id, Outcome: Created}
			}
		}
	}
	var rest []int
	var restArgs [][]any
	for i, r := range results {
		if r.Outcome == "" {
			rest, restArgs = append(rest, i), append(restArgs, args[i])
		}
	}
	if len(rest) > 0 {
		upserted, err := runUpserts(ctx, tx, resultUpsert, restArgs)
		if err != nil {
			return nil, err
		}
		for j, i := range rest {
			results[i] = upserted[j]
		}
	}
	return results, nil
}

type taskKey struct{ bodyCode, code string }

type taskRef struct {
	id         int64
	start, end time.Time
}

// taskRefs looks up the tasks the results name.
func taskRefs(ctx context.Context, q queryer, rs []DatedInspectionResult) (map[taskKey]taskRef, error) {
	var bodies, codes []string
	for _, r := range rs {
		if r.TaskCode != "" {
			bodies, codes = append(bodies, r.BodyCode), append(codes, r.TaskCode)
		}
	}
	out := map[taskKey]taskRef{}
	if len(codes) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, `SELECT DISTINCT b.credit_code, t.code, t.id, t.start_date, t.end_date
		FROM unnest($1::text[], $2::text[]) AS k(body, code)
		JOIN enforcement_bodies b ON b.credit_code = k.body
		JOIN inspection_tasks t ON t.body_id = b.id AND t.code = k.code`, bodies, codes)
	if err != nil {
		return nil, fmt.Errorf("look up tasks: %w", err)
	}
	var k taskKey
	var t taskRef
	_, err = pgx.ForEachRow(rows, []any{&k.bodyCode, &k.code, &t.id, &t.start, &t.end}, func() error { out[k] = t; return nil })
	if err != nil {
		return nil, fmt.Errorf("look up tasks: %w", err)
	}
	return out, nil
}

// WithdrawInspectionResult takes a published inspection result down, as
// Withdraw does a penalty: revoked (the inspection's finding was annulled)
// or corrected (republished by its corrected version). Other reasons and
// a note longer than domain.WithdrawNoteMax are domain.FieldErrors; a
// result that is not published is ErrConflict, an unknown id ErrNotFound.
func (s *Store) WithdrawInspectionResult(ctx context.Context, a Actor, id int64, reason domain.WithdrawReason, note string) error {
	var errs domain.FieldErrors
	if reason != domain.ReasonRevoked && reason != domain.ReasonCorrected {
		errs = append(errs, domain.FieldError{Field: "reason", Code: domain.CodeEnum,
			Message: fmt.Sprintf("an inspection result is withdrawn as %s or %s", domain.ReasonRevoked, domain.ReasonCorrected)})
	}
	if n := len([]rune(note)); n > domain.WithdrawNoteMax {
		errs = append(errs, domain.FieldError{Field: "note", Code: domain.CodeRange,
			Message: fmt.Sprintf("at most %d characters, got %d", domain.WithdrawNoteMax, n)})
	}
	if len(errs) > 0 {
		return fmt.Errorf("store.WithdrawInspectionResult(%d): %w", id, errs)
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// One statement takes the result down if it is published and says
		// what it found: no row for an unknown id.
		var status string
		var taken bool
		err := tx.QueryRow(ctx, `WITH target AS (SELECT id, status FROM inspection_results WHERE id = $1 FOR UPDATE),
			taken AS (UPDATE inspection_results r SET status = 'withdrawn', withdraw_reason = $2, withdraw_note = $3,
					withdrawn_at = now(), updated_at = now()
				FROM target WHERE r.id = target.id AND target.status = 'published' RETURNING r.id)
			SELECT target.status, EXISTS (SELECT FROM taken) FROM target`, id, string(reason), note).Scan(&status, &taken)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		case !taken:
			return fmt.Errorf("%w: already %s", ErrConflict, status)
		}
		r := string(reason)
		if err := appendChanges(ctx, tx, EntityInspectionResult, OpWithdraw, &r, []int64{id}); err != nil {
			return err
		}
		return audit(ctx, tx, a, string(EntityInspectionResult)+".withdraw", EntityInspectionResult, []int64{id},
			map[string]string{"reason": r, "note": note})
	})
	if err != nil {
		return fmt.Errorf("store.WithdrawInspectionResult(%d): %w", id, err)
	}
	return nil
}

// planHashed is what identifies a change of a plan.
type planHashed struct {
	Plan   domain.EnforcementPlan
	BodyID int64
}

var planCols = []string{"year", "body_id", "name", "approved_on", "remarks", "demo", "record_hash"}

var planUpsert = keyedUpsert("enforcement_plans", []string{"year", "body_id"}, planCols, plainSet(planCols), "")

// UpsertEnforcementPlans writes a batch of annual plans, keyed by (year,
// body); a changed plan's targets replace the stored ones. Plans are
// checked with domain.ValidatePlan and their bodies must be registered;
// otherwise the batch fails with domain.FieldErrors.
func (s *Store) UpsertEnforcementPlans(ctx context.Context, a Actor, ps []domain.EnforcementPlan, opt WriteOptions) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		bodies, err := bodyRefs(ctx, tx, codesOf(ps, func(p domain.EnforcementPlan) string { return p.BodyCode }))
		if err != nil {
			return err
		}
		var c refChecker
		c.duplicates(keysOf(ps, func(p domain.EnforcementPlan) string { return fmt.Sprint(p.Year, "\x00", p.BodyCode) }), "year")
		args := make([][]any, len(ps))
		for i, p := range ps {
			c.errs = append(c.errs, domain.ValidatePlan(p).WithIndex(i)...)
			id := c.body(i, bodies, p.BodyCode, p.Body, "body_code", "body")
			p.Body = ""
			args[i] = []any{p.Year, id, p.Name, p.ApprovedOn, p.Remarks, opt.Demo, recordHash(planHashed{p, id}, opt.Demo)}
		}
		if err := c.err(); err != nil {
			return err
		}
		if results, err = runUpserts(ctx, tx, planUpsert, args); err != nil {
			return err
		}
		var targets [][]any
		var changed []int64
		for i, r := range results {
			if r.Outcome == Unchanged {
				continue
			}
			changed = append(changed, r.ID)
			for j, t := range ps[i].Targets {
				targets = append(targets, []any{r.ID, j, t.Category, t.Enterprises})
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM enforcement_plan_targets WHERE plan_id = ANY($1)`, changed); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"enforcement_plan_targets"},
			[]string{"plan_id", "position", "category", "enterprises"}, pgx.CopyFromRows(targets)); err != nil {
			return fmt.Errorf("insert targets: %w", AsConflict(err))
		}
		_, err = logUpserts(ctx, tx, a, EntityEnforcementPlan, results)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store.UpsertEnforcementPlans(%d records): %w", len(ps), err)
	}
	return results, nil
}

// referralHashed is what identifies a change of a referral count.
type referralHashed struct {
	Referral domain.CriminalReferral
	BodyID   int64
}

var referralCols = []string{"body_id", "year", "quarter", "stage", "cases", "persons", "demo", "record_hash"}

var referralUpsert = keyedUpsert("criminal_referrals", []string{"body_id", "year", "quarter", "stage"}, referralCols,
	plainSet(referralCols), "")

// UpsertCriminalReferrals writes a batch of referral counts, keyed by
// (body, year, quarter, stage); the bodies must be registered, otherwise
// the batch fails with domain.FieldErrors.
func (s *Store) UpsertCriminalReferrals(ctx context.Context, a Actor, cs []domain.CriminalReferral, opt WriteOptions) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		bodies, err := bodyRefs(ctx, tx, codesOf(cs, func(c domain.CriminalReferral) string { return c.BodyCode }))
		if err != nil {
			return err
		}
		var c refChecker
		c.duplicates(keysOf(cs, func(r domain.CriminalReferral) string {
			return fmt.Sprint(r.BodyCode, r.Year, r.Quarter, r.Stage)
		}), "quarter")
		args := make([][]any, len(cs))
		for i, r := range cs {
			id := c.body(i, bodies, r.BodyCode, r.Body, "body_code", "body")
			r.Body = ""
			args[i] = []any{id, r.Year, r.Quarter, string(r.Stage), r.Cases, r.Persons, opt.Demo,
				recordHash(referralHashed{r, id}, opt.Demo)}
		}
		if err := c.err(); err != nil {
			return err
		}
		if results, err = runUpserts(ctx, tx, referralUpsert, args); err != nil {
			return err
		}
		_, err = logUpserts(ctx, tx, a, EntityCriminalReferral, results)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store.UpsertCriminalReferrals(%d records): %w", len(cs), err)
	}
	return results, nil
}
