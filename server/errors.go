package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// Error is the one JSON error shape every endpoint returns:
//
//	{"code":"validation_failed","message":"…","errors":[{"index":0,"field":"CF_WSH","code":"required","message":"…"}]}
type Error struct {
	Status  int                 `json:"-"`
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Errors  []domain.FieldError `json:"errors,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf builds an Error for a status.
func newError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

func badRequest(field, message string) *Error {
	e := newError(http.StatusBadRequest, "bad_request", field+": "+message)
	e.Errors = []domain.FieldError{{Field: field, Code: domain.CodeFormat, Message: message}}
	return e
}

func validationFailed(errs domain.FieldErrors) *Error {
	e := newError(http.StatusUnprocessableEntity, "validation_failed", "the input has invalid fields; nothing was written")
	e.Errors = errs
	return e
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(*gin.Context) error

// handle adapts a handlerFunc: errors become the JSON error shape, with the
// status from errorStatus; 5xx are logged as errors and hide their cause.
func handle(log *slog.Logger, h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			writeError(c, log, err)
		}
	}
}

func writeError(c *gin.Context, log *slog.Logger, err error) {
	var e *Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrSnapshotPending):
		e = newError(http.StatusServiceUnavailable, "unavailable",
			"this snapshot is being re-issued without records that are no longer public, or repaired; retry shortly")
		retry := 10 * time.Second
		var hint interface{ RetryAfter() time.Duration }
		if errors.As(err, &hint) && hint.RetryAfter() > 0 {
			retry = hint.RetryAfter()
		}
		c.Header("Retry-After", strconv.Itoa(int(retry.Round(time.Second)/time.Second)))
	case errors.Is(err, store.ErrSnapshotWithdrawn):
		e = newError(http.StatusGone, "gone", "this snapshot was withdrawn: it held records that are no longer public")
	case errors.Is(err, store.ErrNotFound):
		e = newError(http.StatusNotFound, "not_found", "no such record")
	case errors.Is(err, store.ErrConflict):
		e = newError(http.StatusConflict, "conflict", err.Error())
	case errors.Is(err, store.ErrForbidden):
		e = newError(http.StatusForbidden, "forbidden", "not allowed")
	default:
		e = newError(http.StatusInternalServerError, "internal", "internal error; it has been logged")
	}
	attrs := []any{"status", e.Status, "path", c.Request.URL.Path, "err", err}
	if e.Status >= 500 {
		log.ErrorContext(c.Request.Context(), "request failed", attrs...)
	} else {
		log.InfoContext(c.Request.Context(), "request rejected", attrs...)
	}
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(e.Status, e)
}
