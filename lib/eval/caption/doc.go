// Package caption scores generated image captions against reference captions
// with the three metric families of the COCO caption evaluation
// (pycocoevalcap) that VLMEvalKit reports for COCO_VAL and the paper prints in
// Appendix D and fits in Table 1: BLEU-1…4, ROUGE-L and CIDEr (the CIDEr-D
// variant). The scores are returned on the 0–1 scale; multiply by 100 for the
// paper's scale ([Scores.Percent] does it).
//
// Tokenisation follows VLMEvalKit, which hands pycocoevalcap the raw strings:
// no PTB tokenisation, no lower-casing, no punctuation stripping. BLEU and
// CIDEr split on runs of white space (Python's str.split()); ROUGE-L splits
// on single spaces (Python's str.split(" ")), so consecutive spaces produce
// empty tokens there, exactly as in pycocoevalcap.
//
// The formulas (c = candidate, R = its references, all counts on n-grams of
// the whitespace tokens):
//
//   - BLEU-n (corpus level, [BLEU]): for k = 1…4, matches_k = Σ_items Σ_g
//     min(count_c(g), max_{r∈R} count_r(g)) over k-grams g; guesses_k =
//     Σ_items max(0, |c|−k+1); p_k = (matches_k + 1e-15)/(guesses_k + 1e-9).
//     BLEU-n = (Π_{k≤n} p_k)^{1/n} · BP, BP = exp(1 − L_r/L_c) when L_c < L_r
//     and 1 otherwise, where L_c = Σ|c| and L_r = Σ (length of the reference
//     closest in length to c, ties to the shorter one). The 1e-15/1e-9 guards
//     are pycocoevalcap's.
//   - ROUGE-L ([ROUGEL]): per item, P_r = LCS(c,r)/|c|, Q_r = LCS(c,r)/|r|;
//     P = max_r P_r, Q = max_r Q_r; F = (1+β²)PQ/(Q+β²P) with β = 1.2 (0 when
//     P or Q is 0); the corpus score is the mean of F over items.
//   - CIDEr-D ([CIDEr]): document frequency df(g) = number of items whose
//     reference set contains g; for a token list the vector for n-gram length
//     n has entries tf(g)·(log(I) − log(max(1, df(g)))) with I the number of
//     items scored together. For each reference, sim_n = Σ_g
//     min(v_c(g), v_r(g))·v_r(g) / (‖v_c‖‖v_r‖) (left unnormalised when a
//     norm is 0), times exp(−δ²/(2σ²)), σ = 6, δ = ℓ_c − ℓ_r where ℓ is the
//     number of bigrams (pycocoevalcap's "length" quirk: |tokens|−1). The item
//     score is 10 · mean_n sim_n averaged over references; CIDEr is the mean
//     over items. CIDEr therefore depends on the whole set of items scored
//     together.
//
// The implementation is checked against hand-computed cases and against
// values produced by an independent Python 3 implementation of the published
// formulas (testdata/cocoeval_ref.py) on a fixture of 24 captions; see
// caption_test.go.
package caption
