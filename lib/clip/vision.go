package clip

import (
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// VisionEmbeddings is CLIPVisionEmbeddings: the patch convolution (stride =
// kernel, no bias), the class token and the learned positions. pixels is
// [B, C, S, S] with S = image_size; the result is [B, 1 + (S/p)², D].
//
// The convolution is computed as a reshape into non-overlapping p×p patches
// and one dense layer, which is the same sum in the same patch order and
// avoids strided-convolution kernels (and their gradient).
func VisionEmbeddings(scope *model.Scope, cfg VisionConfig, pixels *Node) *Node {
	g := pixels.Graph()
	dims := pixels.Shape().Dimensions
	if len(dims) != 4 || dims[1] != cfg.NumChannels || dims[2] != cfg.ImageSize || dims[3] != cfg.ImageSize {
		exceptions.Panicf("clip: pixel_values shape %v, want [B, %d, %d, %d]", dims, cfg.NumChannels, cfg.ImageSize, cfg.ImageSize)
	}
	b, c, p, n := dims[0], cfg.NumChannels, cfg.PatchSize, cfg.NumPatches()
	emb := scope.At("vision_model").At("embeddings")
	x := Reshape(pixels, b, c, n, p, n, p)
	x = TransposeAllAxes(x, 0, 2, 4, 1, 3, 5) // [B, rows, cols, C, p, p]
	x = Reshape(x, b, n*n, c*p*p)
	w := Reshape(param(emb.At("patch_embedding"), g, "weight"), cfg.HiddenSize, c*p*p)
	patches := backend.Einsum("bnk,dk->bnd", x, w)
	cls := BroadcastToDims(Reshape(param(emb, g, "class_embedding"), 1, 1, cfg.HiddenSize), b, 1, cfg.HiddenSize)
	x = Concatenate([]*Node{cls, patches}, 1)
	return Add(x, ExpandAxes(param(emb.At("position_embedding"), g, "weight"), 0))
}

// VisionHiddenStates runs the vision tower up to layer upTo (1 ≤ upTo ≤
// num_hidden_layers) and returns Hugging Face's hidden_states: [0] is the
// embedding output after pre_layrnorm, [i] the output of encoder layer i.
// The last layer's output (before post_layernorm) is
// states[num_hidden_layers]; the penultimate is states[num_hidden_layers−1].
func VisionHiddenStates(scope *model.Scope, cfg VisionConfig, pixels *Node, upTo int) []*Node {
	if upTo < 0 || upTo > cfg.NumHiddenLayers {
		exceptions.Panicf("clip: vision layer %d out of range [0, %d]", upTo, cfg.NumHiddenLayers)
	}
	vm := scope.At("vision_model")
	x := VisionEmbeddings(scope, cfg, pixels)
	x = layerNorm(vm.At("pre_layrnorm"), x, cfg.LayerNormEps)
	return encoder(vm.At("encoder"), x, upTo, cfg.NumAttentionHeads, cfg.HiddenAct, cfg.LayerNormEps, false, cfg.GradientCheckpointing)
}

// VisionPooled is CLIP's pooled image output: post_layernorm of the class
// token of the last hidden state [B, T, D] → [B, D].
func VisionPooled(scope *model.Scope, cfg VisionConfig, last *Node) *Node {
	cls := Squeeze(SliceAxis(last, 1, AxisRange(0, 1)), 1)
	return layerNorm(scope.At("vision_model").At("post_layernorm"), cls, cfg.LayerNormEps)
}

// ImageEmbeds is visual_projection (no bias) of the pooled output.
func ImageEmbeds(scope *model.Scope, pooled *Node) *Node {
	return linear(scope.At("visual_projection"), pooled)
}

// PaperVisionFeatures is the paper's use of the vision tower (§4.2, App. C;
// docs/model.md#vision-tower-and-local-merge): the output of the last
// encoder layer, a new LayerNorm (vision_model/pos_layrnorm, not CLIP's
// post_layernorm) and the class token dropped: [B, T, D] → [B, T−1, D].
func PaperVisionFeatures(scope *model.Scope, cfg VisionConfig, last *Node) *Node {
	x := layerNorm(scope.At("vision_model").At("pos_layrnorm"), last, cfg.LayerNormEps)
	return SliceAxis(x, 1, AxisRangeToEnd(1))
}

// PaperVisionTokens is the whole per-view pipeline (App. C): the vision
// tower, pos_layrnorm, the class token dropped, the local merge (with the
// nearest-neighbour residual unless convOnly) and the new-line token:
// pixels [K, 3, S, S] → [K, (S/p/2)² + 1, D] (145 tokens for ViT-L/14-336).
func PaperVisionTokens(scope *model.Scope, cfg VisionConfig, pixels *Node, convOnly bool) *Node {
	states := VisionHiddenStates(scope, cfg, pixels, cfg.NumHiddenLayers)
	x := PaperVisionFeatures(scope, cfg, states[len(states)-1])
	vm := scope.At("vision_model")
	x = LocalMerge(vm.At("vision_embed_merge"), x, cfg.NumPatches(), !convOnly)
	return AppendNewLine(vm, x)
}
