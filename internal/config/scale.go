package config

import (
	"fmt"
	"strings"
	"time"
)

// loadScale reads the settings of a deployment with more than one copy
// of an engine: a PostgreSQL read replica (DATABASE_READ_URL, bounded by
// PORTAL_READ_MAX_LAG), a direct connection for LISTEN/NOTIFY when
// DATABASE_URL goes through a transaction-pooling proxy
// (DATABASE_LISTEN_URL), and several Meilisearch (MEILI_URL, comma-separated).
func loadScale(c *Config, getenv func(string) string) []error {
	var errs []error
	for _, u := range []struct {
		name string
		dst  *string
	}{{"DATABASE_READ_URL", &c.DatabaseReadURL}, {"DATABASE_LISTEN_URL", &c.DatabaseListenURL}} {
		v := strings.TrimSpace(getenv(u.name))
		if v == "" {
			continue
		}
		if err := checkURL(v, []string{"postgres", "postgresql"}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.name, err))
		}
		*u.dst = v
	}
	lag := strings.TrimSpace(getenv("PORTAL_READ_MAX_LAG"))
	if lag == "" {
		lag = "1s"
	}
	d, err := time.ParseDuration(lag)
	if err != nil || d <= 0 || d > time.Minute {
		errs = append(errs, fmt.Errorf("PORTAL_READ_MAX_LAG: want a positive duration up to 1m such as 1s, got %q", lag))
	}
	c.ReadMaxLag = d

	c.MeiliURLs = nil
	for _, u := range strings.Split(c.MeiliURL, ",") {
		if u = strings.TrimSpace(u); u == "" {
			continue
		}
		if err := checkURL(u, []string{"http", "https"}); err != nil {
			errs = append(errs, fmt.Errorf("MEILI_URL: %w", err))
		}
		c.MeiliURLs = append(c.MeiliURLs, strings.TrimSuffix(u, "/"))
	}
	if len(c.MeiliURLs) == 0 {
		errs = append(errs, fmt.Errorf("MEILI_URL: want one or more http:// URLs separated by commas, got %q", c.MeiliURL))
	}
	return errs
}
