// Package config reads Gongshi's configuration from the environment, once,
// into a Config value, failing fast with a message naming the bad variable.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything the portal reads from its environment.
type Config struct {
	DatabaseURL      string        // DATABASE_URL: PostgreSQL, the system of record
	RedisURL         string        // REDIS_URL: cache and rate limits
	MeiliURL         string        // MEILI_URL: Meilisearch; several, separated by commas, are each fed and failed over between (MeiliURLs)
	MeiliMasterKey   string        // MEILI_MASTER_KEY: the indexer's key (writes); the server derives a search-only key
	Addr             string        // PORTAL_ADDR: listen address of serve
	BaseURL          string        // PORTAL_BASE_URL: public URL, used in links and printed at start
	PublicityRules   string        // PORTAL_PUBLICITY_RULES: JSON file overriding the default publicity periods
	Calendar         string        // PORTAL_CALENDAR: JSON file overriding the working-day calendar
	StatementTimeout time.Duration // PORTAL_STATEMENT_TIMEOUT: PostgreSQL statement_timeout for requests
	LogLevel         slog.Level    // PORTAL_LOG_LEVEL: debug, info, warn, error
	RateIP           int           // PORTAL_RATE_IP: requests per minute per client IP
	RateKey          int           // PORTAL_RATE_KEY: requests per minute per API key
	SnapshotDir      string        // PORTAL_SNAPSHOT_DIR: where daily dataset snapshots are written
	SnapshotKeep     int           // PORTAL_SNAPSHOT_KEEP_DAYS: days of snapshots kept; 0 keeps all
	TrustedProxies   []string      // PORTAL_TRUSTED_PROXIES: IPs or CIDRs whose X-Forwarded-For is believed
	SearchFallback   int           // PORTAL_SEARCH_FALLBACK_CONCURRENCY: searches PostgreSQL answers at once without Meilisearch; 0: half the cores, at least 2
	FlowchartBin     string        // PORTAL_FLOWCHART_BIN: the flowchart command (cmd/flowchart) that draws flowcharts; "": the one beside the portal's executable, else on $PATH
	Conns            Conns         // timeouts and per-client caps of the HTTP server (conns.go)

	// The snapshot storage (snapshot.go).
	SnapshotURL         string        // PORTAL_SNAPSHOT_URL: s3://bucket/prefix keeps snapshots there, not in SnapshotDir
	SnapshotS3          S3            // the bucket of SnapshotURL, with the AWS variables
	SnapshotVerifyEvery time.Duration // PORTAL_SNAPSHOT_VERIFY_EVERY: how often each snapshot file's SHA-256 is re-checked; 0: never

	// More than one copy of an engine (scale.go).
	DatabaseReadURL   string        // DATABASE_READ_URL: a streaming replica for public reads; "" reads from DATABASE_URL
	DatabaseListenURL string        // DATABASE_LISTEN_URL: a direct connection for LISTEN/NOTIFY; "" listens on DATABASE_URL
	ReadMaxLag        time.Duration // PORTAL_READ_MAX_LAG: the replica answers only while it has every change older than this
	MeiliURLs         []string      // MEILI_URL split at commas: each Meilisearch the indexer feeds and searches fail over between
}

// Load reads the configuration from the environment.
func Load() (Config, error) { return load(os.Getenv) }

func load(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DatabaseURL:    get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gongshi?sslmode=disable"),
		RedisURL:       get("REDIS_URL", "redis://127.0.0.1:6379/0"),
		MeiliURL:       get("MEILI_URL", "http://127.0.0.1:7700"),
		MeiliMasterKey: getenv("MEILI_MASTER_KEY"),
		Addr:           get("PORTAL_ADDR", ":8080"),
		BaseURL:        get("PORTAL_BASE_URL", ""),
		PublicityRules: get("PORTAL_PUBLICITY_RULES", ""),
		Calendar:       get("PORTAL_CALENDAR", ""),
		SnapshotDir:    get("PORTAL_SNAPSHOT_DIR", ".data/snapshots"),
		FlowchartBin:   get("PORTAL_FLOWCHART_BIN", ""),
	}
	var errs []error
	for _, u := range []struct {
		name, value string
		schemes     []string
	}{
		{"DATABASE_URL", c.DatabaseURL, []string{"postgres", "postgresql"}},
		{"REDIS_URL", c.RedisURL, []string{"redis", "rediss"}},
	} {
		if err := checkURL(u.value, u.schemes); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.name, err))
		}
	}
	timeout, err := time.ParseDuration(get("PORTAL_STATEMENT_TIMEOUT", "30s"))
	if err != nil || timeout <= 0 {
		errs = append(errs, fmt.Errorf("PORTAL_STATEMENT_TIMEOUT: want a positive duration such as 30s, got %q", getenv("PORTAL_STATEMENT_TIMEOUT")))
	}
	c.StatementTimeout = timeout
	for _, r := range []struct {
		name string
		def  string
		dst  *int
		min  int
	}{{"PORTAL_RATE_IP", "600", &c.RateIP, 1}, {"PORTAL_RATE_KEY", "6000", &c.RateKey, 1},
		{"PORTAL_SNAPSHOT_KEEP_DAYS", "0", &c.SnapshotKeep, 0}, {"PORTAL_SEARCH_FALLBACK_CONCURRENCY", "0", &c.SearchFallback, 0}} {
		n, err := strconv.Atoi(get(r.name, r.def))
		if err != nil || n < r.min {
			errs = append(errs, fmt.Errorf("%s: want a whole number ≥ %d, got %q", r.name, r.min, getenv(r.name)))
		}
		*r.dst = n
	}
	errs = append(errs, loadSnapshotStorage(&c, getenv)...)
	errs = append(errs, loadScale(&c, getenv)...)
	errs = append(errs, loadConns(&c.Conns, getenv)...)
	if err := c.LogLevel.UnmarshalText([]byte(get("PORTAL_LOG_LEVEL", "info"))); err != nil {
		errs = append(errs, fmt.Errorf("PORTAL_LOG_LEVEL: %w", err))
	}
	for _, p := range strings.Split(getenv("PORTAL_TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			errs = append(errs, fmt.Errorf("PORTAL_TRUSTED_PROXIES: want IP addresses or CIDR ranges separated by commas, got %q", p))
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + displayHost(c.Addr)
	} else if err := checkURL(c.BaseURL, []string{"http", "https"}); err != nil {
		errs = append(errs, fmt.Errorf("PORTAL_BASE_URL: %w", err))
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/")
	if _, err := strconv.Atoi(portOf(c.Addr)); err != nil {
		errs = append(errs, fmt.Errorf("PORTAL_ADDR: want host:port such as :8080, got %q", c.Addr))
	}
	return c, errors.Join(errs...)
}

func checkURL(raw string, schemes []string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return nil
		}
	}
	return fmt.Errorf("want a %s:// URL with a host, got %q", schemes[0], redact(raw))
}

func portOf(addr string) string {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return ""
	}
	return addr[i+1:]
}

func displayHost(addr string) string {
	host := addr[:strings.LastIndex(addr, ":")+1]
	if host == ":" || strings.HasPrefix(host, "0.0.0.0:") || strings.HasPrefix(host, "[::]:") {
		return "localhost:" + portOf(addr)
	}
	return addr
}

// redact hides a URL's password.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// LogValue prints the configuration with secrets redacted.
func (c Config) LogValue() slog.Value {
	key := ""
	if c.MeiliMasterKey != "" {
		key = "(set)"
	}
	snapshots := "directory " + c.SnapshotDir
	if c.SnapshotURL != "" {
		snapshots = c.SnapshotS3.String()
	}
	return slog.GroupValue(
		slog.String("database_url", redact(c.DatabaseURL)),
		slog.String("redis_url", redact(c.RedisURL)),
		slog.String("database_read_url", redact(c.DatabaseReadURL)),
		slog.String("database_listen_url", redact(c.DatabaseListenURL)),
		slog.String("meili_url", c.MeiliURL),
		slog.String("meili_master_key", key),
		slog.String("addr", c.Addr),
		slog.String("base_url", c.BaseURL),
		slog.String("snapshots", snapshots),
		slog.String("flowchart_bin", c.FlowchartBin),
	)
}
