package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// rawGet fetches path with optional request headers; with an
// Accept-Encoding header of its own, the body arrives as sent.
func (f *pagesFixture) rawGet(path string, headers ...string) (*http.Response, []byte) {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}

// TestPagesCompressed: pages, stylesheets, scripts, SVG and the spec are
// sent gzip-compressed to clients that accept it, decompress to the
// identity bytes, and revalidate with the compressed ETag; the JSON API
// is left alone.
func TestPagesCompressed(t *testing.T) {
	f := newPagesFixture(t)
	for _, path := range []string{"/", "/lists/powers", "/api", "/openapi.yaml", "/static/site.css", "/static/site.js",
		"/penalties/" + id(f.penalties[0])} {
		_, plain := f.rawGet(path, "Accept-Encoding: identity")
		resp, body := f.rawGet(path, "Accept-Encoding: gzip")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: status %d, Content-Encoding %q; want 200 gzip", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
			continue
		}
		if !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Vary %q lacks Accept-Encoding", path, resp.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !bytes.Equal(unzipped, plain) {
			t.Errorf("%s: gzip body differs from the identity body (%d vs %d bytes)", path, len(unzipped), len(plain))
		}
		if len(body) >= len(plain) {
			t.Errorf("%s: compressed %d bytes, identity %d", path, len(body), len(plain))
		}
		if tag := resp.Header.Get("ETag"); tag != "" {
			again, _ := f.rawGet(path, "Accept-Encoding: gzip", "If-None-Match: "+tag)
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("%s: If-None-Match %s answered %d, want 304", path, tag, again.StatusCode)
			}
		}
	}
	resp, _ := f.rawGet("/api/v1/penalties?limit=50", "Accept-Encoding: gzip")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("/api/v1/penalties: status %d, Content-Encoding %q; want 200 and none", resp.StatusCode, resp.Header.Get("Content-Encoding"))
	}
}

// TestCanonicalAndAlternates: every page names its absolute canonical URL
// and its absolute URL in each language; record pages describe the record.
func TestCanonicalAndAlternates(t *testing.T) {
	f := newPagesFixture(t)
	_, body := f.get("/lists/powers?q=%E5%AE%89%E5%85%A8&lang=zh-CN")
	for _, want := range []string{
		`<link rel="canonical" href="` + pagesBaseURL + `/lists/powers?q=%E5%AE%89%E5%85%A8">`,
		`<link rel="alternate" hreflang="zh-CN" href="` + pagesBaseURL + `/lists/powers?q=%E5%AE%89%E5%85%A8">`,
		`<link rel="alternate" hreflang="en" href="` + pagesBaseURL + `/lists/powers?lang=en&amp;q=%E5%AE%89%E5%85%A8">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/lists/powers lacks %s", want)
		}
	}
	_, body = f.get("/?lang=en")
	if want := `<link rel="canonical" href="` + pagesBaseURL + `/?lang=en">`; !strings.Contains(body, want) {
		t.Errorf("English home page lacks %s", want)
	}
	_, body = f.get("/penalties/" + id(f.penalties[0]))
	if !strings.Contains(body, `<meta name="description" content="`) || !strings.Contains(body, "作出的行政处罚决定（") {
		t.Errorf("penalty page has no description of its own")
	}
}

// TestRobotsAndSitemap: robots.txt names the sitemap; the sitemap index
// lists a file per span of ids, and the files list the public records'
// absolute URLs, not a withdrawn one, nor one past its publicity period.
func TestRobotsAndSitemap(t *testing.T) {
	f := newPagesFixture(t)
	resp, robots := f.get("/robots.txt")
	if resp.StatusCode != 200 || !strings.Contains(robots, "Sitemap: "+pagesBaseURL+"/sitemap.xml") ||
		!strings.Contains(robots, "Disallow: /api/") {
		t.Fatalf("robots.txt: %d %q", resp.StatusCode, robots)
	}
	var idx struct {
		Locs []string `xml:"sitemap>loc"`
	}
	resp, body := f.get("/sitemap.xml")
	if err := xml.Unmarshal([]byte(body), &idx); err != nil || resp.StatusCode != 200 {
		t.Fatalf("sitemap.xml: %d %v\n%s", resp.StatusCode, err, body)
	}
	want := []string{pagesBaseURL + "/sitemaps/pages.xml", pagesBaseURL + "/sitemaps/penalties-0.xml", pagesBaseURL + "/sitemaps/permits-0.xml"}
	if strings.Join(idx.Locs, " ") != strings.Join(want, " ") {
		t.Fatalf("sitemap index %v, want %v", idx.Locs, want)
	}
	urls := func(path string) string {
		var set struct {
			Locs []string `xml:"url>loc"`
		}
		resp, body := f.get(path)
		if err := xml.Unmarshal([]byte(body), &set); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, err)
		}
		return strings.Join(set.Locs, " ") + " "
	}
	penalties := urls("/sitemaps/penalties-0.xml")
	for _, p := range append(f.penalties, f.person) {
		if !strings.Contains(penalties, pagesBaseURL+"/penalties/"+id(p)+" ") {
			t.Errorf("penalties-0.xml lacks penalty %d: %s", p, penalties)
		}
	}
	if got := urls("/sitemaps/permits-0.xml"); !strings.Contains(got, "/permits/"+id(f.permits[0])+" ") {
		t.Errorf("permits-0.xml lacks permit %d: %s", f.permits[0], got)
	}
	if got := urls("/sitemaps/pages.xml"); !strings.Contains(got, pagesBaseURL+"/lists/powers ") {
		t.Errorf("pages.xml lacks the power list: %s", got)
	}

	if err := f.s.Withdraw(context.Background(), store.Actor{Name: "test"}, store.EntityPenalty, f.penalties[1],
		domain.ReasonRevoked, "撤销"); err != nil {
		t.Fatal(err)
	}
	if got := urls("/sitemaps/penalties-0.xml"); strings.Contains(got, "/penalties/"+id(f.penalties[1])+" ") {
		t.Errorf("withdrawn penalty %d still in the sitemap", f.penalties[1])
	}
	for _, bad := range []string{"/sitemaps/penalties-x.xml", "/sitemaps/penalties-01.xml", "/sitemaps/other-0.xml", "/sitemaps/penalties-0"} {
		if resp, _ := f.get(bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
		}
	}
}
