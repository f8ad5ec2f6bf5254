package fusion

import (
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/internal/ckpttest"
)

// TestGradientCheckpointing: DecoderConfig.GradientCheckpointing gives
// bit-identical loss and gradients (embedding table and every decoder
// weight) on the pure-Go backend, and does recompute (barriers present).
func TestGradientCheckpointing(t *testing.T) {
	cfg := DecoderConfig{Hidden: 16, Intermediate: 32, Layers: 3, Heads: 4, KVHeads: 4, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 0.2}
	l := Layout{N: 3, M: 2, PlaceholderBase: 20, EOS: 19, Pad: 0}
	b, err := l.BuildBatch([]Sample{{Questions: [][]int32{{5, 6, 7}, {8}}}, {Questions: [][]int32{{9}}}}, VisionQuestionQueries, 0)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(7))
	build := func(scope *model.Scope, in []*Node, ckpt bool) *Node {
		c := cfg
		c.GradientCheckpointing = ckpt
		x := Embed(scope.In("embed_tokens"), in[0], 30, cfg.Hidden, 1, dtypes.Float32)
		return Decoder(scope, c, x, in[1])
	}
	ckpttest.Compare(t, store, build, 0,
		tensors.FromFlatDataAndDimensions(b.IDs, b.B, b.T), tensors.FromFlatDataAndDimensions(b.Valid, b.B, b.T))
}
