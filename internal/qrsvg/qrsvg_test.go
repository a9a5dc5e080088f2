package qrsvg

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// TestSVGDrawsEveryModule reads the drawn path back into a grid: it must
// be the code's bitmap exactly, inside the quiet zone.
func TestSVGDrawsEveryModule(t *testing.T) {
	const url = "https://gongshi.example.gov.cn/penalties/12345"
	svg, err := SVG(url, `二维码 <"本页">`)
	if err != nil {
		t.Fatal(err)
	}
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	q.DisableBorder = true
	want := q.Bitmap()
	n := len(want)
	if !strings.Contains(svg, `viewBox="0 0 `+strconv.Itoa(n+2*quiet)+" ") || !strings.Contains(svg, `aria-label="二维码 &lt;&#34;本页&#34;&gt;"`) ||
		strings.Contains(svg, "style=") || !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>") {
		t.Fatalf("svg element: %.300s", svg)
	}
	got := make([][]bool, n+2*quiet)
	for i := range got {
		got[i] = make([]bool, n+2*quiet)
	}
	runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1)
	if len(runs) == 0 {
		t.Fatal("no modules drawn")
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		if r[3] != r[4] {
			t.Fatalf("run %s does not close", r[0])
		}
		for i := 0; i < w; i++ {
			if got[y][x+i] {
				t.Fatalf("module %d,%d drawn twice", x+i, y)
			}
			got[y][x+i] = true
		}
	}
	for y := range got {
		for x := range got[y] {
			inside := x >= quiet && y >= quiet && x < n+quiet && y < n+quiet
			if inside && got[y][x] != want[y-quiet][x-quiet] || !inside && got[y][x] {
				t.Fatalf("module %d,%d: drawn %v", x, y, got[y][x])
			}
		}
	}
	// The finder pattern's dark 7×7 frame is at the top left.
	for i := 0; i < 7; i++ {
		if !got[quiet][quiet+i] || !got[quiet+i][quiet] {
			t.Fatal("no finder pattern at the top left")
		}
	}
}

func TestSVGRefusesTooLongContent(t *testing.T) {
	if _, err := SVG(strings.Repeat("x", 5000), "x"); err == nil {
		t.Fatal("5,000 bytes do not fit a QR code")
	}
}
