package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConns(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	want := Conns{ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, PerIP: 64,
		LiveDownloads: DefaultLiveDownloads(), LiveDownloadsPerIP: 1}
	if c.Conns != want {
		t.Errorf("defaults %+v, want %+v", c.Conns, want)
	}
	env := map[string]string{"PORTAL_READ_TIMEOUT": "5s", "PORTAL_WRITE_TIMEOUT": "2s", "PORTAL_IDLE_TIMEOUT": "1m",
		"PORTAL_CONNS_PER_IP": "0", "PORTAL_LIVE_DOWNLOADS": "8", "PORTAL_LIVE_DOWNLOADS_PER_IP": "2"}
	c, err = load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want = Conns{ReadTimeout: 5 * time.Second, WriteTimeout: 2 * time.Second, IdleTimeout: time.Minute,
		LiveDownloads: 8, LiveDownloadsPerIP: 2}
	if c.Conns != want {
		t.Errorf("read %+v, want %+v", c.Conns, want)
	}
}

func TestLoadConnsRejectsBadValues(t *testing.T) {
	env := map[string]string{"PORTAL_READ_TIMEOUT": "0s", "PORTAL_WRITE_TIMEOUT": "soon", "PORTAL_IDLE_TIMEOUT": "-1s",
		"PORTAL_CONNS_PER_IP": "-1", "PORTAL_LIVE_DOWNLOADS": "0", "PORTAL_LIVE_DOWNLOADS_PER_IP": "x"}
	_, err := load(func(k string) string { return env[k] })
	if err == nil {
		t.Fatal("want error")
	}
	for name := range env {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
}
