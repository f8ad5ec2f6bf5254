package branch

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/scaling"
)

// FitRange selects the points of the Eq. 23 fit.
type FitRange struct {
	// NMin and NMax bound n (NMin < 2 means 2; NMax 0 means every n).
	NMin, NMax int
	// MinPairs skips the n estimated from fewer pairs (0 or 1: none).
	MinPairs int
}

// FitG fits one power law ĝ_m(n) ≈ (c/n)^α jointly over the curves of
// several models (Eq. 23, Fig. 10): the least squares of
// Σ_m Σ_n (β − α·log n − log ĝ_m(n))², which is lib/scaling's log–log fit
// over the pooled points, with c = exp(β/α). Only points with ĝ > 0 can enter
// a log–log fit; the others are counted in dropped (the paper does not give
// its n grid; docs/theory.md#the-eq-23-fit).
func FitG(results []Result, rg FitRange) (fit scaling.Fit, dropped int, err error) {
	var ns, gs []float64
	for _, res := range results {
		for _, r := range res.Rows {
			if !r.HasG || r.N < max(rg.NMin, 2) || (rg.NMax > 0 && r.N > rg.NMax) || r.Pairs < rg.MinPairs {
				continue
			}
			if !(r.G > 0) {
				dropped++
				continue
			}
			ns, gs = append(ns, float64(r.N)), append(gs, r.G)
		}
	}
	if len(ns) < 2 {
		return scaling.Fit{}, dropped, fmt.Errorf("branch: Eq. 23 fit: %d usable points (ĝ > 0 in the n range), need 2", len(ns))
	}
	fit, err = scaling.FitOLS(ns, gs)
	if err != nil {
		return scaling.Fit{}, dropped, fmt.Errorf("branch: Eq. 23 fit: %w", err)
	}
	return fit, dropped, nil
}
