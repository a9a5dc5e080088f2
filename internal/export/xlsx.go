package export

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gongshi/gongshi/internal/domain"
)

// xlsxWriter streams an Office Open XML workbook: the ZIP archive is
// written as rows arrive — each worksheet a deflated entry of inline-string
// cells — and the parts that list the worksheets (content types, workbook,
// relationships, styles) follow at Close, since ZIP entries may come in any
// order. Memory stays at a row and the compressor's window whatever the
// size, and the first bytes leave at once. (excelize's StreamWriter, which
// the tests read the output back with, spills rows to a temporary file and
// writes the whole archive only when the sheet is complete: for a million
// rows, nothing for half a minute and near 100 MB of memory.)
type xlsxWriter struct {
	zw     *zip.Writer
	sheet  io.Writer // the current worksheet entry
	fields []domain.Field
	names  []string
	base   string
	sheets int
	row    int // rows written to the current sheet, header included
	cols   []string
	buf    []byte
}

// maxSheetRows is the number of rows a worksheet holds (a variable so
// tests can split sheets without a million rows).
var maxSheetRows = 1 << 20

// maxCellChars is the most UTF-16 code units a cell holds.
const maxCellChars = 32767

func newXLSXWriter(out io.Writer, fields []domain.Field, names []string, sheet string) (*xlsxWriter, error) {
	if sheet == "" {
		sheet = "data"
	}
	zw := zip.NewWriter(out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	xw := &xlsxWriter{zw: zw, fields: fields, names: names, base: sheet, cols: make([]string, len(fields))}
	for i := range fields {
		xw.cols[i] = columnName(i)
	}
	if err := xw.startSheet(); err != nil {
		return nil, err
	}
	return xw, nil
}

// columnName is the letters of the 0-based column i: A … Z, AA ….
func columnName(i int) string {
	var b []byte
	for i++; i > 0; i = (i - 1) / 26 {
		b = append([]byte{byte('A' + (i-1)%26)}, b...)
	}
	return string(b)
}

const (
	xmlHeader     = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsMain        = `http://schemas.openxmlformats.org/spreadsheetml/2006/main`
	nsRel         = `http://schemas.openxmlformats.org/officeDocument/2006/relationships`
	sheetStart    = xmlHeader + `<worksheet xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>`
	sheetEnd      = `</sheetData></worksheet>`
	headerStyleID = "1" // bold, in styles.xml
)

func (xw *xlsxWriter) sheetName(n int) string {
	if n == 1 {
		return xw.base
	}
	return fmt.Sprintf("%s-%d", xw.base, n)
}

// startSheet ends the current worksheet, if any, and starts the next with
// the header row.
func (xw *xlsxWriter) startSheet() error {
	if xw.sheets > 0 {
		if _, err := io.WriteString(xw.sheet, sheetEnd); err != nil {
			return err
		}
	}
	xw.sheets++
	w, err := xw.create(fmt.Sprintf("xl/worksheets/sheet%d.xml", xw.sheets))
	if err != nil {
		return err
	}
	xw.sheet, xw.row = w, 0
	if _, err := io.WriteString(w, sheetStart); err != nil {
		return err
	}
	return xw.writeRow(xw.names, true)
}

func (xw *xlsxWriter) Write(row []string) error {
	if len(row) != len(xw.fields) {
		return fmt.Errorf("%w: %d values for %d fields", ErrRow, len(row), len(xw.fields))
	}
	if xw.row == maxSheetRows {
		if err := xw.startSheet(); err != nil {
			return err
		}
	}
	return xw.writeRow(row, false)
}

// writeRow writes one row: no cell for "", an amount as a number — so a
// spreadsheet can add it up — when a float64 holds it exactly as written,
// everything else as an inline string.
func (xw *xlsxWriter) writeRow(row []string, header bool) error {
	xw.row++
	r := strconv.Itoa(xw.row)
	b := append(xw.buf[:0], `<row r="`...)
	b = append(b, r...)
	b = append(b, `">`...)
	for i, v := range row {
		if v == "" {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, xw.cols[i]...)
		b = append(b, r...)
		if header {
			b = append(b, `" s="`+headerStyleID...)
		}
		if !header && xw.fields[i].Type == domain.TypeMoney && exactFloat(v) {
			b = append(b, `"><v>`...)
			b = append(b, v...)
			b = append(b, `</v></c>`...)
			continue
		}
		b = append(b, `" t="inlineStr"><is><t`...)
		if v[0] == ' ' || v[0] == '\t' || v[0] == '\n' || v[0] == '\r' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t' || v[len(v)-1] == '\n' || v[len(v)-1] == '\r' {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = appendXMLText(b, v)
		b = append(b, `</t></is></c>`...)
	}
	b = append(b, `</row>`...)
	xw.buf = b
	_, err := xw.sheet.Write(b)
	return err
}

// exactFloat reports whether v reads as a float64 that prints back as v.
func exactFloat(v string) bool {
	x, err := strconv.ParseFloat(v, 64)
	return err == nil && strconv.FormatFloat(x, 'f', -1, 64) == v
}

// appendXMLText appends s escaped as XML character data, cut to
// maxCellChars. Characters XML 1.0 cannot hold (control characters other
// than tab and line breaks, U+FFFE, U+FFFF) and invalid UTF-8 become
// U+FFFD.
func appendXMLText(b []byte, s string) []byte {
	units := 0
	for _, c := range s { // c is U+FFFD for invalid UTF-8
		if units += 1 + btoi(c > 0xFFFF); units > maxCellChars {
			break
		}
		switch {
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '\r': // a literal CR would be read back as a line feed
			b = append(b, "&#xD;"...)
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r', c == 0xFFFE, c == 0xFFFF:
			b = utf8.AppendRune(b, utf8.RuneError)
		case c < utf8.RuneSelf:
			b = append(b, byte(c))
		default:
			b = utf8.AppendRune(b, c)
		}
	}
	return b
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (xw *xlsxWriter) Abort() {}

// Close ends the last worksheet and writes the parts that list the
// worksheets, completing the archive.
func (xw *xlsxWriter) Close() error {
	if _, err := io.WriteString(xw.sheet, sheetEnd); err != nil {
		return err
	}
	var types, sheets, rels string
	for n := 1; n <= xw.sheets; n++ {
		types += fmt.Sprintf(`<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, n)
		sheets += fmt.Sprintf(`<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, xmlAttr(xw.sheetName(n)), n, n)
		rels += fmt.Sprintf(`<Relationship Id="rId%d" Type="%s/worksheet" Target="worksheets/sheet%d.xml"/>`, n, nsRel, n)
	}
	rels += fmt.Sprintf(`<Relationship Id="rId%d" Type="%s/styles" Target="styles.xml"/>`, xw.sheets+1, nsRel)
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>` +
			types + `</Types>`},
		{"_rels/.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", xmlHeader + `<workbook xmlns="` + nsMain + `" xmlns:r="` + nsRel + `"><sheets>` + sheets + `</sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` + rels + `</Relationships>`},
		{"xl/styles.xml", xmlHeader + `<styleSheet xmlns="` + nsMain + `">` +
			`<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>` +
			`<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
			`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
			`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
			`<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
			`<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>` +
			`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`},
	}
	for _, p := range parts {
		w, err := xw.create(p.name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return err
		}
	}
	return xw.zw.Close()
}

// zipTime is the modification time of every entry: a fixed, valid date,
// so equal content makes equal bytes.
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

func (xw *xlsxWriter) create(name string) (io.Writer, error) {
	return xw.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: zipTime})
}

// xmlAttr escapes s for an attribute value.
func xmlAttr(s string) string {
	return strings.ReplaceAll(string(appendXMLText(nil, s)), `"`, "&quot;")
}
