package search

import (
	"encoding/json"
	"strings"
	"testing"
)

// appendString writes what encoding/json writes, HTML-safe.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "<mark>a & b</mark>", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"苏州\u2028\u2029化工", "bad \xff utf-8 \xe2\x80", "emoji 😀", "é"} {
		got := appendString(nil, s)
		var back, want string
		marshaled, _ := json.Marshal(s)
		json.Unmarshal(marshaled, &want)
		if err := json.Unmarshal(got, &back); err != nil || back != want {
			t.Errorf("appendString(%q) = %s, reads back as %q (%v), want %q", s, got, back, err, want)
		}
		if strings.ContainsAny(string(got), "<>&\u2028\u2029") {
			t.Errorf("appendString(%q) = %s: not HTML-safe", s, got)
		}
	}
	raw := json.RawMessage(`["a<b>&c","\u2028 ` + "\u2028\u2029" + `"]`)
	var back []string
	if err := json.Unmarshal(appendEscaped(nil, raw), &back); err != nil || back[0] != "a<b>&c" || back[1] != "\u2028 \u2028\u2029" {
		t.Errorf("appendEscaped: %s (%v)", appendEscaped(nil, raw), err)
	}
	if strings.ContainsAny(string(appendEscaped(nil, raw)), "<>&\u2028\u2029") {
		t.Errorf("appendEscaped left characters unescaped: %s", appendEscaped(nil, raw))
	}
}
