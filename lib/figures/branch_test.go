package figures

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// constCurve is an estimate whose differences are identical steps in every
// pair: ĝ = 1, the bound equals Ê.
func constCurve(t *testing.T, name string, L int) BranchCurve {
	return constCurvePsi(t, name, L, true)
}

func constCurvePsi(t *testing.T, name string, L int, psi bool) BranchCurve {
	t.Helper()
	var acc branch.Accumulator
	for k := 1; k <= 3; k++ {
		var x, y [][]float64
		for i := 0; i < L; i++ {
			x = append(x, []float64{float64(k), 1})
			y = append(y, []float64{0, 1})
		}
		c, err := branch.ComputePair(x, y, branch.PairOptions{Psi: psi})
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	return BranchCurve{Model: name, Result: acc.Result(branch.Options{})}
}

func TestBranchFiguresWithSetData(t *testing.T) {
	SetBranchCurves(constCurve(t, "A", 20), constCurve(t, "B", 30))
	defer SetBranchCurves()
	for _, id := range []string{"fig3a", "fig3b", "fig4a", "fig4b", "fig10", "fig14", "branch-psi"} {
		f, err := Build(id, plots.Configs("B", "A"))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, err := f.Render("png"); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
	}
	f, _ := Build("fig3a")
	if strings.Contains(f.Title, "toy") || !strings.Contains(f.Title, "A, B") {
		t.Errorf("title %q does not name the models that drew it", f.Title)
	}
	if _, err := Build("fig3a", plots.Configs("C")); err == nil || !strings.Contains(err.Error(), `unknown model "C"`) {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := Build("fig3a", plots.Param("minpairs", 4)); err == nil || !strings.Contains(err.Error(), "lower minpairs") {
		t.Errorf("minpairs above the pair count: %v", err)
	}
}

func TestBranchFiguresDefaultAreToy(t *testing.T) {
	cs, err := BranchCurves()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		if !strings.HasPrefix(c.Model, "toy") || c.Result.Pairs == 0 {
			t.Errorf("default curve %q with %d pairs", c.Model, c.Result.Pairs)
		}
	}
	f, err := Build("fig3a")
	if err != nil || !strings.Contains(f.Title, "toy model") {
		t.Errorf("default title %v %v", f, err)
	}
	if _, err := Build("fig1", plots.Param("branches", 1)); err == nil {
		t.Errorf("fig1 with one branch accepted")
	}
}

func TestBranchSummaryAndPsiNeedsPsi(t *testing.T) {
	SetBranchCurves(constCurvePsi(t, "A", 20, false))
	defer SetBranchCurves()
	h, rows, err := BranchSummary()
	if err != nil || len(h) != 8 || len(rows) != 1 || rows[0][0] != "A" || rows[0][1] != "3" {
		t.Errorf("summary %v %v %v", h, rows, err)
	}
	if _, err := Build("branch-psi"); err == nil || !strings.Contains(err.Error(), "Psi: true") {
		t.Errorf("branch-psi without ψ curves: %v", err)
	}
}
