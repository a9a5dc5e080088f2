// Package importer loads a file of penalties (行政处罚), permits (行政许可),
// list items (权力清单, 责任清单, 公共服务事项清单) or enforcement records
// (执法主体, 执法人员, 随机抽查事项清单, 抽查任务, 检查结果, 年度执法计划,
// 两法衔接; see enforcement.go) into the store: it reads
// CSV (UTF-8 or GB18030), XLSX or JSON, matches the columns to the data
// dictionary, validates every row with the domain rules and writes the whole
// file in one transaction — or nothing, with every problem named by row and
// column. It is the engine behind `portal import`.
//
// Files. CSV is comma- or tab-separated (whichever the header line has
// more of), in UTF-8 with or without a byte-order mark, UTF-16 with one, or
// GB18030/GBK. XLSX is read from its first sheet; date cells in date
// columns become YYYY-MM-DD and numbers are written out in full. The header
// is the first non-blank row and blank rows are skipped; rows are numbered
// as lines of the file (sheet rows), so the header is usually row 1. JSON is
// an array: of objects keyed like CSV headers for penalties and permits
// (values strings, numbers or, for CF_CFLB, arrays of strings), of
// domain.PowerItem, ResponsibilityItem or ServiceItem for the lists.
//
// Headers. A penalty or permit column is headed by its standard code
// (CF_WSH), its Chinese label (行政处罚决定书文号) or its API name
// (decision_no), ignoring case, white space and full-width forms. List
// columns are headed by the Chinese labels of powerSchema, responsibilitySchema
// and serviceSchema or by their JSON field paths (guide.materials). Any
// other header is an error unless --map names it: "target=source" reads
// the file's column source as target, "-=source" ignores it. A column named
// 错误原因, which rejects files add, is always ignored.
package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// Kind is what a file holds.
type Kind string

const (
	Penalties        Kind = "penalties"
	Permits          Kind = "permits"
	Powers           Kind = Kind(domain.ListPowers)           // 权力清单
	Responsibilities Kind = Kind(domain.ListResponsibilities) // 责任清单
	PublicServices   Kind = Kind(domain.ListPublicServices)   // 公共服务事项清单
)

// Kinds lists every Kind, in the order the command line shows them.
var Kinds = append([]Kind{Penalties, Permits, Powers, Responsibilities, PublicServices}, EnforcementKinds...)

// isList reports whether k is one of the published lists.
func (k Kind) isList() bool { return k == Powers || k == Responsibilities || k == PublicServices }

// Format is a file format.
type Format string

const (
	FormatCSV  Format = "csv"  // comma- or tab-separated, UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030
	FormatXLSX Format = "xlsx" // the first sheet of an Office Open XML workbook
	FormatJSON Format = "json" // an array of objects
)

// Sentinel errors of Run; compare with errors.Is.
var (
	// ErrUsage: the options are wrong (unknown kind or format, malformed
	// --map, --skip-invalid without a rejects file …).
	ErrUsage = errors.New("usage")
	// ErrUnreadable: the file cannot be read as the format says (bad
	// encoding, broken CSV quoting, invalid JSON, not a workbook …).
	ErrUnreadable = errors.New("unreadable file")
	// ErrColumns: the header does not fit the kind (unknown, duplicate or
	// missing required columns). Nothing was written.
	ErrColumns = errors.New("columns do not match")
	// ErrInvalid: at least one row is invalid and SkipInvalid is off.
	// Nothing was written; Report.Problems holds every problem.
	ErrInvalid = errors.New("invalid rows")
)

// Writer is the part of *store.Store that an import writes through. Each
// call is one transaction.
type Writer interface {
	UpsertPenalties(ctx context.Context, a store.Actor, ps []domain.Penalty, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertPermits(ctx context.Context, a store.Actor, ps []domain.Permit, opt store.WriteOptions) ([]store.UpsertResult, error)
	PublishList(ctx context.Context, a store.Actor, in store.ListInput, opt store.WriteOptions) (store.PublishResult, error)
	EnforcementWriter
}

var _ Writer = (*store.Store)(nil)

// Options describe one import.
type Options struct {
	Kind Kind
	Path string
	// Format overrides the format the file name's extension implies
	// (.csv/.tsv/.txt, .xlsx/.xlsm, .json).
	Format Format
	// Map holds the --map values: each a comma-separated list of
	// target=source pairs, where target is a standard code or Chinese label
	// (or, for lists, a column code or label) and source is a column header
	// of the file. The target "-" ignores the source column: "-=序号".
	Map []string
	// SkipInvalid writes the valid rows and the rejected ones, with their
	// reasons, to RejectsPath. Lists are published whole and do not allow it.
	SkipInvalid bool
	RejectsPath string

	Actor store.Actor
	// Now fixes "today" for the date checks; zero means time.Now().
	Now time.Time
	// Rules derive a penalty's publicity class and period when the file does
	// not give them; zero means domain.DefaultPublicityRules().
	Rules domain.PublicityRules
	// Demo marks the records as synthetic demo data (示例数据).
	Demo bool
	// EnforcementRules check officers' certificate numbers; zero means
	// domain.DefaultEnforcementRules().
	EnforcementRules domain.EnforcementRules

	// EffectiveDate of a published list version; zero means Now's date.
	EffectiveDate time.Time
	// Note of a published list version (shown with the version).
	Note string
	// DefaultFlow, if set, gives a flowchart (办理流程) to every power or
	// public-service item that has none — CSV and XLSX rows never carry one.
	// Pages and the API show a category's standard flow, unchanged, as a
	// labelled generic illustration, never as the item's own
	// (flowchart.IsGeneric).
	// category is the power item's 事项类型, "" for public services.
	DefaultFlow func(kind domain.ListKind, category string) domain.Flow
	// DryRun reads and checks a list file and reports what publishing it
	// would add, change and remove, writing nothing (lists only).
	DryRun bool
	// AllowRemovals publishes a list version that removes more than a
	// quarter of the current version's items; without it such a file is
	// refused (store.ErrTooManyRemovals).
	AllowRemovals bool
}

// Report says what an import did. For lists, Created, Updated and
// Unchanged count the items added, changed and kept against the current
// version, and Removed those it no longer has.
type Report struct {
	Kind      Kind   `json:"kind"`
	Path      string `json:"path"`
	Format    Format `json:"format"`
	Rows      int    `json:"rows"` // data rows (or JSON records) read, blank rows excluded
	Created   int    `json:"created"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Rejected  int    `json:"rejected"` // rows with at least one problem
	Removed   int    `json:"removed,omitempty"`
	// Version is the list version now current (lists only); VersionCreated
	// is false when the file equals it and nothing was published.
	Version        int       `json:"version,omitempty"`
	VersionCreated bool      `json:"version_created,omitempty"`
	Problems       []Problem `json:"problems,omitempty"`
	RejectsPath    string    `json:"rejects_path,omitempty"` // written with SkipInvalid
	Written        bool      `json:"written"`                // the store call committed
	// DryRun: the list was checked and compared, nothing written; Version
	// is the number publishing it would take.
	DryRun bool `json:"dry_run,omitempty"`
	// Changes are the list items the version adds, changes and removes.
	Changes []store.ListChange `json:"changes,omitempty"`
}

// Summary is a one-line account of the report for a terminal.
func (r Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d rows: %d created, %d updated, %d unchanged", r.Kind, r.Rows, r.Created, r.Updated, r.Unchanged)
	if r.Kind.isList() {
		fmt.Fprintf(&b, ", %d removed", r.Removed)
		if r.Version > 0 {
			if r.DryRun && r.VersionCreated {
				fmt.Fprintf(&b, "; dry run: would publish version %d, nothing written", r.Version)
				if prev := r.Unchanged + r.Updated + r.Removed; r.Removed*4 > prev && prev > 0 {
					fmt.Fprintf(&b, "; it removes %d of %d items, more than a quarter: publishing needs --allow-removals", r.Removed, prev)
				}
			} else if r.DryRun {
				fmt.Fprintf(&b, "; dry run: version %d unchanged, nothing written", r.Version)
			} else if r.VersionCreated {
				fmt.Fprintf(&b, "; published version %d", r.Version)
			} else {
				fmt.Fprintf(&b, "; version %d unchanged", r.Version)
			}
		}
	}
	if r.Rejected > 0 || r.RejectsPath != "" {
		fmt.Fprintf(&b, ", %d rejected", r.Rejected)
	}
	if r.RejectsPath != "" {
		fmt.Fprintf(&b, " (see %s)", r.RejectsPath)
	}
	if !r.Written && r.Rejected > 0 && r.RejectsPath == "" {
		b.WriteString("; nothing written")
	}
	return b.String()
}

// Problem is one thing wrong with the file, located as precisely as
// possible.
type Problem struct {
	// Row is the line of the file (CSV), the sheet row (XLSX) or the line
	// where the object starts (JSON); the header is row 1. 0 when the
	// problem concerns the whole file.
	Row int `json:"row,omitempty"`
	// Record is the 1-based position in a JSON array; 0 for CSV and XLSX.
	Record int `json:"record,omitempty"`
	// Column is the column's header as written in the file (a JSON key), or
	// the dictionary's label when the file has no such column; "" for a
	// field no column can hold (a list item's flowchart).
	Column string `json:"column,omitempty"`
	// Field is the standard code (list items: the JSON field path) when it
	// differs from Column.
	Field string `json:"field,omitempty"`
	// Code is one of the domain.Code* values.
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

// String renders p as "row N, column X (CODE): reason".
func (p Problem) String() string {
	var loc []string
	switch {
	case p.Record > 0:
		loc = append(loc, fmt.Sprintf("record %d (line %d)", p.Record, p.Row))
	case p.Row > 0:
		loc = append(loc, fmt.Sprintf("row %d", p.Row))
	}
	switch {
	case p.Column != "":
		c := "column " + p.Column
		if p.Field != "" && p.Field != p.Column {
			c += " (" + p.Field + ")"
		}
		loc = append(loc, c)
	case p.Field != "":
		loc = append(loc, "field "+p.Field)
	}
	if len(loc) == 0 {
		return p.Message
	}
	return strings.Join(loc, ", ") + ": " + p.Message
}

// Run imports the file opt.Path of kind opt.Kind through w.
//
// The whole file is one write: if any row is invalid and SkipInvalid is off,
// nothing is written and the error (wrapping ErrInvalid) lists every
// problem, as does the Report. With SkipInvalid the valid rows are written
// and the others go to RejectsPath. Records are upserted on their natural
// key, so importing the same file twice leaves everything unchanged.
func Run(ctx context.Context, opt Options, w Writer) (rep Report, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("import %s %s: %w", opt.Kind, opt.Path, err)
		}
	}()
	rep = Report{Kind: opt.Kind, Path: opt.Path}
	if !slices.Contains(Kinds, opt.Kind) {
		return rep, fmt.Errorf("%w: unknown kind %q (want one of %s)", ErrUsage, opt.Kind, joinKinds())
	}
	format, err := formatOf(opt.Path, opt.Format)
	if err != nil {
		return rep, err
	}
	rep.Format = format
	maps, err := parseMap(opt.Map)
	if err != nil {
		return rep, err
	}
	if opt.SkipInvalid {
		if opt.Kind.isList() {
			return rep, fmt.Errorf("%w: --skip-invalid is not allowed for lists: a list is published whole, so a skipped item would be removed from it", ErrUsage)
		}
		if opt.RejectsPath == "" {
			return rep, fmt.Errorf("%w: --skip-invalid needs a rejects file", ErrUsage)
		}
		if samePath(opt.RejectsPath, opt.Path) {
			return rep, fmt.Errorf("%w: the rejects file must not be the imported file", ErrUsage)
		}
	}
	if (opt.DryRun || opt.AllowRemovals) && !opt.Kind.isList() {
		return rep, fmt.Errorf("%w: --dry-run and --allow-removals apply to lists (%s, %s, %s)", ErrUsage, Powers, Responsibilities, PublicServices)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	if errs := domain.ValidateVersionNote(opt.Note); len(errs) > 0 {
		return rep, fmt.Errorf("%w: --note: %s", ErrUsage, errs[0].Message)
	}
	if isEnforcement(opt.Kind) {
		return runEnforcement(ctx, opt, format, maps, w, rep, opt.EnforcementRules)
	}
	if opt.Kind.isList() {
		return runList(ctx, opt, format, maps, w, rep)
	}
	return runRecords(ctx, opt, format, maps, w, rep)
}

// ParseKind returns the Kind named s.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Kinds, k) {
		return "", fmt.Errorf("%w: unknown kind %q (want one of %s)", ErrUsage, s, joinKinds())
	}
	return k, nil
}

func joinKinds() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// formatOf returns the explicit format, or the one the extension implies.
func formatOf(path string, explicit Format) (Format, error) {
	if explicit != "" {
		f := Format(strings.ToLower(string(explicit)))
		switch f {
		case FormatCSV, FormatXLSX, FormatJSON:
			return f, nil
		}
		return "", fmt.Errorf("%w: unknown format %q (want csv, xlsx or json)", ErrUsage, explicit)
	}
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".csv", ".tsv", ".txt":
		return FormatCSV, nil
	case ".xlsx", ".xlsm":
		return FormatXLSX, nil
	case ".json":
		return FormatJSON, nil
	case ".xls", ".et":
		return "", fmt.Errorf("%w: %s workbooks are not supported: save the sheet as .xlsx or CSV", ErrUsage, ext)
	default:
		return "", fmt.Errorf("%w: cannot tell the format from the extension %q: give --format csv, xlsx or json", ErrUsage, ext)
	}
}

func samePath(a, b string) bool {
	ai, err1 := os.Stat(a)
	bi, err2 := os.Stat(b)
	if err1 == nil && err2 == nil {
		return os.SameFile(ai, bi)
	}
	aa, err1 := filepath.Abs(a)
	ba, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == ba
}

// invalidError reports every problem of a rejected file.
func invalidError(kind error, problems []Problem, rows int) error {
	var b strings.Builder
	switch {
	case kind == ErrColumns:
		fmt.Fprintf(&b, "%d problem(s) with the columns, nothing written", len(problems))
	default:
		fmt.Fprintf(&b, "%d problem(s) in %d row(s), nothing written", len(problems), rows)
	}
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return fmt.Errorf("%w: %s", kind, b.String())
}
