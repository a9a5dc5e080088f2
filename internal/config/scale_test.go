package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoadScale(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil || c.DatabaseReadURL != "" || c.DatabaseListenURL != "" || c.ReadMaxLag != time.Second ||
		!slices.Equal(c.MeiliURLs, []string{"http://127.0.0.1:7700"}) {
		t.Fatalf("defaults: %q %q %v %q %v", c.DatabaseReadURL, c.DatabaseListenURL, c.ReadMaxLag, c.MeiliURLs, err)
	}
	env := map[string]string{
		"DATABASE_READ_URL":   "postgres://reader:pw@replica:5432/gongshi",
		"DATABASE_LISTEN_URL": "postgres://postgres@primary:5432/gongshi",
		"PORTAL_READ_MAX_LAG": "250ms",
		"MEILI_URL":           "http://meili-a:7700/, http://meili-b:7700",
	}
	c, err = load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseReadURL != env["DATABASE_READ_URL"] || c.DatabaseListenURL != env["DATABASE_LISTEN_URL"] ||
		c.ReadMaxLag != 250*time.Millisecond || !slices.Equal(c.MeiliURLs, []string{"http://meili-a:7700", "http://meili-b:7700"}) {
		t.Errorf("got %q %q %v %q", c.DatabaseReadURL, c.DatabaseListenURL, c.ReadMaxLag, c.MeiliURLs)
	}
	if strings.Contains(c.LogValue().String(), "pw") {
		t.Error("the logged configuration shows the read replica's password")
	}
}

func TestLoadScaleRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"DATABASE_READ_URL", "mysql://replica/gongshi"},
		{"DATABASE_LISTEN_URL", "primary:5432"},
		{"PORTAL_READ_MAX_LAG", "0s"},
		{"PORTAL_READ_MAX_LAG", "soon"},
		{"MEILI_URL", "http://meili-a:7700,ftp://meili-b"},
		{"MEILI_URL", " , "},
	} {
		_, err := load(func(k string) string {
			if k == tc.name {
				return tc.value
			}
			return ""
		})
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s=%q: %v, want an error naming it", tc.name, tc.value, err)
		}
	}
}
