package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// S3 locates a bucket of an S3-compatible object store and the
// credentials for it, read from the usual AWS variables.
type S3 struct {
	Bucket          string // from the URL's host
	Prefix          string // from the URL's path, without slashes at the ends
	Endpoint        string // AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; "" is AWS S3
	Region          string // AWS_REGION, else AWS_DEFAULT_REGION; default us-east-1
	AccessKeyID     string // AWS_ACCESS_KEY_ID
	SecretAccessKey string // AWS_SECRET_ACCESS_KEY
	SessionToken    string // AWS_SESSION_TOKEN, for temporary credentials
}

// String describes the bucket without secrets.
func (s S3) String() string {
	where := "s3://" + s.Bucket + "/" + s.Prefix
	if s.Endpoint != "" {
		where += " at " + s.Endpoint
	}
	return where + " (" + s.Region + ")"
}

var (
	bucketName    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	prefixSegment = regexp.MustCompile(`^[a-z0-9_-][a-z0-9._-]*$`)
)

// loadSnapshotStorage reads PORTAL_SNAPSHOT_URL and, when it names an S3
// bucket, the AWS variables; PORTAL_SNAPSHOT_VERIFY_EVERY too.
func loadSnapshotStorage(c *Config, getenv func(string) string) []error {
	var errs []error
	every := strings.TrimSpace(getenv("PORTAL_SNAPSHOT_VERIFY_EVERY"))
	if every == "" {
		every = "24h"
	}
	d, err := time.ParseDuration(every)
	if err != nil || d < 0 {
		errs = append(errs, fmt.Errorf("PORTAL_SNAPSHOT_VERIFY_EVERY: want a duration such as 24h (0: never), got %q", every))
	}
	c.SnapshotVerifyEvery = d

	raw := strings.TrimSpace(getenv("PORTAL_SNAPSHOT_URL"))
	if raw == "" {
		return errs
	}
	c.SnapshotURL = raw
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return append(errs, fmt.Errorf("PORTAL_SNAPSHOT_URL: want s3://bucket/prefix, got %q", raw))
	}
	s3 := &c.SnapshotS3
	s3.Bucket, s3.Prefix = u.Host, strings.Trim(u.Path, "/")
	if !bucketName.MatchString(s3.Bucket) || strings.Contains(s3.Bucket, "..") {
		errs = append(errs, fmt.Errorf("PORTAL_SNAPSHOT_URL: bucket %q: want 3 to 63 lower-case letters, digits, dots and hyphens", s3.Bucket))
	}
	if s3.Prefix != "" {
		for _, seg := range strings.Split(s3.Prefix, "/") {
			if !prefixSegment.MatchString(seg) {
				errs = append(errs, fmt.Errorf("PORTAL_SNAPSHOT_URL: prefix %q: want /-separated lower-case letters, digits, '.', '_' and '-', no empty or dot-first part", s3.Prefix))
				break
			}
		}
	}
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(getenv(k)); v != "" {
				return v
			}
		}
		return ""
	}
	s3.Endpoint = first("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	if s3.Endpoint != "" {
		if err := checkURL(s3.Endpoint, []string{"https", "http"}); err != nil {
			errs = append(errs, fmt.Errorf("AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL: %w", err))
		} else if p := strings.TrimSuffix(mustParse(s3.Endpoint).Path, "/"); p != "" {
			errs = append(errs, fmt.Errorf("AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL: want scheme://host[:port] without a path, got %q", s3.Endpoint))
		}
	}
	s3.Region = first("AWS_REGION", "AWS_DEFAULT_REGION")
	if s3.Region == "" {
		s3.Region = "us-east-1"
	}
	s3.AccessKeyID, s3.SecretAccessKey = first("AWS_ACCESS_KEY_ID"), first("AWS_SECRET_ACCESS_KEY")
	s3.SessionToken = first("AWS_SESSION_TOKEN")
	if s3.AccessKeyID == "" || s3.SecretAccessKey == "" {
		errs = append(errs, fmt.Errorf("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY: both are required with PORTAL_SNAPSHOT_URL"))
	}
	return errs
}

func mustParse(raw string) *url.URL {
	u, _ := url.Parse(raw)
	return u
}
