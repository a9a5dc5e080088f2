package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/public"
)

// The portal's pages: server-rendered HTML from the embedded templates in
// public/templates, complete without JavaScript. Every page reads through
// the public read path (ReadStore and PageStore are *store.Public), renders
// into a buffer, and is sent with an ETag (the hash of its bytes) and
// Cache-Control: public, max-age=60 — or no-cache for search results, whose
// index lags the database by the indexer's delay.

// OverviewReader reads the home page's headline figures.
type OverviewReader interface {
	Overview(ctx context.Context, today time.Time) (store.Overview, error)
}

// PageStore is what pages need beyond the read API; *store.Public
// implements it.
type PageStore interface {
	// PowerListItems is version n (0: current) of the power list in full.
	PowerListItems(ctx context.Context, n int) (store.VersionInfo, []domain.PowerItem, error)
	// HasDemoData reports whether the published data is 示例数据.
	HasDemoData(ctx context.Context) (bool, error)
	// SampleRows is up to n rows of a dataset, as its downloads write them.
	SampleRows(ctx context.Context, name string, n int) ([][]string, error)
}

// pageHandlers serve the HTML pages.
type pageHandlers struct {
	log      *slog.Logger
	overview OverviewReader
	reads    ReadStore
	pages    PageStore
	datasets DatasetStore
	search   Searcher
	now      func() time.Time
	baseURL  string
	demo     *demoFlag
	calendar domain.Calendar
}

// pageRoutes are the routes registerPages adds, as gin patterns; every
// one answers HTML (or, for the feeds, CSV and SVG downloads, what its
// name says) and none is part of the JSON API.
var pageRoutes = []string{
	"/", "/search", "/search/feed.atom", "/search/suggest",
	"/penalties/:id", "/permits/:id",
	"/subjects/:code", "/subjects/:code/feed.atom",
	"/lists/powers", "/lists/powers/:code", "/lists/powers/:code/flowchart.svg",
	"/lists/responsibilities", "/lists/responsibilities/:code",
	"/lists/public-services", "/lists/public-services/:code", "/lists/public-services/:code/flowchart.svg",
	"/lists/powers/versions", "/lists/responsibilities/versions", "/lists/public-services/versions",
	"/lists/powers/compare", "/lists/responsibilities/compare", "/lists/public-services/compare",
	"/data", "/data/:name",
	"/stats", "/stats/:chart",
	"/api", "/subscribe", "/about",
	"/static/*filepath",
}

// PagePaths lists the gin patterns of the HTML pages (and their feeds and
// downloads), which the API contract does not describe.
func PagePaths() []string { return append([]string(nil), pageRoutes...) }

// registerPages adds the portal's pages and static assets to r.
func registerPages(r *gin.Engine, d Deps) {
	h := &pageHandlers{log: d.Log, overview: d.Overview, reads: d.Reads, pages: d.Pages, datasets: d.Datasets,
		search: d.Search, now: d.Now, baseURL: d.BaseURL, demo: &demoFlag{}, calendar: *d.Calendar}
	get := func(p string, fn handlerFunc) { r.GET(p, h.handle(fn)) }
	get("/", h.home)
	get("/search", h.searchPage)
	get("/search/feed.atom", h.searchFeed)
	get("/search/suggest", h.suggest)
	get("/penalties/:id", h.penalty)
	get("/permits/:id", h.permit)
	get("/subjects/:code", h.subject)
	get("/subjects/:code/feed.atom", h.subjectFeed)
	for _, k := range domain.ListKinds {
		base := "/lists/" + string(k)
		get(base, h.list(k))
		get(base+"/versions", h.versions(k))
		get(base+"/compare", h.compare(k))
		get(base+"/:code", h.listItem(k))
		if k.Info().Flowcharts {
			get(base+"/:code/flowchart.svg", h.flowchartSVG(k))
		}
	}
	get("/data", h.datasetsPage)
	get("/data/:name", h.datasetPage)
	get("/stats", h.statsPage)
	get("/stats/:chart", h.statsCSV)
	get("/api", h.apiReference)
	get("/subscribe", h.subscribe)
	get("/about", h.about)
	r.GET("/static/*filepath", serveStatic)
	r.HEAD("/static/*filepath", serveStatic)
	// Browsers get an HTML 404 for unknown pages; API clients keep JSON.
	r.NoRoute(func(c *gin.Context) {
		if !strings.HasPrefix(c.Request.URL.Path, "/api/") && strings.Contains(c.GetHeader("Accept"), "text/html") {
			h.handle(func(*gin.Context) error {
				return newError(http.StatusNotFound, "not_found", "no such page")
			})(c)
			return
		}
		writeError(c, d.Log, newError(http.StatusNotFound, "not_found", "no such page or endpoint"))
	})
}

// ---------------------------------------------------------------- templates

// pageNames are the page templates; each is public/templates/<name>.html,
// parsed with layout.html and partials.html.
var pageNames = []string{"home", "search", "penalty", "permit", "subject", "powers", "power", "responsibilities",
	"responsibility", "services", "service", "versions", "compare", "datasets", "dataset", "stats", "api",
	"subscribe", "about", "error"}

// pageTemplates holds one template set per language, so {{t "key"}} needs
// no language argument.
var pageTemplates = func() map[i18n.Lang]map[string]*template.Template {
	out := map[i18n.Lang]map[string]*template.Template{}
	for _, l := range i18n.Langs {
		out[l] = map[string]*template.Template{}
		for _, name := range pageNames {
			t := template.New(name).Funcs(templateFuncs(i18n.For(l)))
			out[l][name] = template.Must(t.ParseFS(public.Templates, "templates/layout.html",
				"templates/partials.html", "templates/"+name+".html"))
		}
	}
	return out
}()

// pageData is what every page's layout needs.
type pageData struct {
	Title     string
	Lang      i18n.Lang
	Demo      bool
	Nav       string // the active navigation entry
	AltLang   string // this page in the other language
	Canonical string // path and query of this page
	Feed      string // an Atom feed of this page, if any
	Crumbs    []crumb
	JSONLD    any // schema.org data, written as application/ld+json
	NoIndex   bool
}

type crumb struct{ Label, URL string }

func (p *pageData) base() *pageData { return p }

type pager interface{ base() *pageData }

// page starts the data of a page for the request.
func (h *pageHandlers) page(c *gin.Context, title, nav string) pageData {
	l := langOf(c)
	q := c.Request.URL.Query()
	other := i18n.English
	if l == i18n.English {
		other = i18n.Chinese
	}
	q.Set("lang", string(other))
	alt := c.Request.URL.Path + "?" + q.Encode()
	return pageData{Title: title, Lang: l, Demo: h.demo.get(c.Request.Context(), h.pages, h.log), Nav: nav, AltLang: alt,
		Canonical: c.Request.URL.RequestURI()}
}

// langOf is the language of the request, negotiated once.
func langOf(c *gin.Context) i18n.Lang {
	if v, ok := c.Get("lang"); ok {
		return v.(i18n.Lang)
	}
	l, explicit := i18n.Negotiate(c.Query("lang"), c.GetHeader("Accept-Language"))
	c.Set("lang", l)
	c.Set("lang_explicit", explicit)
	return l
}

func printer(c *gin.Context) i18n.Printer { return i18n.For(langOf(c)) }

// withLang adds the language parameter to a URL for English pages, so
// links keep the language and every English page has its own URL.
func withLang(l i18n.Lang, u string) string {
	if l != i18n.English {
		return u
	}
	base, frag, _ := strings.Cut(u, "#")
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	if strings.Contains(base, "lang=") {
		return u
	}
	out := base + sep + "lang=en"
	if frag != "" {
		out += "#" + frag
	}
	return out
}

// render executes page name into a buffer and writes it only when
// complete, with an ETag and caching headers; If-None-Match answers 304.
func (h *pageHandlers) render(c *gin.Context, name string, data pager) error {
	return h.renderStatus(c, http.StatusOK, name, data, "public, max-age=60")
}

func (h *pageHandlers) renderStatus(c *gin.Context, status int, name string, data pager, cacheControl string) error {
	p := data.base()
	if p.Lang == "" {
		p.Lang = langOf(c)
	}
	var buf bytes.Buffer
	if err := pageTemplates[p.Lang][name].ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	writePage(c, status, "text/html; charset=utf-8", buf.Bytes(), cacheControl)
	return nil
}

// writePage sends a rendered page or document with its validators.
func writePage(c *gin.Context, status int, contentType string, body []byte, cacheControl string) {
	explicit, _ := c.Get("lang_explicit")
	if e, ok := explicit.(bool); ok && !e {
		// The language came from Accept-Language: shared caches must
		// keep the languages apart, and only the default one is stored
		// under the bare URL.
		c.Header("Vary", "Accept-Language")
		if langOf(c) != i18n.Chinese && strings.HasPrefix(cacheControl, "public") {
			cacheControl = strings.Replace(cacheControl, "public", "private", 1)
		}
	}
	c.Header("Cache-Control", cacheControl)
	c.Header("Content-Language", string(langOf(c)))
	if status == http.StatusOK {
		sum := sha256.Sum256(body)
		tag := `"` + hex.EncodeToString(sum[:16]) + `"`
		c.Header("ETag", tag)
		if notModified(c.Request, tag, time.Time{}) {
			c.Status(http.StatusNotModified)
			return
		}
	}
	c.Data(status, contentType, body)
}

// handle adapts a page handler: errors become an HTML error page.
func (h *pageHandlers) handle(fn handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := fn(c); err != nil {
			h.renderError(c, err)
		}
	}
}

type errorPage struct {
	pageData
	Status  int
	Message string
}

// renderError renders err as an HTML page with the status errorStatus
// gives: a 404 says the record may have been withdrawn; 5xx hide their
// cause and are logged.
func (h *pageHandlers) renderError(c *gin.Context, err error) {
	var e *Error
	switch {
	case errors.As(err, &e):
	case errors.Is(err, store.ErrNotFound):
		e = newError(http.StatusNotFound, "not_found", "")
	default:
		e = newError(http.StatusInternalServerError, "internal", "")
	}
	if e.Status >= 500 {
		h.log.ErrorContext(c.Request.Context(), "page failed", "path", c.Request.URL.Path, "err", err)
	} else {
		h.log.InfoContext(c.Request.Context(), "page rejected", "status", e.Status, "path", c.Request.URL.Path, "err", err)
	}
	pr := printer(c)
	title := pr.T("error.title")
	switch e.Status {
	case http.StatusNotFound:
		title = pr.T("error.not_found")
	case http.StatusBadRequest:
		title = pr.T("error.bad_request")
	}
	data := &errorPage{pageData: h.page(c, title, ""), Status: e.Status, Message: e.Message}
	data.NoIndex = true
	if e.Status >= 500 {
		data.Message = ""
	}
	var buf bytes.Buffer
	if rerr := pageTemplates[data.Lang]["error"].ExecuteTemplate(&buf, "layout", data); rerr != nil {
		h.log.ErrorContext(c.Request.Context(), "error page failed", "err", rerr)
		writeError(c, h.log, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(e.Status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

// unavailable is the error of a page whose dependency is not configured.
func unavailable(what string) error {
	return newError(http.StatusServiceUnavailable, "unavailable", what+" is not configured")
}

// ---------------------------------------------------------------- demo flag

// demoFlag caches HasDemoData for a few minutes: the banner is on every
// page, and the answer changes only when data is loaded.
type demoFlag struct {
	mu    sync.Mutex
	value bool
	until time.Time
}

func (d *demoFlag) get(ctx context.Context, ps PageStore, log *slog.Logger) bool {
	if ps == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Now().Before(d.until) {
		return d.value
	}
	v, err := ps.HasDemoData(ctx)
	if err != nil {
		log.WarnContext(ctx, "pages: cannot tell whether the data is demo data", "err", err)
		d.until = time.Now().Add(10 * time.Second)
		return d.value
	}
	d.value, d.until = v, time.Now().Add(5*time.Minute)
	return v
}

// ---------------------------------------------------------------- static assets

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
		panic("server: no static asset " + name)
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
	req := c.Request.Clone(c.Request.Context())
	req.URL = &url.URL{Path: "/" + name}
	staticServer.ServeHTTP(c.Writer, req)
}

// ---------------------------------------------------------------- template functions

func templateFuncs(pr i18n.Printer) template.FuncMap {
	l := pr.Lang()
	return template.FuncMap{
		"t":      pr.T,
		"field":  pr.Field,
		"enum":   pr.Enum,
		"lang":   func() string { return string(l) },
		"u":      func(parts ...any) string { return withLang(l, concat(parts...)) },
		"static": staticURL,
		"date":   domain.FormatOptionalDate,
		"dateptr": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return domain.FormatDate(*t)
		},
		"datetime": func(t time.Time) string { return t.In(domain.China).Format("2006-01-02 15:04") },
		"yuan":     domain.Money.YuanGrouped,
		"wan":      domain.Money.Wan,
		"num":      domain.GroupThousands,
		"add":      func(a, b int) int { return a + b },
		"sub":      func(a, b int) int { return a - b },
		"join":     strings.Join,
		"mark":     func(s string) template.HTML { return template.HTML(s) }, // search highlights: escaped text with <mark>
		"svg":      func(s string) template.HTML { return template.HTML(s) }, // charts and flowcharts built on the server
		"pct": func(part, whole int64) string {
			if whole == 0 {
				return "—"
			}
			return strconv.FormatFloat(100*float64(part)/float64(whole), 'f', 1, 64) + "%"
		},
		"pathEscape": url.PathEscape,
	}
}

func concat(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case int:
			b.WriteString(strconv.Itoa(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case domain.ListKind:
			b.WriteString(string(v))
		default:
			panic("server: u() takes strings and integers")
		}
	}
	return b.String()
}
