package store

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// mutations returns, for every leaf field of *rec (walking embedded and
// nested structs, pointers and slices), a function that changes that field
// alone, with the field's path.
func mutations(v reflect.Value, path string) map[string]func() {
	out := map[string]func(){}
	if v.Type() == timeType {
		out[path] = func() { v.Set(reflect.ValueOf(v.Interface().(time.Time).AddDate(0, 0, 1))) }
		return out
	}
	switch v.Kind() {
	case reflect.String:
		out[path] = func() { v.SetString(v.String() + "x") }
	case reflect.Bool:
		out[path] = func() { v.SetBool(!v.Bool()) }
	case reflect.Int, reflect.Int64, reflect.Int32:
		out[path] = func() { v.SetInt(v.Int() + 1) }
	case reflect.Pointer:
		out[path+"(nil)"] = func() { v.Set(reflect.Zero(v.Type())) }
		for p, f := range mutations(v.Elem(), path+"*") {
			out[p] = f
		}
	case reflect.Slice:
		out[path+"(len)"] = func() { v.Set(reflect.Append(v, v.Index(0))) }
		for p, f := range mutations(v.Index(0), path+"[0]") {
			out[p] = f
		}
	case reflect.Struct:
		for i := range v.NumField() {
			for p, f := range mutations(v.Field(i), path+"."+v.Type().Field(i).Name) {
				out[p] = f
			}
		}
	default:
		panic("mutations: " + v.Type().String())
	}
	return out
}

func fullPenalty() domain.Penalty {
	d := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	until := d.AddDate(1, 0, 0)
	return domain.Penalty{
		DecisionNo: "苏应急罚〔2024〕1号",
		Party: domain.Party{Name: "苏州某某有限公司", Kind: domain.PartyOrganization, CreditCode: "91320506MA1XXXXXXX",
			BusinessRegNo: "b", OrgCode: "o", TaxRegNo: "t", InstitutionNo: "i", SocialOrgNo: "s", LegalRep: "张三",
			LegalRepIDType: "身份证", LegalRepIDNo: "320", IDType: "x", IDNo: "y"},
		ViolationType: "v", Facts: "f", Basis: "b", Categories: []string{"罚款", "警告"}, Content: "c",
		Fine: 100, Confiscated: 200, LicenceAffected: "l", DecisionDate: d, ValidUntil: &until, PublicityUntil: until,
		Agency: "a", AgencyCode: "ac", Source: "s", SourceCode: "sc", Remarks: "r",
		Stage: domain.StagePreAccident, Class: domain.ClassGeneral,
	}
}

// Every field of a record, at any depth, takes part in its hash.
func TestRecordHashCoversEveryField(t *testing.T) {
	for _, rec := range []any{fullPenalty(), domain.Permit{
		DocName: "d", DecisionNo: "n", Party: fullPenalty().Party, Category: "普通", CertName: "c", PermitNo: "p",
		Content: "x", DecisionDate: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), ValidFrom: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		ValidTo: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), Agency: "a", AgencyCode: "ac", State: domain.PermitValid,
		Source: "s", SourceCode: "sc", Remarks: "r",
	}} {
		base := recordHash(rec, false)
		if !bytes.Equal(base, recordHash(rec, false)) {
			t.Fatal("the same record hashes differently")
		}
		if bytes.Equal(base, recordHash(rec, true)) {
			t.Error("the demo flag does not change the hash")
		}
		ptr := reflect.New(reflect.TypeOf(rec))
		ptr.Elem().Set(reflect.ValueOf(rec))
		if !bytes.Equal(base, recordHash(ptr.Interface(), false)) {
			t.Errorf("%T: a pointer to the record hashes differently from the record", rec)
		}
		n := 0
		for path := range mutations(reflect.ValueOf(rec), "") {
			n++
			changed := reflect.New(reflect.TypeOf(rec)).Elem()
			changed.Set(reflect.ValueOf(deepCopy(rec)))
			mutations(changed, "")[path]()
			if bytes.Equal(base, recordHash(changed.Interface(), false)) {
				t.Errorf("%T: changing %s leaves the hash unchanged", rec, path)
			}
		}
		if n < 25 {
			t.Fatalf("%T: only %d fields mutated", rec, n)
		}
	}
}

// deepCopy copies a record so that mutating slices and pointers of the
// copy leaves the original alone.
func deepCopy(rec any) any {
	switch r := rec.(type) {
	case domain.Penalty:
		r.Categories = append([]string(nil), r.Categories...)
		if r.ValidUntil != nil {
			u := *r.ValidUntil
			r.ValidUntil = &u
		}
		return r
	default:
		return rec
	}
}

// Field boundaries are part of the encoding: moving text from one field to
// the next, or between list elements, changes the hash.
func TestRecordHashIsUnambiguous(t *testing.T) {
	a, b := fullPenalty(), fullPenalty()
	a.Facts, a.Basis = "ab", "c"
	b.Facts, b.Basis = "a", "bc"
	if bytes.Equal(recordHash(a, false), recordHash(b, false)) {
		t.Error("moving a character between fields keeps the hash")
	}
	a.Categories, b.Categories = []string{"罚款警告"}, []string{"罚款", "警告"}
	if bytes.Equal(recordHash(a, false), recordHash(b, false)) {
		t.Error("splitting a list element keeps the hash")
	}
}

func BenchmarkRecordHash(b *testing.B) {
	p := fullPenalty()
	b.ReportAllocs()
	for b.Loop() {
		recordHash(&p, false)
	}
}
