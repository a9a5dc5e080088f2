package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/server/httpx"
)

// Searcher answers full-text searches; *search.Service implements it,
// falling back to PostgreSQL (Result.Degraded) while Meilisearch is
// unreachable or slow, and shedding what PostgreSQL cannot take with
// search.ErrOverloaded (503 with Retry-After).
type Searcher interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
}

// searchHandler handles GET /api/v1/search?q=&type=&<filters>&sort=&page=&per_page=.
// Parameters are validated by search.ParseQuery: an unknown parameter, a
// bad value or a filter that applies to none of the requested types is a
// 400 naming the parameter.
func searchHandler(s Searcher) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		q, err := search.ParseQuery(c.Request.URL.Query())
		var pe *search.ParamError
		if errors.As(err, &pe) {
			return httpx.BadRequest(pe.Param, pe.Message)
		}
		if err != nil {
			return err
		}
		res, err := s.Search(c.Request.Context(), q)
		if err != nil {
			return err
		}
		// Encoded by the result itself, in one pass: c.JSON would validate
		// the whole body once more.
		body, err := res.MarshalJSON()
		if err != nil {
			return err
		}
		if res.Degraded {
			c.Header("Cache-Control", "no-store")
		} else {
			c.Header("Cache-Control", "no-cache")
		}
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
		return nil
	}
}
