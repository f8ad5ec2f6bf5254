package analysis

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

// ScalingCurve is one metric's Appendix D points for one configuration with
// the fitted law: the data of one subplot of Figure 8 (VQQ) or 9 (VQ-ft).
type ScalingCurve struct {
	Metric paperdata.Metric
	Config paperdata.Config
	// N (ascending) and P are the printed points the law was fitted to;
	// DroppedN and DroppedP those left out of the fit (FitCurve's drop).
	N, P               []float64
	DroppedN, DroppedP []float64
	// Fit is the BFGS fit of Eq. 22 (as the paper did).
	Fit scaling.Fit
}

// FitCurve fits Eq. 22 (BFGS, as the paper did) to one metric's Appendix D
// points for cfg, leaving out the values of N in drop.
func FitCurve(cfg paperdata.Config, m paperdata.Metric, drop []float64) (ScalingCurve, error) {
	ns, ps, err := paperdata.Curve(cfg, m.ID)
	if err != nil {
		return ScalingCurve{}, fmt.Errorf("analysis: %w", err)
	}
	c := ScalingCurve{Metric: m, Config: cfg}
	for i := range ns {
		if slices.Contains(drop, ns[i]) {
			c.DroppedN, c.DroppedP = append(c.DroppedN, ns[i]), append(c.DroppedP, ps[i])
			continue
		}
		c.N, c.P = append(c.N, ns[i]), append(c.P, ps[i])
	}
	if c.Fit, err = scaling.FitBFGS(c.N, c.P); err != nil {
		return ScalingCurve{}, fmt.Errorf("analysis: fit %s, %s: %w", m.ID, cfg.Short(), err)
	}
	return c, nil
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

// Table1 refits Table 1 from Appendix D: every metric (nil: the 18 of
// Table 1, in its order) × {VQQ, VQ-ft}, with the values of N in drop left
// out of the fits (nil: the paper's table), beside the printed entries.
func Table1(metrics []paperdata.Metric, drop []float64) ([]Table1Row, error) {
	if metrics == nil {
		metrics = paperdata.Table1Metrics()
	}
	printed := map[string]paperdata.Table1Entry{}
	for _, e := range paperdata.Table1() {
		printed[e.Metric.ID+"|"+string(e.Config)] = e
	}
	var rows []Table1Row
	for _, m := range metrics {
		for _, cfg := range []paperdata.Config{paperdata.VQQ, paperdata.VQFT} {
			c, err := FitCurve(cfg, m, drop)
			if err != nil {
				return nil, err
			}
			r := Table1Row{Metric: m, Config: cfg, Fit: c.Fit, Printed: printed[m.ID+"|"+string(cfg)]}
			r.Note = joinNotes(r.Fit.Note, r.Printed.Note)
			rows = append(rows, r)
		}
	}
	return rows, nil
}

// FormatC writes c as Table 1 prints it (4 decimals and an exponent), or ""
// when c is not a float64 (α ≈ 0; the fit's Note says why).
func FormatC(f scaling.Fit) string {
	if !f.CRepresentable() {
		return ""
	}
	return strconv.FormatFloat(f.C, 'e', 4, 64)
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
