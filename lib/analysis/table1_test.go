package analysis

import (
	"math"
	"strconv"
	"testing"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

// TestTable1Reproduced refits Table 1 from the Appendix D numbers and checks
// it against the printed table (embedded table1.csv): every printed α to
// the 4 printed decimals, every printed c within 1%.
func TestTable1Reproduced(t *testing.T) {
	rows, err := Table1(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 36 {
		t.Fatalf("%d rows, want 36", len(rows))
	}
	for _, r := range rows {
		p := r.Printed
		if !p.Printed {
			// Only RealWorldQA VQQ is blank; its fit must be flagged.
			if r.Metric.ID != "Overall@RealWorldQA" || r.Config != paperdata.VQQ {
				t.Errorf("%s %s: blank printed cell", r.Metric.ID, r.Config)
			}
			if !r.Fit.Degenerate || r.Fit.CRepresentable() || r.Note == "" {
				t.Errorf("RealWorldQA VQQ: want a degenerate fit with a note, got %+v", r.Fit)
			}
			continue
		}
		if got := strconv.FormatFloat(r.Fit.Alpha, 'f', 4, 64); got != p.AlphaText {
			t.Errorf("%s %s: α = %s, printed %s", r.Metric.ID, r.Config, got, p.AlphaText)
		}
		if rel := math.Abs(r.Fit.C-p.C) / p.C; !(rel < 0.01) {
			t.Errorf("%s %s: c = %.4e, printed %s (%.2f%% off)", r.Metric.ID, r.Config, r.Fit.C, p.CText, 100*rel)
		}
		t.Logf("%-26s %-24s c %.4e (printed %s, %+.3f%%)  α %.4f", r.Metric.ID, r.Config, r.Fit.C, p.CText, 100*(r.Fit.C-p.C)/p.C, r.Fit.Alpha)
	}
}
