package snapshot

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/blob"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
)

// sink is one file being written to the staging directory: a buffer over
// the file, hashing and counting what reaches the file.
type sink struct {
	format string // an export.Format, or store.SourceFormat
	name   string
	file   *os.File
	buf    *bufio.Writer
	sum    hash.Hash
	n      int64
	w      export.Writer // the format's writer; nil for the source
	closed bool
}

func (k *sink) Write(p []byte) (int, error) {
	n, err := k.file.Write(p)
	k.sum.Write(p[:n])
	k.n += int64(n)
	return n, err
}

// fileSet writes one version of a snapshot: a file per format and the
// private source copy of the rows (gzipped JSON arrays of strings, one
// row a line), in a staging directory.
type fileSet struct {
	dataset  store.Dataset
	day      time.Time
	dir      string
	sinks    []*sink
	source   *sink
	gz       *gzip.Writer
	enc      *json.Encoder
	rows     int64
	untilCol int    // index of the publicity_until field, or -1
	until    string // the earliest publicity_until of the rows written
}

// sourceName is the file name of a snapshot's source copy.
func sourceName(dataset string, day time.Time) string {
	return strings.TrimSuffix(export.FileName(dataset, day, export.CSV), ".csv") + ".rows.ndjson.gz"
}

// fieldIndex returns the index of the field named name, or -1.
func fieldIndex(d store.Dataset, name string) int {
	for i, f := range d.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func (s *Service) newFileSet(d store.Dataset, day time.Time) (fs *fileSet, err error) {
	fs = &fileSet{dataset: d, day: day, untilCol: fieldIndex(d, "publicity_until")}
	if fs.dir, err = os.MkdirTemp(s.TempDir, "gongshi-snapshot-"); err != nil {
		return nil, fmt.Errorf("snapshot %s: staging: %w", d.Name, err)
	}
	defer func() {
		if err != nil {
			fs.cleanup()
		}
	}()
	open := func(format, name string) (*sink, error) {
		k := &sink{format: format, name: name, sum: sha256.New()}
		var err error
		if k.file, err = os.OpenFile(filepath.Join(fs.dir, name), os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644); err != nil {
			return nil, err
		}
		k.buf = bufio.NewWriterSize(k, 1<<20)
		return k, nil
	}
	for _, f := range s.Formats {
		k, err := open(string(f), export.FileName(d.Name, day, f))
		if err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", d.Name, err)
		}
		fs.sinks = append(fs.sinks, k)
		if k.w, err = export.NewWriter(k.buf, f, d.Fields, export.Options{Headers: export.HeadersStandard, SheetName: d.Name}); err != nil {
			return nil, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
	}
	if fs.source, err = open(store.SourceFormat, sourceName(d.Name, day)); err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	fs.gz, _ = gzip.NewWriterLevel(fs.source.buf, gzip.BestSpeed)
	fs.enc = json.NewEncoder(fs.gz)
	fs.enc.SetEscapeHTML(false)
	return fs, nil
}

// write adds a row to every file.
func (fs *fileSet) write(row []string) error {
	fs.rows++
	for _, k := range fs.sinks {
		if err := k.w.Write(row); err != nil {
			return fmt.Errorf("%s: %w", k.name, err)
		}
	}
	if err := fs.enc.Encode(row); err != nil {
		return fmt.Errorf("%s: %w", fs.source.name, err)
	}
	if fs.untilCol >= 0 {
		if v := row[fs.untilCol]; v != "" && (fs.until == "" || v < fs.until) {
			fs.until = v
		}
	}
	return nil
}

// publicUntil is the earliest publicity_until of the rows, zero for none.
func (fs *fileSet) publicUntil() (time.Time, error) {
	if fs.until == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, fs.until)
	if err != nil {
		return t, fmt.Errorf("snapshot %s: a publicity_until of %q", fs.dataset.Name, fs.until)
	}
	return t, nil
}

// finish completes every file, on disk, and describes them (Keys unset).
func (fs *fileSet) finish() (files []store.SnapshotFile, source store.SnapshotFile, err error) {
	for _, k := range fs.sinks {
		k.closed = true // Close releases the writer, whether it succeeds or not
		if err := k.w.Close(); err != nil {
			return nil, source, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
	}
	if err := fs.gz.Close(); err != nil {
		return nil, source, fmt.Errorf("snapshot %s: %w", fs.source.name, err)
	}
	for _, k := range append(fs.sinks, fs.source) {
		if err := k.buf.Flush(); err != nil {
			return nil, source, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
		if err := k.file.Sync(); err != nil {
			return nil, source, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
		f := store.SnapshotFile{Format: k.format, Name: k.name, Bytes: k.n, SHA256: hex.EncodeToString(k.sum.Sum(nil))}
		if k == fs.source {
			source = f
		} else {
			files = append(files, f)
		}
	}
	return files, source, nil
}

// cleanup releases every writer and removes the staging directory.
func (fs *fileSet) cleanup() {
	for _, k := range fs.sinks {
		if !k.closed && k.w != nil {
			k.w.Abort()
		}
		if k.file != nil {
			k.file.Close()
		}
	}
	if fs.source != nil && fs.source.file != nil {
		fs.source.file.Close()
	}
	os.RemoveAll(fs.dir)
}

// objectKey is where a file of a dataset's snapshot of day is stored:
// under the database's namespace, named by its content's SHA-256, so a
// key always names the same bytes.
func objectKey(ns, dataset string, day time.Time, f store.SnapshotFile) string {
	ext := f.Format
	if f.Format == store.SourceFormat {
		ext = "rows.ndjson.gz"
	}
	return fmt.Sprintf("%s/%s/%s/%s.%s", ns, dataset, day.Format(time.DateOnly), f.SHA256, ext)
}

// publish stores the staged files under their content-addressed keys and
// sets their Keys. An object already at a key is kept when it holds the
// expected bytes (a run that died after storing it), else replaced.
func (s *Service) publish(ctx context.Context, ns string, fs *fileSet, files []store.SnapshotFile) error {
	for i := range files {
		f := &files[i]
		f.Key = objectKey(ns, fs.dataset.Name, fs.day, *f)
		err := s.putFile(ctx, filepath.Join(fs.dir, f.Name), *f)
		if errors.Is(err, blob.ErrExists) {
			var damage string
			if damage, err = s.check(ctx, *f); err == nil && damage != "" {
				s.log.WarnContext(ctx, "snapshot: replacing a stored object that does not match its name", "key", f.Key,
					"damage", damage)
				if err = s.storage.Delete(ctx, f.Key); err == nil {
					err = s.putFile(ctx, filepath.Join(fs.dir, f.Name), *f)
				}
			}
		}
		if err != nil {
			return fmt.Errorf("snapshot %s: store %s: %w", fs.dataset.Name, f.Name, err)
		}
	}
	return nil
}

func (s *Service) putFile(ctx context.Context, path string, f store.SnapshotFile) error {
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	return s.storage.Put(ctx, f.Key, file, f.Bytes)
}

// check reads a stored file back whole and says how it differs from its
// manifest: "" when it matches. An error means the storage could not be
// read, which says nothing about the file.
func (s *Service) check(ctx context.Context, f store.SnapshotFile) (string, error) {
	o, err := s.storage.Open(ctx, f.Key)
	if errors.Is(err, blob.ErrNotExist) {
		return "missing from the storage", nil
	}
	if err != nil {
		return "", err
	}
	defer o.Close()
	if size := o.Info().Size; size != f.Bytes {
		return sizeDamage(size, f.Bytes), nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, o); err != nil {
		return "", err
	}
	return sumDamage(h, f.SHA256), nil
}

func sizeDamage(stored, manifest int64) string {
	return fmt.Sprintf("%d bytes stored, %d in the manifest", stored, manifest)
}

// sumDamage compares h's sum with want: "" when equal.
func sumDamage(h hash.Hash, want string) string {
	if sum := hex.EncodeToString(h.Sum(nil)); sum != want {
		return "SHA-256 " + sum + " stored, " + want + " in the manifest"
	}
	return ""
}

// damageError reports a stored file found missing or different from its
// manifest.
type damageError struct {
	file   store.SnapshotFile
	damage string
}

func (e *damageError) Error() string { return "snapshot file " + e.file.Name + " damaged: " + e.damage }

// readSource streams the rows of a snapshot's source copy to fn. A source
// missing, of the wrong size or with the wrong SHA-256 is a *damageError;
// the checksum is known only at the end, so fn's work must be discarded
// on any error.
func (s *Service) readSource(ctx context.Context, src store.SnapshotFile, fn func([]string) error) error {
	o, err := s.storage.Open(ctx, src.Key)
	if errors.Is(err, blob.ErrNotExist) {
		return &damageError{src, "missing from the storage"}
	}
	if err != nil {
		return err
	}
	defer o.Close()
	if size := o.Info().Size; size != src.Bytes {
		return &damageError{src, sizeDamage(size, src.Bytes)}
	}
	h := sha256.New()
	tee := io.TeeReader(bufio.NewReaderSize(o, 1<<20), h)
	gz, err := gzip.NewReader(tee)
	if err != nil {
		return &damageError{src, "not gzip: " + err.Error()}
	}
	lines := bufio.NewReaderSize(gz, 1<<20)
	var row []string
	for {
		line, err := lines.ReadBytes('\n')
		if len(line) > 0 {
			row = row[:0]
			if err := json.Unmarshal(line, &row); err != nil {
				return &damageError{src, "a line is not a row: " + err.Error()}
			}
			if err := fn(row); err != nil {
				return err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
				return &damageError{src, "not a whole gzip stream: " + err.Error()}
			}
			return err // the storage failed: says nothing about the file
		}
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return err
	}
	if damage := sumDamage(h, src.SHA256); damage != "" {
		return &damageError{src, damage}
	}
	return nil
}
