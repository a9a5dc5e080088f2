package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/server/httpx"
)

// readBody reads a write's body of at most limit bytes. A longer body is
// a 413; one that does not arrive within the server's read timeout is a
// 408; one cut short by the client is a 400 — each says which.
func readBody(c *gin.Context, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return body, nil
	case errors.As(err, &tooLarge):
		return nil, httpx.NewError(http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body exceeds %d bytes", limit))
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.Header("Connection", "close")
		return nil, httpx.NewError(http.StatusRequestTimeout, "request_timeout", "the body did not arrive within the server's read timeout")
	default:
		return nil, httpx.BadRequest("body", "the body could not be read to its end (cut short by the client?)")
	}
}
