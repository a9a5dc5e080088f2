package store

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"reflect"
	"sync"
	"time"
)

// recordHashVersion starts every hashed encoding, so that a future change
// of the encoding can never produce a hash equal to an old one.
const recordHashVersion = 2

// recordHash fingerprints a normalized record: equal hashes mean an upsert
// has nothing to change. It hashes a canonical binary encoding of the
// record's fields (see hashEncoder) with the demo flag: every field takes
// part, whatever fields the domain types gain, and hashing a record costs a
// small fraction of what JSON would, which counts in a million-row load.
// v is a record or a pointer to one; both hash alike.
func recordHash(v any, demo bool) []byte {
	e := hashBuffers.Get().(*hashEncoder)
	e.buf = append(e.buf[:0], recordHashVersion)
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	e.value(rv)
	e.bool(demo)
	sum := sha256.Sum256(e.buf)
	hashBuffers.Put(e)
	return sum[:]
}

var hashBuffers = sync.Pool{New: func() any { return &hashEncoder{buf: make([]byte, 0, 2048)} }}

var timeType = reflect.TypeFor[time.Time]()

// hashEncoder writes values unambiguously: strings and slices carry their
// length, pointers whether they are nil, times their instant and zone
// offset. Structs are their fields in order.
type hashEncoder struct{ buf []byte }

func (e *hashEncoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, 1)
	} else {
		e.buf = append(e.buf, 0)
	}
}

func (e *hashEncoder) value(v reflect.Value) {
	if v.Type() == timeType {
		var t time.Time
		if v.CanAddr() { // no copy to the heap
			t = *v.Addr().Interface().(*time.Time)
		} else {
			t = v.Interface().(time.Time)
		}
		_, offset := t.Zone()
		e.buf = binary.AppendVarint(e.buf, t.Unix())
		e.buf = binary.AppendVarint(e.buf, int64(t.Nanosecond()))
		e.buf = binary.AppendVarint(e.buf, int64(offset))
		return
	}
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
		e.buf = append(e.buf, s...)
	case reflect.Bool:
		e.bool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.buf = binary.AppendVarint(e.buf, v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		e.buf = binary.AppendUvarint(e.buf, v.Uint())
	case reflect.Pointer:
		e.bool(!v.IsNil())
		if !v.IsNil() {
			e.value(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		e.buf = binary.AppendUvarint(e.buf, uint64(v.Len()))
		for i := range v.Len() {
			e.value(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			e.value(v.Field(i))
		}
	default:
		// Domain records hold none of the other kinds; a new one must be
		// given an unambiguous encoding here before it can be hashed.
		panic(fmt.Sprintf("recordHash: cannot encode %s", v.Type()))
	}
}
