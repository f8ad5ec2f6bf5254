package clip

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// TestLayerNormGradient checks that the towers' LayerNorm is differentiable
// (stages 1–2 train them) and that its input gradient matches central finite
// differences of a float64 LayerNorm.
func TestLayerNormGradient(t *testing.T) {
	const rows, d, eps = 3, 5, 1e-5
	rng := rand.New(rand.NewPCG(9, 9))
	x, r := randSlice(rng, rows*d), randSlice(rng, rows*d)
	store := model.NewStore()
	ones, zeros := make([]float32, d), make([]float32, d)
	for i := range ones {
		ones[i] = 1
	}
	store.VariableWithValue("/ln/weight", tensors.FromFlatDataAndDimensions(ones, d))
	store.VariableWithValue("/ln/bias", tensors.FromFlatDataAndDimensions(zeros, d))
	outs, err := model.CallOnceN(backend.MustNew(), store, func(scope *model.Scope, xn, rn *Node) []*Node {
		loss := ReduceAllSum(Mul(rn, layerNorm(scope.At("ln"), xn, eps)))
		return []*Node{Gradient(loss, xn)[0]}
	}, tensors.FromFlatDataAndDimensions(x, rows, d), tensors.FromFlatDataAndDimensions(r, rows, d))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](outs[0])
	loss := func(x64 []float64) float64 { // weight 1, bias 0: a fresh LayerNorm
		var s float64
		for i := 0; i < rows; i++ {
			row := x64[i*d : (i+1)*d]
			var m, v float64
			for _, a := range row {
				m += a / d
			}
			for _, a := range row {
				v += (a - m) * (a - m) / d
			}
			for j, a := range row {
				s += float64(r[i*d+j]) * (a - m) / math.Sqrt(v+eps)
			}
		}
		return s
	}
	x64 := make([]float64, len(x))
	for i, a := range x {
		x64[i] = float64(a)
	}
	const h = 1e-4
	for i := range x64 {
		p, m := append([]float64(nil), x64...), append([]float64(nil), x64...)
		p[i] += h
		m[i] -= h
		want := (loss(p) - loss(m)) / (2 * h)
		if math.Abs(float64(got[i])-want) > 2e-3*(1+math.Abs(want)) {
			t.Errorf("d loss/d x[%d] = %g, finite difference %g", i, got[i], want)
		}
	}
}
