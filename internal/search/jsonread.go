package search

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"iter"
)

// jsonReader walks a JSON text in place. Search answers are read with it
// rather than decoded by encoding/json: a hit's values are handed out as
// sub-slices of the answer, validated, and written to our response as
// they are, without a map of decoded values per hit or a copy of each.
//
// Errors are sticky: after the first one every read returns zero values
// and err reports it. A loop over members or elements must read every
// value it is given (with value, skip or a nested loop).
type jsonReader struct {
	b     []byte
	i     int
	err   error
	depth int
}

// maxDepth bounds the nesting of what skip reads, and so its recursion.
const maxDepth = 1000

func (r *jsonReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("malformed JSON: %s at byte %d", what, r.i)
	}
}

// peek skips white space and returns the next byte (0 at the end).
func (r *jsonReader) peek() byte {
	for r.i < len(r.b) {
		switch c := r.b[r.i]; c {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return c
		}
	}
	return 0
}

// expect consumes the byte c, after white space.
func (r *jsonReader) expect(c byte) bool {
	if r.err != nil {
		return false
	}
	if r.peek() != c {
		r.fail("expected " + string(c))
		return false
	}
	r.i++
	return true
}

// members yields the keys of the object at the reading position (raw:
// without quotes, escapes undecoded); the loop body reads each value.
func (r *jsonReader) members() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		if !r.expect('{') || r.closes('}') {
			return
		}
		for {
			k := r.str()
			if !r.expect(':') || !yield(k) || !r.more('}') {
				return
			}
		}
	}
}

// elements yields once per element of the array at the reading position;
// the loop body reads the element.
func (r *jsonReader) elements() iter.Seq[struct{}] {
	return func(yield func(struct{}) bool) {
		if !r.expect('[') || r.closes(']') {
			return
		}
		for yield(struct{}{}) && r.more(']') {
		}
	}
}

// closes consumes the closing bracket c of an empty object or array.
func (r *jsonReader) closes(c byte) bool {
	if r.peek() == c {
		r.i++
		return true
	}
	return false
}

// more consumes what follows an element: a comma (true) or the closing
// bracket c (false).
func (r *jsonReader) more(c byte) bool {
	if r.err != nil {
		return false
	}
	switch r.peek() {
	case ',':
		r.i++
		return true
	case c:
		r.i++
		return false
	}
	r.fail("expected , or " + string(c))
	return false
}

// value reads any value and returns its raw text.
func (r *jsonReader) value() json.RawMessage {
	r.peek()
	start := r.i
	r.skip()
	if r.err != nil {
		return nil
	}
	return r.b[start:r.i]
}

// skip reads any value, checking its syntax.
func (r *jsonReader) skip() {
	switch r.peek() {
	case '{', '[':
		if r.depth++; r.depth > maxDepth {
			r.fail("nested too deep")
			return
		}
		if r.b[r.i] == '{' {
			for range r.members() {
				r.skip()
			}
		} else {
			for range r.elements() {
				r.skip()
			}
		}
		r.depth--
	case '"':
		r.str()
	case 't':
		r.literal("true")
	case 'f':
		r.literal("false")
	case 'n':
		r.literal("null")
	default:
		r.number()
	}
}

func (r *jsonReader) literal(word string) {
	if len(r.b)-r.i < len(word) || string(r.b[r.i:r.i+len(word)]) != word {
		r.fail("bad literal")
		return
	}
	r.i += len(word)
}

// str reads a string and returns what is between its quotes, escapes
// undecoded (see unquote).
func (r *jsonReader) str() []byte {
	if !r.expect('"') {
		return nil
	}
	start := r.i
	for {
		r.i += plainBytes(r.b[r.i:])
		if r.i >= len(r.b) {
			r.fail("unterminated string")
			return nil
		}
		switch r.b[r.i] {
		case '"':
			r.i++
			return r.b[start : r.i-1]
		case '\\':
			if r.escape(); r.err != nil {
				return nil
			}
		default:
			r.fail("control character in string")
			return nil
		}
	}
}

// plainBytes returns how many bytes of b precede the first quote,
// backslash or control character. It tests eight bytes at a time: most of
// an answer is the text of strings.
func plainBytes(b []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		// A byte of w below n sets its high bit in (w - n*ones) &^ w (for
		// n <= 0x80); an equal byte is a byte of the XOR below 1.
		q, bs := w^('"'*ones), w^('\\'*ones)
		if ((w-0x20*ones)&^w|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			break
		}
	}
	return i
}

// escape reads one escape sequence of a string.
func (r *jsonReader) escape() {
	r.i++ // the backslash
	if r.i >= len(r.b) {
		r.fail("unterminated escape")
		return
	}
	switch r.b[r.i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		r.i++
		return
	case 'u':
		if len(r.b)-r.i > 4 {
			ok := true
			for _, h := range r.b[r.i+1 : r.i+5] {
				ok = ok && (h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F')
			}
			if ok {
				r.i += 5
				return
			}
		}
	}
	r.fail("bad escape")
}

// number reads a number as JSON spells it: -?int frac? exp?
func (r *jsonReader) number() {
	start := r.i
	r.accept('-')
	if !r.accept('0') && r.digits() == 0 {
		r.i = start
		r.fail("value expected")
		return
	}
	if r.accept('.') && r.digits() == 0 {
		r.fail("digit expected")
		return
	}
	if r.accept('e') || r.accept('E') {
		if !r.accept('+') {
			r.accept('-')
		}
		if r.digits() == 0 {
			r.fail("digit expected")
		}
	}
}

func (r *jsonReader) accept(c byte) bool {
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

func (r *jsonReader) digits() int {
	n := 0
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
		n++
	}
	return n
}

// int reads a number that must be a non-negative integer.
func (r *jsonReader) int() int64 {
	v := r.value()
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' || n > (1<<62)/10 {
			r.fail("non-negative integer expected")
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

// end checks that nothing but white space follows the value read.
func (r *jsonReader) end() error {
	if r.err == nil && r.peek() != 0 {
		r.fail("trailing data")
	}
	return r.err
}

// unquote decodes the contents of a string as str returned them.
func unquote(raw []byte) (string, error) {
	for _, c := range raw {
		if c == '\\' {
			var s string
			err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s)
			return s, err
		}
	}
	return string(raw), nil
}
