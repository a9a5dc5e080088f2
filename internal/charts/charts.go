// Package charts draws the portal's statistics as static SVG on the
// server: vertical bar charts, horizontal bar charts and line charts, with
// axis labels, a <title> and a <desc> that states the data in words, so a
// chart reads without seeing it (the pages put the same data in a table
// beside it). The output is self-contained SVG markup that can be inlined
// in HTML; it uses no script, no external font and no external host.
package charts

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Point is one datum: its label on the category axis, its value, and how
// the value is written (Display; the value itself when empty).
type Point struct {
	Label   string
	Value   float64
	Display string
}

func (p Point) text() string {
	if p.Display != "" {
		return p.Display
	}
	return formatNumber(p.Value)
}

// Chart describes one chart.
type Chart struct {
	ID     string // unique within the page: prefixes the ids of <title> and <desc>
	Title  string
	Desc   string // a sentence introducing the data; the data is appended
	XLabel string // the category axis
	YLabel string // the value axis
	Points []Point
	// Max fixes the top of the value axis (e.g. 100 for percentages);
	// zero fits the data.
	Max float64
}

// Colours meet WCAG 2.1 AA contrast against white (bars ≥ 3:1, text ≥ 4.5:1).
const (
	barColour  = "#0b57a4"
	lineColour = "#a33b00"
	textColour = "#1b1b1b"
	mutedText  = "#4a4a4a"
	gridColour = "#d0d7de"
	fontFamily = `Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif`
)

// Sizes. A chart is drawn width units wide, its every text fontPx; on a
// 390 px phone it is shown about 330–360 px wide, which puts the smallest
// text at 11–12 px, legible (e2e checks it in Chromium); on a wide screen
// it is shown at its own width.
const (
	width  = 540.0
	fontPx = 18.0
)

func esc(s string) string { return html.EscapeString(s) }

// formatNumber writes v with thousands separators and at most two decimals.
func formatNumber(v float64) string {
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// niceTicks returns about n round tick values from 0 to at least max.
func niceTicks(max float64, n int) []float64 {
	if max <= 0 {
		return []float64{0, 1}
	}
	raw := max / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ticks []float64
	for v := 0.0; v < max+step*0.999; v += step {
		ticks = append(ticks, v)
	}
	return ticks
}

// textWidth estimates the width of s in pixels at font size px: CJK
// characters one em, others about half.
func textWidth(s string, px float64) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 {
			w += px
		} else {
			w += px * 0.56
		}
	}
	return w
}

// describe is the chart's <desc>: the introduction and every datum.
func describe(c Chart) string {
	parts := make([]string, len(c.Points))
	for i, p := range c.Points {
		parts[i] = p.Label + " " + p.text()
	}
	d := c.Desc
	if len(parts) > 0 {
		if d != "" {
			d += " "
		}
		d += strings.Join(parts, "；")
	}
	return d
}

func open(b *strings.Builder, c Chart, w, h float64) {
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-labelledby="%s-t %s-d" font-family="%s" font-size="%g">`,
		w, h, w, h, esc(c.ID), esc(c.ID), esc(fontFamily), fontPx)
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(describe(c)))
	fmt.Fprintf(b, `<rect width="%g" height="%g" fill="#fff"/>`, w, h)
}

func maxValue(c Chart) float64 {
	m := c.Max
	if m == 0 {
		for _, p := range c.Points {
			m = math.Max(m, p.Value)
		}
	}
	return m
}

// labelEvery returns k such that showing every k-th of n labels shows at
// most max of them.
func labelEvery(n, max int) int {
	if n <= max {
		return 1
	}
	return (n + max - 1) / max
}

// Columns draws c as a vertical bar chart, categories left to right (e.g.
// months).
func Columns(c Chart) string { return vertical(c, false) }

// Line draws c as a line chart with a marker per point.
func Line(c Chart) string { return vertical(c, true) }

func vertical(c Chart, line bool) string {
	const (
		w, h               = width, 300.0
		right, top, bottom = 16.0, 16.0, 70.0
		plotH              = h - top - bottom
		yTitle             = 34.0 // the rotated value-axis title, left of the tick labels
		// Few labels, each under its own column: at most 4 of up to 7
		// characters fit the width apart.
		maxXLabels = 4
	)
	ticks := niceTicks(maxValue(c), 5)
	top0 := ticks[len(ticks)-1]
	left := 48.0
	for _, t := range ticks {
		left = math.Max(left, yTitle+textWidth(formatNumber(t), fontPx)+8)
	}
	plotW := w - left - right
	var b strings.Builder
	open(&b, c, w, h)
	y := func(v float64) float64 { return top + plotH - v/top0*plotH }
	b.WriteString(`<g aria-hidden="true">`)
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="%s"/>`, left, w-right, y(t), y(t), gridColour)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="%s">%s</text>`,
			left-6, y(t), mutedText, esc(formatNumber(t)))
	}
	n := len(c.Points)
	slot := plotW / math.Max(float64(n), 1)
	every := labelEvery(n, maxXLabels)
	for i, p := range c.Points {
		cx := left + slot*(float64(i)+0.5)
		if i%every == 0 {
			// Low enough to clear the lowest tick label beside it.
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle" fill="%s">%s</text>`,
				cx, top+plotH+33, mutedText, esc(p.Label))
		}
	}
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="%s"/>`, left, w-right, top+plotH, top+plotH, textColour)
	b.WriteString(`</g>`)
	if line {
		pts := make([]string, n)
		for i, p := range c.Points {
			pts[i] = fmt.Sprintf("%.1f,%.1f", left+slot*(float64(i)+0.5), y(p.Value))
		}
		fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, lineColour, strings.Join(pts, " "))
		for i, p := range c.Points {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="%s"><title>%s：%s</title></circle>`,
				left+slot*(float64(i)+0.5), y(p.Value), lineColour, esc(p.Label), esc(p.text()))
		}
	} else {
		bw := math.Max(slot*0.7, 1)
		for i, p := range c.Points {
			x := left + slot*float64(i) + (slot-bw)/2
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s：%s</title></rect>`,
				x, y(p.Value), bw, top+plotH-y(p.Value), barColour, esc(p.Label), esc(p.text()))
		}
	}
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" fill="%s" aria-hidden="true">%s</text>`, left+plotW/2, h-12, textColour, esc(c.XLabel))
	fmt.Fprintf(&b, `<text transform="translate(%g %g) rotate(-90)" text-anchor="middle" dominant-baseline="middle" fill="%s" aria-hidden="true">%s</text>`, yTitle/2, top+plotH/2, textColour, esc(c.YLabel))
	b.WriteString(`</svg>`)
	return b.String()
}

// Bars draws c as a horizontal bar chart, one row per category (e.g.
// penalty types or agencies), each bar labelled with its value.
func Bars(c Chart) string {
	const (
		w, rowH     = width, 30.0
		top, bottom = 12.0, 58.0
	)
	// Room left for the labels (long ones are cut with …), right for the
	// values written after the bars.
	labelW, valueW := 0.0, 0.0
	for _, p := range c.Points {
		labelW = math.Max(labelW, textWidth(p.Label, fontPx))
		valueW = math.Max(valueW, textWidth(p.text(), fontPx))
	}
	left := math.Min(math.Max(labelW+16, 60), w*0.5)
	right := math.Min(math.Max(valueW+16, 40), w*0.3)
	plotW := w - left - right
	h := top + rowH*float64(max(len(c.Points), 1)) + bottom
	var b strings.Builder
	open(&b, c, w, h)
	ticks := niceTicks(maxValue(c), 4)
	top0 := ticks[len(ticks)-1]
	x := func(v float64) float64 { return left + v/top0*plotW }
	plotBottom := top + rowH*float64(len(c.Points))
	b.WriteString(`<g aria-hidden="true">`)
	for _, t := range ticks {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="%s"/>`, x(t), x(t), top, plotBottom, gridColour)
		fmt.Fprintf(&b, `<text x="%.1f" y="%g" text-anchor="middle" fill="%s">%s</text>`, x(t), plotBottom+20, mutedText, esc(formatNumber(t)))
	}
	b.WriteString(`</g>`)
	for i, p := range c.Points {
		yy := top + rowH*float64(i)
		label := p.Label
		if textWidth(label, fontPx) > left-12 {
			rs := []rune(label)
			for len(rs) > 1 && textWidth(string(rs)+"…", fontPx) > left-12 {
				rs = rs[:len(rs)-1]
			}
			label = string(rs) + "…"
		}
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="%s" aria-hidden="true">%s</text>`,
			left-8, yy+rowH/2, textColour, esc(label))
		fmt.Fprintf(&b, `<rect x="%g" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s：%s</title></rect>`,
			left, yy+4, math.Max(x(p.Value)-left, 0.5), rowH-8, barColour, esc(p.Label), esc(p.text()))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" dominant-baseline="middle" fill="%s" aria-hidden="true">%s</text>`,
			x(p.Value)+6, yy+rowH/2, textColour, esc(p.text()))
	}
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="%s" aria-hidden="true"/>`, left, left, top, plotBottom, textColour)
	fmt.Fprintf(&b, `<text x="%g" y="%g" text-anchor="middle" fill="%s" aria-hidden="true">%s</text>`, left+plotW/2, h-10, textColour, esc(c.YLabel))
	b.WriteString(`</svg>`)
	return b.String()
}
