package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// ---- direct float64 references ----

func norm64(x []float64, k, d int) []float64 {
	out := make([]float64, len(x))
	for i := range k {
		s := 0.0
		for j := range d {
			s += x[i*d+j] * x[i*d+j]
		}
		s = math.Sqrt(s)
		for j := range d {
			out[i*d+j] = x[i*d+j] / s
		}
	}
	return out
}

func refContrastive(v, t []float64, k, d int, ls float64) float64 {
	v, t = norm64(v, k, d), norm64(t, k, d)
	s := make([]float64, k*k)
	for i := range k {
		for j := range k {
			for c := range d {
				s[i*k+j] += v[i*d+c] * t[j*d+c]
			}
			s[i*k+j] *= math.Exp(ls)
		}
	}
	ce := func(get func(i, j int) float64) float64 {
		tot := 0.0
		for i := range k {
			lse := 0.0
			for j := range k {
				lse += math.Exp(get(i, j))
			}
			tot += math.Log(lse) - get(i, i)
		}
		return tot / float64(k)
	}
	return 0.5 * (ce(func(i, j int) float64 { return s[i*k+j] }) + ce(func(i, j int) float64 { return s[j*k+i] }))
}

func refIdentity(q []float64, k, d int) float64 {
	q = norm64(q, k, d)
	tot := 0.0
	for a := range k {
		for b := range k {
			g := 0.0
			for c := range d {
				g += q[a*d+c] * q[b*d+c]
			}
			if a == b {
				g -= 1
			}
			tot += g * g
		}
	}
	return tot / float64(k*k)
}

func refGeneration(logits []float64, labels []int32, w []float32, n, v int) float64 {
	tot, cnt := 0.0, 0.0
	for i := range n {
		if w[i] == 0 {
			continue
		}
		lse := 0.0
		for j := range v {
			lse += math.Exp(logits[i*v+j])
		}
		tot += math.Log(lse) - logits[i*v+int(labels[i])]
		cnt++
	}
	return tot / cnt
}

func randVec(r *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = r.NormFloat64()
	}
	return x
}

// evalWithGrad runs f over float64 inputs and returns its value and the
// gradient with respect to every input.
func evalWithGrad(t *testing.T, f func(in []*Node) *Node, inputs ...*tensors.Tensor) (float64, [][]float64) {
	t.Helper()
	be := backend.MustNew()
	exec, err := NewExec(be, func(in []*Node) []*Node {
		loss := f(in)
		var grads []*Node
		for _, x := range in {
			if x.DType() == dtypes.Float64 {
				grads = append(grads, Gradient(loss, x)[0])
			}
		}
		return append([]*Node{loss}, grads...)
	})
	if err != nil {
		t.Fatal(err)
	}
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	out, err := exec.Call(args...)
	if err != nil {
		t.Fatal(err)
	}
	var grads [][]float64
	for _, g := range out[1:] {
		grads = append(grads, tensors.MustCopyFlatData[float64](g))
	}
	return out[0].Value().(float64), grads
}

func checkClose(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*(1+math.Abs(want)) {
		t.Errorf("%s = %.10g, want %.10g", what, got, want)
	}
}

// finite-difference check of grad (for input x) of ref at x.
func checkFD(t *testing.T, what string, x []float64, grad []float64, ref func([]float64) float64) {
	t.Helper()
	const h = 1e-6
	for i := range x {
		old := x[i]
		x[i] = old + h
		up := ref(x)
		x[i] = old - h
		down := ref(x)
		x[i] = old
		fd := (up - down) / (2 * h)
		if math.Abs(fd-grad[i]) > 1e-6*(1+math.Abs(fd)) {
			t.Errorf("%s: d/dx[%d] = %.9g, finite difference %.9g", what, i, grad[i], fd)
		}
	}
}

func TestContrastiveLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ k, d int }{{1, 3}, {3, 4}, {5, 2}} {
		v, tx := randVec(r, tc.k*tc.d), randVec(r, tc.k*tc.d)
		ls := []float64{LogitScaleInit}
		got, grads := evalWithGrad(t, func(in []*Node) *Node { return ContrastiveLoss(in[0], in[1], in[2]) },
			tensors.FromFlatDataAndDimensions(v, tc.k, tc.d), tensors.FromFlatDataAndDimensions(tx, tc.k, tc.d),
			tensors.FromScalar(ls[0]))
		want := refContrastive(v, tx, tc.k, tc.d, ls[0])
		checkClose(t, "contrastive", got, want, 1e-12)
		checkFD(t, "contrastive/fused", v, grads[0], func(x []float64) float64 { return refContrastive(x, tx, tc.k, tc.d, ls[0]) })
		checkFD(t, "contrastive/text", tx, grads[1], func(x []float64) float64 { return refContrastive(v, x, tc.k, tc.d, ls[0]) })
		checkFD(t, "contrastive/scale", ls, grads[2], func(x []float64) float64 { return refContrastive(v, tx, tc.k, tc.d, x[0]) })
	}
	// Sanity: perfectly matched pairs with a large scale give a loss near 0.
	e := []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}
	got, _ := evalWithGrad(t, func(in []*Node) *Node { return ContrastiveLoss(in[0], in[1], in[2]) },
		tensors.FromFlatDataAndDimensions(e, 3, 3), tensors.FromFlatDataAndDimensions(e, 3, 3), tensors.FromScalar(5.0))
	if got > 1e-3 {
		t.Errorf("matched pairs loss %g, want ≈ 0", got)
	}
}

func TestIdentityLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ k, d int }{{1, 2}, {4, 3}, {6, 8}} {
		q := randVec(r, tc.k*tc.d)
		got, grads := evalWithGrad(t, func(in []*Node) *Node { return IdentityLoss(in[0]) },
			tensors.FromFlatDataAndDimensions(q, tc.k, tc.d))
		checkClose(t, "identity", got, refIdentity(q, tc.k, tc.d), 1e-12)
		checkFD(t, "identity", q, grads[0], func(x []float64) float64 { return refIdentity(x, tc.k, tc.d) })
	}
	// Orthonormal rows give exactly 0.
	got, _ := evalWithGrad(t, func(in []*Node) *Node { return IdentityLoss(in[0]) },
		tensors.FromFlatDataAndDimensions([]float64{2, 0, 0, 0, 0, 3}, 2, 3))
	if got != 0 {
		t.Errorf("orthogonal rows: %g", got)
	}
}

func TestMaskTextOutliers(t *testing.T) {
	x := []float64{0, 0, 0, 0, 10, -10, 1, -1}
	// mean 0, std = sqrt((100+100+1+1)/8) ≈ 5.02: ±10 are zeroed, the rest kept.
	exec := MustNewExec(backend.MustNew(), func(a *Node) *Node { return MaskTextOutliers(a) })
	got := tensors.MustCopyFlatData[float64](exec.MustCall1(tensors.FromFlatDataAndDimensions(x, 2, 4)))
	want := []float64{0, 0, 0, 0, 0, 0, 1, -1}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("MaskTextOutliers = %v, want %v", got, want)
		}
	}
}

func TestGenerationLoss(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const b, l, v = 2, 5, 7
	ids := make([]int32, b*l)
	isT := make([]bool, b*l)
	for i := range ids {
		ids[i] = int32(r.IntN(v))
	}
	// row 0: answer at positions 3,4; row 1: answer at 2 only.
	isT[3], isT[4], isT[l+2] = true, true, true
	labels, w := vlm.ShiftTargets(ids, isT, b, l)
	if w[2] != 1 || w[3] != 1 || w[4] != 0 || w[l+1] != 1 || labels[2] != ids[3] {
		t.Fatalf("ShiftTargets: labels %v weights %v", labels, w)
	}
	logits := randVec(r, b*l*v)
	got, grads := evalWithGrad(t, func(in []*Node) *Node { return GenerationLoss(in[0], in[1], in[2]) },
		tensors.FromFlatDataAndDimensions(logits, b, l, v), tensors.FromFlatDataAndDimensions(labels, b, l),
		tensors.FromFlatDataAndDimensions(w, b, l))
	checkClose(t, "generation", got, refGeneration(logits, labels, w, b*l, v), 1e-12)
	checkFD(t, "generation", logits, grads[0], func(x []float64) float64 { return refGeneration(x, labels, w, b*l, v) })
	// Positions with weight 0 get no gradient.
	for j := range v {
		if grads[0][4*v+j] != 0 {
			t.Fatalf("masked position has gradient %g", grads[0][4*v+j])
		}
	}
}

func TestIdentityRows(t *testing.T) {
	l := fusion.Layout{N: 3, M: 2, PlaceholderBase: 10, EOS: 9}
	b, err := l.BuildBatch([]fusion.Sample{{VisionTokens: 1, Questions: [][]int32{{1}, {2}}}}, fusion.VisionQuestionQueries, 0)
	if err != nil {
		t.Fatal(err)
	}
	// fused rows: qed qed eos qed eos → code keeps all 5, paper keeps 0,1,3.
	if got := IdentityCode.Rows(b); len(got) != 5 {
		t.Errorf("code rows %v", got)
	}
	if got := IdentityPaper.Rows(b); len(got) != 3 || got[2] != 3 {
		t.Errorf("paper rows %v", got)
	}
}

func TestLearningRate(t *testing.T) {
	// 100 steps, warm-up ratio 0.1: linear to step 10, then half a cosine.
	for _, tc := range []struct {
		step int
		want float64
	}{{0, 0}, {5, 0.5}, {10, 1}, {55, 0.5}, {100, 0}, {200, 0}} {
		if got := LearningRate(tc.step, 100, 0.1, 1); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("LearningRate(%d) = %g, want %g", tc.step, got, tc.want)
		}
	}
	if got := LearningRate(3, 10, 0, 2e-5); math.Abs(got-2e-5*0.5*(1+math.Cos(math.Pi*0.3))) > 1e-18 {
		t.Errorf("no warm-up: %g", got)
	}
}
