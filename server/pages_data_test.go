package server_test

import (
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestDataPagesOfferSpreadsheetDownloadsFirst: the open-data pages give
// people Chinese headers (the CSV with a byte-order mark) and XLSX, and
// keep the standard-code variants for programs; each link downloads what
// it says.
func TestDataPagesOfferSpreadsheetDownloadsFirst(t *testing.T) {
	f := newPagesFixture(t)
	links := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`href="(/api/v1/datasets/[^"]+/download\?[^"]+)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, html.UnescapeString(m[1]))
		}
		return out
	}
	_, body := f.get("/data")
	catalog := links(body)
	for _, want := range []string{"/api/v1/datasets/penalties/download?format=csv&headers=zh&bom=1",
		"/api/v1/datasets/penalties/download?format=xlsx&headers=zh", "/api/v1/datasets/permits/download?format=csv&headers=zh&bom=1"} {
		if !strings.Contains(strings.Join(catalog, " "), want) {
			t.Errorf("/data does not link %s: %v", want, catalog)
		}
	}
	_, body = f.get("/data/penalties")
	got := links(body)
	if len(got) < 6 || got[0] != "/api/v1/datasets/penalties/download?format=xlsx&headers=zh" ||
		got[1] != "/api/v1/datasets/penalties/download?format=csv&headers=zh&bom=1" {
		t.Fatalf("the first downloads are not the spreadsheet ones: %v", got)
	}
	if !slices.Contains(got[2:], "/api/v1/datasets/penalties/download?format=csv") {
		t.Errorf("no standard-code CSV for programs: %v", got[2:])
	}
	for _, l := range got {
		resp, b := f.get(l)
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", l, resp.StatusCode)
			continue
		}
		switch {
		case strings.Contains(l, "format=csv&headers=zh&bom=1"):
			if !strings.HasPrefix(b, "\ufeff行政处罚决定书文号,") {
				t.Errorf("%s: %.40q", l, b)
			}
		case strings.HasSuffix(l, "format=csv"):
			if !strings.HasPrefix(b, "CF_WSH,") {
				t.Errorf("%s: %.40q", l, b)
			}
		}
	}
}
