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
		"PORTAL_TRUSTED_PROXIES":   "10.0.0.0/8, proxy.example",

		"PORTAL_SEARCH_FALLBACK_CONCURRENCY": "-2",
	}
	_, err := load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("want error")
	}
	for _, name := range []string{"DATABASE_URL", "PORTAL_ADDR", "PORTAL_STATEMENT_TIMEOUT", "PORTAL_TRUSTED_PROXIES",
		"PORTAL_SEARCH_FALLBACK_CONCURRENCY"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}

func TestLoadTrustedProxies(t *testing.T) {
	c, err := load(func(k string) string {
		if k == "PORTAL_TRUSTED_PROXIES" {
			return " 10.0.0.0/8, 192.168.1.7 ,,"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.TrustedProxies, "|") != "10.0.0.0/8|192.168.1.7" {
		t.Errorf("trusted proxies %q", c.TrustedProxies)
	}
}

func TestLoadFlowchartBin(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil || c.FlowchartBin != "" {
		t.Fatalf("default PORTAL_FLOWCHART_BIN %q (%v), want \"\" (beside the executable, else $PATH)", c.FlowchartBin, err)
	}
	c, err = load(func(k string) string {
		if k == "PORTAL_FLOWCHART_BIN" {
			return " /opt/gongshi/flowchart "
		}
		return ""
	})
	if err != nil || c.FlowchartBin != "/opt/gongshi/flowchart" {
		t.Errorf("PORTAL_FLOWCHART_BIN read as %q (%v)", c.FlowchartBin, err)
	}
}
