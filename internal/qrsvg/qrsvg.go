// Package qrsvg draws QR codes as SVG: the code's modules come from
// github.com/skip2/go-qrcode, the drawing is one <path> of unit squares,
// so the image is small, scales without blur on screen and in print, and
// needs no script or data: URL.
package qrsvg

import (
	"fmt"
	"html"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// quiet is the margin around the code, in modules: the minimum the QR
// standard asks for so scanners find the code.
const quiet = 4

// SVG returns an inline <svg> element encoding content (error correction
// level M: up to 15 % of the modules may be damaged or covered), labelled
// for assistive technology with label. The modules are black on white,
// drawn with attributes only (no style attribute, which a strict
// Content-Security-Policy refuses).
func SVG(content, label string) (string, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return "", fmt.Errorf("qrsvg.SVG(%d bytes): %w", len(content), err)
	}
	q.DisableBorder = true
	bits := q.Bitmap()
	n := len(bits)
	size := n + 2*quiet
	var b strings.Builder
	b.Grow(n * n * 4)
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="qr-code" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" shape-rendering="crispEdges">`,
		size, size, size*4, size*4, html.EscapeString(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, size, size)
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			// One horizontal run of dark modules: M x y h run v 1 h -run z
			b.WriteString("M")
			b.WriteString(strconv.Itoa(x + quiet))
			b.WriteByte(' ')
			b.WriteString(strconv.Itoa(y + quiet))
			b.WriteString("h")
			b.WriteString(strconv.Itoa(run))
			b.WriteString("v1h-")
			b.WriteString(strconv.Itoa(run))
			b.WriteString("z")
			x += run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
