package jsonbody

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongshi/gongshi/internal/domain"
)

func TestCheckAccepts(t *testing.T) {
	for _, body := range []string{
		`{}`, `[]`, ` {"a":1} `, "\n[\n{\"CF_WSH\":\"苏应急罚〔2024〕12号\",\"CF_NR_FK\":2}\n]\n",
		`{"a":{"a":{"a":1}}}`, // the same key in different objects
		`[{"a":1},{"a":2}]`,   // the same key in different elements
		`{"note":"第一行\n第二行\t\u00e9\ud83d\ude00"}`, // escapes, a valid surrogate pair
		`"just a string"`, `42`, `null`,
		`{"a":"\u0001"}`, // escaped controls other than NUL are left to the validators
	} {
		if err := Check([]byte(body), Options{}); err != nil {
			t.Errorf("Check(%q) = %v", body, err)
		}
	}
}

func TestCheckRefuses(t *testing.T) {
	deep := strings.Repeat("[", 17) + strings.Repeat("]", 17)
	tests := []struct {
		name, body string
		index      int
		field      string
		code       string
		message    string
	}{
		{"duplicate key", `{"CF_NR_FK":"2","CF_NR_FK":"20"}`, 0, "CF_NR_FK", domain.CodeConflict, "given twice"},
		{"duplicate key in a record", `[{"a":1},{"b":1},{"c":1},{"CF_WSH":"x","CF_NR_FK":1,"CF_NR_FK":2}]`, 3, "CF_NR_FK", domain.CodeConflict, "[3].CF_NR_FK: the key is given twice"},
		{"duplicate by escape", `{"a":1,"\u0061":2}`, 0, "a", domain.CodeConflict, "given twice"},
		{"duplicate deep", `{"items":[{"guide":{"fees":"a","fees":"b"}}]}`, 0, "items[0].guide.fees", domain.CodeConflict, "given twice"},
		{"invalid UTF-8", "{\"CF_XDR_MC\":\"苏\xff\xfe州\"}", 0, "CF_XDR_MC", domain.CodeFormat, "not valid UTF-8 (byte 18 of the body)"},
		{"invalid UTF-8 in a record", "[{},{\"CF_XDR_MC\":\"\x80\"}]", 1, "CF_XDR_MC", domain.CodeFormat, "[1].CF_XDR_MC: the value is not valid UTF-8"},
		{"invalid UTF-8 in a key", "{\"ok\":1,\"CF\xc0\":1}", 0, "body", domain.CodeFormat, "the key is not valid UTF-8"},
		{"overlong encoding", "{\"a\":\"\xc0\xaf\"}", 0, "a", domain.CodeFormat, "not valid UTF-8"},
		{"encoded surrogate", "{\"a\":\"\xed\xa0\x80\"}", 0, "a", domain.CodeFormat, "not valid UTF-8"},
		{"lone surrogate escape", `{"a":"x\ud800y"}`, 0, "a", domain.CodeFormat, `lone UTF-16 surrogate \ud800`},
		{"escaped NUL", `{"note":"a\u0000b"}`, 0, "note", domain.CodeFormat, "NUL (U+0000) at character 2"},
		{"escaped NUL in a list", `{"items":[{"materials":["ok","\u0000"]}]}`, 0, "items[0].materials[1]", domain.CodeFormat, "NUL"},
		{"escaped NUL in a key", `[{"CF_\u0000":"1"}]`, 0, `["CF_\x00"]`, domain.CodeFormat, "the key contains the control character NUL"},
		{"raw NUL", "{\"note\":\"a\x00b\"}", 0, "note", domain.CodeFormat, "NUL (U+0000) unescaped"},
		{"raw control", "{\"note\":\"a\x1bb\"}", 0, "note", domain.CodeFormat, "U+001B unescaped"},
		{"raw line feed", "{\"note\":\"a\nb\"}", 0, "note", domain.CodeFormat, "U+000A unescaped"},
		{"too deep", deep, 0, "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]", domain.CodeRange, "nested deeper than 16 levels"},
		{"top-level NUL", `"\u0000"`, 0, "body", domain.CodeFormat, "NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.body), Options{})
			var fe domain.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Check = %v (%T), want FieldErrors", err, err)
			}
			last := fe[len(fe)-1]
			if last.Index != tt.index || last.Field != tt.field || last.Code != tt.code || !strings.Contains(last.Message, tt.message) {
				t.Errorf("Check = %+v\nwant index %d, field %q, code %s, message containing %q", fe, tt.index, tt.field, tt.code, tt.message)
			}
		})
	}
}

func TestCheckDepthOption(t *testing.T) {
	body := []byte(`{"a":{"b":[1]}}`)
	if err := Check(body, Options{MaxDepth: 3}); err != nil {
		t.Errorf("depth 3 within 3: %v", err)
	}
	var fe domain.FieldErrors
	if err := Check(body, Options{MaxDepth: 2}); !errors.As(err, &fe) || fe[0].Field != "a.b" {
		t.Errorf("depth 3 within 2: %v", err)
	}
	// A body far deeper than the decoder's own limit is refused at ours.
	huge := strings.Repeat("[", 100_000)
	if err := Check([]byte(huge), Options{}); !errors.As(err, &fe) || fe[0].Code != domain.CodeRange {
		t.Errorf("100,000 levels: %v", err)
	}
}

func TestCheckAllowNUL(t *testing.T) {
	if err := Check([]byte(`{"note":"a\u0000"}`), Options{AllowNUL: true}); err != nil {
		t.Errorf("NUL in a value: %v", err)
	}
	for _, body := range []string{`{"a\u0000":1}`, "{\"note\":\"a\x00\"}"} {
		if err := Check([]byte(body), Options{AllowNUL: true}); err == nil {
			t.Errorf("Check(%q) accepted", body)
		}
	}
}

func TestCheckCollectsEveryNUL(t *testing.T) {
	err := Check([]byte(`[{"a":"\u0000","b":"\u0000"},{"c":"\u0000"}]`), Options{})
	var fe domain.FieldErrors
	if !errors.As(err, &fe) || len(fe) != 3 || fe[0].Field != "a" || fe[1].Field != "b" || fe[2].Index != 1 || fe[2].Field != "c" {
		t.Errorf("Check = %v", err)
	}
}

func TestCheckSyntax(t *testing.T) {
	tests := []struct{ body, msg string }{
		{"", "empty body"},
		{"  \n ", "empty body"},
		{`{"a":1}{"b":2}`, "unexpected data after the JSON value"},
		{`[1] x`, "unexpected data after the JSON value"},
		{`{"a":1`, "ends inside a JSON value"},
		{"{\"a\":\"\xe8\x8b", "ends inside a JSON value"},
		{`{"a":tru}`, "not JSON"},
		{`{'a':1}`, "not JSON"},
		{`{"a":1,}`, "not JSON"},
		{`[1,2,,3]`, "not JSON"},
		{`{"a" 1}`, "not JSON"},
	}
	for _, tt := range tests {
		err := Check([]byte(tt.body), Options{})
		var se *SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Check(%q) = %v, want a SyntaxError %q", tt.body, err, tt.msg)
		}
	}
	err := Check([]byte(`{"items":[{"name":"a"},{"name":x}]}`), Options{})
	var se *SyntaxError
	if !errors.As(err, &se) || se.Path != "items[1].name" || se.Offset != 31 {
		t.Errorf("located syntax error = %#v", err)
	}
}

type withdrawal struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

type list struct {
	Note  string `json:"note"`
	Items []struct {
		Code      string   `json:"code"`
		Materials []string `json:"materials"`
	} `json:"items"`
}

func TestDecode(t *testing.T) {
	var w withdrawal
	if err := Decode([]byte(`{"reason":"revoked","note":"复议撤销"}`), &w, Options{}); err != nil || w.Reason != "revoked" || w.Note != "复议撤销" {
		t.Fatalf("Decode = %v, %+v", err, w)
	}
	tests := []struct {
		body   string
		target any
		field  string
		code   string
		msg    string
	}{
		{`{"reason":"revoked","Reason":"x"}`, &withdrawal{}, "Reason", domain.CodeUnknown, "unknown field"},
		{`{"reason":"revoked","extra":1}`, &withdrawal{}, "extra", domain.CodeUnknown, "unknown field"},
		{`{"reason":1}`, &withdrawal{}, "reason", domain.CodeFormat, "must be a string, not a number"},
		{`[]`, &withdrawal{}, "body", domain.CodeFormat, "must be an object, not an array"},
		{`{"items":[{"code":"A"},{"code":"B","materials":"x"}]}`, &list{}, "items[1].materials", domain.CodeFormat, "must be an array, not a string"},
		{`{"items":[{"code":"A","code":"B"}]}`, &list{}, "items[0].code", domain.CodeConflict, "given twice"},
		{`{"reason":"revoked","note":"\u0000"}`, &withdrawal{}, "note", domain.CodeFormat, "NUL"},
	}
	for _, tt := range tests {
		err := Decode([]byte(tt.body), tt.target, Options{})
		var fe domain.FieldErrors
		if !errors.As(err, &fe) || fe[0].Field != tt.field || fe[0].Code != tt.code || !strings.Contains(fe[0].Message, tt.msg) {
			t.Errorf("Decode(%s) = %v, want %s %s %q", tt.body, err, tt.field, tt.code, tt.msg)
		}
	}
	var se *SyntaxError
	if err := Decode([]byte(`{"reason":`), &w, Options{}); !errors.As(err, &se) {
		t.Errorf("truncated: %v", err)
	}
}

// FuzzCheck: Check never panics; what it accepts is valid JSON without
// invalid UTF-8, duplicate keys, NUL or deep nesting; what it refuses comes
// with a located, short explanation.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `[{"CF_WSH":"x","CF_NR_FK":2}]`, `{"a":1,"a":2}`, "{\"a\":\"\xff\"}", `{"a":"\u0000"}`,
		`[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]`, `{"a":"\ud800"}`, `{"a":1} 2`, `{"items":[{"m":["x"]}]}`,
		"", `"x"`, `{"\u0061":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := Check(body, Options{})
		if err == nil {
			if !stdjson.Valid(body) || !utf8.Valid(body) {
				t.Fatalf("accepted %q, which is not valid JSON in UTF-8", body)
			}
			var v any
			dec := stdjson.NewDecoder(bytes.NewReader(body))
			dec.UseNumber() // 1E700 is valid JSON, but no float64
			if dec.Decode(&v) != nil {
				t.Fatalf("accepted %q, which encoding/json cannot read", body)
			}
			if depth, dupOrNUL := inspect(v, 1); depth > DefaultMaxDepth || dupOrNUL {
				t.Fatalf("accepted %q: depth %d, NUL %v", body, depth, dupOrNUL)
			}
			if hasDuplicateKey(body) {
				t.Fatalf("accepted %q, which repeats a key", body)
			}
			return
		}
		var fe domain.FieldErrors
		var se *SyntaxError
		switch {
		case errors.As(err, &fe):
			for _, e := range fe {
				if e.Field == "" || e.Code == "" || e.Message == "" || len(e.Field)+len(e.Message) > 400 {
					t.Fatalf("malformed problem %+v for %q", e, body)
				}
			}
		case errors.As(err, &se):
			if se.Msg == "" || se.Offset < 0 || se.Offset > int64(len(body)) {
				t.Fatalf("malformed syntax error %+v for %q", se, body)
			}
		default:
			t.Fatalf("Check(%q) = %T %v", body, err, err)
		}
	})
}

// inspect returns the nesting depth of v and whether a key or string holds
// a NUL.
func inspect(v any, depth int) (int, bool) {
	max, bad := 0, false
	visit := func(x any) {
		d, b := inspect(x, depth+1)
		max, bad = maxInt(max, d), bad || b
	}
	switch v := v.(type) {
	case map[string]any:
		max = depth
		for k, x := range v {
			bad = bad || strings.ContainsRune(k, 0)
			visit(x)
		}
	case []any:
		max = depth
		for _, x := range v {
			visit(x)
		}
	case string:
		return 0, strings.ContainsRune(v, 0)
	}
	return max, bad
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// hasDuplicateKey reports, independently of Check, whether a valid JSON
// text repeats a key within one object.
func hasDuplicateKey(body []byte) bool {
	type frame struct {
		object, expectKey bool
		keys              map[string]bool
	}
	var stack []*frame
	valueDone := func() {
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].expectKey = true
		}
	}
	dec := stdjson.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			if k, ok := tok.(string); ok {
				if stack[n-1].keys[k] {
					return true
				}
				stack[n-1].keys[k], stack[n-1].expectKey = true, false
				continue
			}
		}
		switch tok {
		case stdjson.Delim('{'):
			stack = append(stack, &frame{object: true, expectKey: true, keys: map[string]bool{}})
		case stdjson.Delim('['):
			stack = append(stack, &frame{})
		case stdjson.Delim('}'), stdjson.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

func TestHasDuplicateKey(t *testing.T) {
	if !hasDuplicateKey([]byte(`[{"a":{"b":1,"c":[{"d":1,"d":2}]}}]`)) || hasDuplicateKey([]byte(`[{"a":1},{"a":{"a":1}}]`)) {
		t.Fatal("the fuzz test's own duplicate detector is wrong")
	}
}
