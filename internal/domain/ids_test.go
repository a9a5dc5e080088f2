package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// makeUSCC builds a valid credit code from its first 8 characters and the
// first 8 characters of its organization code.
func makeUSCC(t testing.TB, head8, org8 string) string {
	t.Helper()
	oc, err := OrgCodeCheckChar(org8)
	if err != nil {
		t.Fatal(err)
	}
	first17 := head8 + org8 + string(oc)
	cc, err := USCCCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(cc)
}

// makeIDCard builds an ID number with a correct check character.
func makeIDCard(t testing.TB, first17 string) string {
	t.Helper()
	c, err := IDCardCheckChar(first17)
	if err != nil {
		t.Fatal(err)
	}
	return first17 + string(c)
}

func TestValidateUSCC(t *testing.T) {
	// Positions 9–17 hold an organization code whose check character is
	// wrong (M000100Y5, should be 4), but the USCC's own check is right.
	badOrg := "91350100M000100Y5"
	c, _ := USCCCheckChar(badOrg)
	badOrg += string(c)

	tests := []struct {
		in   string
		want error // nil, ErrFormat or ErrChecksum
		msg  string
	}{
		{"91350100M000100Y43", nil, ""},
		{"91330282L07196379D", nil, ""},
		{"91330203674737244W", nil, ""},
		{"9133021272513935X8", nil, ""},
		{"91230500MA1B3N1N2M", nil, ""},
		{"11230500001755309F", nil, ""},
		{"91310115MA1H8R7C6D", ErrChecksum, "check character should be 7, got D"},
		{USCCPlaceholder, ErrChecksum, "should be 0"},
		{badOrg, ErrChecksum, "positions 9–17"},
		{"91350100M000100Y4", ErrFormat, "18 characters"},
		{"91350100M000100Y433", ErrFormat, "18 characters"},
		{"", ErrFormat, "18 characters"},
		{"91330282l07196379d", ErrFormat, "not allowed"}, // lower case: normalise first
		{"91350100I000100Y43", ErrFormat, `'I'`},
		{"91350100O000100Y43", ErrFormat, `'O'`},
		{"91350100S000100Y43", ErrFormat, `'S'`},
		{"91350100V000100Y43", ErrFormat, `'V'`},
		{"91350100Z000100Y43", ErrFormat, `'Z'`},
		{"91A50100M000100Y43", ErrFormat, "positions 3–8"},
		{"９1350100M000100Y4", ErrFormat, ""}, // full-width: normalise first
	}
	for _, tt := range tests {
		err := ValidateUSCC(tt.in)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("ValidateUSCC(%q) = %v, want %v", tt.in, err, tt.want)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ValidateUSCC(%q) = %q, want message containing %q", tt.in, err, tt.msg)
		}
	}
}

func TestUSCCCheckChar(t *testing.T) {
	for _, s := range []string{"91350100M000100Y43", "91330282L07196379D", "11230500001755309F"} {
		c, err := USCCCheckChar(s[:17])
		if err != nil || c != s[17] {
			t.Errorf("USCCCheckChar(%q) = %c, %v; want %c", s[:17], c, err, s[17])
		}
	}
	for _, s := range []string{"", "9135010", "91350100M000100YI", "91350100m000100Y4"} {
		if _, err := USCCCheckChar(s); !errors.Is(err, ErrFormat) {
			t.Errorf("USCCCheckChar(%q) error = %v, want ErrFormat", s, err)
		}
	}
	if got := makeUSCC(t, "91320500", "MA1XYW12"); ValidateUSCC(got) != nil {
		t.Errorf("generated %s does not validate: %v", got, ValidateUSCC(got))
	}
	if !IsUSCCPlaceholder(USCCPlaceholder) || IsUSCCPlaceholder("91350100M000100Y43") {
		t.Error("IsUSCCPlaceholder is wrong")
	}
}

func TestValidateOrgCode(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		// Positions 9–17 of the USCC vectors.
		{"M000100Y4", nil},
		{"L07196379", nil},
		{"674737244", nil},
		{"72513935X", nil},
		{"MA1B3N1N2", nil},
		{"001755309", nil},
		{"000000000", nil}, // sum 0 → 11 → '0'
		{"M000100Y5", ErrChecksum},
		{"725139350", ErrChecksum},
		{"m000100y4", ErrFormat},
		{"M000100Y", ErrFormat},
		{"M000100Y-4", ErrFormat},
		{"M000100YA", ErrFormat},
		{"", ErrFormat},
	}
	for _, tt := range tests {
		err := ValidateOrgCode(tt.in)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("ValidateOrgCode(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
	c, err := OrgCodeCheckChar("72513935")
	if err != nil || c != 'X' {
		t.Errorf("OrgCodeCheckChar(72513935) = %c, %v; want X", c, err)
	}
}

func TestValidateIDCard(t *testing.T) {
	today := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want error
		msg  string
	}{
		{"11010519491231002X", nil, ""},
		{"440524188001010014", nil, ""},               // GB 11643's example, born 1880
		{makeIDCard(t, "32050220240601123"), nil, ""}, // born today
		{"110105194912310021", ErrChecksum, "check character should be X, got 1"},
		{"440524188001010015", ErrChecksum, "should be 4"},
		{makeIDCard(t, "11010520230230123"), ErrFormat, "20230230 is not a real date"},
		{makeIDCard(t, "11010520231301123"), ErrFormat, "not a real date"},
		{makeIDCard(t, "32050220240602123"), ErrRange, "in the future"},
		{makeIDCard(t, "11010517991231123"), ErrRange, "before 1800"},
		{"11010519491231002x", ErrFormat, "digit or X"}, // lower case: normalise first
		{"110105194912310", ErrFormat, "18 characters"}, // old 15-digit form
		{"11010519491231002XX", ErrFormat, "18 characters"},
		{"", ErrFormat, "18 characters"},
		{"1101051949123100AX", ErrFormat, "must be a digit"},
		{"11010519491231002A", ErrFormat, "digit or X"},
	}
	for _, tt := range tests {
		err := validateIDCard(tt.in, today)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("validateIDCard(%q) = %v, want %v", tt.in, err, tt.want)
			continue
		}
		if err != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("validateIDCard(%q) = %q, want message containing %q", tt.in, err, tt.msg)
		}
	}
	// The exported form uses the real clock.
	if err := ValidateIDCard("11010519491231002X"); err != nil {
		t.Errorf("ValidateIDCard = %v", err)
	}
	if err := ValidateIDCard(makeIDCard(t, "11010521990101123")); !errors.Is(err, ErrRange) {
		t.Errorf("ValidateIDCard(born 2199) = %v, want ErrRange", err)
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ValidateUSCC("91310115MA1H8R7C6D"), CodeChecksum},
		{ValidateUSCC("short"), CodeFormat},
		{validateIDCard(makeIDCard(t, "11010521990101123"), time.Now()), CodeRange},
		{ErrAmount, CodeFormat},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestChinaDate(t *testing.T) {
	// 2024-06-01 17:00 UTC is already 2024-06-02 in China.
	got := ChinaDate(time.Date(2024, 6, 1, 17, 0, 0, 0, time.UTC))
	if want := time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("ChinaDate = %v, want %v", got, want)
	}
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{"91350100M000100Y43", "91310115MA1H8R7C6D", USCCPlaceholder, "", "91350100I000100Y43", "９1350100M000100Y4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateUSCC(s)
		if err == nil {
			c, cerr := USCCCheckChar(s[:17])
			if len(s) != 18 || cerr != nil || c != s[17] || ValidateOrgCode(s[8:17]) != nil {
				t.Fatalf("ValidateUSCC(%q) accepted an invalid code", s)
			}
			return
		}
		if code := ErrorCode(err); code != CodeFormat && code != CodeChecksum {
			t.Fatalf("ValidateUSCC(%q) = %v, code %q", s, err, code)
		}
	})
}

func FuzzValidateIDCard(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "440524188001010014", "110105194912310021", "", "11010520230230123X"} {
		f.Add(s)
	}
	today := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		err := validateIDCard(s, today)
		if err == nil {
			c, cerr := IDCardCheckChar(s[:17])
			birth, ok := compactDate(s[6:14])
			if len(s) != 18 || cerr != nil || c != s[17] || !ok || birth.After(today) {
				t.Fatalf("validateIDCard(%q) accepted an invalid number", s)
			}
			return
		}
		if ErrorCode(err) == "" {
			t.Fatalf("validateIDCard(%q) returned an error without a code", s)
		}
	})
}
