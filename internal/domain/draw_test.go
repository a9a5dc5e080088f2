package domain

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
)

// The expected draws were computed with the Python reference in the
// comment of DrawFisherYatesSHA256, an implementation independent of this
// package: anyone repeating a draw elsewhere gets these positions.
func TestDrawKnownAnswers(t *testing.T) {
	cases := []struct {
		seed string
		n, k int
		want []int
	}{
		{"2026年第三季度 苏州市应急管理局 双随机抽查", 1200, 12, []int{880, 873, 423, 109, 36, 895, 380, 451, 781, 860, 198, 406}},
		{"seed", 10, 10, []int{4, 1, 3, 6, 9, 7, 5, 2, 8, 10}},
		{"苏应急双随机〔2026〕3号" + InspectorSeedSuffix, 85, 4, []int{37, 43, 52, 78}},
		{"x", 1, 1, []int{1}},
	}
	for _, c := range cases {
		got, err := Draw(DrawFisherYatesSHA256, c.seed, c.n, c.k)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Draw(%q, %d, %d) = %v, %v; want %v", c.seed, c.n, c.k, got, err, c.want)
		}
	}
	task := sampleTask()
	task.Seed = "苏应急双随机〔2026〕3号"
	task.InspectorPool, task.Inspectors = 85, 4
	if got, err := task.DrawInspectors(); err != nil || !slices.Equal(got, []int{37, 43, 52, 78}) {
		t.Errorf("task inspectors: %v %v", got, err)
	}
}

// A draw is reproducible, draws distinct positions in range, and a longer
// draw from the same seed extends a shorter one.
func TestDrawProperties(t *testing.T) {
	for i := range 200 {
		seed := fmt.Sprintf("seed-%d", i)
		n := 1 + (i*7919)%5000
		k := 1 + (i*31)%n
		a, err := Draw(DrawFisherYatesSHA256, seed, n, k)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Draw(DrawFisherYatesSHA256, seed, n, k)
		if !slices.Equal(a, b) {
			t.Fatalf("%s: not reproducible", seed)
		}
		seen := map[int]bool{}
		for _, p := range a {
			if p < 1 || p > n || seen[p] {
				t.Fatalf("%s n=%d k=%d: position %d out of range or repeated in %v", seed, n, k, p, a)
			}
			seen[p] = true
		}
		if k > 1 {
			shorter, _ := Draw(DrawFisherYatesSHA256, seed, n, k-1)
			if !slices.Equal(shorter, a[:k-1]) {
				t.Fatalf("%s: a draw of %d is not the start of a draw of %d", seed, k-1, k)
			}
		}
	}
	if a, _ := Draw(DrawFisherYatesSHA256, "a", 100, 10); slices.Equal(a, must(Draw(DrawFisherYatesSHA256, "b", 100, 10))) {
		t.Error("different seeds drew the same positions")
	}
	// The whole list drawn is a permutation, for a list too large to hold
	// as a slice of every position cheaply in a naive implementation.
	big, err := Draw(DrawFisherYatesSHA256, "big", MaxDrawCandidates, 3)
	if err != nil || len(big) != 3 {
		t.Errorf("largest list: %v %v", big, err)
	}
}

func must(v []int, err error) []int {
	if err != nil {
		panic(err)
	}
	return v
}

// Every position is equally likely to be drawn first: over 20,000 seeds,
// a chi-square test on 10 positions stays below the 0.999 quantile of 9
// degrees of freedom (27.88); a shuffle that never picks some position
// first, such as one drawing below n−j−1, fails it.
func TestDrawIsUniform(t *testing.T) {
	const n, trials = 10, 20_000
	counts := make([]int, n+1)
	pairs := 0
	for i := range trials {
		d, err := Draw(DrawFisherYatesSHA256, fmt.Sprintf("uniform-%d", i), n, 2)
		if err != nil {
			t.Fatal(err)
		}
		counts[d[0]]++
		if d[1] == d[0]%n+1 {
			pairs++
		}
	}
	chi := 0.0
	exp := float64(trials) / n
	for _, c := range counts[1:] {
		chi += (float64(c) - exp) * (float64(c) - exp) / exp
	}
	if chi > 27.88 {
		t.Errorf("first positions are not uniform: chi-square %.1f, counts %v", chi, counts[1:])
	}
	// The second position follows the first as any other would: 1/9 of draws.
	if p := float64(pairs) / trials; math.Abs(p-1.0/9) > 0.015 {
		t.Errorf("second draw depends on the first: %.3f", p)
	}
}

func TestDrawRejects(t *testing.T) {
	for _, c := range []struct {
		alg, seed string
		n, k      int
		kind      error
	}{
		{"math/rand", "s", 10, 1, ErrFormat},
		{DrawFisherYatesSHA256, "", 10, 1, ErrFormat},
		{DrawFisherYatesSHA256, "s", 0, 0, ErrRange},
		{DrawFisherYatesSHA256, "s", 10, 11, ErrRange},
		{DrawFisherYatesSHA256, "s", 10, 0, ErrRange},
		{DrawFisherYatesSHA256, "s", MaxDrawCandidates + 1, 1, ErrRange},
	} {
		if _, err := Draw(c.alg, c.seed, c.n, c.k); !errors.Is(err, c.kind) {
			t.Errorf("Draw(%q, %q, %d, %d): %v, want %v", c.alg, c.seed, c.n, c.k, err, c.kind)
		}
	}
}
