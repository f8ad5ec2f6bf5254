package vlm

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/clip"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
)

// Scope names of the model's parts. Variable paths mirror Hugging Face
// tensor names ("/llm/model/layers/0/..." ↔ "model.layers.0..." of the Llama
// folder), so checkpoints load by name.
const (
	ScopeCLIP   = "clip"   // CLIP: vision_model/... (from the CLIP folder; the new pos_layrnorm, vision_embed_merge and token_LF live there too)
	ScopeVLM    = "vlm"    // the projection (and stage-1 heads)
	ScopeFusion = "fusion" // fusion decoder: embed_tokens, layers, norm
	ScopeLLM    = "llm"    // Llama: model/..., lm_head (frozen)
)

// Parts are the trainable modules of stages 2–3 (App. C). Stage 1 trains
// vision, merge and fusion with its own heads ("stage1": imgque_projection
// and the logit scale), and optionally the CLIP text tower ("text").
var Parts = []string{"vision", "merge", "fusion", "projection"}

// PartOf maps a variable path to its module: "vision", "merge", "fusion",
// "projection", "text", "stage1", "llm", or "" for bookkeeping variables
// (optimizer state).
func PartOf(path string) string {
	vm := "/" + ScopeCLIP + "/vision_model/"
	switch {
	case hasPrefix(path, vm+"pos_layrnorm/"), hasPrefix(path, vm+"vision_embed_merge/"), path == vm+"token_LF":
		return "merge"
	case hasPrefix(path, vm):
		return "vision"
	case hasPrefix(path, "/"+ScopeCLIP+"/text_model/"), hasPrefix(path, "/"+ScopeCLIP+"/text_projection/"):
		return "text"
	case hasPrefix(path, "/"+ScopeVLM+"/projection/"):
		return "projection"
	case hasPrefix(path, "/"+ScopeVLM+"/stage1/"):
		return "stage1"
	case hasPrefix(path, "/"+ScopeFusion+"/"):
		return "fusion"
	case hasPrefix(path, "/"+ScopeLLM+"/"):
		return "llm"
	}
	return ""
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// Outputs of the forward graph.
type Outputs struct {
	Logits *Node // [B, L, V] LLM logits
	Fusion *Node // [B, T, H] fusion last hidden state (after the final RMSNorm)
	Fused  *Node // [F, H] fusion states at QED/EOS positions (row-major)
}

// VisionStd is the standard deviation of the weights the vision side
// creates when no checkpoint holds them: the CLIP tower's matrices and
// embeddings (random models from configuration alone) and the paper's merge
// convolution and new-line token (App. C).
const VisionStd = 0.02

// VisionTokens is the paper's per-view vision pipeline (App. C) over
// pixels [B·V, 3, S, S], giving [B·V·tokensPerView, H]: lib/clip's vision
// tower up to its last encoder layer, the new LayerNorm pos_layrnorm, the
// class token dropped, the local merge with the nearest-neighbour residual
// of the authors' code, and the new-line token token_LF. The weights live
// under /clip/vision_model with Hugging Face's names (the new ones as the
// authors name them: pos_layrnorm, vision_embed_merge, token_LF); those no
// checkpoint provides are created lazily in the pixels' dtype (see
// clip.DeclareVisionWeights and clip.DeclarePaperVisionWeights).
func (c Config) VisionTokens(root *model.Scope, pixels *Node) *Node {
	cs := root.At(ScopeCLIP)
	cv := c.Vision.CLIP()
	cv.GradientCheckpointing = c.GradientCheckpointing
	clip.DeclareVisionWeights(cs, cv, pixels.DType(), VisionStd)
	clip.DeclarePaperVisionWeights(cs, cv.HiddenSize, pixels.DType(), VisionStd)
	v := clip.PaperVisionTokens(cs, cv, pixels, false)
	return Reshape(v, -1, c.Vision.Hidden)
}

// FusionStates builds the fusion input — vision tokens where isVision, the
// embedded token elsewhere (zeros on padding) — and runs the fusion decoder
// with the causal + padding mask. visionTokens is [NV, H].
func (c Config) FusionStates(root *model.Scope, visionTokens, ids, valid, isVision, visionIdx *Node) *Node {
	B, T, H := ids.Shape().Dim(0), ids.Shape().Dim(1), c.Fusion.Hidden
	fs := root.In(ScopeFusion)
	tok := fusion.Embed(fs.In("embed_tokens"), ids, c.Fusion.Vocab+c.Fusion.MaxPlaceholders, H, c.Fusion.Std(), visionTokens.DType())
	vis := Gather(visionTokens, InsertAxes(visionIdx, -1)) // [B, T, H]
	x := Where(BroadcastToDims(InsertAxes(isVision, -1), B, T, H), vis, tok)
	x = Where(BroadcastToDims(InsertAxes(valid, -1), B, T, H), x, ZerosLike(x))
	dc := c.Fusion.DecoderConfig
	dc.GradientCheckpointing = dc.GradientCheckpointing || c.GradientCheckpointing
	return fusion.Decoder(fs, dc, x, valid)
}

// LLMEmbeddings projects the fused rows [F, Hf] to the LLM width (bias-free
// Linear, init N(0, ProjectionStd)) and places them, in order, into the QED
// slots of the LLM token embeddings: slotIdx [B, L] indexes the concatenation
// [token embeddings (B·L rows) ‖ projected fused rows (F)].
func (c Config) LLMEmbeddings(root *model.Scope, fused, llmIDs, slotIdx *Node) *Node {
	B, L, D := llmIDs.Shape().Dim(0), llmIDs.Shape().Dim(1), c.LLM.Hidden
	std := c.ProjectionStd
	if std <= 0 {
		std = 0.001
	}
	proj := fusion.Linear(root.In(ScopeVLM).In("projection"), fused, D, std) // [F, D]
	tok := llama.Embed(root.At(ScopeLLM), c.LLM.Llama(), llmIDs)
	proj = ConvertDType(proj, tok.DType()) // the LLM's dtype (LLMConfig.DType); a no-op in float32
	all := Concatenate([]*Node{Reshape(tok, B*L, D), proj}, 0)
	return Gather(all, InsertAxes(slotIdx, -1)) // [B, L, D]
}

// Forward runs the whole model of Figure 5 over the inputs of MakeInputs
// (the first 9: labels and weights are not needed) and returns the LLM
// logits and the fusion states.
func (c Config) Forward(root *model.Scope, in []*Node) Outputs {
	vt := c.VisionTokens(root, in[inPixels])
	h := c.FusionStates(root, vt, in[inFusionIDs], in[inFusionValid], in[inIsVision], in[inVisionIdx])
	B, T, H := h.Shape().Dim(0), h.Shape().Dim(1), h.Shape().Dim(2)
	fused := Gather(Reshape(h, B*T, H), InsertAxes(in[inFusedIdx], -1)) // [F, H]
	x := c.LLMEmbeddings(root, fused, in[inLLMIDs], in[inSlotIdx])
	logits, _ := llama.CausalLM(root.At(ScopeLLM), c.LLM.Llama(), nil, x, llama.DecoderOptions{Padding: in[inLLMValid],
		GradientCheckpointing: c.GradientCheckpointing})
	return Outputs{Logits: logits, Fusion: h, Fused: fused}
}

// Labels and Weights return the loss inputs of Eq. 20 from the input list.
func Labels(in []*Node) (labels, weights *Node) { return in[inLabels], in[inWeights] }

// NumInputs is the number of tensors MakeInputs produces.
const NumInputs = numInputs
