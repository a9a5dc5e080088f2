package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gongshi/gongshi/internal/domain"
)

// rowDecoder decodes the rows of an export or feed query from their wire
// values. It is the hot loop of every download: pgx's Scan costs an
// allocation per text column and a dynamic dispatch per value, more than
// the rest of the row's work; rowDecoder makes one string per row and
// slices every text value from it. It handles the wire formats pgx
// requests (binary for int8, date, timestamptz and text[], text for text
// and enums); if a query's columns arrive otherwise, check reports false
// and the caller scans with pgx instead.
type rowDecoder struct {
	kinds []colKind
	buf   []byte
	row   string
	spans [][2]int32 // per column: the value's bounds in row, or for an array the bounds of its elements in elems
	elems [][2]int32
}

type colKind uint8

const (
	colText colKind = iota
	colInt8
	colDate
	colTimestamptz
	colTextArray
)

func newRowDecoder(kinds ...colKind) *rowDecoder {
	return &rowDecoder{kinds: kinds, spans: make([][2]int32, len(kinds))}
}

// wire describes the OID and format each kind must arrive in.
var wire = map[colKind]struct {
	oid    uint32
	format int16
}{
	colInt8:        {pgtype.Int8OID, pgtype.BinaryFormatCode},
	colDate:        {pgtype.DateOID, pgtype.BinaryFormatCode},
	colTimestamptz: {pgtype.TimestamptzOID, pgtype.BinaryFormatCode},
	colTextArray:   {pgtype.TextArrayOID, pgtype.BinaryFormatCode},
}

// check reports whether the result's columns arrive as the decoder
// expects.
func (d *rowDecoder) check(fds []pgconn.FieldDescription) bool {
	if len(fds) != len(d.kinds) {
		return false
	}
	for i, k := range d.kinds {
		fd := fds[i]
		if k == colText {
			// Text values, and binary text, are the UTF-8 bytes.
			if fd.Format != pgtype.TextFormatCode && fd.DataTypeOID != pgtype.TextOID {
				return false
			}
			continue
		}
		if w := wire[k]; fd.DataTypeOID != w.oid || fd.Format != w.format {
			return false
		}
	}
	return true
}

var errWire = errors.New("unexpected wire value")

// decode reads a row's raw values: text and array elements are copied
// into one string.
func (d *rowDecoder) decode(raw [][]byte) error {
	if len(raw) != len(d.kinds) {
		return fmt.Errorf("%w: %d columns", errWire, len(raw))
	}
	b := d.buf[:0]
	d.elems = d.elems[:0]
	for i, k := range d.kinds {
		v := raw[i]
		switch k {
		case colText:
			d.spans[i] = [2]int32{int32(len(b)), int32(len(b) + len(v))}
			b = append(b, v...)
		case colTextArray:
			first := len(d.elems)
			if err := d.arrayElems(v, &b); err != nil {
				return fmt.Errorf("column %d: %w", i, err)
			}
			d.spans[i] = [2]int32{int32(first), int32(len(d.elems))}
		}
	}
	d.buf = b
	d.row = string(b)
	return nil
}

// arrayElems appends the elements of a binary one-dimensional text array.
func (d *rowDecoder) arrayElems(v []byte, b *[]byte) error {
	if v == nil {
		return nil
	}
	if len(v) < 12 {
		return errWire
	}
	ndim := int32(binary.BigEndian.Uint32(v))
	if ndim == 0 {
		return nil
	}
	if ndim != 1 || len(v) < 20 {
		return fmt.Errorf("%w: %d-dimensional array", errWire, ndim)
	}
	n := int32(binary.BigEndian.Uint32(v[12:]))
	v = v[20:]
	for range n {
		if len(v) < 4 {
			return errWire
		}
		l := int32(binary.BigEndian.Uint32(v))
		v = v[4:]
		if l < 0 || int(l) > len(v) {
			return fmt.Errorf("%w: NULL or short array element", errWire)
		}
		d.elems = append(d.elems, [2]int32{int32(len(*b)), int32(len(*b)) + l})
		*b = append(*b, v[:l]...)
		v = v[l:]
	}
	return nil
}

func (d *rowDecoder) text(i int) string {
	s := d.spans[i]
	return d.row[s[0]:s[1]]
}

func (d *rowDecoder) texts(i int) []string {
	s := d.spans[i]
	out := make([]string, s[1]-s[0])
	for j := range out {
		e := d.elems[int(s[0])+j]
		out[j] = d.row[e[0]:e[1]]
	}
	return out
}

func int8Value(v []byte) (int64, error) {
	if len(v) != 8 {
		return 0, fmt.Errorf("%w: int8 of %d bytes", errWire, len(v))
	}
	return int64(binary.BigEndian.Uint64(v)), nil
}

// pgEpoch is day and microsecond 0 of PostgreSQL's binary dates and times.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// dateValue decodes a binary date as pgx does: 00:00 UTC of the day.
func dateValue(v []byte) (time.Time, error) {
	if len(v) != 4 {
		return time.Time{}, fmt.Errorf("%w: date of %d bytes", errWire, len(v))
	}
	days := int32(binary.BigEndian.Uint32(v))
	if days == 0x7fffffff || days == -0x80000000 {
		return time.Time{}, fmt.Errorf("%w: infinite date", errWire)
	}
	return pgEpoch.AddDate(0, 0, int(days)), nil
}

// timestamptzValue decodes a binary timestamptz in the local time zone,
// as pgx does.
func timestamptzValue(v []byte) (time.Time, error) {
	us, err := int8Value(v)
	if err != nil {
		return time.Time{}, err
	}
	if us == 0x7fffffffffffffff || us == -0x8000000000000000 {
		return time.Time{}, fmt.Errorf("%w: infinite timestamp", errWire)
	}
	return pgEpoch.Add(time.Duration(us) * time.Microsecond).Local(), nil
}

// The export queries' columns (penaltyExportColumns, permitExportColumns,
// feedColumns), in order.
var (
	penaltyKinds = append(texts(17), colTextArray, colText, colInt8, colInt8, colText, colDate, colDate, colDate,
		colText, colText, colText, colText, colText, colText, colText)
	permitKinds = append(texts(19), colDate, colDate, colDate, colText, colText, colText, colText, colText, colText)
	feedKinds   = []colKind{colInt8, colInt8, colTimestamptz, colText, colText, colText, colText, colText}
)

func texts(n int) []colKind { return make([]colKind, n) } // colText is 0

// party reads the party block from column i on.
func (d *rowDecoder) party(i int, p *domain.Party) {
	p.Name, p.Kind, p.CreditCode = d.text(i), domain.PartyKind(d.text(i+1)), d.text(i+2)
	p.BusinessRegNo, p.OrgCode, p.TaxRegNo = d.text(i+3), d.text(i+4), d.text(i+5)
	p.InstitutionNo, p.SocialOrgNo, p.LegalRep = d.text(i+6), d.text(i+7), d.text(i+8)
	p.LegalRepIDType, p.LegalRepIDNo, p.IDType, p.IDNo = d.text(i+9), d.text(i+10), d.text(i+11), d.text(i+12)
}

// penalty decodes penaltyExportColumns, which start at column base, from
// raw (after d.decode).
func (d *rowDecoder) penalty(raw [][]byte, base int, p *domain.Penalty) error {
	t := func(i int) string { return d.text(base + i) }
	p.DecisionNo = t(0)
	d.party(base+1, &p.Party)
	p.ViolationType, p.Facts, p.Basis = t(14), t(15), t(16)
	p.Categories = d.texts(base + 17)
	p.Content = t(18)
	fine, err1 := int8Value(raw[base+19])
	confiscated, err2 := int8Value(raw[base+20])
	p.Fine, p.Confiscated = domain.Money(fine), domain.Money(confiscated)
	p.LicenceAffected = t(21)
	var err3, err4 error
	p.DecisionDate, err3 = dateValue(raw[base+22])
	p.ValidUntil = nil
	if raw[base+23] != nil {
		v, err := dateValue(raw[base+23])
		p.ValidUntil, err4 = &v, err
	}
	until, err5 := dateValue(raw[base+24])
	p.PublicityUntil = until
	p.Agency, p.AgencyCode, p.Source, p.SourceCode, p.Remarks = t(25), t(26), t(27), t(28), t(29)
	p.Stage, p.Class = domain.Stage(t(30)), domain.PublicityClass(t(31))
	return errors.Join(err1, err2, err3, err4, err5)
}

// permit decodes permitExportColumns, which start at column base, from raw
// (after d.decode).
func (d *rowDecoder) permit(raw [][]byte, base int, p *domain.Permit) error {
	t := func(i int) string { return d.text(base + i) }
	p.DecisionNo = t(0)
	d.party(base+1, &p.Party)
	p.DocName, p.Category, p.CertName, p.PermitNo, p.Content = t(14), t(15), t(16), t(17), t(18)
	var err1, err2, err3 error
	p.DecisionDate, err1 = dateValue(raw[base+19])
	p.ValidFrom, err2 = dateValue(raw[base+20])
	p.ValidTo, err3 = dateValue(raw[base+21])
	p.Agency, p.AgencyCode, p.State = t(22), t(23), domain.PermitState(t(24))
	p.Source, p.SourceCode, p.Remarks = t(25), t(26), t(27)
	return errors.Join(err1, err2, err3)
}

// scanRows runs fn for each row of rows, decoding with d when the columns
// arrive as expected and with pgx's Scan into dest otherwise; fast
// decodes the raw values into the same destinations as dest.
func scanRows(rows pgx.Rows, d *rowDecoder, dest []any, fast func(raw [][]byte) error, fn func() error) error {
	useFast := d.check(rows.FieldDescriptions())
	for rows.Next() {
		var err error
		if useFast {
			raw := rows.RawValues()
			if err = d.decode(raw); err == nil {
				err = fast(raw)
			}
		} else {
			err = rows.Scan(dest...)
		}
		if err != nil {
			return fmt.Errorf("row: %w", err)
		}
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}
