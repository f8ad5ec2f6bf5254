// Package branch measures how two branches that share a prefix diverge in a
// sequence model: Section 3 of "Weak Scaling Capability in Token Space"
// (arXiv 2412.18387 v1), with the formulas that the paper's text lost
// rebuilt from its prose (docs/theory.md).
//
// For each preference pair k (the same system prompt and question, two
// different answers) the final hidden states x̂_t, ŷ_t at the answer positions
// give the per-step differences d_t = x̂_t − ŷ_t (Eq. 1), truncated to the
// shorter answer, L_k = min(|chosen|, |rejected|). Over the pairs
// S_n = {k : L_k ≥ n} the package estimates
//
//   - Ê(n) = mean_k |wᵀ Σ_{t≤n} d_t| with w = 𝟙/√D (Eq. 15), and its spread
//     over pairs (E_std, the ±σ bands of Fig. 3(b));
//   - ĝ(n) = mean_k [ (‖Σ_{t≤n} u_t‖² − n) / (n(n−1)) ], u_t = d_t/‖d_t‖, the
//     mean pairwise cosine among d_1..d_n (Eq. 16), in O(n·D) per pair through
//     the running sum of unit vectors;
//   - the bound λ·sqrt(n + n(n−1)ĝ(n)) (Eq. 17) with λ chosen by LambdaSup,
//     LambdaFirst or LambdaLSQ (Eq. 18; the paper's formula is lost, the
//     least-squares fit is the default, as in the authors' later code);
//   - the ratio r(n) = 1/((n−1)ĝ(n)) and the threshold n* = min{n : r(n) < ε}
//     (Eq. 11–12);
//   - the difference Δĝ(n) (forward by default, Eq. 13) and the threshold
//     n* = min{n : |Δĝ(n)| < δ} (Eq. 14);
//   - the joint power-law fit ĝ_m(n) ≈ (c/n)^α over models (Eq. 23, Fig. 10),
//     through lib/scaling's log–log least squares.
//
// A second estimator implements the later (JMLR) formulation that the
// authors' code plots (docs/theory.md#the-ψ-formulation): ψ_equal, ψ_cross
// (AA, BB, their mean AABB, and AB), Υ(n) = n(1−ψ_equal) + n(n−1)(ψ_AABB − ψ_AB), the bound λ·sqrt(Υ),
// and the balance point where ρ(n) = (1−ψ_equal)/((n−1)(ψ_AABB − ψ_AB)) = 1.
//
// Zero differences (answers that share their first tokens make d_t = 0
// exactly) are handled explicitly: such a step has no direction, its cosines
// with every other step count as 0, and the number of such steps is reported.
// No output value is ever NaN or ±Inf: quantities that are undefined (ĝ at
// n = 1, r where ĝ ≤ 0, …) are marked undefined instead.
//
// The work is split in two stages so that memory is bounded by one pair:
// ComputePair (or a PairStream fed step by step) turns the hidden states of
// one pair into its per-step curves (O(L·D) time, O(L + D) extra memory), and
// an Accumulator sums the curves of many pairs and produces a Result, which
// WriteCSV prints. FitG is the Eq. 23 fit over several Results.
//
// Inputs:
//   - ReadStates streams a hidden-states JSON file of any size
//     ({"pairs":[{"chosen":[[…]],"rejected":[[…]]},…]}), one pair in memory;
//   - lib/branch/stfile (apart, because it links GoMLX's dtypes through
//     lib/safetensors) reads the same states from safetensors (a file,
//     a sharded folder or its index, through lib/safetensors' lazy pread
//     reader): pair k is the two tensors pair.<k>.chosen and
//     pair.<k>.rejected of shape [L, D] and dtype F32, F16, BF16 or F64
//     (StatesWriter writes k zero-padded to 6 digits: pair.000123.chosen),
//     pairs are taken in increasing k, other tensors are ignored. Parsing
//     JSON text dominates at scale (300 pairs of 800 × 4096 are ~17 GB of
//     text, minutes to parse); the binary file is read in seconds, a few
//     pairs in parallel but summed in pair order, so the output is the
//     same as a sequential read. StatesWriter writes such a file one state
//     vector at a time (a hidden-state dump), and ConvertStates rewrites a
//     JSON file as one, streaming;
//   - LoadPairs reads Intel/orca_dpo_pairs JSONL (flat or chat-messages
//     layout), DefaultPairs is a small set shipped with the package, and
//     PairsOrDefault picks a file when present;
//   - Measure runs the whole pipeline over a SequenceModel: the small
//     deterministic ToyModel of this package (no checkpoint needed), or a
//     Llama-2 chat checkpoint through the adapter in lib/branch/llamaseq
//     (kept apart so this package does not depend on a model: it links no
//     GoMLX, so figure builders can import its Result). Each pair's
//     curves are cached on disk so an interrupted run resumes.
package branch
