package identtest_test

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/domain/identtest"
)

// The identifiers are valid, and every spelling still holds one where a
// search of the normalised text finds it: a test that finds none after
// masking is not passing by accident.
func TestGeneratedIdentifiersAreValidAndFindable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	mobile := regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	seen := map[string]int{}
	for range 20_000 {
		id := identtest.Generate(r)
		seen[id.Kind]++
		switch id.Kind {
		case "id18":
			if err := domain.ValidateIDCard(id.Digits); err != nil {
				t.Fatalf("%s: %v", id.Digits, err)
			}
		case "id15":
			if _, err := domain.ParseDate("19" + id.Digits[6:8] + "-" + id.Digits[8:10] + "-" + id.Digits[10:12]); err != nil || len(id.Digits) != 15 {
				t.Fatalf("%s: %v", id.Digits, err)
			}
		case "mobile":
			if !mobile.MatchString(id.Digits) {
				t.Fatalf("%s is not a mobile number", id.Digits)
			}
		case "card":
			if n := len(id.Digits); n < 16 || n > 19 || !luhn(id.Digits) {
				t.Fatalf("%s is not a card number", id.Digits)
			}
		}
		text := identtest.Spell(r, id)
		if got := identtest.Survivors(text, []identtest.Identifier{id}); len(got) != 1 {
			t.Fatalf("%s is not found in its spelling %q", id.Digits, text)
		}
	}
	if len(seen) != len(identtest.Kinds) {
		t.Errorf("kinds generated: %v", seen)
	}
}

func luhn(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}
