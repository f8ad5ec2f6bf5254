package branch

import (
	"math"
	"testing"
)

func gResult(f func(n float64) float64, nmax, pairs int) Result {
	var res Result
	for n := 1; n <= nmax; n++ {
		r := Row{N: n, Pairs: pairs}
		if n >= 2 {
			r.G, r.HasG = f(float64(n)), true
		}
		res.Rows = append(res.Rows, r)
	}
	return res
}

// TestFitG: curves that are exact power laws (c/n)^α scaled per model by
// e^{±s} pool to the same α and β, so the joint fit recovers α and c exactly.
func TestFitG(t *testing.T) {
	c, alpha, s := 3.0, 0.4, 0.2
	law := func(k float64) func(float64) float64 {
		return func(n float64) float64 { return math.Exp(k) * math.Pow(c/n, alpha) }
	}
	// A third curve with non-positive values only adds dropped points.
	neg := gResult(func(n float64) float64 { return -0.1 }, 30, 10)
	res := []Result{gResult(law(s), 50, 10), gResult(law(-s), 50, 10), neg}
	fit, dropped, err := FitG(res, FitRange{NMax: 40})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(fit.Alpha-alpha) > 1e-9 || math.Abs(fit.C-c) > 1e-9*c || dropped != 29 {
		t.Errorf("alpha=%v c=%v dropped=%d, want %v %v 29", fit.Alpha, fit.C, dropped, alpha, c)
	}
	if len(fit.N) != 2*39 {
		t.Errorf("%d points, want %d", len(fit.N), 2*39)
	}
	// MinPairs and the n range filter points.
	few := gResult(law(0), 50, 1)
	if _, _, err := FitG([]Result{few}, FitRange{MinPairs: 2}); err == nil {
		t.Errorf("fit with no usable points succeeded")
	}
}
