package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadSnapshotStorage(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil || c.SnapshotURL != "" || c.SnapshotDir != ".data/snapshots" || c.SnapshotVerifyEvery != 24*time.Hour {
		t.Fatalf("defaults: %q %q %v %v", c.SnapshotURL, c.SnapshotDir, c.SnapshotVerifyEvery, err)
	}
	env := map[string]string{
		"PORTAL_SNAPSHOT_URL":          "s3://gongshi-open-data/prod/snapshots/",
		"AWS_ENDPOINT_URL":             "http://other:1",
		"AWS_ENDPOINT_URL_S3":          "https://s3.example.cn:9000",
		"AWS_DEFAULT_REGION":           "cn-east-2",
		"AWS_ACCESS_KEY_ID":            "AKIA",
		"AWS_SECRET_ACCESS_KEY":        "s3cr3t",
		"PORTAL_SNAPSHOT_VERIFY_EVERY": "0",
	}
	c, err = load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	s3 := c.SnapshotS3
	if s3.Bucket != "gongshi-open-data" || s3.Prefix != "prod/snapshots" || s3.Endpoint != "https://s3.example.cn:9000" ||
		s3.Region != "cn-east-2" || s3.AccessKeyID != "AKIA" || s3.SecretAccessKey != "s3cr3t" || c.SnapshotVerifyEvery != 0 {
		t.Errorf("s3: %+v, verify every %v", s3, c.SnapshotVerifyEvery)
	}
	if strings.Contains(s3.String(), "s3cr3t") {
		t.Error("the description shows the secret")
	}
}

func TestLoadSnapshotStorageRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		name string
	}{
		{map[string]string{"PORTAL_SNAPSHOT_URL": "https://bucket/x", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "PORTAL_SNAPSHOT_URL"},
		{map[string]string{"PORTAL_SNAPSHOT_URL": "s3://Bad_Bucket", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "PORTAL_SNAPSHOT_URL"},
		{map[string]string{"PORTAL_SNAPSHOT_URL": "s3://bucket/a//b", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "PORTAL_SNAPSHOT_URL"},
		{map[string]string{"PORTAL_SNAPSHOT_URL": "s3://bucket/../x", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}, "PORTAL_SNAPSHOT_URL"},
		{map[string]string{"PORTAL_SNAPSHOT_URL": "s3://bucket"}, "AWS_SECRET_ACCESS_KEY"},
		{map[string]string{"PORTAL_SNAPSHOT_URL": "s3://bucket", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
			"AWS_ENDPOINT_URL": "ftp://x"}, "AWS_ENDPOINT_URL"},
		{map[string]string{"PORTAL_SNAPSHOT_URL": "s3://bucket", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
			"AWS_ENDPOINT_URL_S3": "http://x:9000/path"}, "AWS_ENDPOINT_URL"},
		{map[string]string{"PORTAL_SNAPSHOT_VERIFY_EVERY": "daily"}, "PORTAL_SNAPSHOT_VERIFY_EVERY"},
		{map[string]string{"PORTAL_SNAPSHOT_VERIFY_EVERY": "-1h"}, "PORTAL_SNAPSHOT_VERIFY_EVERY"},
	} {
		_, err := load(func(k string) string { return tc.env[k] })
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%v: %v, want an error naming %s", tc.env, err, tc.name)
		}
	}
}
