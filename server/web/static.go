package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/public"
	"github.com/gongshi/gongshi/server/httpx"
)

// staticFiles are the embedded assets with the hash of their content.
var staticFiles = func() map[string]string {
	out := map[string]string{}
	err := fs.WalkDir(public.Static, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := public.Static.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}()

// staticURL is the URL of an embedded asset, versioned by its content so
// it can be cached for a year.
func staticURL(name string) string {
	v, ok := staticFiles[name]
	if !ok {
		panic("web: no static asset " + name)
	}
	return "/static/" + name + "?v=" + v
}

func staticFS() http.FileSystem {
	sub, err := fs.Sub(public.Static, "static")
	if err != nil {
		panic(err)
	}
	return http.FS(sub)
}

var staticServer = http.FileServer(staticFS())

// serveStatic serves an embedded asset: immutable for a year when asked
// for by its current version, for a minute otherwise.
func serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean(c.Param("filepath")), "/")
	v, ok := staticFiles[name]
	if !ok {
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusNotFound, "not found")
		return
	}
	if c.Query("v") == v {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=60")
	}
	c.Header("ETag", `"`+v+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	if httpx.NotModified(c.Request, `"`+v+`"`, time.Time{}) {
		// The file server compares If-None-Match with the identity tag
		// only; a compressed response's tag carries a suffix.
		c.Status(http.StatusNotModified)
		return
	}
	req := c.Request.Clone(c.Request.Context())
	req.URL = &url.URL{Path: "/" + name}
	staticServer.ServeHTTP(c.Writer, req)
}
