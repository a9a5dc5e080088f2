package domain

import (
	"strings"
	"testing"
	"time"
)

func ymd(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestClassify(t *testing.T) {
	r := DefaultPublicityRules()
	tests := []struct {
		categories []string
		fineYuan   int64
		want       PublicityClass
	}{
		{[]string{"警告"}, 0, ClassMinor},
		{[]string{"通报批评"}, 0, ClassMinor},
		{[]string{"警告", "通报批评"}, 0, ClassMinor},
		{[]string{"警告", "罚款"}, 20_000, ClassGeneral},
		{[]string{"罚款"}, 1_000_000, ClassGeneral}, // at the threshold: not above
		{[]string{"罚款"}, 1_000_001, ClassSevere},
		{[]string{"罚款", "吊销许可证件"}, 50_000, ClassSevere},
		{[]string{"警告", "责令停产停业"}, 0, ClassSevere},
		{[]string{"限制从业"}, 0, ClassSevere},
		{[]string{"责令关闭"}, 0, ClassSevere},
		{[]string{"降低资质等级"}, 0, ClassSevere},
		{[]string{"没收违法所得"}, 0, ClassGeneral},
		{nil, 0, ClassGeneral},
	}
	for _, tt := range tests {
		p := Penalty{Categories: tt.categories, Fine: Money(tt.fineYuan * 100), Class: ClassMinor}
		if got := r.Classify(p); got != tt.want {
			t.Errorf("Classify(%v, %d yuan) = %s, want %s", tt.categories, tt.fineYuan, got, tt.want)
		}
	}
	r.SevereFineYuan = 0 // disabled
	if got := r.Classify(Penalty{Categories: []string{"罚款"}, Fine: Money(1e12)}); got != ClassGeneral {
		t.Errorf("with the threshold disabled, Classify = %s", got)
	}
}

func TestUntil(t *testing.T) {
	r := DefaultPublicityRules()
	tests := []struct {
		class PublicityClass
		date  time.Time
		want  time.Time
	}{
		{ClassMinor, ymd(2024, 5, 20), ymd(2024, 8, 20)},
		{ClassGeneral, ymd(2024, 5, 20), ymd(2025, 5, 20)},
		{ClassSevere, ymd(2024, 5, 20), ymd(2027, 5, 20)},
		{ClassMinor, ymd(2024, 11, 30), ymd(2025, 3, 2)}, // AddDate rolls 2025-02-30 over
		{ClassGeneral, ymd(2024, 2, 29), ymd(2025, 3, 1)},
		{"unknown", ymd(2024, 5, 20), ymd(2027, 5, 20)}, // the longest maximum
	}
	for _, tt := range tests {
		if got := r.Until(tt.class, tt.date); !got.Equal(tt.want) {
			t.Errorf("Until(%s, %s) = %s, want %s", tt.class, tt.date.Format(DateLayout), got.Format(DateLayout), tt.want.Format(DateLayout))
		}
	}
	if got := r.RepairableFrom(ClassSevere, ymd(2024, 5, 20)); !got.Equal(ymd(2025, 5, 20)) {
		t.Errorf("RepairableFrom(严重) = %s", got.Format(DateLayout))
	}
	if got := r.RepairableFrom(ClassMinor, ymd(2024, 5, 20)); !got.Equal(ymd(2024, 5, 20)) {
		t.Errorf("RepairableFrom(轻微) = %s", got.Format(DateLayout))
	}
}

func TestDefaultPublicityRulesValid(t *testing.T) {
	if err := DefaultPublicityRules().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadPublicityRules(t *testing.T) {
	r, err := LoadPublicityRules(strings.NewReader(`{
		"periods": {"一般": {"min_months": 3, "max_months": 12}},
		"severe_categories": ["吊销许可证件"],
		"severe_fine_yuan": 500000
	}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Periods[ClassGeneral]; got != (Period{MinMonths: 3, MaxMonths: 12}) {
		t.Errorf("一般 = %+v", got)
	}
	if got := r.Periods[ClassSevere]; got != (Period{MinMonths: 12, MaxMonths: 36}) {
		t.Errorf("严重 kept its default? got %+v", got)
	}
	if len(r.MinorCategories) != 2 || r.SevereFineYuan != 500000 || len(r.SevereCategories) != 1 {
		t.Errorf("rules = %+v", r)
	}
	if got := r.Classify(Penalty{Categories: []string{"限制从业"}}); got != ClassGeneral {
		t.Errorf("限制从业 after override = %s, want 一般", got)
	}

	bad := map[string]string{
		"syntax":            `{`,
		"unknown key":       `{"severe": []}`,
		"unknown class":     `{"periods": {"特别严重": {"min_months": 1, "max_months": 2}}}`,
		"min above max":     `{"periods": {"轻微": {"min_months": 4, "max_months": 3}}}`,
		"zero max":          `{"periods": {"轻微": {"min_months": 0, "max_months": 0}}}`,
		"negative min":      `{"periods": {"轻微": {"min_months": -1, "max_months": 3}}}`,
		"unknown category":  `{"severe_categories": ["拘留"]}`,
		"severe and minor":  `{"minor_categories": ["警告", "责令关闭"]}`,
		"negative fine":     `{"severe_fine_yuan": -1}`,
		"overflowing fine":  `{"severe_fine_yuan": 9000000000000000000}`,
		"absurd max months": `{"periods": {"严重": {"min_months": 12, "max_months": 100000}}}`,
	}
	for name, js := range bad {
		if _, err := LoadPublicityRules(strings.NewReader(js)); err == nil {
			t.Errorf("%s: LoadPublicityRules(%s) succeeded", name, js)
		}
	}
}
