package httpx

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

// bearer returns the token of an "Authorization: Bearer <token>" header;
// the scheme's name is case-insensitive (RFC 7235 §2.1).
func bearer(r *http.Request) (string, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// RequireScope admits requests bearing "Authorization: Bearer <key>" for
// a live key holding scope: 401 without a valid key, 403 without the scope.
// A malformed secret, or one memo has seen refused, is refused without
// asking auth; memo learns the outcome of every question asked.
func RequireScope(a Adapter, auth Authenticator, scope string, memo *KeyMemo) gin.HandlerFunc {
	invalid := func(c *gin.Context) error {
		c.Header("WWW-Authenticate", `Bearer realm="gongshi", error="invalid_token"`)
		return NewError(http.StatusUnauthorized, "unauthorized", "the API key is unknown or revoked")
	}
	check := func(c *gin.Context) error {
		secret, ok := bearer(c.Request)
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="gongshi"`)
			return NewError(http.StatusUnauthorized, "unauthorized", "an API key is required: Authorization: Bearer <key>")
		}
		if !store.WellFormedSecret(secret) || memo.isRefused(secret) {
			return invalid(c)
		}
		key, err := auth.Authenticate(c.Request.Context(), secret)
		if errors.Is(err, store.ErrNotFound) {
			memo.refuse(secret)
			return invalid(c)
		}
		if err != nil {
			return &wrapped{NewError(http.StatusServiceUnavailable, "unavailable", "cannot check the API key right now"), err}
		}
		memo.admit(secret)
		if !key.Has(scope) {
			return NewError(http.StatusForbidden, "forbidden", "the API key lacks the scope "+scope)
		}
		c.Set(keyContextKey, key)
		return nil
	}
	return func(c *gin.Context) {
		if err := check(c); err != nil {
			a.Fail(c, err)
			return
		}
		c.Next()
	}
}

// wrapped is an Error shown to the client with the cause that is logged.
type wrapped struct {
	shown *Error
	cause error
}

func (w *wrapped) Error() string   { return w.shown.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.shown, w.cause} }

// APIKey is the key that authenticated the request; the zero key when
// none did.
func APIKey(c *gin.Context) store.APIKey {
	k, _ := c.Get(keyContextKey)
	key, _ := k.(store.APIKey)
	return key
}

// Actor returns who is making a request: its API key, if any, and its IP.
func Actor(c *gin.Context) store.Actor {
	a := store.Actor{Name: "anonymous", RemoteAddr: c.ClientIP()}
	if v, ok := c.Get(keyContextKey); ok {
		k := v.(store.APIKey)
		a.KeyID, a.Name = k.ID, "key:"+k.Name
	}
	return a
}
