package llama

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/internal/ckpttest"
)

// TestGradientCheckpointing checks that DecoderOptions.GradientCheckpointing
// recomputes the layers in the backward pass (rematerialisation barriers in
// the graph) and leaves the loss, the gradient of every weight and the
// gradient of the input embeddings bit-identical on the pure-Go backend
// (the recomputation runs the same ops on the same values).
func TestGradientCheckpointing(t *testing.T) {
	cfg := &Config{HiddenSize: 16, IntermediateSize: 24, NumLayers: 3, NumHeads: 4, NumKVHeads: 2, RMSNormEps: 1e-5, RopeTheta: 10000}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	const B, T = 2, 5
	x := make([]float32, B*T*cfg.HiddenSize)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.3))
	}
	valid := []bool{true, true, true, true, true, true, true, true, false, false}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(5))
	build := func(scope *model.Scope, in []*Node, ckpt bool) *Node {
		h, _ := Decoder(scope.At("model"), cfg, in[0], DecoderOptions{Padding: in[1], GradientCheckpointing: ckpt})
		return h
	}
	ckpttest.Compare(t, store, build, 0,
		tensors.FromFlatDataAndDimensions(x, B, T, cfg.HiddenSize), tensors.FromFlatDataAndDimensions(valid, B, T))
}
