package analysis

import (
	"fmt"
	"math"
	"strings"

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

// Differences returns ΔP = P_a − P_b for every given metric (nil: the 18 of
// Table 1, in its order; paperdata.Metrics() for all 26).
func Differences(a, b paperdata.Config, metrics []paperdata.Metric) ([]DiffSeries, error) {
	if metrics == nil {
		metrics = paperdata.Table1Metrics()
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

// DiffPanel is one panel of Figure 11 or 12: series on a common scale.
type DiffPanel struct {
	Title    string
	Series   []DiffSeries
	Min, Max float64 // range of ΔP over the panel's series
}

// DiffPanels splits series into the panels of Figures 11 and 12 by scale
// and sign (the paper does not state its rule; this is the one the figures
// draw): scores in the thousands (MME), scores in the hundreds
// (OCRBench), then the percentage metrics whose ΔP is never negative, then
// the others. A panel of large-scale metrics is titled by their labels.
// Empty panels are left out.
func DiffPanels(series []DiffSeries) []DiffPanel {
	var huge, large, pos, mixed []DiffSeries
	for _, d := range series {
		scale := 0.0
		for i := range d.PA {
			scale = math.Max(scale, math.Max(math.Abs(d.PA[i]), math.Abs(d.PB[i])))
		}
		switch {
		case scale > 1000:
			huge = append(huge, d)
		case scale > 100:
			large = append(large, d)
		case d.Min >= 0:
			pos = append(pos, d)
		default:
			mixed = append(mixed, d)
		}
	}
	labels := func(s []DiffSeries) string {
		var l []string
		for _, d := range s {
			l = append(l, d.Metric.Label())
		}
		return strings.Join(l, ", ")
	}
	var out []DiffPanel
	for _, p := range []DiffPanel{{Title: labels(huge), Series: huge}, {Title: labels(large), Series: large},
		{Title: "ΔP ≥ 0 at every N", Series: pos}, {Title: "ΔP < 0 at some N", Series: mixed}} {
		if len(p.Series) == 0 {
			continue
		}
		p.Min, p.Max = p.Series[0].Min, p.Series[0].Max
		for _, s := range p.Series[1:] {
			p.Min, p.Max = min(p.Min, s.Min), max(p.Max, s.Max)
		}
		out = append(out, p)
	}
	return out
}
