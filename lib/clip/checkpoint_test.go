package clip

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/internal/ckpttest"
)

// TestGradientCheckpointing checks GradientCheckpointing on the vision
// tower with the paper's head (VisionConfig: PaperVisionTokens) and on the
// causal encoder the text tower runs (TextConfig passes its flag to the same
// encoder): bit-identical loss and gradients of every weight and of the
// input on the pure-Go backend, and rematerialisation barriers present.
func TestGradientCheckpointing(t *testing.T) {
	cfg := VisionConfig{HiddenSize: 16, IntermediateSize: 32, NumHiddenLayers: 3, NumAttentionHeads: 2, NumChannels: 3,
		ImageSize: 8, PatchSize: 2, HiddenAct: "quick_gelu", LayerNormEps: 1e-5}
	px := make([]float32, 2*3*8*8)
	for i := range px {
		px[i] = float32(math.Sin(float64(i) * 0.11))
	}
	for _, tc := range []struct {
		name  string
		build ckpttest.Build
		input *tensors.Tensor
	}{
		{"vision tower and paper head", func(scope *model.Scope, in []*Node, ckpt bool) *Node {
			c := cfg
			c.GradientCheckpointing = ckpt
			DeclareVisionWeights(scope, c, dtypes.Float32, 0.2)
			DeclarePaperVisionWeights(scope, c.HiddenSize, dtypes.Float32, 0.2)
			return PaperVisionTokens(scope, c, in[0], false)
		}, tensors.FromFlatDataAndDimensions(px, 2, 3, 8, 8)},
		{"causal encoder (text tower)", func(scope *model.Scope, in []*Node, ckpt bool) *Node {
			DeclareVisionWeights(scope, cfg, dtypes.Float32, 0.2)
			states := encoder(scope.At("vision_model").At("encoder"), in[0], cfg.NumHiddenLayers, 2, "quick_gelu", 1e-5, true, ckpt)
			return states[len(states)-1]
		}, tensors.FromFlatDataAndDimensions(px[:2*6*16], 2, 6, 16)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := model.NewStore()
			store.SetParam(model.ParamInitialSeed, int64(3))
			ckpttest.Compare(t, store, tc.build, 0, tc.input)
		})
	}
}
