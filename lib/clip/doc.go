// Package clip holds the CLIP vision and text towers in GoMLX, loaded from
// Hugging Face CLIPModel folders (config.json + safetensors), and the
// paper's vision-token head: a new LayerNorm, the 4:1 local merge and the
// new-line token (paper §4.2 and Appendix C; docs/model.md).
//
// Semantics follow Hugging Face's modeling_clip:
//
//   - Vision: patch convolution without bias (computed as reshape + dense,
//     exact because stride = kernel), class token, learned positions,
//     pre_layrnorm, pre-LN encoder layers (q scaled by head_dim^-0.5,
//     hidden_act from the config: quick_gelu, gelu, ...), post_layernorm on
//     the class token, bias-free visual_projection.
//   - Text: token + learned position embeddings, causal encoder,
//     final_layer_norm, pooling at the end-of-text position (the largest id
//     for the legacy OpenAI configs whose eos_token_id is 2, the first
//     eos_token_id otherwise), bias-free text_projection.
//   - Hidden states are indexed as Hugging Face's hidden_states: 0 is the
//     embedding output, i the output of layer i; the last and penultimate
//     layers are the usual choices ([Model.VisionLayer] takes any index).
//
// Every size comes from config.json, so ViT-L/14-336 (the checkpoint the
// authors' code uses) and ViT-H/14 (the one the paper names) load alike;
// LayerNorm epsilon is the config's layer_norm_eps (1e-5), not GoMLX's
// default.
//
// The paper's variant (App. C) is [PaperVisionTokens]: last encoder layer
// → a new LayerNorm pos_layrnorm → class token dropped → [LocalMerge] (a 3×3,
// stride-2, padding-1, bias-free convolution plus, as in the authors' code,
// the nearest-neighbour residual; a switch gives the paper's conv-only
// description) → [AppendNewLine] (the learned token_LF): 576 patch tokens →
// 144 + 1 = 145 tokens per view. The convolution is built from unstrided
// slices and one dense contraction, so its gradient works on every backend
// (it is trained with the fusion module). [Model.ExtendTextPositions] grows
// the 77-row text position table (the paper uses 512) with new rows drawn
// from N(mean, std) of the old table (as the authors' code does).
//
// Graph functions ([VisionHiddenStates], [TextHiddenStates], [LocalMerge],
// ...) take the scope that holds the CLIP weights, so larger models can
// compose them in their own graphs; [Model.Vision], [Model.Text] and
// [Model.PaperTokens] run them on the backend of lib/backend.
package clip
