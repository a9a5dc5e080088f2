// Package httpx is what the JSON API (server/api) and the pages
// (server/web) share: the error type with the one adapter that turns a
// handler's error into a response, query-parameter parsing, conditional
// requests, and the middleware — request ids, access logs, metrics, CORS,
// rate limits, the response cache and API-key authentication. Which
// middleware applies to which routes is decided by the route groups the
// assembly (package server) builds, never by looking at a request's path.
package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
)

// Error is the one error every endpoint returns. The JSON API renders it
// as an RFC 9457 problem (application/problem+json), with Gongshi's code,
// message and per-field errors as extension members:
//
//	{"type":"about:blank","title":"Unprocessable Entity","status":422,"detail":"…","instance":"/api/v1/admin/penalties",
//	 "code":"validation_failed","message":"…","errors":[{"index":0,"field":"CF_WSH","code":"required","message":"…"}]}
type Error struct {
	Status  int                 `json:"-"`
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Errors  []domain.FieldError `json:"errors,omitempty"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// NewError builds an Error for a status.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Gone is a 410 saying message: the resource existed and is no longer
// published (a withdrawn record, a penalty past its publicity period).
func Gone(message string) *Error { return NewError(http.StatusGone, "gone", message) }

// NotFound is a 404 saying message.
func NotFound(message string) *Error { return NewError(http.StatusNotFound, "not_found", message) }

// BadRequest is a 400 naming the field (a parameter, or "body") and what
// is wrong with it. A field name longer than 64 bytes — a client's made-up
// parameter — is cut: an error repeats no more than a short prefix of
// what the client sent.
func BadRequest(field, message string) *Error {
	field = printable(field)
	e := NewError(http.StatusBadRequest, "bad_request", field+": "+message)
	e.Errors = []domain.FieldError{{Field: field, Code: domain.CodeFormat, Message: message}}
	return e
}

// ValidationFailed is the 422 of input with invalid fields, listing every
// problem.
func ValidationFailed(errs domain.FieldErrors) *Error {
	e := NewError(http.StatusUnprocessableEntity, "validation_failed", "the input has invalid fields; nothing was written")
	e.Errors = errs
	return e
}

// Unavailable is the 503 of a feature whose dependency is not configured.
func Unavailable(what string) *Error {
	return NewError(http.StatusServiceUnavailable, "unavailable", what+" is not configured")
}

// errorTable maps the store's and the search's sentinel errors to what a
// client is shown.
var errorTable = []struct {
	sentinel error
	status   int
	code     string
	message  func(error) string
}{
	{store.ErrSnapshotPending, http.StatusServiceUnavailable, "unavailable", func(error) string {
		return "this snapshot is being re-issued without records that are no longer public, or repaired; retry shortly"
	}},
	{store.ErrSnapshotWithdrawn, http.StatusGone, "gone", func(error) string {
		return "this snapshot was withdrawn: it held records that are no longer public"
	}},
	{store.ErrNotFound, http.StatusNotFound, "not_found", func(error) string { return "no such record" }},
	{store.ErrConflict, http.StatusConflict, "conflict", func(err error) string { return err.Error() }},
	{store.ErrForbidden, http.StatusForbidden, "forbidden", func(error) string { return "not allowed" }},
	{search.ErrOverloaded, http.StatusServiceUnavailable, "overloaded", func(error) string {
		return "search is overloaded; retry after the seconds in Retry-After"
	}},
}

// shedErrors are the errors of requests refused to protect the service,
// not failures of it: their 503s are logged as warnings.
var shedErrors = []error{search.ErrOverloaded}

func shed(err error) bool {
	for _, s := range shedErrors {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// ErrorOf is the Error a client is shown for err: an *Error in err's chain
// as it is (explicit is then true), a store sentinel by errorTable, and
// anything else a 500 that hides its cause.
func ErrorOf(err error) (e *Error, explicit bool) {
	if errors.As(err, &e) {
		return e, true
	}
	for _, row := range errorTable {
		if errors.Is(err, row.sentinel) {
			return NewError(row.status, row.code, row.message(err)), false
		}
	}
	if store.Unavailable(err) {
		return databaseUnavailable(), false
	}
	return internalError(), false
}

// databaseUnavailable is the 503 of any request that failed because
// PostgreSQL could not be reached: the client may retry (Fail adds
// Retry-After), and a write retried is an idempotent upsert.
func databaseUnavailable() *Error {
	return NewError(http.StatusServiceUnavailable, "unavailable", "the database is unavailable; retry shortly")
}

func internalError() *Error {
	return NewError(http.StatusInternalServerError, "internal", "internal error; it has been logged")
}

// HandlerFunc is a handler that returns its error instead of writing it.
type HandlerFunc func(*gin.Context) error

// Renderer writes the response of an error in one format: JSON for the
// API, an HTML page for the portal's pages. err is the handler's error and
// e what ErrorOf made of it. It must abort the request.
type Renderer func(c *gin.Context, e *Error, err error)

// Adapter is the one place where errors become responses: the status
// comes from ErrorOf, 5xx are logged as errors (shed load as warnings) and
// 4xx as information, and an error response is never stored
// (Cache-Control: no-store). Its Renderer decides only the format.
type Adapter struct {
	log    *slog.Logger
	render Renderer
}

// NewAdapter returns an Adapter logging to log and rendering with render.
func NewAdapter(log *slog.Logger, render Renderer) Adapter { return Adapter{log: log, render: render} }

// Handle adapts a HandlerFunc to gin: its error, if any, is rendered.
func (a Adapter) Handle(h HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			a.Fail(c, err)
		}
	}
}

// Fail answers the request with err and aborts it.
func (a Adapter) Fail(c *gin.Context, err error) {
	e, _ := ErrorOf(err)
	if e.Status >= 500 && ClientGone(c.Request) {
		// Nobody reads the answer: no error on our side, and no 500.
		a.log.InfoContext(c.Request.Context(), "request cancelled by the client", "path", c.Request.URL.Path, "err", err)
		c.AbortWithStatus(StatusClientClosedRequest)
		return
	}
	attrs := []any{"status", e.Status, "path", c.Request.URL.Path, "err", err}
	switch {
	case e.Status >= 500 && shed(err):
		a.log.WarnContext(c.Request.Context(), "request shed", attrs...)
	case e.Status >= 500:
		a.log.ErrorContext(c.Request.Context(), "request failed", attrs...)
	default:
		a.log.InfoContext(c.Request.Context(), "request rejected", attrs...)
	}
	c.Header("Cache-Control", "no-store")
	if e.Status == http.StatusServiceUnavailable {
		c.Header("Retry-After", strconv.Itoa(retryAfterSeconds(err)))
	}
	a.render(c, e, err)
}

// StatusClientClosedRequest is the status (nginx's 499) under which a
// request is logged and counted when its client went away before the
// answer was ready.
const StatusClientClosedRequest = 499

// ClientGone reports whether the client of r closed its connection (or
// cancelled the request) before the response was complete.
func ClientGone(r *http.Request) bool { return errors.Is(r.Context().Err(), context.Canceled) }

// retryAfterSeconds is when a client should try again after a 503: the
// hint an error in err's chain gives (RetryAfter), else 10 s.
func retryAfterSeconds(err error) int {
	var hint interface{ RetryAfter() time.Duration }
	if errors.As(err, &hint) && hint.RetryAfter() > 0 {
		return max(int((hint.RetryAfter()+time.Second-1)/time.Second), 1)
	}
	return 10
}

// ProblemJSON is the media type of every error of the JSON API.
const ProblemJSON = "application/problem+json"

// Problem is an Error as an RFC 9457 problem detail. Type is about:blank
// — the status says what kind of problem it is — so Title is the status's
// reason phrase; Detail (and, for clients of the first error shape,
// Message) says what went wrong, Code names it for programs, Errors lists
// the fields at fault, and Instance is the path of the request (never its
// query, and no more than 200 bytes of the path: an error does not echo
// what a client sent).
type Problem struct {
	Type     string              `json:"type"`
	Title    string              `json:"title"`
	Status   int                 `json:"status"`
	Detail   string              `json:"detail"`
	Instance string              `json:"instance,omitempty"`
	Code     string              `json:"code"`
	Message  string              `json:"message"`
	Errors   []domain.FieldError `json:"errors,omitempty"`
}

// maxInstance is the most bytes of a request's path a problem repeats.
const maxInstance = 200

// ProblemOf is e as the problem answered to a request for path.
func ProblemOf(e *Error, path string) Problem {
	return Problem{Type: "about:blank", Title: http.StatusText(e.Status), Status: e.Status, Detail: e.Message,
		Instance: truncate(strings.ToValidUTF8(path, "\uFFFD"), maxInstance), Code: e.Code, Message: e.Message, Errors: e.Errors}
}

// JSON renders an error as an application/problem+json Problem.
func JSON(c *gin.Context, e *Error, _ error) {
	body, err := json.Marshal(ProblemOf(e, c.Request.URL.Path))
	if err != nil { // a FieldError cannot fail to marshal; keep the status
		body = []byte(`{"type":"about:blank","status":` + strconv.Itoa(e.Status) + `}`)
	}
	c.Data(e.Status, ProblemJSON, body)
	c.Abort()
}
