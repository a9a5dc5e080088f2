package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/jsonbody"
	"github.com/gongshi/gongshi/internal/store"
)

type publishRequest struct {
	EffectiveDate string          `json:"effective_date"`
	Note          string          `json:"note"`
	Items         json.RawMessage `json:"items"`
}

func decodeItems[T any](raw json.RawMessage) ([]T, error) {
	var items []T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&items); err != nil {
		return nil, badRequest("items", "not an array of list items: "+err.Error())
	}
	return items, nil
}

// publishList handles PUT /api/v1/admin/lists/{kind}: the body is the
// whole list, published as the next version.
func (h ingestHandlers) publishList(c *gin.Context) error {
	kind := domain.ListKind(c.Param("kind"))
	var req publishRequest
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		return newError(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body exceeds %d bytes", maxBody))
	}
	if err := jsonbody.Decode(body, &req, jsonbody.Options{AllowNUL: true}); err != nil { // NUL: the list validators name the field
		return bodyError(err)
	}
	if errs := domain.ValidateVersionNote(req.Note); len(errs) > 0 {
		return validationFailed(errs)
	}
	in := store.ListInput{Kind: kind, Note: req.Note}
	if req.EffectiveDate != "" {
		d, err := time.Parse(domain.DateLayout, req.EffectiveDate)
		if err != nil {
			return badRequest("effective_date", "want a date YYYY-MM-DD")
		}
		in.EffectiveDate = d
	}
	if len(req.Items) == 0 {
		return badRequest("items", "required: the whole list")
	}
	var errs domain.FieldErrors
	switch kind {
	case domain.ListPowers:
		if in.Powers, err = decodeItems[domain.PowerItem](req.Items); err == nil {
			errs = domain.ValidatePowerItems(in.Powers)
		}
	case domain.ListResponsibilities:
		if in.Responsibilities, err = decodeItems[domain.ResponsibilityItem](req.Items); err == nil {
			errs = domain.ValidateResponsibilityItems(in.Responsibilities)
		}
	case domain.ListPublicServices:
		if in.Services, err = decodeItems[domain.ServiceItem](req.Items); err == nil {
			errs = domain.ValidateServiceItems(in.Services)
		}
	default:
		return newError(http.StatusNotFound, "not_found", "unknown list; want powers, responsibilities or public-services")
	}
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return validationFailed(errs)
	}
	res, err := h.store.PublishList(c.Request.Context(), actor(c), in, store.WriteOptions{})
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	c.JSON(status, res)
	return nil
}
