package llama

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestBucketLength(t *testing.T) {
	for _, tc := range []struct{ n, want int }{
		{0, 0}, {1, 16}, {16, 16}, {17, 20}, {33, 40}, {64, 64}, {65, 80}, {100, 112}, {129, 160}, {300, 320}, {4096, 4096}, {4097, 5120},
	} {
		if got := BucketLength(tc.n); got != tc.want {
			t.Errorf("BucketLength(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
	// Every length fits its bucket with at most a quarter added, and
	// numBuckets bounds the number of distinct buckets.
	for _, maxLen := range []int{1, 16, 17, 100, 128, 129, 1000, 4096, 4097, 70000} {
		seen := map[int]bool{}
		for n := 1; n <= maxLen; n++ {
			b := BucketLength(n)
			if b < n || (n > minBucket && 4*b > 5*n+4) {
				t.Fatalf("BucketLength(%d) = %d", n, b)
			}
			seen[b] = true
		}
		if len(seen) > numBuckets(maxLen) {
			t.Errorf("lengths 1…%d use %d buckets, numBuckets says %d", maxLen, len(seen), numBuckets(maxLen))
		}
	}
}

// TestHiddenStatesManyLengths runs the golden tiny Llama over more distinct
// sequence lengths than GoMLX's default graph cache holds (32), and checks
// that the right-padded runs equal exact-length runs: causal attention makes
// the padding invisible to real positions.
func TestHiddenStatesManyLengths(t *testing.T) {
	loadGolden(t)
	m, err := Load(goldenDir, dtypes.Float32)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	ids := make([]int, m.Config.MaxPositions)
	for i := range ids {
		ids[i] = rng.IntN(m.Config.VocabSize)
	}
	exact := func(n int) [][]float32 {
		flat := make([]int32, n)
		for i := range flat {
			flat[i] = int32(ids[i])
		}
		_, h, err := m.ForwardTensors(tensors.FromFlatDataAndDimensions(flat, 1, n), nil)
		if err != nil {
			t.Fatal(err)
		}
		hf := tensors.MustCopyFlatData[float32](h)
		d := m.Config.HiddenSize
		var rows [][]float32
		for j := range n {
			rows = append(rows, hf[j*d:(j+1)*d])
		}
		return rows
	}
	checked := map[int]bool{1: true, 17: true, 33: true, 70: true, 100: true, 128: true}
	for n := 1; n <= m.Config.MaxPositions; n++ { // 128 distinct lengths
		hs, err := m.HiddenStates(ids[:n])
		if err != nil {
			t.Fatalf("length %d: %v", n, err)
		}
		if len(hs) != n {
			t.Fatalf("length %d: %d states", n, len(hs))
		}
		if !checked[n] {
			continue
		}
		want := exact(n)
		d := 0.0
		for i := range hs {
			for j := range hs[i] {
				d = max(d, math.Abs(float64(hs[i][j]-want[i][j])))
			}
		}
		if d > 1e-5 {
			t.Errorf("length %d (bucket %d): padded and exact runs differ by %g", n, BucketLength(n), d)
		}
	}
	// Forward pads a batch to a bucket too.
	for n := 1; n <= 70; n++ {
		if _, err := m.Forward([][]int{ids[:n], ids[:max(1, n/2)]}); err != nil {
			t.Fatalf("forward of length %d: %v", n, err)
		}
	}
}
