package bulkload

import (
	"encoding/binary"
	"fmt"
	"reflect"

	"github.com/jackc/pgx/v5/pgtype"
)

// copyHeader starts a COPY … (FORMAT binary) stream: the signature, no
// flags, no header extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// copyTrailer ends it.
var copyTrailer = []byte{0xff, 0xff}

// copyEncoder writes rows in PostgreSQL's binary COPY format, as
// pgx.Conn.CopyFrom does, so that bulkLoad's workers can encode chunks in
// parallel while the connection sends earlier ones. Each worker has its own
// (a pgtype.Map is not safe for concurrent use); per column it keeps the
// encode plan of the last value type it saw instead of looking the plan up
// for every value.
type copyEncoder struct {
	m     *pgtype.Map
	oids  []uint32
	plans []typedPlan
}

type typedPlan struct {
	typ  reflect.Type
	plan pgtype.EncodePlan
}

func newCopyEncoder(oids []uint32) *copyEncoder {
	return &copyEncoder{m: pgtype.NewMap(), oids: oids, plans: make([]typedPlan, len(oids))}
}

// fields appends values, one per column of the encoder, to buf: a row's
// fields after its field count.
func (e *copyEncoder) fields(buf []byte, vals []any) ([]byte, error) {
	if len(vals) != len(e.oids) {
		return nil, fmt.Errorf("copy row: %d values for %d columns", len(vals), len(e.oids))
	}
	for i, v := range vals {
		start := len(buf)
		buf = binary.BigEndian.AppendUint32(buf, 0xffffffff) // NULL unless a value follows
		if v == nil {
			continue
		}
		p := &e.plans[i]
		if t := reflect.TypeOf(v); p.typ != t {
			p.typ, p.plan = t, e.m.PlanEncode(e.oids[i], pgtype.BinaryFormatCode, v)
		}
		if p.plan == nil {
			return nil, fmt.Errorf("copy row: column %d: cannot encode %T", i+1, v)
		}
		out, err := p.plan.Encode(v, buf)
		if err != nil {
			return nil, fmt.Errorf("copy row: column %d: %w", i+1, err)
		}
		if out != nil {
			buf = out
			binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
		}
	}
	return buf, nil
}
