package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/jsonbody"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// Ingester is the write side the admin API needs.
type Ingester interface {
	UpsertPenalties(ctx context.Context, a store.Actor, ps []domain.Penalty, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertPermits(ctx context.Context, a store.Actor, ps []domain.Permit, opt store.WriteOptions) ([]store.UpsertResult, error)
	Withdraw(ctx context.Context, a store.Actor, e store.Entity, id int64, reason domain.WithdrawReason, note string) error
	PublishList(ctx context.Context, a store.Actor, in store.ListInput, opt store.WriteOptions) (store.PublishResult, error)
}

// MaxBatch is the largest number of records one ingest request may carry.
const MaxBatch = 1000

const maxBody = 32 << 20

type ingestHandlers struct {
	store Ingester
	rules domain.PublicityRules
	now   func() time.Time
}

type ingestResponse struct {
	Created   int                  `json:"created"`
	Updated   int                  `json:"updated"`
	Unchanged int                  `json:"unchanged"`
	Results   []store.UpsertResult `json:"results"`
}

func summarize(rs []store.UpsertResult) ingestResponse {
	out := ingestResponse{Results: rs}
	for _, r := range rs {
		switch r.Outcome {
		case store.Created:
			out.Created++
		case store.Updated:
			out.Updated++
		default:
			out.Unchanged++
		}
	}
	return out
}

// readRecords reads one JSON object or an array of up to MaxBatch objects
// keyed by standard field codes, with string or number values.
func readRecords(c *gin.Context) ([]map[string]string, error) {
	body, err := readBody(c, maxBody)
	if err != nil {
		return nil, err
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, httpx.BadRequest("body", "empty; send a JSON object or array of objects")
	}
	if err := jsonbody.Check(trimmed, jsonbody.Options{AllowNUL: true}); err != nil { // NUL: ParsePenalty names the field
		return nil, bodyError(err)
	}
	var raws []map[string]any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if trimmed[0] == '[' {
		err = dec.Decode(&raws)
	} else {
		var one map[string]any
		err = dec.Decode(&one)
		raws = []map[string]any{one}
	}
	if err != nil {
		return nil, httpx.BadRequest("body", "not a JSON object or array of objects: "+err.Error())
	}
	if dec.More() {
		return nil, httpx.BadRequest("body", "unexpected data after the JSON value")
	}
	if len(raws) == 0 {
		return nil, httpx.BadRequest("body", "the array is empty")
	}
	if len(raws) > MaxBatch {
		return nil, httpx.NewError(http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("a batch holds at most %d records, got %d", MaxBatch, len(raws)))
	}
	var errs domain.FieldErrors
	recs := make([]map[string]string, len(raws))
	for i, raw := range raws {
		if raw == nil {
			errs = append(errs, domain.FieldError{Index: i, Field: "", Code: domain.CodeFormat, Message: "record is null"})
			continue
		}
		recs[i] = make(map[string]string, len(raw))
		for k, v := range raw {
			switch v := v.(type) {
			case nil:
				recs[i][k] = ""
			case string:
				recs[i][k] = v
			case json.Number:
				recs[i][k] = v.String()
			default:
				errs = append(errs, domain.FieldError{Index: i, Field: k, Code: domain.CodeFormat, Message: "must be a string or a number"})
			}
		}
	}
	if len(errs) > 0 {
		return nil, httpx.ValidationFailed(errs)
	}
	return recs, nil
}

func (h ingestHandlers) options() domain.ParseOptions {
	return domain.ParseOptions{Now: h.now(), Rules: h.rules}
}

// parseAll validates every record, collecting every problem of every
// record, and rejects two records with the same natural key.
func parseAll[T any](recs []map[string]string, parse func(map[string]string) (T, domain.FieldErrors),
	key func(T) (agencyCode, decisionNo string), decisionField string) ([]T, domain.FieldErrors) {
	out := make([]T, len(recs))
	var errs domain.FieldErrors
	seen := map[[2]string]int{}
	for i, r := range recs {
		v, fe := parse(r)
		if len(fe) > 0 {
			errs = append(errs, fe.WithIndex(i)...)
			continue
		}
		out[i] = v
		a, d := key(v)
		if j, dup := seen[[2]string{a, d}]; dup {
			errs = append(errs, domain.FieldError{Index: i, Field: decisionField, Code: domain.CodeConflict,
				Message: "same issuing agency and decision number as record " + strconv.Itoa(j)})
			continue
		}
		seen[[2]string{a, d}] = i
	}
	return out, errs
}

func (h ingestHandlers) penalties(c *gin.Context) error {
	recs, err := readRecords(c)
	if err != nil {
		return err
	}
	opt := h.options()
	ps, errs := parseAll(recs, func(r map[string]string) (domain.Penalty, domain.FieldErrors) {
		return domain.ParsePenalty(r, opt)
	}, func(p domain.Penalty) (string, string) { return p.AgencyCode, p.DecisionNo }, "CF_WSH")
	if len(errs) > 0 {
		return httpx.ValidationFailed(errs)
	}
	rs, err := h.store.UpsertPenalties(c.Request.Context(), httpx.Actor(c), ps, store.WriteOptions{})
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, summarize(rs))
	return nil
}

func (h ingestHandlers) permits(c *gin.Context) error {
	recs, err := readRecords(c)
	if err != nil {
		return err
	}
	opt := h.options()
	ps, errs := parseAll(recs, func(r map[string]string) (domain.Permit, domain.FieldErrors) {
		return domain.ParsePermit(r, opt)
	}, func(p domain.Permit) (string, string) { return p.AgencyCode, p.DecisionNo }, "XK_WSH")
	if len(errs) > 0 {
		return httpx.ValidationFailed(errs)
	}
	rs, err := h.store.UpsertPermits(c.Request.Context(), httpx.Actor(c), ps, store.WriteOptions{})
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, summarize(rs))
	return nil
}

type withdrawRequest struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

func (h ingestHandlers) withdraw(entity store.Entity) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return httpx.BadRequest("id", "must be a positive integer")
		}
		var req withdrawRequest
		body, err := readBody(c, 1<<20)
		if err != nil {
			return err
		}
		if err := jsonbody.Decode(body, &req, jsonbody.Options{}); err != nil {
			return bodyError(err)
		}
		reason := domain.WithdrawReason(req.Reason)
		if errs := domain.ValidateWithdrawal(reason, req.Note); len(errs) > 0 {
			return httpx.ValidationFailed(errs)
		}
		if err := h.store.Withdraw(c.Request.Context(), httpx.Actor(c), entity, id, reason, req.Note); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return httpx.NewError(http.StatusConflict, "conflict", "the record is not published")
			}
			return err
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"id": id, "status": domain.StatusWithdrawn, "reason": reason})
		return nil
	}
}

// bodyError renders what jsonbody refused: well-formed JSON whose content
// is refused is a 422 naming every field, malformed JSON a 400.
func bodyError(err error) error {
	var fe domain.FieldErrors
	if errors.As(err, &fe) {
		return httpx.ValidationFailed(fe)
	}
	var se *jsonbody.SyntaxError
	if errors.As(err, &se) {
		field := "body"
		if se.Path != "" {
			field = se.Path
		}
		return httpx.BadRequest(field, fmt.Sprintf("%s (byte %d)", se.Msg, se.Offset))
	}
	return err
}
