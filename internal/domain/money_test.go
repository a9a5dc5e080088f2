package domain

import (
	"errors"
	"testing"
)

func TestParseWan(t *testing.T) {
	tests := []struct {
		in   string
		want Money
	}{
		{"0.2", 2000_00},
		{"2", 20000_00},
		{"0.000001", 1},
		{"1.50", 15000_00},
		{".5", 5000_00},
		{"0", 0},
	}
	for _, tt := range tests {
		got, err := ParseWan(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseWan(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
		if back, _ := ParseWan(got.Wan()); back != got {
			t.Errorf("ParseWan(%q).Wan() does not round-trip", tt.in)
		}
	}
	for _, s := range []string{"", "-1", "0.0000001", "1e3", "1,000", "abc", "1.2.3"} {
		if _, err := ParseWan(s); !errors.Is(err, ErrAmount) {
			t.Errorf("ParseWan(%q) error = %v, want ErrAmount", s, err)
		}
	}
}

func FuzzParseWan(f *testing.F) {
	for _, s := range []string{"0.2", "2", "0.000001", "-1", "1e3", "999999999999.999999", "+.5", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseWan(s)
		if err != nil {
			if !errors.Is(err, ErrAmount) {
				t.Fatalf("ParseWan(%q) = %v, not ErrAmount", s, err)
			}
			return
		}
		if m < 0 {
			t.Fatalf("ParseWan(%q) = %d, negative", s, m)
		}
		back, err := ParseWan(m.Wan())
		if err != nil || back != m {
			t.Fatalf("ParseWan(%q) = %d; Wan() = %q parses to %d, %v", s, m, m.Wan(), back, err)
		}
		if y, err := ParseYuan(m.Yuan()); err != nil || y != m {
			t.Fatalf("Yuan() of %d does not round-trip: %v", m, err)
		}
	})
}
