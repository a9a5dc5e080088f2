package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Sentinel errors of the validators. Every error returned by ValidateUSCC,
// ValidateOrgCode, ValidateIDCard, the check-character functions and
// ParseDate wraps exactly one of them; ErrorCode maps them onto the
// FieldError codes.
var (
	ErrFormat   = errors.New("bad format")            // wrong length, alphabet or shape → CodeFormat
	ErrChecksum = errors.New("wrong check character") // the check character does not match → CodeChecksum
	ErrRange    = errors.New("out of range")          // e.g. a birth date in the future → CodeRange
)

// validationError carries a short, readable message and the sentinel it
// belongs to, so that the message can be shown on its own.
type validationError struct {
	kind error
	msg  string
}

func (e *validationError) Error() string { return e.msg }
func (e *validationError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &validationError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the FieldError code for err: CodeChecksum for
// ErrChecksum, CodeRange for ErrRange, CodeFormat for ErrFormat, ErrAmount
// and any other error, and "" for nil.
func ErrorCode(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrChecksum):
		return CodeChecksum
	case errors.Is(err, ErrRange):
		return CodeRange
	default:
		return CodeFormat
	}
}

// ---- 统一社会信用代码 (GB 32100-2015) ----

// USCCPlaceholder is the credit code entered for a 个体工商户 that has none.
// It fails the checksum on purpose; callers decide where it is allowed.
const USCCPlaceholder = "00000000000000000X"

// usccAlphabet holds the 31 characters of a credit code; a character's value
// is its index. I, O, S, V and Z are not used.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// IsUSCCPlaceholder reports whether s is exactly USCCPlaceholder.
func IsUSCCPlaceholder(s string) bool { return s == USCCPlaceholder }

// USCCCheckChar returns the check character (position 18) for the first 17
// characters of a credit code. It returns an ErrFormat error if first17 is
// not 17 characters of the credit-code alphabet; it does not check the
// embedded organization code.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, errorf(ErrFormat, "credit code body must be 17 characters, got %d", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, errorf(ErrFormat, "character %q at position %d is not allowed in a credit code", first17[i], i+1)
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31], nil
}

// ValidateUSCC reports whether s is a valid 统一社会信用代码: 18 characters
// of the credit-code alphabet (upper case, no I, O, S, V, Z), digits in
// positions 3–8, a correct check character, and a valid organization code
// in positions 9–17. It returns nil or an error wrapping ErrFormat or
// ErrChecksum. s must already be normalised (see NormalizeCode); lower case
// is rejected. USCCPlaceholder fails with ErrChecksum.
func ValidateUSCC(s string) error {
	if len(s) != 18 {
		return errorf(ErrFormat, "credit code must be 18 characters, got %d", len([]rune(s)))
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(usccAlphabet, s[i]) < 0 {
			return errorf(ErrFormat, "character %q at position %d is not allowed in a credit code", s[i], i+1)
		}
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return errorf(ErrFormat, "positions 3–8 (region code) must be digits, got %q", s[2:8])
		}
	}
	want, err := USCCCheckChar(s[:17])
	if err != nil {
		return err
	}
	if s[17] != want {
		return errorf(ErrChecksum, "check character should be %c, got %c", want, s[17])
	}
	if err := ValidateOrgCode(s[8:17]); err != nil {
		return &validationError{kind: errors.Unwrap(err), msg: "positions 9–17 (organization code): " + err.Error()}
	}
	return nil
}

// ---- 组织机构代码 (GB 11714) ----

var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCodeValue returns the value of a body character (0–9, A=10 … Z=35), or
// -1 if c is not a digit or an upper-case letter.
func orgCodeValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// OrgCodeCheckChar returns the check character (position 9) of an
// organization code whose first 8 characters are first8 (digits and upper-case
// letters). It returns an ErrFormat error for any other input.
func OrgCodeCheckChar(first8 string) (byte, error) {
	if len(first8) != 8 {
		return 0, errorf(ErrFormat, "organization code body must be 8 characters, got %d", len(first8))
	}
	sum := 0
	for i := 0; i < 8; i++ {
		v := orgCodeValue(first8[i])
		if v < 0 {
			return 0, errorf(ErrFormat, "character %q at position %d is not a digit or upper-case letter", first8[i], i+1)
		}
		sum += v * orgCodeWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X', nil
	case 11:
		return '0', nil
	default:
		return byte('0' + c), nil
	}
}

// ValidateOrgCode reports whether s is a valid 9-character 组织机构代码
// (8 digits or upper-case letters and a check character 0–9 or X), without a
// hyphen. It returns nil or an error wrapping ErrFormat or ErrChecksum.
func ValidateOrgCode(s string) error {
	if len(s) != 9 {
		return errorf(ErrFormat, "organization code must be 9 characters, got %d", len([]rune(s)))
	}
	want, err := OrgCodeCheckChar(s[:8])
	if err != nil {
		return err
	}
	if c := s[8]; c != 'X' && (c < '0' || c > '9') {
		return errorf(ErrFormat, "check character %q at position 9 must be a digit or X", c)
	}
	if s[8] != want {
		return errorf(ErrChecksum, "check character should be %c, got %c", want, s[8])
	}
	return nil
}

// ---- 居民身份证号码 (GB 11643) ----

var idCardWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCardChecks = "10X98765432"

// minBirthYear is the earliest birth year accepted in an ID number. It is
// 1800, not 1900, because GB 11643's own example (440524188001010014) is
// born in 1880; the bound only catches typing errors such as 0990.
const minBirthYear = 1800

// IDCardCheckChar returns the check character (position 18, 0–9 or X) for
// the first 17 digits of an ID number. It returns an ErrFormat error if
// first17 is not 17 digits.
func IDCardCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, errorf(ErrFormat, "ID number body must be 17 digits, got %d characters", len(first17))
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, errorf(ErrFormat, "character %q at position %d of an ID number must be a digit", c, i+1)
		}
		sum += int(c-'0') * idCardWeights[i]
	}
	return idCardChecks[sum%11], nil
}

// ValidateIDCard reports whether s is a valid 18-character 居民身份证号码:
// 17 digits and a check character (0–9 or upper-case X), whose positions
// 7–14 are a real birth date between 1800-01-01 and today (China time). It
// returns nil or an error wrapping ErrFormat (shape, impossible date),
// ErrRange (birth date in the future or before 1800) or ErrChecksum.
func ValidateIDCard(s string) error {
	return validateIDCard(s, ChinaDate(time.Now()))
}

// validateIDCard is ValidateIDCard with "today" given, a date at 00:00 UTC.
func validateIDCard(s string, today time.Time) error {
	if len(s) != 18 {
		return errorf(ErrFormat, "ID number must be 18 characters, got %d", len([]rune(s)))
	}
	want, err := IDCardCheckChar(s[:17])
	if err != nil {
		return err
	}
	if c := s[17]; c != 'X' && (c < '0' || c > '9') {
		return errorf(ErrFormat, "check character %q at position 18 must be a digit or X", c)
	}
	birth, ok := compactDate(s[6:14])
	if !ok {
		return errorf(ErrFormat, "birth date %s is not a real date", s[6:14])
	}
	if birth.After(today) {
		return errorf(ErrRange, "birth date %s is in the future", birth.Format(DateLayout))
	}
	if birth.Year() < minBirthYear {
		return errorf(ErrRange, "birth date %s is before %d", birth.Format(DateLayout), minBirthYear)
	}
	if s[17] != want {
		return errorf(ErrChecksum, "check character should be %c, got %c", want, s[17])
	}
	return nil
}

// compactDate parses an 8-digit YYYYMMDD date, reporting false unless it is a
// real calendar date.
func compactDate(s string) (time.Time, bool) {
	if len(s) != 8 || !allDigits(s) {
		return time.Time{}, false
	}
	return civilDate(atoi(s[:4]), atoi(s[4:6]), atoi(s[6:]))
}

// civilDate returns y-m-d at 00:00 UTC, reporting false unless it is a real
// calendar date.
func civilDate(y, m, d int) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// atoi converts a short string of ASCII digits; the caller checks the digits.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
