// Package jsonbody reads the JSON body of a write request strictly, so that
// nothing a client sends is silently dropped, replaced or cut: it refuses
// duplicate object keys at any depth, invalid UTF-8, NUL characters (raw or
// escaped as \u0000), lone UTF-16 surrogates, nesting deeper than a limit,
// and anything after the JSON value. Duplicate keys and invalid UTF-8 are
// detected by the go-json-experiment jsontext decoder (its defaults);
// jsonbody locates each problem and reports it in the domain's FieldError
// shape, the one the validators use.
//
// Problems are located by a path: "[3].CF_NR_FK" is key CF_NR_FK of the
// fourth element of a top-level array, "items[2].guide.materials[0]" the
// first material of the third item. When the body is an array, a problem
// inside element i has FieldError.Index i and a Field relative to that
// element — as the record validators report — while the message gives the
// full path; otherwise Index is 0 and Field is the full path, or "body" for
// the top-level value itself.
package jsonbody

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/gongshi/gongshi/internal/domain"
)

// DefaultMaxDepth is the deepest nesting of objects and arrays Check
// accepts unless told otherwise: ample for every write body (a list item's
// flowchart node sits at depth 5) and far below what could strain a
// decoder.
const DefaultMaxDepth = 16

// Options tune Check and Decode; the zero value is the default.
type Options struct {
	// MaxDepth is the deepest nesting of objects and arrays accepted; the
	// top-level object or array is depth 1. 0 means DefaultMaxDepth.
	MaxDepth int
	// AllowNUL leaves an escaped NUL (\u0000) in a string value to the
	// caller's own validators (domain.CheckText), which name the field as
	// the caller knows it. NUL in keys and unescaped NUL are still refused.
	AllowNUL bool
}

// SyntaxError says that a body is not one well-formed JSON value: it is
// empty, malformed or truncated, or has data after the value. A server
// answers it with 400; problems Check reports as domain.FieldErrors are
// about well-formed JSON whose content is refused (422).
type SyntaxError struct {
	Offset int64  // the byte of the body where the problem was found
	Path   string // where in the value, "" at the top level
	Msg    string
}

func (e *SyntaxError) Error() string {
	where := fmt.Sprintf("at byte %d", e.Offset)
	if e.Path != "" {
		where += " (" + e.Path + ")"
	}
	return "jsonbody: " + e.Msg + " " + where
}

// Check reports whether body is one well-formed JSON value that jsonbody
// accepts. It returns nil, a *SyntaxError, or domain.FieldErrors holding
// every NUL found before the first other problem, and that problem:
//
//   - a key given twice in one object (CodeConflict, naming the key);
//   - invalid UTF-8, or an escaped lone surrogate (CodeFormat);
//   - a NUL, raw or escaped, in a key or a string, or another raw control
//     character in a string (CodeFormat);
//   - nesting deeper than the limit (CodeRange).
func Check(body []byte, opt Options) error {
	maxDepth := opt.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return &SyntaxError{Msg: "empty body: send a JSON value"}
	}
	w := walker{body: body}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.ReadToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return w.fail(err, start)
		}
		if w.done {
			return &SyntaxError{Offset: start, Msg: "unexpected data after the JSON value"}
		}
		switch k := tok.Kind(); k {
		case '{', '[':
			if len(w.stack) == maxDepth {
				w.add(domain.CodeRange, "nested deeper than %d levels", maxDepth)
				return w.errs
			}
			w.stack = append(w.stack, frame{array: k == '['})
		case '}', ']':
			w.stack = w.stack[:len(w.stack)-1]
			w.valueDone()
		case '"':
			s := tok.String()
			if top := w.top(); top != nil && !top.array && !top.named {
				top.name, top.named = s, true
				if strings.ContainsRune(s, 0) {
					w.add(domain.CodeFormat, "the key contains the control character NUL (U+0000)")
				}
				continue
			}
			if i := strings.IndexByte(s, 0); i >= 0 && !opt.AllowNUL {
				w.add(domain.CodeFormat, "contains the control character NUL (U+0000) at character %d",
					utf8.RuneCountInString(s[:i])+1)
			}
			w.valueDone()
		default:
			w.valueDone()
		}
	}
	if len(w.errs) > 0 {
		return w.errs
	}
	return nil
}

// Decode checks body (see Check) and unmarshals it into v, refusing
// members v has no field for (CodeUnknown) and values of the wrong JSON
// kind (CodeFormat); it returns the same kinds of error as Check. Names
// match the json tags exactly, case included.
func Decode(body []byte, v any, opt Options) error {
	if err := Check(body, opt); err != nil {
		return err
	}
	err := json.Unmarshal(body, v, json.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	var se *json.SemanticError
	if !errors.As(err, &se) {
		return &SyntaxError{Msg: err.Error()}
	}
	path := pointerPath(string(se.JSONPointer))
	fe := domain.FieldError{Field: path, Code: domain.CodeFormat}
	switch {
	case errors.Is(err, json.ErrUnknownName):
		fe.Code, fe.Message = domain.CodeUnknown, "unknown field"
	case se.GoType != nil && se.JSONKind != 0:
		fe.Message = fmt.Sprintf("must be %s, not %s", kindOfGo(se.GoType.Kind().String()), kindName(se.JSONKind))
	default:
		fe.Message = "cannot be read: " + domain.Short(se.Error())
	}
	if fe.Field == "" {
		fe.Field = "body"
	}
	return domain.FieldErrors{fe}
}

// frame is one open object or array.
type frame struct {
	array bool
	index int    // arrays: the index of the next element
	name  string // objects: the key of the value being read
	named bool   // objects: a key was read and its value is pending
}

// walker follows the position of a token walk so problems can be located.
type walker struct {
	body  []byte
	stack []frame
	errs  domain.FieldErrors
	done  bool // the top-level value is complete
}

func (w *walker) top() *frame {
	if len(w.stack) == 0 {
		return nil
	}
	return &w.stack[len(w.stack)-1]
}

// valueDone moves past a complete value inside the top frame, or marks
// the top-level value complete.
func (w *walker) valueDone() {
	top := w.top()
	switch {
	case top == nil:
		w.done = true
	case top.array:
		top.index++
	default:
		top.named = false
	}
}

var plainName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// path renders the position of the value being read: every open frame, and
// the pending key or next index of each. It also returns the index of the
// top-level array element, or -1, and the path inside that element.
func (w *walker) path() (full string, index int, inner string) {
	var b strings.Builder
	index = -1
	innerAt := 0
	for i, f := range w.stack {
		switch {
		case f.array:
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			if i == 0 {
				index, innerAt = f.index, b.Len()
			}
		case f.named:
			writeName(&b, f.name)
		}
	}
	full = b.String()
	inner = strings.TrimPrefix(full[innerAt:], ".")
	return full, index, inner
}

func writeName(b *strings.Builder, name string) {
	if plainName.MatchString(name) {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name)
		return
	}
	b.WriteString("[" + strconv.Quote(domain.Short(name)) + "]")
}

// add records a problem at the current position.
func (w *walker) add(code, format string, args ...any) {
	full, index, inner := w.path()
	msg := fmt.Sprintf(format, args...)
	fe := domain.FieldError{Code: code, Message: msg}
	switch {
	case index >= 0:
		fe.Index, fe.Field = index, inner
		if inner == "" {
			fe.Field = "body"
		}
		fe.Message = full + ": " + msg
	case full == "":
		fe.Field = "body"
	default:
		fe.Field = full
	}
	w.errs = append(w.errs, fe)
}

// fail turns the decoder's error, met reading a token that starts at
// offset start, into the error Check returns.
func (w *walker) fail(err error, start int64) error {
	var se *jsontext.SyntacticError
	if !errors.As(err, &se) {
		return &SyntaxError{Offset: start, Msg: err.Error()}
	}
	off := se.ByteOffset
	inName := false
	if top := w.top(); top != nil && !top.array && !top.named {
		inName = true
	}
	what := "the value"
	if inName {
		what = "the key"
	}
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		top := w.top()
		top.name, top.named = se.JSONPointer.LastToken(), true
		w.add(domain.CodeConflict, "the key is given twice in one object; send each key once")
		return w.errs
	case errors.Is(err, io.ErrUnexpectedEOF):
		return w.syntax(off, "the body ends inside a JSON value")
	case off < int64(len(w.body)) && startsInvalidUTF8(w.body[off:]):
		w.add(domain.CodeFormat, "%s is not valid UTF-8 (byte %d of the body)", what, off+1)
		return w.errs
	case off < int64(len(w.body)) && w.body[off] < 0x20:
		w.add(domain.CodeFormat, "%s contains the control character %s unescaped",
			what, controlName(w.body[off]))
		return w.errs
	case off < int64(len(w.body)) && loneSurrogate(w.body[off:]):
		w.add(domain.CodeFormat, "%s holds a lone UTF-16 surrogate %s, which is not a character", what, w.body[off:off+6])
		return w.errs
	case w.done:
		return w.syntax(off, "unexpected data after the JSON value")
	}
	return w.syntax(off, "not JSON: "+domain.Short(se.Err.Error()))
}

func (w *walker) syntax(off int64, msg string) error {
	full, _, _ := w.path()
	return &SyntaxError{Offset: off, Path: full, Msg: msg}
}

func startsInvalidUTF8(b []byte) bool {
	r, size := utf8.DecodeRune(b)
	return r == utf8.RuneError && size <= 1 && len(b) > 0 && b[0] >= 0x80
}

// loneSurrogate reports whether b starts with an escape \uD800–\uDFFF.
func loneSurrogate(b []byte) bool {
	if len(b) < 6 || b[0] != '\\' || (b[1] != 'u' && b[1] != 'U') {
		return false
	}
	v, err := strconv.ParseUint(string(b[2:6]), 16, 16)
	return err == nil && v >= 0xD800 && v <= 0xDFFF
}

func controlName(c byte) string {
	if c == 0 {
		return "NUL (U+0000)"
	}
	return fmt.Sprintf("U+%04X", c)
}

// pointerPath turns a JSON pointer (/items/2/name) into a path
// (items[2].name). A token of digits is taken as an array index: Decode's
// targets are structs and slices, whose member names are never numbers.
func pointerPath(p string) string {
	if p == "" {
		return ""
	}
	var b strings.Builder
	for tok := range jsontext.Pointer(p).Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		writeName(&b, tok)
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "that value"
}

func kindOfGo(goKind string) string {
	switch goKind {
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "another kind of value"
}
