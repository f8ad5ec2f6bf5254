package clip

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// randomModel builds a vision-only model in memory with N(0, 0.02²)
// weights, for benchmarks at real widths without a checkpoint on disk.
func randomModel(b *testing.B, v VisionConfig) *Model {
	b.Helper()
	cfg := defaultConfig()
	cfg.Vision = v
	be, err := backend.New()
	if err != nil {
		b.Fatal(err)
	}
	m := &Model{Config: cfg, Dir: "random", Store: model.NewStore(), Prefix: "/", Backend: be, HasVision: true, execs: map[string]*model.Exec{}}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, s := range visionSpecs(v) {
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(0.02 * rng.NormFloat64())
		}
		setValue(m.Store, varPath("/", s.name), data, s.shape...)
	}
	return m
}

// BenchmarkVisionViTLOneLayer: embeddings + one encoder layer of
// ViT-L/14-336 (1024 wide, 577 tokens) on one view; the full tower is about
// 24 times this per view.
func BenchmarkVisionViTLOneLayer(b *testing.B) {
	m := randomModel(b, VisionConfig{HiddenSize: 1024, IntermediateSize: 4096, NumHiddenLayers: 1, NumAttentionHeads: 16,
		NumChannels: 3, ImageSize: 336, PatchSize: 14, HiddenAct: "quick_gelu", LayerNormEps: 1e-5})
	px := Array{Shape: []int{1, 3, 336, 336}, Data: randSlice(rand.New(rand.NewPCG(2, 2)), 3*336*336)}
	if _, err := m.VisionLayer(px, 1); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.VisionLayer(px, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// benchMerge times forward + gradient (weight and input) of the merge on
// [10, 576, d], with the slice form or GoMLX's strided Convolve.
func benchMerge(b *testing.B, d int, useConv bool) {
	be := backend.MustNew()
	rng := rand.New(rand.NewPCG(3, 3))
	store := model.NewStore()
	store.VariableWithValue("/merge/weight", tensors.FromFlatDataAndDimensions(randSlice(rng, d*d*9), d, d, 3, 3))
	x := tensors.FromFlatDataAndDimensions(randSlice(rng, 10*576*d), 10, 576, d)
	e := model.MustNewExec(be, store, func(scope *model.Scope, xn *Node) []*Node {
		s := scope.At("merge")
		w := s.GetVariable("weight").NodeValue(xn.Graph())
		var out *Node
		if useConv {
			img := Reshape(xn, 10, 24, 24, d)    // channels last
			k := TransposeAllAxes(w, 2, 3, 1, 0) // [3, 3, in, out]
			out = Convolve(img, k).Strides(2).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
			out = Reshape(out, 10, 144, d)
		} else {
			out = LocalMerge(s, xn, 24, false)
		}
		loss := ReduceAllSum(Square(out))
		return Gradient(loss, w, xn)
	})
	e.MustExec(x)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.MustExec(x)
	}
}

func BenchmarkMergeGradSlices256(b *testing.B)   { benchMerge(b, 256, false) }
func BenchmarkMergeGradConvolve256(b *testing.B) { benchMerge(b, 256, true) }
