package search

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// Search answers are read with jsontext's Decoder rather than decoded by
// encoding/json: a hit's values are handed out as slices of the answer and
// written to our response as they are, without a map of decoded values
// per hit or a copy of each. The decoder checks everything JSON requires
// as it reads — UTF-8, escapes, control characters, numbers, nesting
// (at most 10000 levels) — so a value it hands out is valid JSON.

// decodeOptions accepts duplicate names, as encoding/json does: checking
// them would hash every name of every hit, and Meilisearch sends none.
var decodeOptions = jsontext.AllowDuplicateNames(true)

// reader reads one JSON text. A value the decoder returns is only promised
// to stay valid until its next read, so the reader hands out the same bytes
// sliced from the text itself, found by the decoder's input offset: they
// stay valid as long as the text.
type reader struct {
	dec  jsontext.Decoder
	src  bytes.Buffer
	text []byte
	key  []byte // the last name read, unescaped, when it had escapes
}

// readers are pooled: a decoder keeps the memory of its stacks for the
// next text, so reading allocates nothing once one has read a text as
// deeply nested.
var readers = sync.Pool{New: func() any { return new(reader) }}

// read calls f with a reader of b, then checks that nothing but white
// space follows the value f read.
func read(b []byte, f func(*reader) error) error {
	r := readers.Get().(*reader)
	defer r.release()
	r.text, r.src = b, *bytes.NewBuffer(b)
	r.dec.Reset(&r.src, decodeOptions)
	if err := f(r); err != nil {
		return err
	}
	return r.end()
}

// release returns r to the pool, without the text it read, which the pool
// must not keep alive.
func (r *reader) release() {
	r.text, r.src = nil, bytes.Buffer{}
	r.dec.Reset(&r.src)
	readers.Put(r)
}

var errTrailing = errors.New("data after the JSON value")

func (r *reader) end() error {
	_, err := r.dec.ReadToken()
	switch {
	case err == io.EOF:
		return nil
	case err == nil:
		return errTrailing
	}
	return fmt.Errorf("after the JSON value: %w", err)
}

// open reads the token that opens an object or array (want).
func (r *reader) open(want jsontext.Kind) error {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return err
	}
	if k := tok.Kind(); k != want {
		return fmt.Errorf("%v expected, found %v", want, k)
	}
	return nil
}

// members reads an object, calling f with each name (unescaped, valid
// until f returns) before its value, which f must read.
func (r *reader) members(f func(name []byte) error) error {
	if err := r.open('{'); err != nil {
		return err
	}
	for r.dec.PeekKind() != '}' {
		// A name read as a value is its raw text: unless it has escapes,
		// it is compared and looked up without a copy.
		raw, err := r.raw()
		if err != nil {
			return err
		}
		name, err := r.unquote(raw)
		if err != nil {
			return err
		}
		if err := f(name); err != nil {
			return err
		}
	}
	_, err := r.dec.ReadToken()
	return err
}

// unquote returns the contents of a raw name.
func (r *reader) unquote(raw []byte) ([]byte, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1], nil
	}
	var err error
	if r.key, err = jsontext.AppendUnquote(r.key[:0], raw); err != nil {
		return nil, fmt.Errorf("name %s: %w", raw, err)
	}
	return r.key, nil
}

// elements reads an array, calling f, which must read the element, once
// per element.
func (r *reader) elements(f func() error) error {
	if err := r.open('['); err != nil {
		return err
	}
	// A failed PeekKind returns 0 and keeps its error for f's read.
	for r.dec.PeekKind() != ']' {
		if err := f(); err != nil {
			return err
		}
	}
	_, err := r.dec.ReadToken()
	return err
}

// raw reads any value and returns its raw text as a slice of the text
// read (capacity included, so that appending to it copies).
func (r *reader) raw() ([]byte, error) {
	v, err := r.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	end := int(r.dec.InputOffset())
	start := end - len(v)
	if start < 0 || end > len(r.text) || !bytes.Equal(r.text[start:end], v) {
		return nil, fmt.Errorf("value at offset %d: not found in the text read", end)
	}
	return r.text[start:end:end], nil
}

// value reads any value and returns its raw text (see raw).
func (r *reader) value() (json.RawMessage, error) {
	return r.raw()
}

// skip reads any value.
func (r *reader) skip() error {
	return r.dec.SkipValue()
}

// count reads a number that must be a non-negative integer.
func (r *reader) count() (int64, error) {
	v, err := r.raw()
	if err != nil {
		return 0, err
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' || n > (1<<62)/10 {
			return 0, fmt.Errorf("non-negative integer expected, found %s", v)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}
