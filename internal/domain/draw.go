package domain

import (
	"crypto/sha256"
	"encoding/binary"
)

// DrawFisherYatesSHA256 names the one draw algorithm Gongshi publishes:
// a partial Fisher–Yates shuffle driven by SHA-256 in counter mode. It is
// defined completely here, so anyone can repeat a draw with any language
// that has SHA-256, from the seed, the number of candidates n and the
// number drawn k:
//
//  1. The i-th random number x_i (i = 0, 1, 2, …) is the first 8 bytes,
//     read as a big-endian unsigned integer, of SHA-256(S ‖ I), where S is
//     the seed's UTF-8 bytes exactly as published and I is i as 8 bytes,
//     big-endian.
//  2. A uniform integer below m (m ≥ 1) takes the next x_i; if x_i is below
//     2^64 mod m it is discarded and the next one taken; otherwise the
//     integer is x_i mod m. (The accepted range holds a whole multiple of
//     m values, so every result is equally likely.)
//  3. Start from the list p = 1, 2, …, n (positions in the published
//     candidate list). For j = 0, 1, …, k−1: take a uniform integer u below
//     n − j and swap p[j] with p[j + u]. The drawn positions are p[0] …
//     p[k−1], in this order.
//
// In Python 3:
//
//	import hashlib
//	def draw(seed, n, k):
//	    i = 0
//	    def x():
//	        nonlocal i
//	        d = hashlib.sha256(seed.encode() + i.to_bytes(8, "big")).digest()
//	        i += 1
//	        return int.from_bytes(d[:8], "big")
//	    def below(m):
//	        while True:
//	            v = x()
//	            if v >= 2**64 % m:
//	                return v % m
//	    p = list(range(1, n + 1))
//	    for j in range(k):
//	        u = j + below(n - j)
//	        p[j], p[u] = p[u], p[j]
//	    return p[:k]
const DrawFisherYatesSHA256 = "fisher-yates-sha256-v1"

// DrawAlgorithms lists the algorithms a task may name.
var DrawAlgorithms = []string{DrawFisherYatesSHA256}

// MaxDrawCandidates bounds the candidate list of a draw.
const MaxDrawCandidates = 1_000_000

// Draw returns k distinct positions among 1…n chosen by algorithm from
// seed, in draw order. The same arguments always give the same positions.
// It returns an error wrapping ErrFormat for an unknown algorithm or an
// empty seed, and ErrRange unless 1 ≤ k ≤ n ≤ MaxDrawCandidates.
func Draw(algorithm, seed string, n, k int) ([]int, error) {
	switch {
	case algorithm != DrawFisherYatesSHA256:
		return nil, errorf(ErrFormat, "unknown draw algorithm %q (want %s)", algorithm, DrawFisherYatesSHA256)
	case seed == "":
		return nil, errorf(ErrFormat, "the seed is empty")
	case n < 1 || n > MaxDrawCandidates:
		return nil, errorf(ErrRange, "the number of candidates must be between 1 and %d, got %d", MaxDrawCandidates, n)
	case k < 1 || k > n:
		return nil, errorf(ErrRange, "the number drawn must be between 1 and the %d candidates, got %d", n, k)
	}
	src := &sha256Counter{seed: []byte(seed)}
	// The shuffle touches at most 2k positions: only those that moved are
	// kept, so memory is O(k) whatever n.
	moved := make(map[int]int, 2*k)
	at := func(i int) int {
		if v, ok := moved[i]; ok {
			return v
		}
		return i + 1
	}
	out := make([]int, k)
	for j := range k {
		u := j + int(src.below(uint64(n-j)))
		pj, pu := at(j), at(u)
		moved[j], moved[u] = pu, pj
		out[j] = pu
	}
	return out, nil
}

// sha256Counter is step 1 and 2 of DrawFisherYatesSHA256.
type sha256Counter struct {
	seed []byte
	i    uint64
	buf  []byte
}

func (c *sha256Counter) next() uint64 {
	c.buf = binary.BigEndian.AppendUint64(append(c.buf[:0], c.seed...), c.i)
	c.i++
	sum := sha256.Sum256(c.buf)
	return binary.BigEndian.Uint64(sum[:8])
}

// below returns a uniform integer in [0, m) for m ≥ 1.
func (c *sha256Counter) below(m uint64) uint64 {
	// 2^64 mod m, computed without overflow as (2^64 − m) mod m.
	reject := (-m) % m
	for {
		x := c.next()
		if x >= reject {
			return x % m
		}
	}
}
