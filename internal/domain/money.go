package domain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Money is an exact amount of Chinese yuan, held in fen (0.01 yuan).
type Money int64

// ErrAmount reports an amount that is not a plain non-negative decimal.
var ErrAmount = errors.New("amount")

// Yuan returns m as a decimal string in yuan with two places ("2000.00").
func (m Money) Yuan() string { return formatScaled(int64(m), 2) }

// Wan returns m in 万元 (10,000 yuan), as the 双公示 standard publishes
// amounts, without trailing zeros ("0.2").
func (m Money) Wan() string {
	s := formatScaled(int64(m), 6)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// WanOrEmpty is Wan, or "" for no amount: how records and exports write
// an amount that is zero.
func (m Money) WanOrEmpty() string {
	if m == 0 {
		return ""
	}
	return m.Wan()
}

// WanFloat is m in 万元 as a float, for charts.
func (m Money) WanFloat() float64 { return float64(m) / 1_000_000 }

// WanFixed writes m in 万元 rounded to places decimals ("12.35"), for
// statistics, which show amounts rounded.
func (m Money) WanFixed(places int) string { return strconv.FormatFloat(m.WanFloat(), 'f', places, 64) }

// YuanGrouped writes m in yuan with its thousands grouped: 20,000.00.
func (m Money) YuanGrouped() string {
	s := m.Yuan()
	i, f, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(i, 10, 64)
	if err != nil {
		return s
	}
	if f == "" {
		return GroupThousands(n)
	}
	return GroupThousands(n) + "." + f
}

// ParseYuan parses a decimal amount in yuan with at most two decimals.
func ParseYuan(s string) (Money, error) {
	v, err := parseScaled(s, 2)
	return Money(v), err
}

// ParseWan parses a decimal amount in 万元 with at most six decimals, the
// exact resolution of one fen.
func ParseWan(s string) (Money, error) {
	v, err := parseScaled(s, 6)
	return Money(v), err
}

func formatScaled(v int64, places int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= places {
		s = "0" + s
	}
	out := s[:len(s)-places] + "." + s[len(s)-places:]
	if neg {
		out = "-" + out
	}
	return out
}

// parseScaled parses a non-negative decimal into an integer scaled by
// 10^places; more fractional digits than places is an error, so nothing is
// ever rounded silently.
func parseScaled(s string, places int) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("%w: empty", ErrAmount)
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%w: %q is negative", ErrAmount, s)
	}
	s = strings.TrimPrefix(s, "+")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if !allDigits(whole) || !allDigits(frac) {
		return 0, fmt.Errorf("%w: %q is not a decimal number", ErrAmount, s)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > places {
		return 0, fmt.Errorf("%w: %q has more than %d decimal places", ErrAmount, s, places)
	}
	frac += strings.Repeat("0", places-len(frac))
	if len(whole) > 18-places {
		return 0, fmt.Errorf("%w: %q is too large", ErrAmount, s)
	}
	v, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %v", ErrAmount, s, err)
	}
	return v, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
