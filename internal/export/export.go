// Package export writes dataset rows in the open-data download formats —
// CSV, NDJSON, JSON and XLSX — one row at a time, so an export of any size
// needs constant memory. It knows nothing of storage or HTTP: a row is the
// values of a data dictionary's fields, in the dictionary's order, as the
// canonical strings of the 双公示 record form (dates YYYY-MM-DD, amounts
// in 万元, multiple values joined by ";", "" when absent).
package export

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// Format is a download format.
type Format string

const (
	CSV    Format = "csv"
	NDJSON Format = "ndjson"
	JSON   Format = "json"
	XLSX   Format = "xlsx"
)

// Formats lists every Format.
var Formats = []Format{CSV, NDJSON, JSON, XLSX}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, bool) {
	for _, f := range Formats {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// ContentType is the media type of a download in format f.
func (f Format) ContentType() string {
	switch f {
	case CSV:
		return "text/csv; charset=utf-8; header=present"
	case NDJSON:
		return "application/x-ndjson; charset=utf-8"
	case JSON:
		return "application/json; charset=utf-8"
	case XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/octet-stream"
}

// MediaType is ContentType without parameters.
func (f Format) MediaType() string {
	switch f {
	case CSV:
		return "text/csv"
	case NDJSON:
		return "application/x-ndjson"
	case JSON:
		return "application/json"
	}
	return f.ContentType()
}

// Compressible reports whether compressing f on the wire pays: XLSX is
// already a ZIP archive.
func (f Format) Compressible() bool { return f != XLSX }

// Headers chooses the column names of an export.
type Headers string

const (
	HeadersStandard Headers = "standard" // the 双公示 field codes (CF_WSH …)
	HeadersZH       Headers = "zh"       // the Chinese labels (行政处罚决定书文号 …)
	HeadersEN       Headers = "en"       // the English names of the JSON API (decision_no …)
)

// AllHeaders lists every Headers choice.
var AllHeaders = []Headers{HeadersStandard, HeadersZH, HeadersEN}

// ParseHeaders returns the headers choice named s.
func ParseHeaders(s string) (Headers, bool) {
	for _, h := range AllHeaders {
		if string(h) == s {
			return h, true
		}
	}
	return "", false
}

// Names returns the column names of fields under h.
func (h Headers) Names(fields []domain.Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		switch h {
		case HeadersZH:
			out[i] = f.Label
		case HeadersEN:
			out[i] = f.Name
		default:
			out[i] = f.Code
		}
	}
	return out
}

// Options qualify a writer.
type Options struct {
	// Headers are the column names; "" means HeadersStandard. A CSV with
	// Chinese labels or a byte-order mark is meant for spreadsheets: its
	// cells are neutralised against formula injection (see csvWriter).
	Headers Headers
	BOM     bool // CSV only: start with a UTF-8 byte-order mark, for Excel
	// SheetName names the first XLSX worksheet ("" means "data"); further
	// sheets, needed past 1,048,575 rows, get a numeric suffix.
	SheetName string
}

// Writer writes the rows of one export. Write must be given exactly one
// value per field; Close completes the output (for XLSX it writes the
// whole archive) without closing the underlying io.Writer. After a
// failure, Abort instead releases what the writer holds (XLSX keeps
// temporary files) without completing the output.
type Writer interface {
	Write(row []string) error
	Close() error
	Abort()
}

// ErrRow reports a row whose length does not match the fields.
var ErrRow = errors.New("export: row does not match the fields")

// NewWriter returns a writer of format f to w for rows of fields.
func NewWriter(w io.Writer, f Format, fields []domain.Field, opt Options) (Writer, error) {
	if opt.Headers == "" {
		opt.Headers = HeadersStandard
	}
	if opt.BOM && f != CSV {
		return nil, fmt.Errorf("export: a byte-order mark is for CSV only, not %s", f)
	}
	names := opt.Headers.Names(fields)
	switch f {
	case CSV:
		return newCSVWriter(w, names, opt.BOM, opt.Headers == HeadersZH || opt.BOM)
	case NDJSON:
		return newJSONWriter(w, names, false), nil
	case JSON:
		return newJSONWriter(w, names, true), nil
	case XLSX:
		return newXLSXWriter(w, fields, names, opt.SheetName)
	}
	return nil, fmt.Errorf("export: unknown format %q", f)
}

// FileName is the name of a dataset's file in format f for a day, as
// downloads and snapshots are named: gongshi-penalties-2026-11-25.csv.
func FileName(dataset string, day time.Time, f Format) string {
	return fmt.Sprintf("gongshi-%s-%s.%s", dataset, day.Format(time.DateOnly), f)
}
