package importer

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// rejectsFile is a rejects CSV written to a temporary file next to its
// destination, moved into place by commit once the import has succeeded.
type rejectsFile struct {
	tmp, path string
	done      bool
}

// writeRejects writes the rows that have problems — with the file's own
// header plus RejectReasonColumn, each row with all its reasons — as UTF-8
// CSV with a byte-order mark, so that Excel opens it correctly. The file
// is written (header only) even when nothing was rejected, so a rejects
// file never describes an earlier run.
func writeRejects(path string, t *table, rowProblems [][]Problem) (*rejectsFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("rejects file: %w", err)
	}
	rf := &rejectsFile{tmp: f.Name(), path: path}
	err = func() error {
		if _, err := f.WriteString("\uFEFF"); err != nil {
			return err
		}
		w := csv.NewWriter(f)
		w.UseCRLF = true
		if err := w.Write(append(append([]string{}, t.header...), RejectReasonColumn)); err != nil {
			return err
		}
		for i, r := range t.rows {
			if len(rowProblems[i]) == 0 {
				continue
			}
			rec := make([]string, len(t.header), len(t.header)+1)
			copy(rec, r.cells)
			if err := w.Write(append(rec, rejectReason(r, rowProblems[i]))); err != nil {
				return err
			}
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		return f.Sync()
	}()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		rf.discard()
		return nil, fmt.Errorf("rejects file: %w", err)
	}
	return rf, nil
}

// rejectReason is "row N: column X (CODE): reason; column Y: reason".
func rejectReason(r row, ps []Problem) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		p.Row, p.Record = 0, 0
		parts[i] = p.String()
	}
	where := fmt.Sprintf("row %d", r.line)
	if r.record > 0 {
		where = fmt.Sprintf("record %d (line %d)", r.record, r.line)
	}
	return where + ": " + strings.Join(parts, "; ")
}

// commit moves the file into place.
func (rf *rejectsFile) commit() error {
	if err := os.Rename(rf.tmp, rf.path); err != nil {
		return fmt.Errorf("rejects file: %w", err)
	}
	rf.done = true
	return nil
}

// discard removes the temporary file unless it was committed.
func (rf *rejectsFile) discard() {
	if !rf.done {
		os.Remove(rf.tmp)
		rf.done = true
	}
}
