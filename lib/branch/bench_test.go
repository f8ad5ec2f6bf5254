package branch

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// BenchmarkPairStream shows the cost per pair is linear in n·D: the
// reported ns/(n·D) stays flat as n and D grow (with and without ψ).
func BenchmarkPairStream(b *testing.B) {
	for _, psi := range []bool{false, true} {
		for _, size := range [][2]int{{100, 512}, {400, 512}, {100, 2048}, {400, 2048}, {800, 4096}} {
			n, d := size[0], size[1]
			rng := rand.New(rand.NewPCG(1, uint64(d)))
			x, y := make([]float64, d), make([]float64, d)
			for i := range x {
				x[i], y[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			b.Run(fmt.Sprintf("psi=%v/n=%d/D=%d", psi, n, d), func(b *testing.B) {
				for b.Loop() {
					s, _ := NewPairStream(d, PairOptions{Psi: psi})
					for t := 0; t < n; t++ {
						x[t%d] += 0.5 // make steps differ
						if err := s.Step(x, y); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n*d), "ns/(n·D)")
			})
		}
	}
}

// TestLinearCost checks the O(n·D) claim without timing: the work per step
// is a fixed number of passes over D, so the scratch memory of a stream does
// not grow with n (only its O(n) curve does).
func TestLinearCost(t *testing.T) {
	s, _ := NewPairStream(64, PairOptions{Psi: true})
	x, y := make([]float64, 64), make([]float64, 64)
	allocs := testing.AllocsPerRun(1, func() {
		for i := 0; i < 1000; i++ {
			x[i%64]++
			_ = s.Step(x, y)
		}
	})
	// appends to 9 curves of ≤2000 entries: O(log n) reallocations each.
	if allocs > 9*25 {
		t.Errorf("%v allocations for 1000 steps: per-step work allocates", allocs)
	}
}

// BenchmarkReadStates parses a generated states document (20 pairs of
// 200 steps × 1024 floats, ≈ 70 MB) from memory; run with -cpu 1,2,… to see
// the parallel row parsing.
func BenchmarkReadStates(b *testing.B) {
	var buf bytes.Buffer
	rng := rand.New(rand.NewPCG(5, 6))
	buf.WriteString(`{"pairs": [`)
	for p := 0; p < 20; p++ {
		if p > 0 {
			buf.WriteString(",")
		}
		for side := 0; side < 2; side++ {
			buf.WriteString([]string{`{"chosen": [`, `], "rejected": [`}[side])
			for s := 0; s < 200; s++ {
				if s > 0 {
					buf.WriteString(",")
				}
				buf.WriteString("[")
				for i := 0; i < 1024; i++ {
					if i > 0 {
						buf.WriteString(",")
					}
					buf.WriteString(strconv.FormatFloat(rng.NormFloat64(), 'g', 6, 32))
				}
				buf.WriteString("]")
			}
		}
		buf.WriteString("]}")
	}
	buf.WriteString("]}")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := ReadStates(bytes.NewReader(data), "bench", PairOptions{}, func(PairCurve) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
