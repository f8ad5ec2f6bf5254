package clip

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// refMerge is a direct loop over the definition of the merge: PyTorch's
// Conv2d(k=3, stride=2, padding=1, bias=False) on the [D, G, G] map of each
// view, plus (residual) F.interpolate(mode="nearest") to G/2, whose source
// index is floor(i·G/(G/2)) = 2i. x is [B, G·G, D], w is [O, D, 3, 3].
func refMerge(x []float64, b, g, d int, w []float64, o int, residual bool) []float64 {
	ho := (g+2*1-3)/2 + 1
	out := make([]float64, b*ho*ho*o)
	for bi := 0; bi < b; bi++ {
		for i := 0; i < ho; i++ {
			for j := 0; j < ho; j++ {
				for oc := 0; oc < o; oc++ {
					var s float64
					for c := 0; c < d; c++ {
						for ky := 0; ky < 3; ky++ {
							for kx := 0; kx < 3; kx++ {
								r, col := 2*i+ky-1, 2*j+kx-1
								if r < 0 || r >= g || col < 0 || col >= g {
									continue
								}
								s += w[((oc*d+c)*3+ky)*3+kx] * x[(bi*g*g+r*g+col)*d+c]
							}
						}
					}
					if residual {
						s += x[(bi*g*g+(i*g/ho)*g+(j*g/ho))*d+oc]
					}
					out[((bi*ho+i)*ho+j)*o+oc] = s
				}
			}
		}
	}
	return out
}

func randSlice(rng *rand.Rand, n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(rng.NormFloat64())
	}
	return out
}

func to64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

func TestLocalMergeMatchesLoop(t *testing.T) {
	b := backend.MustNew()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		batch, grid, d int
		residual       bool
	}{{2, 4, 3, true}, {2, 4, 3, false}, {1, 6, 5, true}, {3, 2, 2, true}, {1, 24, 4, true}} {
		t.Run(fmt.Sprintf("B%d_G%d_D%d_res%v", tc.batch, tc.grid, tc.d, tc.residual), func(t *testing.T) {
			x := randSlice(rng, tc.batch*tc.grid*tc.grid*tc.d)
			w := randSlice(rng, tc.d*tc.d*9)
			store := model.NewStore()
			store.VariableWithValue("/merge/weight", tensors.FromFlatDataAndDimensions(w, tc.d, tc.d, 3, 3))
			got, err := model.CallOnce(b, store, func(scope *model.Scope, xn *Node) *Node {
				return LocalMerge(scope.At("merge"), xn, tc.grid, tc.residual)
			}, tensors.FromFlatDataAndDimensions(x, tc.batch, tc.grid*tc.grid, tc.d))
			if err != nil {
				t.Fatal(err)
			}
			ho := tc.grid / 2
			if dims := got.Shape().Dimensions; len(dims) != 3 || dims[0] != tc.batch || dims[1] != ho*ho || dims[2] != tc.d {
				t.Fatalf("shape %v, want [%d %d %d]", dims, tc.batch, ho*ho, tc.d)
			}
			want := refMerge(to64(x), tc.batch, tc.grid, tc.d, to64(w), tc.d, tc.residual)
			gotData := tensors.MustCopyFlatData[float32](got)
			for i := range want {
				if math.Abs(float64(gotData[i])-want[i]) > 1e-4 {
					t.Fatalf("element %d: %g, want %g", i, gotData[i], want[i])
				}
			}
		})
	}
}

// The merge is trained with the fusion module: its gradient with respect to
// the convolution weight and to its input must match central finite
// differences of the loop implementation, for the nonlinear loss
// L = Σ r ⊙ out².
func TestLocalMergeGradient(t *testing.T) {
	b := backend.MustNew()
	rng := rand.New(rand.NewPCG(3, 4))
	const batch, grid, d = 2, 4, 3
	x := randSlice(rng, batch*grid*grid*d)
	w := randSlice(rng, d*d*9)
	ho := grid / 2
	r := randSlice(rng, batch*ho*ho*d)
	for _, residual := range []bool{true, false} {
		store := model.NewStore()
		store.VariableWithValue("/merge/weight", tensors.FromFlatDataAndDimensions(w, d, d, 3, 3))
		outs, err := model.CallOnceN(b, store, func(scope *model.Scope, xn, rn *Node) []*Node {
			s := scope.At("merge")
			out := LocalMerge(s, xn, grid, residual)
			loss := ReduceAllSum(Mul(rn, Square(out)))
			grads := Gradient(loss, s.GetVariable("weight").NodeValue(xn.Graph()), xn)
			return []*Node{loss, grads[0], grads[1]}
		}, tensors.FromFlatDataAndDimensions(x, batch, grid*grid, d), tensors.FromFlatDataAndDimensions(r, batch, ho*ho, d))
		if err != nil {
			t.Fatal(err)
		}
		gw := tensors.MustCopyFlatData[float32](outs[1])
		gx := tensors.MustCopyFlatData[float32](outs[2])
		loss := func(x64, w64 []float64) float64 {
			out := refMerge(x64, batch, grid, d, w64, d, residual)
			var s float64
			for i, v := range out {
				s += float64(r[i]) * v * v
			}
			return s
		}
		x64, w64 := to64(x), to64(w)
		const eps = 1e-3
		check := func(name string, param []float64, grad []float32) {
			for i := range param {
				orig := param[i]
				param[i] = orig + eps
				up := loss(x64, w64)
				param[i] = orig - eps
				down := loss(x64, w64)
				param[i] = orig
				fd := (up - down) / (2 * eps)
				if math.Abs(fd-float64(grad[i])) > 1e-3*math.Max(1, math.Abs(fd)) {
					t.Errorf("residual=%v: d loss/d %s[%d] = %g, finite difference %g", residual, name, i, grad[i], fd)
				}
			}
		}
		check("weight", w64, gw)
		check("x", x64, gx)
	}
}

// PaperTokens on the tiny golden model equals, view by view, the host
// computation from the tower's last hidden state: LayerNorm with the new
// weights, class token dropped, the loop merge, then token_LF.
func TestPaperTokens(t *testing.T) {
	m, gc := loadGolden(t)
	if _, err := m.PaperTokens(Array{Shape: []int{1, 3, 28, 28}, Data: make([]float32, 3*28*28)}, false); err == nil {
		t.Fatal("PaperTokens without the merge weights: no error")
	}
	if err := m.InitPaperVision(7); err != nil {
		t.Fatal(err)
	}
	// Give pos_layrnorm non-trivial values so the test sees them used.
	d := m.Config.Vision.HiddenSize
	rng := rand.New(rand.NewPCG(5, 6))
	lnW, lnB := randSlice(rng, d), randSlice(rng, d)
	setValue(m.Store, varPath(m.Prefix, "vision_model.pos_layrnorm.weight"), lnW, d)
	setValue(m.Store, varPath(m.Prefix, "vision_model.pos_layrnorm.bias"), lnB, d)
	data, shape := flatten(gc.PixelValues)
	px, _ := NewArray(data, shape...)
	vr, err := m.Vision(px)
	if err != nil {
		t.Fatal(err)
	}
	w, _, err := values(m.Store, varPath(m.Prefix, "vision_model.vision_embed_merge.weight"))
	if err != nil {
		t.Fatal(err)
	}
	lf, _, _ := values(m.Store, varPath(m.Prefix, "vision_model.token_LF"))
	grid := m.Config.Vision.NumPatches() // 4
	for _, convOnly := range []bool{false, true} {
		got, err := m.PaperTokens(px, convOnly)
		if err != nil {
			t.Fatal(err)
		}
		per := (grid/2)*(grid/2) + 1
		if got.Shape[0] != 2 || got.Shape[1] != per || got.Shape[2] != d {
			t.Fatalf("shape %v, want [2 %d %d]", got.Shape, per, d)
		}
		for v := 0; v < 2; v++ {
			last := vr.LastHiddenState.Row(v) // [17, d]
			normed := make([]float64, 0, grid*grid*d)
			for tok := 1; tok < 1+grid*grid; tok++ {
				row := last.Data[tok*d : (tok+1)*d]
				var mean, vr2 float64
				for _, x := range row {
					mean += float64(x)
				}
				mean /= float64(d)
				for _, x := range row {
					vr2 += (float64(x) - mean) * (float64(x) - mean)
				}
				vr2 /= float64(d)
				for c, x := range row {
					normed = append(normed, (float64(x)-mean)/math.Sqrt(vr2+1e-5)*float64(lnW[c])+float64(lnB[c]))
				}
			}
			want := append(refMerge(normed, 1, grid, d, to64(w), d, !convOnly), to64(lf)...)
			view := got.Row(v).Data
			for i := range want {
				if math.Abs(float64(view[i])-want[i]) > 1e-4 {
					t.Fatalf("convOnly=%v view %d element %d: %g, want %g", convOnly, v, i, view[i], want[i])
				}
			}
		}
	}
}

func TestMergeTokens(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const k, grid, d = 3, 6, 4
	x := randSlice(rng, k*grid*grid*d)
	w := randSlice(rng, d*d*9)
	lf := randSlice(rng, d)
	for _, residual := range []bool{true, false} {
		got, err := MergeTokens(Array{Shape: []int{k, grid * grid, d}, Data: x}, grid,
			Array{Shape: []int{d, d, 3, 3}, Data: w}, Array{Shape: []int{d}, Data: lf}, residual)
		if err != nil {
			t.Fatal(err)
		}
		per := (grid/2)*(grid/2) + 1
		if got.Shape[0] != k || got.Shape[1] != per || got.Shape[2] != d {
			t.Fatalf("shape %v", got.Shape)
		}
		want := refMerge(to64(x), k, grid, d, to64(w), d, residual)
		for v := 0; v < k; v++ {
			view := got.Row(v).Data
			for i := 0; i < (per-1)*d; i++ {
				if math.Abs(float64(view[i])-want[v*(per-1)*d+i]) > 1e-4 {
					t.Fatalf("view %d element %d: %g, want %g", v, i, view[i], want[v*(per-1)*d+i])
				}
			}
			for c := 0; c < d; c++ {
				if view[(per-1)*d+c] != lf[c] {
					t.Fatalf("view %d: new-line token differs", v)
				}
			}
		}
	}
	if _, err := MergeTokens(Array{Shape: []int{1, 5, d}, Data: make([]float32, 5*d)}, grid, Array{Shape: []int{d, d, 3, 3}, Data: w}, Array{Shape: []int{d}, Data: lf}, true); err == nil {
		t.Error("wrong token count: no error")
	}
}
