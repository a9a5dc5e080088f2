package web

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// The sitemap is an index (sitemap.xml) of one file of the portal's
// fixed pages and, per record kind, one file per store.SitemapSpan ids:
// each file is one index range scan, so the index scales to millions of
// records. Only public records are listed; a withdrawal changes the
// record's dataset tag, which drops the cached file.

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

// sitemapKinds are the record kinds with sitemap files, by the path
// segment of their pages.
var sitemapKinds = []struct {
	path   string
	entity store.Entity
}{{"penalties", store.EntityPenalty}, {"permits", store.EntityPermit}}

// sitemapPages are the fixed pages the sitemap lists.
var sitemapPages = []string{"/", "/lists/powers", "/lists/responsibilities", "/lists/public-services", "/data",
	"/stats", "/api", "/subscribe", "/about"}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type sitemapLoc struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type urlSet struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []sitemapLoc `xml:"url"`
}

// robots allows the pages, keeps crawlers off the API and the endless
// search result pages, and names the sitemap.
func (h *Handlers) robots(c *gin.Context) error {
	body := "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /search\nDisallow: /stats/\n\nSitemap: " +
		h.absolute("/sitemap.xml") + "\n"
	writePage(c, http.StatusOK, "text/plain; charset=utf-8", []byte(body), "public, max-age=3600")
	return nil
}

func (h *Handlers) sitemap(c *gin.Context) error {
	spans, err := h.pages.SitemapSpans(c.Request.Context())
	if err != nil {
		return err
	}
	idx := sitemapIndex{NS: sitemapNS, Sitemaps: []sitemapLoc{{Loc: h.absolute("/sitemaps/pages.xml")}}}
	for _, k := range sitemapKinds {
		for n := int64(0); n < spans[k.entity]; n++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapLoc{Loc: h.absolute("/sitemaps/" + k.path + "-" + strconv.FormatInt(n, 10) + ".xml")})
		}
	}
	return writeXML(c, idx)
}

// sitemapFile answers /sitemaps/pages.xml and /sitemaps/{kind}-{n}.xml.
func (h *Handlers) sitemapFile(c *gin.Context) error {
	name, ok := strings.CutSuffix(c.Param("file"), ".xml")
	if !ok {
		return httpx.NotFound("no such sitemap")
	}
	set := urlSet{NS: sitemapNS}
	if name == "pages" {
		for _, p := range sitemapPages {
			set.URLs = append(set.URLs, sitemapLoc{Loc: h.absolute(p)})
		}
		return writeXML(c, set)
	}
	kind, num, ok := strings.Cut(name, "-")
	n, err := strconv.ParseInt(num, 10, 64)
	if !ok || err != nil || n < 0 || num != strconv.FormatInt(n, 10) {
		return httpx.NotFound("no such sitemap")
	}
	for _, k := range sitemapKinds {
		if k.path != kind {
			continue
		}
		httpx.CacheTags(c, cache.DatasetTag(string(k.entity)))
		entries, err := h.pages.SitemapEntries(c.Request.Context(), k.entity, n)
		if err != nil {
			return err
		}
		for _, e := range entries {
			set.URLs = append(set.URLs, sitemapLoc{Loc: h.absolute("/" + k.path + "/" + strconv.FormatInt(e.ID, 10)),
				LastMod: e.Updated.In(domain.China).Format("2006-01-02")})
		}
		return writeXML(c, set)
	}
	return httpx.NotFound("no such sitemap")
}

func writeXML(c *gin.Context, v any) error {
	body, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	writePage(c, http.StatusOK, "application/xml; charset=utf-8", append([]byte(xml.Header), body...), "public, max-age=60")
	return nil
}
