package httpx

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
)

// RequireJSON answers 415 to a request with a body (POST, PUT, PATCH)
// whose Content-Type is not application/json — optionally with
// charset=utf-8, the only encoding JSON has (RFC 8259) — so that a form,
// a multipart upload, XML or text is never read as JSON by accident.
func RequireJSON(a Adapter) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
		default:
			c.Next()
			return
		}
		if reason := jsonContentType(c.GetHeader("Content-Type")); reason != "" {
			c.Header("Accept-Post", "application/json")
			e := NewError(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type: "+reason)
			e.Errors = []domain.FieldError{{Field: "Content-Type", Code: domain.CodeFormat, Message: reason}}
			a.Fail(c, e)
			return
		}
		c.Next()
	}
}

// jsonContentType says what is wrong with a Content-Type header for a
// JSON body, or "" when nothing is.
func jsonContentType(header string) string {
	const want = "must be application/json (charset=utf-8 optional)"
	if strings.TrimSpace(header) == "" {
		return want + ", got none"
	}
	mt, params, err := mime.ParseMediaType(header)
	if err != nil || mt != "application/json" {
		return want + ", got " + quoteShort(header)
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return want + ", got " + quoteShort(header)
		}
	}
	return ""
}

// quoteShort quotes s, cut to 100 bytes at a character boundary.
func quoteShort(s string) string {
	if len(s) > 100 {
		s = truncate(s, 100) + "…"
	}
	return strconv.Quote(s)
}
