// Package fusion holds the paper's "Vision-Question Fusion" module
// (Section 4.2–4.3, Figure 6 and Appendix C of "Weak Scaling Capability in
// Token Space"; docs/model.md#fusion-input-sequence): the input sequence
//
//	[vision tokens ‖ q₁ ‖ N−1 placeholders ‖ eos ‖ q₂ ‖ M−1 placeholders ‖ eos ‖ …]
//
// with the M rule (M = 8 for N ≥ 8, else M = N), the causal + right-padding
// mask, batches whose samples carry different numbers of questions, the
// paper's three input configurations (Vision Question Queries, Vision
// Queries, Vision Queries (ft)), a printer of the Figure-6 layout, the count
// of fused tokens N + (k−1)·M, a closed-form parameter count, and the fusion
// transformer itself: lib/llama's decoder blocks (defaults 20 layers, hidden
// 1024, 16 heads, MLP 4096, RoPE θ 10⁴, RMSNorm 10⁻⁶; every size a
// DecoderConfig field) over input embeddings with the causal + padding mask,
// returning the last hidden state after the final RMSNorm (no LM head). The
// embedding table (Embed) covers the CLIP vocabulary plus the N−1 learnable
// placeholder tokens and is randomly initialised. Loader feeds variables
// from safetensors checkpoints by their Hugging Face names.
//
// The sequence code is pure Go; the model code builds GoMLX graphs. The
// whole model that uses it is lib/vlm.
package fusion
