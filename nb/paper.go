package nb

import (
	"fmt"
	"strings"

	"github.com/tokenscale/tokenscale/lib/analysis"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
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
	var metrics []paperdata.Metric // nil: Table 1's
	for _, name := range o.Metrics {
		m, ok := lookupMetric(name)
		if !ok {
			return nil, fmt.Errorf("nb: Table1: unknown metric %q", name)
		}
		metrics = append(metrics, m)
	}
	rows, err := analysis.Table1(metrics, drop)
	if err != nil {
		return nil, err
	}
	t := &Table{Caption: "Table 1: P(N) = (c/N)^α refitted from Appendix D (BFGS in log space), beside the printed values",
		Header: []string{"metric", "VQQ c", "VQQ α", "printed c", "printed α", "VQ-ft c", "VQ-ft α", "printed c", "printed α"}}
	if len(drop) > 0 {
		t.Caption += fmt.Sprintf("; N = %v left out of the fit", drop)
	}
	var notes []string
	for i := 0; i+1 < len(rows); i += 2 { // VQQ, then VQ-ft, per metric
		row := []string{rows[i].Metric.Label()}
		for _, r := range rows[i : i+2] {
			row = append(row, orDash(analysis.FormatC(r.Fit)), fmt.Sprintf("%.4f", r.Fit.Alpha), orDash(r.Printed.CText), orDash(r.Printed.AlphaText))
			for _, note := range []string{r.Fit.Note, r.Printed.Note} {
				if note != "" {
					notes = append(notes, fmt.Sprintf("%s, %s: %s.", r.Metric.Label(), r.Config.Short(), note))
				}
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

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
