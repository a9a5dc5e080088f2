package web

import (
	"html/template"
	"regexp"
	"strings"
)

// The text of list items as the source wrote it: its line breaks and its
// own numbering.

// textLines is s escaped, with its line breaks kept as <br>: 办理条件 and
// 设定依据 often list one condition or one law a line.
func textLines(s string) template.HTML {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(strings.TrimRight(p, " \t"))
	}
	return template.HTML(strings.Join(parts, "<br>\n"))
}

// ownNumber matches the numbering an item of a list may start with:
// 一、 （一） (1) 1. 1、 1） ① and their full-width forms.
var ownNumber = regexp.MustCompile(`^\s*(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十百0-9０-９]+[）)]|[0-9０-９]+(?:[.．、）)]|\s)|[①-⑳])`)

// ownNumbers reports whether any item of a list carries its own numbering,
// so that the page must not number the items again.
func ownNumbers(items []string) bool {
	for _, it := range items {
		if ownNumber.MatchString(it) {
			return true
		}
	}
	return false
}
