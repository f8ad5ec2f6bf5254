package analysis

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

// DiffSeries is ΔP = P_A − P_B of one metric at every N: the bars of one
// metric in Figure 11 (A = VQQ, B = VQ-ft) or Figure 12 (A = VQQ, B = VQ).
type DiffSeries struct {
	Metric paperdata.Metric
	A, B   paperdata.Config
	// N ascending; Delta[i] = PA[i] − PB[i].
	N        []int
	PA, PB   []float64
	Delta    []float64
	Min, Max float64 // range of Delta
}

// Differences returns ΔP = P_a − P_b for every given metric (nil: all 26
// Appendix D metrics, in the appendix's order).
func Differences(a, b paperdata.Config, metrics []paperdata.Metric) ([]DiffSeries, error) {
	if metrics == nil {
		metrics = paperdata.Metrics()
	}
	out := make([]DiffSeries, 0, len(metrics))
	for _, m := range metrics {
		_, pa, err := paperdata.Curve(a, m.ID)
		if err != nil {
			return nil, fmt.Errorf("analysis: %w", err)
		}
		_, pb, err := paperdata.Curve(b, m.ID)
		if err != nil {
			return nil, fmt.Errorf("analysis: %w", err)
		}
		d := DiffSeries{Metric: m, A: a, B: b, N: paperdata.Ns(), PA: pa, PB: pb}
		for i := range pa {
			d.Delta = append(d.Delta, pa[i]-pb[i])
		}
		d.Min, d.Max = minMax(d.Delta)
		out = append(out, d)
	}
	return out, nil
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}
