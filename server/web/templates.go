package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/public"
	"github.com/gongshi/gongshi/server/httpx"
)

// pageNames are the page templates; each is public/templates/<name>.html,
// which defines "content", shown inside layout.html with partials.html.
var pageNames = []string{"home", "search", "penalty", "permit", "subject", "powers", "power", "responsibilities",
	"responsibility", "services", "service", "versions", "compare", "datasets", "dataset", "stats", "api",
	"subscribe", "about", "error", "report", "withdrawals",
	"enf_index", "verify", "enf_bodies", "enf_officers", "enf_items", "enf_register", "enf_tasks", "enf_task",
	"enf_results", "enf_result", "enf_plans", "enf_referrals", "quarterly"}

// pageTemplates holds one template set per language, so {{t "key"}} needs
// no language argument. A set holds the layout and the partials once and
// every page: page <name> is the layout around its own content (see
// pageSet).
var pageTemplates = func() map[i18n.Lang]*template.Template {
	out := map[i18n.Lang]*template.Template{}
	for _, l := range i18n.Langs {
		t, err := pageSet(template.New("pages").Funcs(templateFuncs(i18n.For(l))), public.Templates, pageNames)
		if err != nil {
			panic(err)
		}
		out[l] = t
	}
	return out
}()

// contentCall is where layout.html shows a page's content.
const contentCall = `{{template "content" .}}`

// pageSet parses the layout, the partials and the pages into t, sharing
// one parse of the layout and the partials among all pages (parsing them
// with each page held the layout 35 times per language, 13 MB of parse
// trees). The layout is cut at its one content call into "layout.head"
// and "layout.foot"; each page's "content" is renamed "content:<name>",
// and "<name>" is head, content and foot.
func pageSet(t *template.Template, files fs.FS, names []string) (*template.Template, error) {
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(files, "templates/"+name+".html")
		if err != nil {
			return "", fmt.Errorf("page templates: %w", err)
		}
		return string(b), nil
	}
	layout, err := read("layout")
	if err != nil {
		return nil, err
	}
	head, foot, ok := strings.Cut(layout, contentCall)
	if !ok || strings.Contains(foot, contentCall) || !strings.HasPrefix(head, `{{define "layout"}}`) {
		return nil, fmt.Errorf("page templates: layout.html must define \"layout\" and call %s once", contentCall)
	}
	partials, err := read("partials")
	if err != nil {
		return nil, err
	}
	parse := func(src string) error {
		if _, err := t.Parse(src); err != nil {
			return fmt.Errorf("page templates: %w", err)
		}
		return nil
	}
	if err := parse(partials + `{{define "layout.head"}}` + strings.TrimPrefix(head, `{{define "layout"}}`) + `{{end}}` +
		`{{define "layout.foot"}}` + foot); err != nil {
		return nil, err
	}
	for _, name := range names {
		page, err := read(name)
		if err != nil {
			return nil, err
		}
		if strings.Count(page, `{{define "content"}}`) != 1 {
			return nil, fmt.Errorf("page templates: %s.html must define \"content\" once", name)
		}
		if t.Lookup(name) != nil {
			return nil, fmt.Errorf("page templates: page %s has the name of another template", name)
		}
		err = parse(strings.Replace(page, `{{define "content"}}`, `{{define "content:`+name+`"}}`, 1) +
			`{{define "` + name + `"}}{{template "layout.head" .}}{{template "content:` + name + `" .}}{{template "layout.foot" .}}{{end}}`)
		if err != nil {
			return nil, err
		}
	}
	return t, nil
}

// pageData is what every page's layout needs.
type pageData struct {
	Title     string
	Lang      i18n.Lang
	Demo      bool
	Nav       string // the active navigation entry
	AltLang   string // this page in the other language: path and query
	Canonical string // path and query of this page
	// The page's absolute URLs: canonical (Chinese: without lang; English:
	// lang=en) and in each language, for <link rel=canonical|alternate>.
	CanonicalURL, ChineseURL, EnglishURL string
	// Description is the page's meta description; "": the site's.
	Description string
	Feed        string // an Atom feed of this page, if any
	Crumbs      []crumb
	JSONLD      any // schema.org data, written as application/ld+json
	NoIndex     bool
}

type crumb struct{ Label, URL string }

func (p *pageData) base() *pageData { return p }

type pager interface{ base() *pageData }

// page starts the data of a page for the request.
func (h *Handlers) page(c *gin.Context, title, nav string) pageData {
	l := langOf(c)
	q := c.Request.URL.Query()
	other := i18n.English
	if l == i18n.English {
		other = i18n.Chinese
	}
	q.Set("lang", string(other))
	alt := c.Request.URL.Path + "?" + q.Encode()
	in := func(lang i18n.Lang) string {
		q := c.Request.URL.Query()
		if lang == i18n.Chinese {
			q.Del("lang")
		} else {
			q.Set("lang", string(lang))
		}
		u := c.Request.URL.Path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return h.absolute(u)
	}
	d := pageData{Title: title, Lang: l, Demo: h.demo.get(c.Request.Context(), h.pages, h.log), Nav: nav, AltLang: alt,
		Canonical: c.Request.URL.RequestURI(), ChineseURL: in(i18n.Chinese), EnglishURL: in(i18n.English)}
	d.CanonicalURL = d.ChineseURL
	if l == i18n.English {
		d.CanonicalURL = d.EnglishURL
	}
	return d
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
func (h *Handlers) render(c *gin.Context, name string, data pager) error {
	return h.renderStatus(c, http.StatusOK, name, data, "public, max-age=60")
}

func (h *Handlers) renderStatus(c *gin.Context, status int, name string, data pager, cacheControl string) error {
	p := data.base()
	if p.Lang == "" {
		p.Lang = langOf(c)
	}
	var buf bytes.Buffer
	if err := pageTemplates[p.Lang].ExecuteTemplate(&buf, name, data); err != nil {
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
		// One Vary line, after what the compression layer set.
		h := c.Writer.Header()
		h.Set("Vary", strings.Join(append(h.Values("Vary"), "Accept-Language"), ", "))
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
		if httpx.NotModified(c.Request, tag, time.Time{}) {
			c.Status(http.StatusNotModified)
			return
		}
	}
	c.Data(status, contentType, body)
}

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
		"lines":      textLines,
		"ownNumbers": ownNumbers,
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
			panic("web: u() takes strings and integers")
		}
	}
	return b.String()
}
