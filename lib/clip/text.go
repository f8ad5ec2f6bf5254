package clip

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// TextHiddenStates runs the causal text tower on ids [B, T] (T ≤
// max_position_embeddings) up to layer upTo and returns Hugging Face's
// hidden_states: [0] the token + position embeddings, [i] the output of
// encoder layer i (before final_layer_norm).
func TextHiddenStates(scope *model.Scope, cfg TextConfig, ids *Node, upTo int) []*Node {
	g := ids.Graph()
	dims := ids.Shape().Dimensions
	if len(dims) != 2 {
		exceptions.Panicf("clip: input_ids shape %v, want [B, T]", dims)
	}
	t := dims[1]
	if t > cfg.MaxPositionEmbeddings {
		exceptions.Panicf("clip: %d tokens exceed the text tower's %d positions", t, cfg.MaxPositionEmbeddings)
	}
	if upTo < 0 || upTo > cfg.NumHiddenLayers {
		exceptions.Panicf("clip: text layer %d out of range [0, %d]", upTo, cfg.NumHiddenLayers)
	}
	tm := scope.At("text_model")
	emb := tm.At("embeddings")
	tok := param(emb.At("token_embedding"), g, "weight")
	x := Gather(tok, ExpandAxes(ConvertDType(ids, dtypes.Int32), -1)) // [B, T, D]
	pos := SliceAxis(param(emb.At("position_embedding"), g, "weight"), 0, AxisRange(0, t))
	x = Add(x, ExpandAxes(pos, 0))
	return encoder(tm.At("encoder"), x, upTo, cfg.NumAttentionHeads, cfg.HiddenAct, cfg.LayerNormEps, true, cfg.GradientCheckpointing)
}

// TextFinal is final_layer_norm, giving Hugging Face's text
// last_hidden_state.
func TextFinal(scope *model.Scope, cfg TextConfig, last *Node) *Node {
	return layerNorm(scope.At("text_model").At("final_layer_norm"), last, cfg.LayerNormEps)
}

// TextPooled gathers one position per row: hidden [B, T, D], positions [B]
// (integers) → [B, D]. It is a one-hot contraction, so it has a gradient.
func TextPooled(hidden, positions *Node) *Node {
	t := hidden.Shape().Dimensions[1]
	oh := OneHot(ConvertDType(positions, dtypes.Int32), t, hidden.DType()) // [B, T]
	return backend.Einsum("bt,btd->bd", oh, hidden)
}

// TextEmbeds is text_projection (no bias) of the pooled output.
func TextEmbeds(scope *model.Scope, pooled *Node) *Node {
	return linear(scope.At("text_projection"), pooled)
}

// PoolPosition returns the position Hugging Face's CLIPTextTransformer pools
// for one row of ids: with the legacy eos_token_id 2 (the OpenAI configs) the
// position of the largest id (argmax, first on ties), otherwise the first
// position holding eos_token_id, or 0 when there is none (torch's argmax of
// an all-false mask).
func PoolPosition(cfg TextConfig, ids []int) int {
	if len(ids) == 0 {
		return 0
	}
	if cfg.EosTokenID == 2 {
		best := 0
		for i, id := range ids {
			if id > ids[best] {
				best = i
			}
		}
		return best
	}
	for i, id := range ids {
		if id == cfg.EosTokenID {
			return i
		}
	}
	return 0
}
