package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/jsonbody"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// EnforcementIngester is the write side of the enforcement records;
// *store.Store implements it. A record naming what the store does not
// hold (an unregistered body, an unknown task) fails the whole batch with
// domain.FieldErrors.
type EnforcementIngester interface {
	UpsertEnforcementBodies(ctx context.Context, a store.Actor, bs []domain.EnforcementBody, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertOfficers(ctx context.Context, a store.Actor, os []domain.Officer, opt store.WriteOptions) ([]store.UpsertResult, error)
	PublishInspectionItems(ctx context.Context, a store.Actor, in store.InspectionItemsInput, opt store.WriteOptions) (store.PublishResult, error)
	UpsertInspectionTasks(ctx context.Context, a store.Actor, ts []domain.InspectionTask, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertInspectionResults(ctx context.Context, a store.Actor, rs []domain.InspectionResult, opt store.WriteOptions) ([]store.UpsertResult, error)
	WithdrawInspectionResult(ctx context.Context, a store.Actor, id int64, reason domain.WithdrawReason, note string) error
	UpsertEnforcementPlans(ctx context.Context, a store.Actor, ps []domain.EnforcementPlan, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertCriminalReferrals(ctx context.Context, a store.Actor, cs []domain.CriminalReferral, opt store.WriteOptions) ([]store.UpsertResult, error)
}

// enforcementIngest serves the admin API of the enforcement records. The
// records are flat JSON objects keyed by the codes of their dictionaries
// (domain.BodyFields, OfficerFields, InspectionTaskFields,
// InspectionResultFields, PlanFields, ReferralFields), as in the files
// `portal import` reads; a plan is one object per target, its own fields
// repeated on each.
type enforcementIngest struct {
	store EnforcementIngester
	rules domain.EnforcementRules
	now   func() time.Time
}

// enforcementKind is what differs between the enforcement record kinds.
type enforcementKind[T any] struct {
	parse    func(map[string]string, domain.EnforcementOptions) (T, domain.FieldErrors)
	key      func(T) string
	keyField string
	// merge, when set, joins records that share a key (a plan's targets).
	merge func(into *T, rec T) domain.FieldErrors
	// check, when set, validates a whole merged record.
	check  func(T) domain.FieldErrors
	upsert func(EnforcementIngester) func(context.Context, store.Actor, []T, store.WriteOptions) ([]store.UpsertResult, error)
}

// handler parses, validates and upserts a batch of kind k.
func handler[T any](in enforcementIngest, k enforcementKind[T]) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		recs, err := readRecords(c)
		if err != nil {
			return err
		}
		opt := domain.EnforcementOptions{Now: in.now(), Rules: in.rules}
		var out []T
		var errs domain.FieldErrors
		first := map[string]int{} // key → index in out
		for i, r := range recs {
			v, fe := k.parse(r, opt)
			if len(fe) > 0 {
				errs = append(errs, fe.WithIndex(i)...)
				continue
			}
			key := k.key(v)
			j, dup := first[key]
			switch {
			case !dup:
				first[key] = len(out)
				out = append(out, v)
			case k.merge != nil:
				errs = append(errs, k.merge(&out[j], v).WithIndex(i)...)
			default:
				errs = append(errs, domain.FieldError{Index: i, Field: k.keyField, Code: domain.CodeConflict,
					Message: "the same record as an earlier record of the batch"})
			}
		}
		if k.check != nil && len(errs) == 0 {
			for i, v := range out {
				errs = append(errs, k.check(v).WithIndex(i)...)
			}
		}
		if len(errs) > 0 {
			return httpx.ValidationFailed(errs)
		}
		rs, err := k.upsert(in.store)(c.Request.Context(), httpx.Actor(c), out, store.WriteOptions{})
		if fe, ok := store.IsFieldErrors(err); ok {
			return httpx.ValidationFailed(fe)
		}
		if err != nil {
			return err
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, summarize(rs))
		return nil
	}
}

var (
	bodyIngest = enforcementKind[domain.EnforcementBody]{
		parse: domain.ParseEnforcementBody, key: func(b domain.EnforcementBody) string { return b.CreditCode },
		keyField: "credit_code",
		upsert: func(s EnforcementIngester) func(context.Context, store.Actor, []domain.EnforcementBody, store.WriteOptions) ([]store.UpsertResult, error) {
			return s.UpsertEnforcementBodies
		},
	}
	officerIngest = enforcementKind[domain.Officer]{
		parse: domain.ParseOfficer, key: func(o domain.Officer) string { return o.CertificateNo },
		keyField: "certificate_no",
		upsert: func(s EnforcementIngester) func(context.Context, store.Actor, []domain.Officer, store.WriteOptions) ([]store.UpsertResult, error) {
			return s.UpsertOfficers
		},
	}
	taskIngest = enforcementKind[domain.InspectionTask]{
		parse: domain.ParseInspectionTask, key: func(t domain.InspectionTask) string { return t.BodyCode + "\x00" + t.Code },
		keyField: "code",
		upsert: func(s EnforcementIngester) func(context.Context, store.Actor, []domain.InspectionTask, store.WriteOptions) ([]store.UpsertResult, error) {
			return s.UpsertInspectionTasks
		},
	}
	resultIngest = enforcementKind[domain.InspectionResult]{
		parse: domain.ParseInspectionResult, key: func(r domain.InspectionResult) string { return r.BodyCode + "\x00" + r.RecordNo },
		keyField: "JC_JLBH",
		upsert: func(s EnforcementIngester) func(context.Context, store.Actor, []domain.InspectionResult, store.WriteOptions) ([]store.UpsertResult, error) {
			return s.UpsertInspectionResults
		},
	}
	planIngest = enforcementKind[domain.EnforcementPlan]{
		parse: domain.ParsePlanRow, key: func(p domain.EnforcementPlan) string { return fmt.Sprint(p.Year, "\x00", p.BodyCode) },
		keyField: "category", merge: mergePlanRow, check: domain.ValidatePlan,
		upsert: func(s EnforcementIngester) func(context.Context, store.Actor, []domain.EnforcementPlan, store.WriteOptions) ([]store.UpsertResult, error) {
			return s.UpsertEnforcementPlans
		},
	}
	referralIngest = enforcementKind[domain.CriminalReferral]{
		parse: domain.ParseReferral,
		key: func(c domain.CriminalReferral) string {
			return fmt.Sprint(c.BodyCode, "\x00", c.Year, "\x00", c.Quarter, "\x00", c.Stage)
		},
		keyField: "stage",
		upsert: func(s EnforcementIngester) func(context.Context, store.Actor, []domain.CriminalReferral, store.WriteOptions) ([]store.UpsertResult, error) {
			return s.UpsertCriminalReferrals
		},
	}
)

// mergePlanRow adds a row's target to the plan of an earlier row; the
// plan's own fields must agree, and a category may appear once.
func mergePlanRow(into *domain.EnforcementPlan, row domain.EnforcementPlan) domain.FieldErrors {
	var errs domain.FieldErrors
	for _, f := range [][3]string{{"name", into.Name, row.Name}, {"body", into.Body, row.Body},
		{"approved_on", domain.FormatDate(into.ApprovedOn), domain.FormatDate(row.ApprovedOn)},
		{"remarks", into.Remarks, row.Remarks}} {
		if f[1] != f[2] {
			errs = append(errs, domain.FieldError{Field: f[0], Code: domain.CodeConflict,
				Message: fmt.Sprintf("%q differs from %q in an earlier record of the same plan", f[2], f[1])})
		}
	}
	for _, t := range row.Targets {
		if slices.ContainsFunc(into.Targets, func(x domain.PlanTarget) bool { return x.Category == t.Category }) {
			errs = append(errs, domain.FieldError{Field: "category", Code: domain.CodeConflict,
				Message: t.Category + " is in an earlier record of the same plan"})
		}
	}
	if len(errs) == 0 {
		into.Targets = append(into.Targets, row.Targets...)
	}
	return errs
}

type itemsRequest struct {
	EffectiveDate string                  `json:"effective_date"`
	Note          string                  `json:"note"`
	Items         []domain.InspectionItem `json:"items"`
}

// publishItems handles PUT /api/v1/admin/inspection-items: the body is
// the whole random-inspection list, published as its next version.
func (in enforcementIngest) publishItems(c *gin.Context) error {
	body, err := readBody(c, maxBody)
	if err != nil {
		return err
	}
	var req itemsRequest
	if err := jsonbody.Decode(body, &req, jsonbody.Options{AllowNUL: true}); err != nil {
		return bodyError(err)
	}
	if errs := domain.ValidateVersionNote(req.Note); len(errs) > 0 {
		return httpx.ValidationFailed(errs)
	}
	input := store.InspectionItemsInput{Note: req.Note, EffectiveDate: domain.ChinaDate(in.now())}
	if req.EffectiveDate != "" {
		d, err := time.Parse(domain.DateLayout, req.EffectiveDate)
		if err != nil {
			return httpx.BadRequest("effective_date", "want a date YYYY-MM-DD")
		}
		input.EffectiveDate = d
	}
	if req.Items == nil {
		return httpx.BadRequest("items", "required: the whole list")
	}
	var errs domain.FieldErrors
	for i, it := range req.Items {
		parsed, fe := domain.ParseInspectionItem(domain.InspectionItemRecord(it))
		errs = append(errs, fe.WithIndex(i)...)
		req.Items[i] = parsed
	}
	if len(errs) == 0 {
		errs = domain.ValidateInspectionItems(req.Items)
	}
	if len(errs) > 0 {
		return httpx.ValidationFailed(errs)
	}
	input.Items = req.Items
	res, err := in.store.PublishInspectionItems(c.Request.Context(), httpx.Actor(c), input, store.WriteOptions{})
	if fe, ok := store.IsFieldErrors(err); ok {
		return httpx.ValidationFailed(fe)
	}
	if err != nil {
		return err
	}
	return writePublished(c, res)
}

// withdrawResult handles POST /api/v1/admin/inspection-results/{id}/withdraw.
func (in enforcementIngest) withdrawResult(c *gin.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return httpx.BadRequest("id", "must be a positive integer")
	}
	body, err := readBody(c, 1<<20)
	if err != nil {
		return err
	}
	var req withdrawRequest
	if err := jsonbody.Decode(body, &req, jsonbody.Options{}); err != nil {
		return bodyError(err)
	}
	reason := domain.WithdrawReason(req.Reason)
	err = in.store.WithdrawInspectionResult(c.Request.Context(), httpx.Actor(c), id, reason, req.Note)
	if fe, ok := store.IsFieldErrors(err); ok {
		return httpx.ValidationFailed(fe)
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		return httpx.NewError(http.StatusConflict, "conflict", "the inspection result is not published")
	case errors.Is(err, store.ErrNotFound):
		return httpx.NotFound("no inspection result with this id")
	case err != nil:
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"id": id, "status": domain.StatusWithdrawn, "reason": reason})
	return nil
}
