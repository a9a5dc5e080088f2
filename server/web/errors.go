package web

import (
	"bytes"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/server/httpx"
)

type errorPage struct {
	pageData
	Status  int
	Message string
}

// renderError is the pages' httpx.Renderer: an HTML page with the status
// of e. It shows the message of an error a handler made for the reader (a
// 404 says the record may have been withdrawn); 5xx hide their cause, and
// a 503 says when to retry (its Retry-After).
func (h *Handlers) renderError(c *gin.Context, e *httpx.Error, err error) {
	pr := printer(c)
	title := pr.T("error.title")
	switch e.Status {
	case http.StatusNotFound:
		title = pr.T("error.not_found")
	case http.StatusBadRequest:
		title = pr.T("error.bad_request")
	case http.StatusGone:
		title = pr.T("error.gone")
	case http.StatusServiceUnavailable:
		title = pr.T("error.unavailable")
	}
	data := &errorPage{pageData: h.page(c, title, ""), Status: e.Status, Message: e.Message}
	data.NoIndex = true
	if _, explicit := httpx.ErrorOf(err); !explicit || e.Status >= 500 {
		data.Message = ""
	}
	if len(e.Errors) == 1 {
		switch f := e.Errors[0]; {
		case f.Code == domain.CodeUnknown:
			data.Message = pr.T("error.unknown_param", f.Field)
		case f.Message == httpx.RepeatedMessage:
			data.Message = pr.T("error.repeated_param", f.Field)
		}
	}
	if retry := c.Writer.Header().Get("Retry-After"); e.Status == http.StatusServiceUnavailable && retry != "" {
		data.Message = pr.T("error.retry_after", retry)
	}
	var buf bytes.Buffer
	if rerr := pageTemplates[data.Lang].ExecuteTemplate(&buf, "error", data); rerr != nil {
		h.log.ErrorContext(c.Request.Context(), "error page failed", "err", rerr)
		httpx.JSON(c, e, err)
		return
	}
	c.Data(e.Status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}
