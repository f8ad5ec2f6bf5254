package analysis

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

// ScalingCurve is one metric's Appendix D points for one configuration with
// the fitted law: the data of one subplot of Figure 8 (VQQ) or 9 (VQ-ft).
type ScalingCurve struct {
	Metric paperdata.Metric
	Config paperdata.Config
	// N (ascending) and P are the ten printed points.
	N, P []float64
	// Fit is the BFGS fit of Eq. 22 (as the paper did).
	Fit scaling.Fit
}

// ScalingCurves fits every given metric for one configuration (nil metrics:
// the 18 of Table 1, in its order).
func ScalingCurves(cfg paperdata.Config, metrics []paperdata.Metric) ([]ScalingCurve, error) {
	if metrics == nil {
		metrics = paperdata.Table1Metrics()
	}
	out := make([]ScalingCurve, 0, len(metrics))
	for _, m := range metrics {
		ns, ps, err := paperdata.Curve(cfg, m.ID)
		if err != nil {
			return nil, err
		}
		f, err := scaling.FitBFGS(ns, ps)
		if err != nil {
			return nil, fmt.Errorf("analysis: fit %s %s: %w", cfg, m.ID, err)
		}
		out = append(out, ScalingCurve{Metric: m, Config: cfg, N: ns, P: ps, Fit: f})
	}
	return out, nil
}

// Table1Row is one row of our reproduction of Table 1 with the printed entry
// beside it.
type Table1Row struct {
	Metric  paperdata.Metric
	Config  paperdata.Config
	Fit     scaling.Fit
	Printed paperdata.Table1Entry
	// Note explains a degenerate fit or a departure from the printed layout;
	// empty for ordinary rows.
	Note string
}

// Table1 refits Table 1 from Appendix D: 18 metrics × {VQQ, VQ-ft}, in the
// table's order.
func Table1() ([]Table1Row, error) {
	printed := map[string]paperdata.Table1Entry{}
	for _, e := range paperdata.Table1() {
		printed[e.Metric.ID+"|"+string(e.Config)] = e
	}
	var rows []Table1Row
	for _, m := range paperdata.Table1Metrics() {
		for _, cfg := range []paperdata.Config{paperdata.VQQ, paperdata.VQFT} {
			curves, err := ScalingCurves(cfg, []paperdata.Metric{m})
			if err != nil {
				return nil, err
			}
			r := Table1Row{Metric: m, Config: cfg, Fit: curves[0].Fit, Printed: printed[m.ID+"|"+string(cfg)]}
			r.Note = joinNotes(r.Fit.Note, r.Printed.Note)
			rows = append(rows, r)
		}
	}
	return rows, nil
}

func joinNotes(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "; " + b
}
