// Package train holds the paper's losses and the training loop of its three
// stages (Section 4.4 and Appendix C of "Weak Scaling Capability in Token
// Space"; spec §4):
//
//   - stage 1: the symmetric CLIP contrastive loss between fused eos states
//     and CLIP-text answer embeddings with a learnable logit scale
//     (initialised to 2.6592), plus the identity loss mean((QQᵀ−I)²) over
//     normalised fused rows (Eq. 19; the paper's non-eos rows or the authors'
//     placeholder+eos rows);
//   - stages 2–3: next-token cross-entropy on answer and eos targets only
//     (Eq. 20), with the LLM frozen;
//
// and the machinery around them: AdamW, a cosine schedule with warm-up,
// gradient accumulation, clipping of the global gradient norm at 1.0,
// per-stage choice of trainable modules, JSONL loss/grad-norm logs, and
// atomic, resumable checkpoints.
package train
