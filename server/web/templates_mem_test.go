package web

import (
	"html/template"
	"runtime"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/public"
)

// TestPageSetsShareTheLayout checks that the page templates hold the
// layout and the partials once per language, not once per page: the
// sets of both languages keep less than 6 MB of parse trees (13 MB when
// every page parsed its own layout).
func TestPageSetsShareTheLayout(t *testing.T) {
	var sets []*template.Template
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, l := range i18n.Langs {
		s, err := pageSet(template.New("pages").Funcs(templateFuncs(i18n.For(l))), public.Templates, pageNames)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	kept := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(sets)
	t.Logf("page templates of %d languages: %.1f MB", len(sets), float64(kept)/(1<<20))
	if kept > 6<<20 {
		t.Errorf("page templates keep %.1f MB, want under 6 MB", float64(kept)/(1<<20))
	}
}

// TestPageSetRefusesAmbiguousPages checks the rules pageSet relies on: a
// layout with one content call, pages that define "content" once, and no
// page named like another template.
func TestPageSetRefusesAmbiguousPages(t *testing.T) {
	layout := `{{define "layout"}}<main>{{template "content" .}}</main>{{end}}`
	for name, tc := range map[string]struct {
		files fstest.MapFS
		pages []string
	}{
		"two content calls": {fstest.MapFS{"templates/layout.html": {Data: []byte(`{{define "layout"}}{{template "content" .}}{{template "content" .}}{{end}}`)},
			"templates/partials.html": {Data: []byte(``)}, "templates/a.html": {Data: []byte(`{{define "content"}}a{{end}}`)}}, []string{"a"}},
		"no content": {fstest.MapFS{"templates/layout.html": {Data: []byte(layout)},
			"templates/partials.html": {Data: []byte(``)}, "templates/a.html": {Data: []byte(`{{define "other"}}a{{end}}`)}}, []string{"a"}},
		"a page named like a partial": {fstest.MapFS{"templates/layout.html": {Data: []byte(layout)},
			"templates/partials.html": {Data: []byte(`{{define "a"}}x{{end}}`)}, "templates/a.html": {Data: []byte(`{{define "content"}}a{{end}}`)}}, []string{"a"}},
	} {
		if _, err := pageSet(template.New("pages"), tc.files, tc.pages); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	files := fstest.MapFS{"templates/layout.html": {Data: []byte(layout)}, "templates/partials.html": {Data: []byte(``)},
		"templates/a.html": {Data: []byte(`{{define "content"}}A{{.}}{{end}}`)}, "templates/b.html": {Data: []byte(`{{define "content"}}B{{.}}{{end}}`)}}
	set, err := pageSet(template.New("pages"), files, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a": "<main>A&lt;x&gt;</main>", "b": "<main>B&lt;x&gt;</main>"} {
		var buf strings.Builder
		if err := set.ExecuteTemplate(&buf, name, "<x>"); err != nil || buf.String() != want {
			t.Errorf("page %s: %q, %v; want %q", name, buf.String(), err, want)
		}
	}
}
