package backend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// dotCase is one product: an Einsum equation over single-letter axes and the
// size of every letter. The equations are the layouts the models use:
// x·Wᵀ linear layers (contracting axis last on both sides), x·W
// (contracting axis first on the right), a contracting axis first on the
// left (what gradients produce), one batch axis, and the two-batch-axis
// attention products of lib/llama and lib/clip.
type dotCase struct {
	eq    string
	sizes map[rune]int
}

// dotCases are odd and small shapes (below and around the 16/32-wide vector
// lengths and the small-kernel threshold of 4Mi multiply-adds), plus a few
// shapes of the benchmark models (head dim 64, hidden 512, MLP 1376).
func dotCases() []dotCase {
	var cs []dotCase
	add := func(eq string, sizes ...int) {
		m := map[rune]int{}
		letters := []rune{}
		for _, r := range strings.ReplaceAll(strings.Split(eq, "->")[0], ",", "") {
			if _, ok := m[r]; !ok {
				m[r] = 0
				letters = append(letters, r)
			}
		}
		for i, r := range letters {
			m[r] = sizes[i]
		}
		cs = append(cs, dotCase{eq, m})
	}
	for _, mkn := range [][3]int{{1, 1, 1}, {1, 7, 3}, {3, 15, 2}, {4, 16, 33}, {5, 31, 17}, {2, 33, 40},
		{7, 64, 65}, {1, 100, 9}, {16, 128, 128}, {3, 512, 64}, {8, 512, 1376}} {
		m, k, n := mkn[0], mkn[1], mkn[2]
		add("mk,nk->mn", m, k, n) // linear layer x·Wᵀ (LayoutTransposed)
		add("mk,kn->mn", m, k, n) // x·W (LayoutNonTransposed)
		add("km,kn->mn", k, m, n) // contracting axis first on the left (gradients)
		add("bmk,bnk->bmn", 3, m, k, n)
		add("bmk,bkn->bmn", 2, m, k, n)
	}
	// Attention as lib/llama writes it (two batch axes) and as lib/clip writes it.
	add("bhgtd,bhsd->bhgts", 1, 2, 2, 5, 64, 9)
	add("bhgts,bhsd->bhgtd", 1, 2, 2, 5, 9, 64)
	add("bqhd,bkhd->bhqk", 2, 7, 3, 64, 7)
	add("bhqk,bkhd->bqhd", 2, 3, 7, 7, 64)
	return cs
}

// einsumReference is the product in float64 of the inputs as rounded to
// their dtype, and Σ|a·b| per output (the scale of the rounding errors).
func einsumReference(c dotCase, a, b []float64) (ref, mag []float64) {
	parts := strings.Split(c.eq, "->")
	ins := strings.Split(parts[0], ",")
	var letters []rune
	for _, r := range ins[0] + ins[1] {
		if !strings.ContainsRune(string(letters), r) {
			letters = append(letters, r)
		}
	}
	// strides[t][j]: the step in operand t (a, b, output) of letter j.
	var strides [3][]int
	for t, axes := range []string{ins[0], ins[1], parts[1]} {
		strides[t] = make([]int, len(letters))
		step := 1
		for i := len(axes) - 1; i >= 0; i-- {
			strides[t][strings.IndexRune(string(letters), rune(axes[i]))] = step
			step *= c.sizes[rune(axes[i])]
		}
	}
	total := 1
	for _, r := range parts[1] {
		total *= c.sizes[r]
	}
	ref, mag = make([]float64, total), make([]float64, total)
	at := make([]int, len(letters))
	var ia, ib, io int
	for {
		p := a[ia] * b[ib]
		ref[io] += p
		mag[io] += math.Abs(p)
		j := len(letters) - 1
		for ; j >= 0; j-- {
			at[j]++
			ia, ib, io = ia+strides[0][j], ib+strides[1][j], io+strides[2][j]
			if at[j] < c.sizes[letters[j]] {
				break
			}
			ia, ib, io = ia-at[j]*strides[0][j], ib-at[j]*strides[1][j], io-at[j]*strides[2][j]
			at[j] = 0
		}
		if j < 0 {
			return ref, mag
		}
	}
}

// dotTolerance bounds |got − ref| / Σ|a·b| for a product accumulated in
// float32 and rounded once to dtype: half an ulp of the output dtype, plus
// float32 accumulation.
func dotTolerance(dtype dtypes.DType) float64 {
	switch dtype {
	case dtypes.BFloat16:
		return 1.0 / 256
	case dtypes.Float16:
		return 1.0 / 1024
	}
	return 1e-5
}

// TestDotMatchesFloat64 checks every dtype the models use × every layout
// they use × odd and model shapes against a float64 reference, through
// DotGeneral/Einsum of this package (what the models call). It also reports
// which products graph.Einsum itself gets wrong on this CPU and build, to say
// why the safeguard exists. Built with GOEXPERIMENT=simd on an AVX-512 CPU,
// it runs itself again with GOMLX_SIMD_AVX512=false so that the AVX2 kernels
// (what CPUs without AVX-512 get) are checked here too.
func TestDotMatchesFloat64(t *testing.T) {
	be := MustNew()
	rng := rand.New(rand.NewPCG(19, 3))
	var rawWrong []string
	for _, c := range dotCases() {
		for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.BFloat16, dtypes.Float16} {
			ins := strings.Split(strings.Split(c.eq, "->")[0], ",")
			dims := func(axes string) []int {
				var d []int
				for _, r := range axes {
					d = append(d, c.sizes[r])
				}
				return d
			}
			da, db := dims(ins[0]), dims(ins[1])
			a, b := make([]float32, prod(da)), make([]float32, prod(db))
			for i := range a {
				a[i] = 2*rng.Float32() - 1
			}
			for i := range b {
				b[i] = 2*rng.Float32() - 1
			}
			ta, tb := tensors.FromFlatDataAndDimensions(a, da...), tensors.FromFlatDataAndDimensions(b, db...)
			// The inputs as rounded to dtype, in float64.
			round := graph.MustNewExec(be, func(x, y *graph.Node) (*graph.Node, *graph.Node) {
				return graph.ConvertDType(graph.ConvertDType(x, dtype), dtypes.Float64),
					graph.ConvertDType(graph.ConvertDType(y, dtype), dtypes.Float64)
			})
			ra, rb := round.MustCall2(ta, tb)
			ref, mag := einsumReference(c, tensors.MustCopyFlatData[float64](ra), tensors.MustCopyFlatData[float64](rb))
			for _, path := range []struct {
				name   string
				einsum func(string, *graph.Node, *graph.Node) *graph.Node
			}{{"backend.Einsum", Einsum}, {"graph.Einsum", graph.Einsum}} {
				e := graph.MustNewExec(be, func(x, y *graph.Node) *graph.Node {
					return graph.ConvertDType(path.einsum(c.eq, graph.ConvertDType(x, dtype), graph.ConvertDType(y, dtype)), dtypes.Float64)
				})
				got := tensors.MustCopyFlatData[float64](e.MustCall1(ta, tb))
				worst, at := 0.0, 0
				for i := range ref {
					if d := math.Abs(got[i]-ref[i]) / (mag[i] + 1e-300); d > worst {
						worst, at = d, i
					}
				}
				if worst <= dotTolerance(dtype) {
					continue
				}
				msg := fmt.Sprintf("%s %s %v in %s: output %d = %g, want %g (error %.3g of Σ|a·b|, allowed %.3g)",
					c.eq, sizesString(c), dtype, path.name, at, got[at], ref[at], worst, dotTolerance(dtype))
				if path.name == "graph.Einsum" {
					rawWrong = append(rawWrong, msg)
					continue
				}
				t.Error(msg)
			}
		}
	}
	if len(rawWrong) > 0 {
		t.Logf("graph.Einsum is wrong in %d products on this CPU and build (%s); backend.Einsum/DotGeneral route them through float32, e.g.:\n  %s",
			len(rawWrong), kernelEnv(), strings.Join(rawWrong[:min(6, len(rawWrong))], "\n  "))
	}
	if os.Getenv("GOMLX_SIMD_AVX512") == "" && !t.Failed() {
		// Again with the AVX-512 kernels off: on an AVX-512 CPU in a simd
		// build this selects the AVX2 kernels; elsewhere it changes nothing.
		cmd := exec.Command(os.Args[0], "-test.run=^TestDotMatchesFloat64$", "-test.v")
		cmd.Env = append(os.Environ(), "GOMLX_SIMD_AVX512=false")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("with GOMLX_SIMD_AVX512=false: %v\n%s", err, out)
		}
		t.Logf("with GOMLX_SIMD_AVX512=false:\n%s", out)
	}
}

func kernelEnv() string {
	return fmt.Sprintf("GOMLX_SIMD_AVX512=%q", os.Getenv("GOMLX_SIMD_AVX512"))
}

func sizesString(c dotCase) string {
	var s []string
	for _, r := range strings.ReplaceAll(strings.Split(c.eq, "->")[0], ",", "") {
		s = append(s, fmt.Sprintf("%c=%d", r, c.sizes[r]))
	}
	return strings.Join(dedupe(s), " ")
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func prod(d []int) int {
	p := 1
	for _, x := range d {
		p *= x
	}
	return p
}
