package server

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/store"
)

// Authenticator resolves an API key's secret.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (store.APIKey, error)
}

const keyContextKey = "gongshi.apikey"

// requireScope admits requests bearing "Authorization: Bearer <key>" for
// a live key holding scope: 401 without a valid key, 403 without the scope.
func requireScope(auth Authenticator, scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		secret, ok := strings.CutPrefix(h, "Bearer ")
		secret = strings.TrimSpace(secret)
		if !ok || secret == "" {
			c.Header("WWW-Authenticate", `Bearer realm="gongshi"`)
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatusJSON(http.StatusUnauthorized, newError(http.StatusUnauthorized, "unauthorized",
				"an API key is required: Authorization: Bearer <key>"))
			return
		}
		key, err := auth.Authenticate(c.Request.Context(), secret)
		if errors.Is(err, store.ErrNotFound) {
			c.Header("WWW-Authenticate", `Bearer realm="gongshi", error="invalid_token"`)
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatusJSON(http.StatusUnauthorized, newError(http.StatusUnauthorized, "unauthorized",
				"the API key is unknown or revoked"))
			return
		}
		if err != nil {
			c.Error(err)
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatusJSON(http.StatusServiceUnavailable, newError(http.StatusServiceUnavailable, "unavailable",
				"cannot check the API key right now"))
			return
		}
		if !key.Has(scope) {
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatusJSON(http.StatusForbidden, newError(http.StatusForbidden, "forbidden",
				"the API key lacks the scope "+scope))
			return
		}
		c.Set(keyContextKey, key)
		c.Next()
	}
}

// actor returns who is making an authenticated request.
func actor(c *gin.Context) store.Actor {
	a := store.Actor{Name: "anonymous", RemoteAddr: c.ClientIP()}
	if v, ok := c.Get(keyContextKey); ok {
		k := v.(store.APIKey)
		a.KeyID, a.Name = k.ID, "key:"+k.Name
	}
	return a
}
