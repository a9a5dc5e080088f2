package httpx

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// ValidQuery answers 400 to a request whose query string is not valid:
// a malformed percent-encoding (q=%zz, which url.ParseQuery would drop
// silently, so that the request would run without it) or a name or value
// that is not UTF-8 once decoded (q=%ff%fe, which would otherwise be
// searched for as replacement characters). The error names the
// parameter.
func ValidQuery(a Adapter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := checkQuery(c.Request.URL.RawQuery); err != nil {
			a.Fail(c, err)
			return
		}
		c.Next()
	}
}

// checkQuery checks each name=value pair of a raw query string.
func checkQuery(raw string) *Error {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return BadRequest(printable(rawName), "the parameter name has a malformed percent-encoding (% must be followed by two hexadecimal digits)")
		}
		if !utf8.ValidString(name) {
			return BadRequest(printable(name), "the parameter name is not valid UTF-8 once percent-decoded")
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return BadRequest(name, "the value has a malformed percent-encoding (% must be followed by two hexadecimal digits; write a literal % as %25)")
		}
		if !utf8.ValidString(value) {
			return BadRequest(name, "the value is not valid UTF-8 once percent-decoded")
		}
		if strings.ContainsRune(value, 0) {
			return BadRequest(name, "the value contains NUL (U+0000)")
		}
	}
	return nil
}

// printable is s with invalid UTF-8 replaced, cut to 64 bytes, for naming
// a parameter whose name itself is broken.
func printable(s string) string { return truncate(strings.ToValidUTF8(s, "\uFFFD"), 64) }

// truncate cuts s to at most n bytes at a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
