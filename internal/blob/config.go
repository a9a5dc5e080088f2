package blob

import "github.com/gongshi/gongshi/internal/config"

// FromConfig returns the snapshot storage the configuration names: the
// bucket of PORTAL_SNAPSHOT_URL when it is set, else the directory
// PORTAL_SNAPSHOT_DIR.
func FromConfig(c config.Config) (Storage, error) {
	if c.SnapshotURL == "" {
		return NewDir(c.SnapshotDir), nil
	}
	s3 := c.SnapshotS3
	return NewS3(S3Config{Endpoint: s3.Endpoint, Region: s3.Region, Bucket: s3.Bucket, Prefix: s3.Prefix,
		AccessKeyID: s3.AccessKeyID, SecretAccessKey: s3.SecretAccessKey, SessionToken: s3.SessionToken})
}
