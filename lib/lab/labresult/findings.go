package labresult

import (
	"fmt"
	"math"
)

// Finding is one of the paper's three findings checked on a sweep: what
// it claims, the number that decides it, and whether it holds.
type Finding struct {
	Claim string
	Value string
	Holds bool
}

// Findings checks the paper's three findings (Section 5) on a sweep:
//
//  1. accuracy rises with N for Vision Question Queries: the fitted α of
//     P = (c/N)^α (Eq. 21–22) over all questions is negative;
//  2. the law holds without the question: α of Vision Queries (ft) is
//     negative too;
//  3. fusing the question helps where the question points at a part of the
//     image: the mean over N of P(VQQ) − P(VQ-ft) (Figure 11) is positive on
//     local questions and larger there than on global ones.
//
// A configuration that could not be fitted makes its finding fail, with
// the reason as its value.
func (r *Result) Findings() []Finding {
	vqq, ft := VQQ, VQFT
	law := func(claim, cfg string) Finding {
		f, ok := r.Fits[cfg]
		if !ok {
			return Finding{Claim: claim, Value: fmt.Sprintf("no fit: %v", r.FitErrs[cfg])}
		}
		return Finding{Claim: claim, Value: fmt.Sprintf("α = %+.4f (R² %.2f)", f.Alpha, f.R2), Holds: f.Alpha < 0}
	}
	loc, glo := r.MeanDiff(ft, "local"), r.MeanDiff(ft, "global")
	return []Finding{
		law("accuracy rises with N with the question fused (α < 0)", vqq),
		law("the law holds with the question dropped and fine-tuned (α < 0)", ft),
		{
			Claim: "fusing the question helps local questions more than global ones (mean ΔP vs VQ-ft)",
			Value: fmt.Sprintf("local %+.3f, global %+.3f", loc, glo),
			Holds: !math.IsNaN(loc) && !math.IsNaN(glo) && loc > 0 && loc > glo,
		},
	}
}
