package figures

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// constCurve is an estimate whose differences are identical steps in every
// pair: ĝ = 1, the bound equals Ê.
func constCurve(t *testing.T, name string, L int) branch.Curve {
	return constCurvePsi(t, name, L, true)
}

func constCurvePsi(t *testing.T, name string, L int, psi bool) branch.Curve {
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
	return branch.Curve{Model: name, Result: acc.Result(branch.Options{})}
}

func TestBranchFiguresWithData(t *testing.T) {
	data := Branch(constCurve(t, "A", 20), constCurve(t, "B", 30))
	for _, id := range []string{"fig3a", "fig3b", "fig4a", "fig4b", "fig10", "fig14", "branch-psi"} {
		f, err := Build(id, data, plots.Configs("B", "A"))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, err := f.Render("png"); err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		if _, err := Build(id); err == nil || !strings.Contains(err.Error(), "figures.Branch") {
			t.Errorf("%s without data: %v, want an error that says how to hand the estimates", id, err)
		}
	}
	f, _ := Build("fig3a", data)
	if strings.Contains(f.Title, "toy") || !strings.Contains(f.Title, "A, B") {
		t.Errorf("title %q does not name the models that drew it", f.Title)
	}
	if _, err := Build("fig3a", data, plots.Configs("C")); err == nil || !strings.Contains(err.Error(), `unknown model "C"`) {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := Build("fig3a", data, plots.Param("minpairs", 4)); err == nil || !strings.Contains(err.Error(), "lower minpairs") {
		t.Errorf("minpairs above the pair count: %v", err)
	}
	if _, err := Build("fig1", plots.Param("branches", 1)); err == nil {
		t.Errorf("fig1 with one branch accepted")
	}
}

// TestBranchFiguresOfToyAreToy: estimates of the built-in toy models say so
// in the titles.
func TestBranchFiguresOfToyAreToy(t *testing.T) {
	cs, err := branch.ToyCurves()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Build("fig3a", Branch(cs...))
	if err != nil || !strings.Contains(f.Title, "toy model") {
		t.Errorf("title of the toy estimates: %v %v", f, err)
	}
}

func TestBranchSummaryAndPsiNeedsPsi(t *testing.T) {
	cs := []branch.Curve{constCurvePsi(t, "A", 20, false)}
	h, rows := BranchSummary(cs)
	if len(h) != 8 || len(rows) != 1 || rows[0][0] != "A" || rows[0][1] != "3" {
		t.Errorf("summary %v %v", h, rows)
	}
	if _, err := Build("branch-psi", Branch(cs...)); err == nil || !strings.Contains(err.Error(), "Psi: true") {
		t.Errorf("branch-psi without ψ curves: %v", err)
	}
}
