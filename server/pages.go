package server

import (
	"bytes"
	"context"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/public"
)

// OverviewReader reads the home page's headline figures.
type OverviewReader interface {
	Overview(ctx context.Context, today time.Time) (store.Overview, error)
}

var pageTemplates = map[string]*template.Template{
	"home": template.Must(template.ParseFS(public.Templates, "templates/layout.html", "templates/home.html")),
}

func staticFS() http.FileSystem {
	sub, err := fs.Sub(public.Static, "static")
	if err != nil {
		panic(err)
	}
	return http.FS(sub)
}

type pageHandlers struct {
	overview OverviewReader
	now      func() time.Time
}

// render executes a page into a buffer and writes it only when complete.
func render(c *gin.Context, name string, data any) error {
	var buf bytes.Buffer
	if err := pageTemplates[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	c.Header("Cache-Control", "public, max-age=60")
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

func (h pageHandlers) home(c *gin.Context) error {
	o, err := h.overview.Overview(c.Request.Context(), h.now())
	if err != nil {
		return err
	}
	return render(c, "home", struct {
		Title string
		Demo  bool
		O     store.Overview
	}{"首页", o.Demo, o})
}
