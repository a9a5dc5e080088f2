package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Dir keeps objects as files under a root directory, the key's slashes
// making subdirectories. A Put writes a partial file under root/.partial
// and hard-links it into place, which fails when the name exists: two
// writers, even in different processes or deployments sharing the
// directory, can never replace each other's file.
type Dir struct {
	root  string
	clean sync.Once
}

// NewDir returns the storage rooted at root, which is created on the
// first Put.
func NewDir(root string) *Dir { return &Dir{root: filepath.Clean(root)} }

func (d *Dir) path(key string) string { return filepath.Join(d.root, filepath.FromSlash(key)) }

func (d *Dir) String() string { return "directory " + d.root }

// partialDir holds files being written; keys never start with a dot.
const partialDir = ".partial"

// Put implements Storage.
func (d *Dir) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	if err := CheckKey(key); err != nil {
		return err
	}
	if size < 0 {
		return fmt.Errorf("blob.Dir.Put(%s): negative size", key)
	}
	final := d.path(key)
	if _, err := os.Lstat(final); err == nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, ErrExists)
	}
	tmpDir := filepath.Join(d.root, partialDir)
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	d.clean.Do(func() { d.removeStalePartials(24 * time.Hour) })
	f, err := os.CreateTemp(tmpDir, "put-*")
	if err != nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	if _, err := io.Copy(f, sizedReader(ctxReader{ctx, r}, size)); err != nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	err = os.Link(f.Name(), final)
	if errors.Is(err, fs.ErrNotExist) { // a Delete removed the emptied parent meanwhile
		if err = os.MkdirAll(parent, 0o755); err == nil {
			err = os.Link(f.Name(), final)
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("blob.Dir.Put(%s): %w", key, ErrExists)
		}
		return fmt.Errorf("blob.Dir.Put(%s): %w", key, err)
	}
	syncDir(parent)
	return nil
}

// removeStalePartials removes partial files left by processes that died
// while writing.
func (d *Dir) removeStalePartials(age time.Duration) {
	entries, _ := os.ReadDir(filepath.Join(d.root, partialDir))
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			os.Remove(filepath.Join(d.root, partialDir, e.Name()))
		}
	}
}

type dirObject struct {
	*os.File
	info Info
}

func (o dirObject) Info() Info { return o.info }

// Open implements Storage.
func (d *Dir) Open(ctx context.Context, key string) (Object, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(key))
	if err != nil {
		return nil, fmt.Errorf("blob.Dir.Open(%s): %w", key, notExist(err))
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file: %w", ErrNotExist)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob.Dir.Open(%s): %w", key, err)
	}
	return dirObject{File: f, info: Info{Key: key, Size: st.Size(), Modified: st.ModTime()}}, nil
}

// Stat implements Storage.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	if err := CheckKey(key); err != nil {
		return Info{}, err
	}
	st, err := os.Stat(d.path(key))
	if err == nil && !st.Mode().IsRegular() {
		err = ErrNotExist
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob.Dir.Stat(%s): %w", key, notExist(err))
	}
	return Info{Key: key, Size: st.Size(), Modified: st.ModTime()}, nil
}

// Delete implements Storage. Directories left empty are removed too.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	p := d.path(key)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob.Dir.Delete(%s): %w", key, err)
	}
	for dir := filepath.Dir(p); dir != d.root && strings.HasPrefix(dir, d.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty, or gone
		}
	}
	return nil
}

// List implements Storage.
func (d *Dir) List(ctx context.Context, prefix string) ([]Info, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	// Walk from the deepest directory the prefix names completely.
	start := d.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = d.path(prefix[:i])
	}
	var out []Info
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if strings.HasPrefix(e.Name(), ".") && p != start {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil // removed meanwhile
		}
		out = append(out, Info{Key: key, Size: info.Size(), Modified: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob.Dir.List(%s): %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Ping implements Storage: the root is a directory, or does not exist
// yet.
func (d *Dir) Ping(ctx context.Context) error {
	st, err := os.Stat(d.root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("blob.Dir.Ping: %w", err)
	case !st.IsDir():
		return fmt.Errorf("blob.Dir.Ping: %s is not a directory", d.root)
	}
	return nil
}

func notExist(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w (%v)", ErrNotExist, err)
	}
	return err
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
