package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config locates a bucket of an S3-compatible store.
type S3Config struct {
	// Endpoint is the store's URL (http or https); "" is AWS S3.
	Endpoint string
	// Region is the bucket's region ("" is us-east-1).
	Region string
	// Bucket holds the objects; Prefix, when set, is put before every key.
	Bucket string
	Prefix string
	// The credentials: an access key and its secret, and a session token
	// for temporary credentials.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// S3 keeps objects in a bucket of an S3-compatible store. Put sends
// If-None-Match: *, so the store itself refuses to replace an object
// that exists, even one another process wrote a moment earlier.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
	where  string
}

// partSize is the multipart upload part size: objects up to it are sent
// in one request, larger ones in parts of this size, read through
// io.ReaderAt where the reader offers it, else buffered a few parts at a
// time.
const partSize = 16 << 20

// NewS3 returns the storage of cfg's bucket. It makes no request.
func NewS3(cfg S3Config) (*S3, error) {
	endpoint, secure := "s3.amazonaws.com", true
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
			return nil, fmt.Errorf("blob.NewS3: endpoint %q: want http(s)://host[:port]", cfg.Endpoint)
		}
		endpoint, secure = u.Host, u.Scheme == "https"
	}
	if cfg.Bucket == "" {
		return nil, errors.New("blob.NewS3: no bucket")
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := CheckKey(prefix); err != nil {
			return nil, fmt.Errorf("blob.NewS3: prefix: %w", err)
		}
		prefix += "/"
	}
	region := cfg.Region
	if region == "" {
		region = "us-east-1"
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		Secure: secure,
		Region: region,
		// A few retries ride out a blip; more would keep a request
		// waiting long after the store is known to be down.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("blob.NewS3: %w", err)
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: prefix,
		where: fmt.Sprintf("s3://%s/%s at %s://%s", cfg.Bucket, prefix, scheme, endpoint)}, nil
}

func (s *S3) String() string { return s.where }

// s3Error turns "no such key" and "precondition failed" answers into the
// package's errors.
func s3Error(err error) error {
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w (%v)", ErrNotExist, err)
	case resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed:
		return fmt.Errorf("%w (%v)", ErrExists, err)
	}
	return err
}

// Put implements Storage.
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("blob.S3.Put(%s): negative size", key)
	}
	if _, err := s.Stat(ctx, key); err == nil {
		return fmt.Errorf("blob.S3.Put(%s): %w", key, ErrExists)
	} else if !errors.Is(err, ErrNotExist) {
		return fmt.Errorf("blob.S3.Put(%s): %w", key, err)
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", PartSize: partSize}
	opts.SetMatchETagExcept("*")
	info, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, sizedReader(r, size), size, opts)
	if err != nil {
		return fmt.Errorf("blob.S3.Put(%s): %w", key, s3Error(err))
	}
	if info.Size != size {
		return fmt.Errorf("blob.S3.Put(%s): stored %d bytes, %d announced", key, info.Size, size)
	}
	return nil
}

type s3Object struct {
	*minio.Object
	info Info
}

func (o s3Object) Info() Info { return o.info }

// Open implements Storage. The object reads with ranged GET requests
// from where it was last sought to, streaming.
func (s *S3) Open(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, fmt.Errorf("blob.S3.Open(%s): %w", key, s3Error(err))
	}
	st, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, fmt.Errorf("blob.S3.Open(%s): %w", key, s3Error(err))
	}
	return s3Object{Object: obj, info: Info{Key: key, Size: st.Size, Modified: st.LastModified}}, nil
}

// Stat implements Storage.
func (s *S3) Stat(ctx context.Context, key string) (Info, error) {
	if err := CheckKey(key); err != nil {
		return Info{}, err
	}
	st, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return Info{}, fmt.Errorf("blob.S3.Stat(%s): %w", key, s3Error(err))
	}
	return Info{Key: key, Size: st.Size, Modified: st.LastModified}, nil
}

// Delete implements Storage.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		if errors.Is(s3Error(err), ErrNotExist) {
			return nil
		}
		return fmt.Errorf("blob.S3.Delete(%s): %w", key, err)
	}
	return nil
}

// List implements Storage.
func (s *S3) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing goroutine if we return early
	var out []Info
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("blob.S3.List(%s): %w", prefix, o.Err)
		}
		key := strings.TrimPrefix(o.Key, s.prefix)
		if strings.HasSuffix(key, "/") {
			continue // a directory marker
		}
		out = append(out, Info{Key: key, Size: o.Size, Modified: o.LastModified})
	}
	return out, nil
}

// Ping implements Storage: the bucket exists and the credentials are
// accepted.
func (s *S3) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob.S3.Ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("blob.S3.Ping: bucket %s does not exist", s.bucket)
	}
	return nil
}
