package config

import (
	"strings"
	"testing"
)

func TestLoadDefaults(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" {
		t.Errorf("addr %q base %q", c.Addr, c.BaseURL)
	}
}

func TestLoadRejectsBadValues(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":             "mysql://x",
		"PORTAL_ADDR":              "nowhere",
		"PORTAL_STATEMENT_TIMEOUT": "-1s",
	}
	_, err := load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("want error")
	}
	for _, name := range []string{"DATABASE_URL", "PORTAL_ADDR", "PORTAL_STATEMENT_TIMEOUT"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
