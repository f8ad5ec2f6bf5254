package labresult

import (
	"fmt"
	"math"
	"strings"
)

// Explain returns Markdown that explains the three findings with the
// sweep's own numbers: the accuracy at the smallest and largest N and the
// fitted law of each configuration, the ratio of the exponents, and the
// gain of fusing the question per question kind, each with whether it
// passes Findings' thresholds. Notebook 40 shows it under the sweep.
func (r *Result) Explain() string {
	var b strings.Builder
	fs := r.Findings()
	verdict := func(i int) string {
		if i < len(fs) && fs[i].Holds {
			return "it holds"
		}
		return "it does **not** hold on this sweep"
	}
	ends := func(cfg, kind string) (n0, n1, p0, p1 float64, ok bool) {
		ns, ps := r.Curve(cfg, kind)
		if len(ns) < 2 {
			return 0, 0, 0, 0, false
		}
		return ns[0], ns[len(ns)-1], ps[0], ps[len(ps)-1], true
	}
	law := func(cfg string) string {
		f, ok := r.Fits[cfg]
		if !ok {
			return fmt.Sprintf("no law could be fitted (%v)", r.FitErrs[cfg])
		}
		return fmt.Sprintf("P = (c/N)^α with α = %.3f and R² = %.2f", f.Alpha, f.R2)
	}
	if n0, n1, p0, p1, ok := ends(VQQ, "all"); ok {
		fmt.Fprintf(&b, "**Finding 1.** With the question fused, accuracy over all questions goes from %.3f at N = %g to %.3f at N = %g: %s (threshold R² ≥ %.1f, no dip over %.2f); %s.",
			p0, n0, p1, n1, law(VQQ), MinR2, MonotoneSlack, verdict(0))
		if _, _, l0, l1, ok := ends(VQQ, "local"); ok {
			_, _, g0, g1, _ := ends(VQQ, "global")
			fmt.Fprintf(&b, " Local questions go from %.3f to %.3f, global ones from %.3f to %.3f: the fused tokens can all repeat the answer (the asked cell's colour, or the count), and each added token makes it easier to hear through the channel's noise.", l0, l1, g0, g1)
		}
		b.WriteString("\n\n")
	}
	if n0, n1, p0, p1, ok := ends(VQFT, "all"); ok {
		fmt.Fprintf(&b, "**Finding 2.** With the question dropped and the model fine-tuned, accuracy goes from %.3f at N = %g to %.3f at N = %g: %s.", p0, n0, p1, n1, law(VQFT))
		fq, okq := r.Fits[VQQ]
		ff, okf := r.Fits[VQFT]
		if okq && okf {
			fmt.Fprintf(&b, " The two exponents are of the same order: α(VQQ)/α(VQ-ft) = %.2f (threshold %.1f–%.0f); %s.", fq.Alpha/ff.Alpha, AlphaRatioLo, AlphaRatioHi, verdict(1))
		}
		if _, _, l0, l1, ok := ends(VQFT, "local"); ok {
			_, _, g0, g1, _ := ends(VQFT, "global")
			if l1-l0 < (g1-g0)/2 {
				fmt.Fprintf(&b, " Here the rise comes mostly from the global question (%.3f → %.3f), while local accuracy moves less (%.3f → %.3f): without the question the tokens must carry every cell's colour, which gets through the noise only in part at these N.", g0, g1, l0, l1)
			} else {
				fmt.Fprintf(&b, " Local questions go from %.3f to %.3f, global ones from %.3f to %.3f.", l0, l1, g0, g1)
			}
		}
		b.WriteString("\n\n")
	}
	loc, glo := r.MeanDiff(VQFT, "local"), r.MeanDiff(VQFT, "global")
	if !math.IsNaN(loc) && !math.IsNaN(glo) {
		fmt.Fprintf(&b, "**Finding 3.** Fusing the question gains %+.3f on local questions and %+.3f on global ones (mean of P(VQQ) − P(VQ-ft) over N, Figure 11; threshold: local ≥ %.2f and above global); %s. A local question names the one cell that matters, so the fused tokens can spend the whole channel on it; a global question needs every cell whether or not the model knows it in advance.",
			loc, glo, MinLocalGain, verdict(2))
		if q := r.MeanDiff(VQ, "local"); !math.IsNaN(q) && q > 0 {
			fmt.Fprintf(&b, " Dropping the question from the question-fused model without fine-tuning (VQ, Figure 12) costs %.3f on local questions: that model never learned to do without it.", q)
		}
		b.WriteString("\n")
	}
	return b.String()
}
