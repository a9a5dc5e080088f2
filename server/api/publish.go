package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/jsonbody"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

type publishRequest struct {
	EffectiveDate string          `json:"effective_date"`
	Note          string          `json:"note"`
	Items         json.RawMessage `json:"items"`
	// AllowRemovals publishes a list that removes more than a quarter of
	// the current version's items; without it that is a 409.
	AllowRemovals bool `json:"allow_removals"`
	// DryRun answers what publishing would change and writes nothing.
	DryRun bool `json:"dry_run"`
}

func decodeItems[T any](raw json.RawMessage) ([]T, domain.FieldErrors, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, nil, httpx.BadRequest("items", "must be an array of list items")
	}
	items := make([]T, len(elems))
	var errs domain.FieldErrors
	for i, elem := range elems {
		dec := json.NewDecoder(bytes.NewReader(elem))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&items[i]); err != nil {
			errs = append(errs, itemError(i, err))
		}
	}
	return items, errs, nil
}

// itemError is the FieldError of list item i that did not decode: a field
// the list's items do not have, a value of the wrong type, or an item that
// is not an object.
func itemError(i int, err error) domain.FieldError {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return domain.FieldError{Index: i, Field: typeErr.Field, Code: domain.CodeFormat, Message: "want a " + typeErr.Type.String() + ", got a " + typeErr.Value}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return domain.FieldError{Index: i, Field: name, Code: domain.CodeUnknown, Message: "not a field of this list's items"}
	}
	return domain.FieldError{Index: i, Field: "items", Code: domain.CodeFormat, Message: "want an object with the fields of this list's items"}
}

// listDecoders decode the items of each list into the input that
// publishes it, and validate them.
var listDecoders = map[domain.ListKind]func(raw json.RawMessage, in *store.ListInput) (domain.FieldErrors, error){
	domain.ListPowers: decodeList(domain.ValidatePowerItems,
		func(in *store.ListInput) *[]domain.PowerItem { return &in.Powers }),
	domain.ListResponsibilities: decodeList(domain.ValidateResponsibilityItems,
		func(in *store.ListInput) *[]domain.ResponsibilityItem { return &in.Responsibilities }),
	domain.ListPublicServices: decodeList(domain.ValidateServiceItems,
		func(in *store.ListInput) *[]domain.ServiceItem { return &in.Services }),
}

func decodeList[T any](validate func([]T) domain.FieldErrors, items func(*store.ListInput) *[]T) func(json.RawMessage, *store.ListInput) (domain.FieldErrors, error) {
	return func(raw json.RawMessage, in *store.ListInput) (domain.FieldErrors, error) {
		dst := items(in)
		decoded, errs, err := decodeItems[T](raw)
		if err != nil || len(errs) > 0 {
			return errs, err
		}
		*dst = decoded
		return validate(*dst), nil
	}
}

// publishList handles PUT /api/v1/admin/lists/{kind}: the body is the
// whole list, published as the next version.
func (h ingestHandlers) publishList(c *gin.Context) error {
	kind := domain.ListKind(c.Param("kind"))
	var req publishRequest
	body, err := readBody(c, maxBody)
	if err != nil {
		return err
	}
	if err := jsonbody.Decode(body, &req, jsonbody.Options{AllowNUL: true}); err != nil { // NUL: the list validators name the field
		return bodyError(err)
	}
	if errs := domain.ValidateVersionNote(req.Note); len(errs) > 0 {
		return httpx.ValidationFailed(errs)
	}
	in := store.ListInput{Kind: kind, Note: req.Note, GuardRemovals: !req.AllowRemovals && !req.DryRun, DryRun: req.DryRun}
	if req.EffectiveDate != "" {
		d, err := time.Parse(domain.DateLayout, req.EffectiveDate)
		if err != nil {
			return httpx.BadRequest("effective_date", "want a date YYYY-MM-DD")
		}
		in.EffectiveDate = d
	}
	if len(req.Items) == 0 {
		return httpx.BadRequest("items", "required: the whole list")
	}
	decode, ok := listDecoders[kind]
	if !ok {
		return httpx.NotFound("unknown list; want " + domain.ListKindNames())
	}
	errs, err := decode(req.Items, &in)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return httpx.ValidationFailed(errs)
	}
	res, err := h.store.PublishList(c.Request.Context(), httpx.Actor(c), in, store.WriteOptions{})
	if errors.Is(err, store.ErrTooManyRemovals) {
		return httpx.NewError(http.StatusConflict, "too_many_removals",
			err.Error()+"; check that items is the whole list, or confirm with allow_removals=true")
	}
	if err != nil {
		return err
	}
	return writePublished(c, res)
}

// writePublished answers a publish: 201 with the new version, or 200 with
// the unchanged current one.
func writePublished(c *gin.Context, res store.PublishResult) error {
	c.Header("Cache-Control", "no-store")
	status := http.StatusOK
	if res.Created && !res.DryRun {
		status = http.StatusCreated
	}
	c.JSON(status, res)
	return nil
}
