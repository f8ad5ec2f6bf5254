package fusion

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/llama"
)

// DecoderConfig sizes a Llama-style decoder stack (Hugging Face LlamaConfig
// field names); the blocks themselves are lib/llama's.
type DecoderConfig struct {
	Hidden       int     `json:"hidden_size"`
	Intermediate int     `json:"intermediate_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	KVHeads      int     `json:"num_key_value_heads"`
	RopeTheta    float64 `json:"rope_theta"`
	RMSEps       float64 `json:"rms_norm_eps"`
	// InitStd is the standard deviation of freshly initialised weights
	// (Hugging Face's initializer_range, 0.02).
	InitStd float64 `json:"initializer_range"`
	// GradientCheckpointing recomputes each layer's inside in the backward
	// pass instead of keeping it (llama.DecoderOptions.GradientCheckpointing).
	// A training choice, not part of a checkpoint's configuration.
	GradientCheckpointing bool `json:"-"`
}

// PaperFusion is the paper's fusion decoder (§4.2, App. C): 20 layers,
// hidden 1024, 16 heads of 64, MLP 4096, RoPE θ 10⁴, RMSNorm 10⁻⁶.
func PaperFusion() DecoderConfig {
	return DecoderConfig{Hidden: 1024, Intermediate: 4096, Layers: 20, Heads: 16, KVHeads: 16, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 0.02}
}

// Llama converts to lib/llama's configuration (no vocabulary: the fusion
// module has its own embedding table and no LM head).
// Defaults (head dim, key/value heads) are filled in; size errors are left
// for Validate to report.
func (c DecoderConfig) Llama() *llama.Config {
	lc := &llama.Config{HiddenSize: c.Hidden, IntermediateSize: c.Intermediate, NumLayers: c.Layers,
		NumHeads: c.Heads, NumKVHeads: c.KVHeads, RopeTheta: c.RopeTheta, RMSNormEps: c.RMSEps, HiddenAct: "silu",
		DType: dtypes.Float32}
	_ = lc.Validate()
	return lc
}

// Validate checks the sizes.
func (c DecoderConfig) Validate() error {
	if c.Layers <= 0 {
		return fmt.Errorf("decoder config: num_hidden_layers %d must be positive", c.Layers)
	}
	if err := c.Llama().Validate(); err != nil {
		return fmt.Errorf("decoder config: %w", err)
	}
	return nil
}

// HeadDim is Hidden/Heads.
func (c DecoderConfig) HeadDim() int { return c.Hidden / c.Heads }

// NumParams is the closed-form parameter count of the stack (layers + final
// norm, no embeddings): per layer two norms, q/o (H×H), k/v (H×kv·hd) and
// the three MLP matrices.
func (c DecoderConfig) NumParams() int64 {
	kvh := c.KVHeads
	if kvh <= 0 {
		kvh = c.Heads
	}
	h, i, kv := int64(c.Hidden), int64(c.Intermediate), int64(kvh*c.HeadDim())
	perLayer := 2*h + 2*h*h + 2*h*kv + 3*h*i
	return int64(c.Layers)*perLayer + h
}

// Std is InitStd, or 0.02 when unset.
func (c DecoderConfig) Std() float64 {
	if c.InitStd > 0 {
		return c.InitStd
	}
	return 0.02
}

// Decoder runs the fusion transformer: lib/llama's decoder blocks and final
// RMSNorm over input embeddings x [B, T, H] with the causal mask combined
// with the right-padding mask valid [B, T] (Bool), positions 0…T−1 (one RoPE
// sequence, as in the authors' code). Fresh weights are drawn from N(0, InitStd). It
// returns the last hidden state after the final RMSNorm (no LM head).
func Decoder(scope *model.Scope, cfg DecoderConfig, x, valid *Node) *Node {
	lc := cfg.Llama()
	if err := lc.Validate(); err != nil {
		panic(fmt.Errorf("fusion: %w", err))
	}
	h, _ := llama.Decoder(scope.WithInitializer(initializer.RandomNormalFn(scope, cfg.Std())), lc, x,
		llama.DecoderOptions{Padding: valid, GradientCheckpointing: cfg.GradientCheckpointing})
	return h
}

// Linear applies a bias-free linear layer whose weight variable "weight"
// (in scope) has the Hugging Face layout [out, in], initialised N(0, std).
// x is [..., in].
func Linear(scope *model.Scope, x *Node, out int, std float64) *Node {
	in := x.Shape().Dim(-1)
	w := scope.WithInitializer(initializer.RandomNormalFn(scope, std)).
		VariableWithShape("weight", shapes.Make(x.DType(), out, in)).NodeValue(x.Graph())
	return backend.DotGeneral(x, []int{x.Rank() - 1}, nil, w, []int{1}, nil)
}

// Embed looks ids [B, T] up in the table "weight" [vocab, hidden] of scope
// (initialised N(0, std)).
func Embed(scope *model.Scope, ids *Node, vocab, hidden int, std float64, dtype dtypes.DType) *Node {
	w := scope.WithInitializer(initializer.RandomNormalFn(scope, std)).
		VariableWithShape("weight", shapes.Make(dtype, vocab, hidden)).NodeValue(ids.Graph())
	return Gather(w, InsertAxes(ConvertDType(ids, dtypes.Int32), -1))
}
