// Package train holds the paper's losses and the training loop of its three
// stages (Section 4.4 and Appendix C of "Weak Scaling Capability in Token
// Space"; docs/model.md#losses):
//
//   - stage 1: the symmetric CLIP contrastive loss between fused eos states
//     and CLIP-text answer embeddings with a learnable logit scale
//     (initialised to 2.6592), plus the identity loss mean((QQᵀ−I)²) over
//     normalised fused rows (Eq. 19; the paper's non-eos rows or the authors'
//     placeholder+eos rows); as in App. C it trains the vision encoder, the
//     merge, the fusion module and the CLIP text encoder, whose position
//     table is first grown from 77 to 512 rows (Options.TextPositions);
//   - stages 2–3: next-token cross-entropy on answer and eos targets only
//     (Eq. 20), with the LLM frozen;
//
// and the machinery around them: AdamW (GoMLX's Adam, β = 0.9/0.999,
// ε = 1e-8, with decoupled weight decay as torch's AdamW, applied as Hugging
// Face Trainer does: not to biases and LayerNorm/RMSNorm weights, see
// Decays; the default decay is 0, as Trainer's), the
// cosine schedule with linear warm-up of Hugging Face's Trainer, gradient
// accumulation (in-graph accumulators, averaged), clipping of the global
// gradient norm (1.0), per-stage choice of trainable modules with the LLM
// always frozen (Trainable = false: no gradients, no optimizer state),
// JSONL loss/grad-norm/lr logs (Figure 15), and atomic, resumable
// checkpoints (a folder per step written beside its final name and renamed,
// then a "latest" pointer replaced atomically).
package train
