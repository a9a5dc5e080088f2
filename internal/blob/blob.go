// Package blob stores immutable files — objects — by key, in a local
// directory (Dir) or an S3-compatible bucket (S3). An object is written
// once and never replaced: Put refuses a key that exists, and a reader
// never sees an object half-written. Readers seek cheaply, so
// http.ServeContent can answer Range requests without reading the whole
// object.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// ErrExists is returned by Put when an object already has the key; the
// existing object is left as it was.
var ErrExists = errors.New("blob: object exists")

// ErrNotExist is returned for a key that names no object.
var ErrNotExist = errors.New("blob: no such object")

// Info describes a stored object.
type Info struct {
	Key      string
	Size     int64
	Modified time.Time
}

// Object is an open object: reads stream from storage, and Seek costs no
// I/O until the next Read.
type Object interface {
	io.ReadSeekCloser
	// Info describes the object as it was opened.
	Info() Info
}

// Storage keeps objects. Every method takes a context that bounds its
// calls to the store; an Object stays tied to the context it was opened
// with.
type Storage interface {
	// Put stores the size bytes r yields under key, unless an object has
	// that key already: then it returns ErrExists and stores nothing. The
	// object becomes visible only once complete; a failed Put leaves no
	// object. A reader that yields other than size bytes fails the Put.
	Put(ctx context.Context, key string, r io.Reader, size int64) error
	// Open opens the object for reading (ErrNotExist when absent).
	Open(ctx context.Context, key string) (Object, error)
	// Stat describes the object (ErrNotExist when absent).
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object; deleting an absent key is no error.
	Delete(ctx context.Context, key string) error
	// List describes every object whose key starts with prefix, in key
	// order.
	List(ctx context.Context, prefix string) ([]Info, error)
	// Ping reports whether the storage answers.
	Ping(ctx context.Context) error
	// String names the storage for logs, without secrets.
	String() string
}

// CheckKey reports whether key is acceptable to every Storage: slash-
// separated segments of lower-case letters, digits, '.', '_' and '-', none
// empty, "." or "..", and none starting with '.' (the directory storage
// keeps its partial files there).
func CheckKey(key string) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("blob: bad key %q: want 1 to 512 characters", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("blob: bad key %q: empty segment or one starting with a dot", key)
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("blob: bad key %q: character %q", key, c)
			}
		}
	}
	return nil
}

// checkPrefix is CheckKey for a List prefix, which may be empty or end
// with a slash.
func checkPrefix(prefix string) error {
	if p := strings.TrimSuffix(prefix, "/"); p != "" {
		return CheckKey(p)
	}
	return nil
}

// countingReader fails a Put whose reader yields more or fewer bytes
// than announced. It fails before handing over the last announced byte
// when more follow, so the store never completes the object.
type countingReader struct {
	r    io.Reader
	n    int64
	size int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if rest := c.size - c.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	if len(p) == 0 {
		return 0, c.atEnd()
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n == c.size {
		if err := c.atEnd(); err != io.EOF {
			return 0, err
		}
		return n, nil
	}
	if err == io.EOF {
		return n, fmt.Errorf("blob: the reader yields %d bytes, %d announced", c.n, c.size)
	}
	return n, err
}

// atEnd checks, once size bytes were read, that the reader has no more:
// io.EOF when it has none.
func (c *countingReader) atEnd() error {
	var b [1]byte
	for range 100 {
		n, err := c.r.Read(b[:])
		if n > 0 {
			return fmt.Errorf("blob: the reader yields more than the %d bytes announced", c.size)
		}
		if err == io.EOF {
			return io.EOF
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// sizedReader returns r checked to yield exactly size bytes. A file of
// exactly that size is read through an io.SectionReader, which the S3
// client uploads in parallel parts without buffering them.
func sizedReader(r io.Reader, size int64) io.Reader {
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() == size {
			if off, err := f.Seek(0, io.SeekCurrent); err == nil && off == 0 {
				return io.NewSectionReader(f, 0, size)
			}
		}
	}
	return &countingReader{r: r, size: size}
}
