package web

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/server/httpx"
)

// Atom feeds (RFC 4287) people subscribe to: a saved search
// (/search/feed.atom?<the search's parameters>) and an enterprise
// (/subjects/{code}/feed.atom), so they can watch a company.

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published,omitempty"`
	Link       atomLink       `xml:"link"`
	Author     *atomPerson    `xml:"author,omitempty"`
	Categories []atomCategory `xml:"category"`
	Summary    atomText       `xml:"summary"`
}

type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle,omitempty"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Rights   string      `xml:"rights,omitempty"`
	Entries  []atomEntry `xml:"entry"`
}

// absolute makes a root-relative path absolute with the configured base
// URL; without one it stays relative.
func (h *Handlers) absolute(p string) string {
	if h.baseURL == "" {
		return p
	}
	return strings.TrimSuffix(h.baseURL, "/") + p
}

func (h *Handlers) writeFeed(c *gin.Context, f atomFeed, cacheControl string) error {
	f.Author = atomPerson{Name: bureau}
	f.Rights = bureau
	if f.Updated == "" {
		f.Updated = domain.FormatInstant(time.Unix(0, 0))
	}
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	body := append([]byte(xml.Header), b...)
	writePage(c, http.StatusOK, "application/atom+xml; charset=utf-8", body, cacheControl)
	return nil
}

// feedLimit is how many entries a feed carries.
const feedLimit = 50

// searchFeed is a saved search as an Atom feed: the newest matching
// records first.
func (h *Handlers) searchFeed(c *gin.Context) error {
	pr := printer(c)
	vs := searchValues(c)
	vs.Del("page")
	vs.Del("per_page")
	fq := with(vs, func(v url.Values) {
		v.Set("per_page", "50")
		if v.Get("sort") == "" {
			t := v.Get("type")
			if t == "" || t == "penalty" || t == "permit" {
				v.Set("sort", "decision_date:desc")
			}
		}
	})
	q, err := search.ParseQuery(fq)
	var pe *search.ParamError
	if errors.As(err, &pe) {
		return httpx.BadRequest(pe.Param, pe.Message)
	}
	if err != nil {
		return err
	}
	res, err := h.search.Search(c.Request.Context(), q)
	if err != nil {
		return err
	}
	title := pr.T("feed.search_title", strings.TrimSpace(vs.Get("q")))
	if vs.Get("q") == "" {
		title = pr.T("feed.search_all")
	}
	page := "/search?" + vs.Encode()
	f := atomFeed{Lang: string(pr.Lang()), ID: "urn:gongshi:search:" + vs.Encode(), Title: title,
		Subtitle: pr.T("feed.search_subtitle"),
		Links: []atomLink{{Href: h.absolute("/search/feed.atom?" + vs.Encode()), Rel: "self", Type: "application/atom+xml"},
			{Href: h.absolute(page), Rel: "alternate", Type: "text/html"}}}
	var newest time.Time
	for _, hit := range append(slices.Clone(res.Exact), res.Hits...) {
		e := atomEntry{ID: "urn:gongshi:" + string(hit.Type) + ":" + hit.ID, Title: hit.Title,
			Link: atomLink{Href: h.absolute(hit.URL), Rel: "alternate", Type: "text/html"}}
		e.Summary = atomText{Type: "text", Body: hit.Subtitle}
		updated := time.Time{}
		if s := fieldString(hit.Fields, "published_at"); s != "" {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				updated = t
			}
		}
		if updated.IsZero() {
			if s := fieldString(hit.Fields, "effective_date"); s != "" {
				updated, _ = time.Parse(domain.DateLayout, s)
			}
		}
		if updated.After(newest) {
			newest = updated
		}
		e.Updated = domain.FormatInstant(updated)
		if agency := fieldString(hit.Fields, "agency"); agency != "" {
			e.Author = &atomPerson{Name: agency}
		}
		e.Categories = append(e.Categories, atomCategory{Term: pr.T(typeLabelKeys[string(hit.Type)])})
		f.Entries = append(f.Entries, e)
	}
	if !newest.IsZero() {
		f.Updated = domain.FormatInstant(newest)
	}
	return h.writeFeed(c, f, "no-cache")
}

// fieldString reads a string field of a search hit.
func fieldString(fields map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := fields[name]; ok && json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// subjectFeed is an enterprise's penalties and permits as an Atom feed.
func (h *Handlers) subjectFeed(c *gin.Context) error {
	s, name, err := h.loadSubject(c)
	if err != nil {
		return err
	}
	pr := printer(c)
	f := atomFeed{Lang: string(pr.Lang()), ID: "urn:gongshi:subject:" + s.CreditCode,
		Title: pr.T("feed.subject_title", name), Subtitle: pr.T("feed.subject_subtitle", s.CreditCode),
		Links: []atomLink{{Href: h.absolute("/subjects/" + s.CreditCode + "/feed.atom"), Rel: "self", Type: "application/atom+xml"},
			{Href: h.absolute("/subjects/" + s.CreditCode), Rel: "alternate", Type: "text/html"}}}
	var newest time.Time
	byURL := map[string]time.Time{}
	for _, p := range s.Penalties {
		byURL["/penalties/"+itoa(p.ID)] = p.UpdatedAt
	}
	for _, p := range s.Permits {
		byURL["/permits/"+itoa(p.ID)] = p.UpdatedAt
	}
	for i, e := range subjectTimeline(pr, s) {
		if i == feedLimit {
			break
		}
		updated := byURL[e.URL]
		if updated.After(newest) {
			newest = updated
		}
		f.Entries = append(f.Entries, atomEntry{
			ID:    "urn:gongshi:" + e.Kind + ":" + strings.TrimPrefix(strings.TrimPrefix(e.URL, "/penalties/"), "/permits/"),
			Title: e.KindLabel + "：" + e.Title, Updated: domain.FormatInstant(updated), Published: domain.FormatInstant(updated),
			Link:    atomLink{Href: h.absolute(e.URL), Rel: "alternate", Type: "text/html"},
			Author:  &atomPerson{Name: e.Agency},
			Summary: atomText{Type: "text", Body: e.DecisionNo + " · " + domain.FormatDate(e.Date) + " · " + e.Detail},
		})
	}
	if !newest.IsZero() {
		f.Updated = domain.FormatInstant(newest)
	}
	return h.writeFeed(c, f, "public, max-age=60")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
