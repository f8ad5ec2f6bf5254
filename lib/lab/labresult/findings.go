package labresult

import (
	"fmt"
	"math"
)

// Thresholds of Findings: what "a clean power law", "exponents of the same
// order" and "a local gain" mean on a sweep.
const (
	// MinR2 is the least R² of the fit of P = (c/N)^α (in log–log space)
	// for a configuration to follow the law.
	MinR2 = 0.8
	// MonotoneSlack is how far the seed-averaged accuracy may dip from one
	// N to the next and still count as rising: about the standard error of
	// one run's accuracy on the lab's 1024 test questions over three seeds.
	MonotoneSlack = 0.01
	// AlphaRatioLo and AlphaRatioHi bound α(VQQ)/α(VQ-ft) for the two laws
	// to have exponents "of the same order".
	AlphaRatioLo, AlphaRatioHi = 0.5, 2.0
	// MinLocalGain is the least mean ΔP = P(VQQ) − P(VQ-ft) on local
	// questions for fusing the question to count as helping them.
	MinLocalGain = 0.05
)

// Finding is one of the paper's three findings checked on a sweep: what
// it claims, the numbers that decide it, and whether it holds.
type Finding struct {
	Claim string
	Value string
	Holds bool
}

// Findings checks the paper's three findings (Section 5) on a sweep:
//
//  1. accuracy rises with N with the question fused: the seed-averaged
//     accuracy over all questions of Vision Question Queries rises with N
//     (no dip larger than MonotoneSlack) and follows P = (c/N)^α (Eq. 21–22)
//     with α < 0 and R² ≥ MinR2;
//  2. the law holds without the question: the same for Vision Queries (ft),
//     and the two exponents are of the same order (α(VQQ)/α(VQ-ft) within
//     [AlphaRatioLo, AlphaRatioHi]);
//  3. fusing the question helps where the question points at a part of the
//     image: the mean over N of P(VQQ) − P(VQ-ft) (Figure 11) is at least
//     MinLocalGain on local questions and larger there than on global ones.
//
// A configuration that could not be fitted makes its finding fail, with
// the reason as its value.
func (r *Result) Findings() []Finding {
	fq, okq := r.Fits[VQQ]
	ff, okf := r.Fits[VQFT]
	law := func(claim, cfg string) Finding {
		f, ok := r.Fits[cfg]
		if !ok {
			return Finding{Claim: claim, Value: fmt.Sprintf("no fit: %v", r.FitErrs[cfg])}
		}
		dip := r.largestDip(cfg)
		v := fmt.Sprintf("α = %+.4f, R² = %.2f (want α < 0, R² ≥ %.1f), largest dip %.3f (want ≤ %.2f)", f.Alpha, f.R2, MinR2, dip, MonotoneSlack)
		return Finding{Claim: claim, Value: v, Holds: f.Alpha < 0 && f.R2 >= MinR2 && dip <= MonotoneSlack}
	}
	f1 := law("accuracy rises with N with the question fused, as P = (c/N)^α", VQQ)
	f2 := law("the law holds with the question dropped and fine-tuned, with an exponent of the same order", VQFT)
	if okq && okf {
		ratio := fq.Alpha / ff.Alpha
		f2.Value += fmt.Sprintf("; α(VQQ)/α(VQ-ft) = %.2f (want %.1f–%.0f)", ratio, AlphaRatioLo, AlphaRatioHi)
		f2.Holds = f2.Holds && ratio >= AlphaRatioLo && ratio <= AlphaRatioHi
	}
	loc, glo := r.MeanDiff(VQFT, "local"), r.MeanDiff(VQFT, "global")
	return []Finding{f1, f2, {
		Claim: "fusing the question helps local questions more than global ones (mean ΔP vs VQ-ft)",
		Value: fmt.Sprintf("local %+.3f (want ≥ %.2f), global %+.3f", loc, MinLocalGain, glo),
		Holds: !math.IsNaN(loc) && !math.IsNaN(glo) && loc >= MinLocalGain && loc > glo,
	}}
}

// largestDip is the largest fall of the seed-averaged accuracy over all
// questions from one N to the next (0 when it never falls).
func (r *Result) largestDip(cfg string) float64 {
	_, ps := r.Curve(cfg, "all")
	dip := 0.0
	for i := 1; i < len(ps); i++ {
		dip = max(dip, ps[i-1]-ps[i])
	}
	return dip
}
