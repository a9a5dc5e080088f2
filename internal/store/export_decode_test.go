package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// CheckRowDecoder decodes every row of the export and feed queries both
// ways — rowDecoder from the raw values and pgx's Scan — and requires the
// same result. TestRowDecoderMatchesScan (package store_test) calls it on
// varied data.
func CheckRowDecoder(t *testing.T, s *Store) {
	ctx := context.Background()
	compare := func(name, sql string, args []any, kinds []colKind, fast func(d *rowDecoder, raw [][]byte) (any, error), dest func() ([]any, any)) {
		t.Helper()
		rows, err := s.pool.Query(ctx, sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		d := newRowDecoder(kinds...)
		if !d.check(rows.FieldDescriptions()) {
			t.Fatalf("%s: the columns do not arrive as the decoder expects: %+v", name, rows.FieldDescriptions())
		}
		n := 0
		for rows.Next() {
			n++
			raw := rows.RawValues()
			if err := d.decode(raw); err != nil {
				t.Fatal(err)
			}
			got, err := fast(d, raw)
			if err != nil {
				t.Fatal(err)
			}
			ptrs, want := dest()
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			if w := reflect.ValueOf(want).Elem().Interface(); !reflect.DeepEqual(got, w) {
				t.Errorf("%s row %d:\n decoded %+v\n scanned %+v", name, n, got, w)
			}
		}
		if err := rows.Err(); err != nil || n == 0 {
			t.Fatalf("%s: %d rows, %v", name, n, err)
		}
	}
	compare("penalties", penaltyExportSelect+`ORDER BY p.id`, nil, penaltyKinds,
		func(d *rowDecoder, raw [][]byte) (any, error) {
			var p domain.Penalty
			err := d.penalty(raw, 0, &p)
			return p, err
		}, func() ([]any, any) {
			var p domain.Penalty
			return penaltyExportDest(&p), &p
		})
	compare("permits", permitExportSelect+`ORDER BY p.id`, nil, permitKinds,
		func(d *rowDecoder, raw [][]byte) (any, error) {
			var p domain.Permit
			err := d.permit(raw, 0, &p)
			return p, err
		}, func() ([]any, any) {
			var p domain.Permit
			return permitExportDest(&p), &p
		})
	type feedRecord struct {
		Seq, ID                     int64
		At                          time.Time
		Op, Reason, Status, Current string
		Note                        string
		P                           domain.Penalty
	}
	compare("penalty feed", penaltyFeedSelect, []any{string(EntityPenalty), 0, 1000}, append(append([]colKind{}, feedKinds...), penaltyKinds...),
		func(d *rowDecoder, raw [][]byte) (any, error) {
			var r feedRow
			var f feedRecord
			if err := r.decode(d, raw); err != nil {
				return nil, err
			}
			err := d.penalty(raw, len(feedKinds), &f.P)
			f.Seq, f.ID, f.At, f.Op, f.Reason, f.Status, f.Current, f.Note = r.entry.Seq, r.entry.ID, r.entry.At, r.op, r.reason, string(r.status), r.currentReason, r.note
			return f, err
		}, func() ([]any, any) {
			var f feedRecord
			ptrs := append([]any{&f.Seq, &f.ID, &f.At, &f.Op, &f.Reason, &f.Status, &f.Current, &f.Note}, penaltyExportDest(&f.P)...)
			return ptrs, &f
		})
}
