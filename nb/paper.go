package nb

import (
	"fmt"
	"math"
	"strings"

	"github.com/tokenscale/tokenscale/lib/figures"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

// Table1 shows Table 1 of the paper refitted from Appendix D (Eq. 21-22,
// BFGS as the paper did) beside the printed values, for Vision Question
// Queries and Vision Queries (ft). It reads plots.Metrics (rows) and
// plots.Param("drop", N...) (values of N left out of the fit); with no
// options it is the paper's table. On error the cell fails.
func Table1(opts ...plots.Option) *Table {
	t, err := Table1Data(opts...)
	if err != nil {
		Fail(err)
		return nil
	}
	t.Show()
	return t
}

// Table1Data builds the table Table1 shows, without showing it.
func Table1Data(opts ...plots.Option) (*Table, error) {
	o := plots.NewOptions(opts...)
	drop := o.ParamOr("drop")
	printed := map[string]paperdata.Table1Entry{}
	for _, e := range paperdata.Table1() {
		printed[e.Metric.ID+"|"+string(e.Config)] = e
	}
	metrics := paperdata.Table1Metrics()
	if len(o.Metrics) > 0 {
		metrics = nil
		for _, name := range o.Metrics {
			m, ok := lookupMetric(name)
			if !ok {
				return nil, fmt.Errorf("nb: Table1: unknown metric %q", name)
			}
			metrics = append(metrics, m)
		}
	}
	cfgs := []paperdata.Config{paperdata.VQQ, paperdata.VQFT}
	t := &Table{Caption: "Table 1: P(N) = (c/N)^α refitted from Appendix D (BFGS in log space), beside the printed values",
		Header: []string{"metric", "VQQ c", "VQQ α", "printed c", "printed α", "VQ-ft c", "VQ-ft α", "printed c", "printed α"}}
	if len(drop) > 0 {
		t.Caption += fmt.Sprintf("; N = %v left out of the fit", drop)
	}
	var notes []string
	for _, m := range metrics {
		row := []string{m.Label()}
		for _, cfg := range cfgs {
			fit, _, _, err := figures.FitPoints(cfg, m, drop)
			if err != nil {
				return nil, err
			}
			p := printed[m.ID+"|"+string(cfg)]
			row = append(row, formatC(fit), fmt.Sprintf("%.4f", fit.Alpha), orDash(p.CText), orDash(p.AlphaText))
			if fit.Note != "" {
				notes = append(notes, fmt.Sprintf("%s, %s: %s.", m.Label(), cfg.Short(), fit.Note))
			}
			if p.Note != "" {
				notes = append(notes, fmt.Sprintf("%s, %s: %s.", m.Label(), cfg.Short(), p.Note))
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.Notes = strings.Join(notes, " ")
	return t, nil
}

// lookupMetric accepts a metric id or its short label ("MME").
func lookupMetric(name string) (paperdata.Metric, bool) {
	if m, ok := paperdata.LookupMetric(name); ok {
		return m, true
	}
	for _, m := range paperdata.Metrics() {
		if strings.EqualFold(m.Label(), strings.TrimSpace(name)) {
			return m, true
		}
	}
	return paperdata.Metric{}, false
}

func formatC(f scaling.Fit) string {
	if !f.CRepresentable() {
		if math.IsInf(f.LogC, 0) || math.IsNaN(f.LogC) {
			return "—"
		}
		return fmt.Sprintf("10^%.0f", f.Log10C())
	}
	return fmt.Sprintf("%.4e", f.C)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
