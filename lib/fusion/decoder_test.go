package fusion

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// Right padding does not change the fusion states at valid positions, and
// the closed-form parameter count equals the variables the graph creates.
func TestDecoderPaddingAndParams(t *testing.T) {
	cfg := DecoderConfig{Hidden: 16, Intermediate: 24, Layers: 2, Heads: 4, KVHeads: 2, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 0.2}
	const vocab = 30
	l := Layout{N: 3, M: 2, PlaceholderBase: 20, EOS: 19, Pad: 0}
	long := Sample{Questions: [][]int32{{5, 6, 7}, {8}}}
	short := Sample{Questions: [][]int32{{9}}}
	b, err := l.BuildBatch([]Sample{long, short}, VisionQuestionQueries, 0)
	if err != nil {
		t.Fatal(err)
	}
	alone, _ := l.BuildBatch([]Sample{short}, VisionQuestionQueries, 0)
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(3))
	exec, err := model.NewExec(backend.MustNew(), store, func(scope *model.Scope, ids, valid *Node) *Node {
		x := Embed(scope.In("embed_tokens"), ids, vocab, cfg.Hidden, 1, dtypes.Float32)
		return Decoder(scope, cfg, x, valid)
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(b *Batch) []float32 {
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(b.IDs, b.B, b.T), tensors.FromFlatDataAndDimensions(b.Valid, b.B, b.T))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	both, one := run(b), run(alone)
	h := cfg.Hidden
	for p := range alone.T {
		for k := range h {
			got, want := both[(b.T+p)*h+k], one[p*h+k]
			if math.Abs(float64(got-want)) > 1e-5 {
				t.Fatalf("position %d: padded batch %g, alone %g", p, got, want)
			}
		}
	}
	var got int64
	for v := range store.IterVariables() {
		if v.Name() != model.RNGStateVariableName {
			got += int64(v.Shape().Size())
		}
	}
	if want := cfg.NumParams() + int64(vocab*h); got != want {
		t.Errorf("parameters: graph %d, closed form %d", got, want)
	}
	if pf := PaperFusion(); pf.NumParams() != 20*(2*1024+4*1024*1024+3*1024*4096)+1024 {
		t.Errorf("paper fusion decoder params %d", pf.NumParams())
	}
}
