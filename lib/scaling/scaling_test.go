package scaling

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

var paperNs = []float64{1, 8, 16, 32, 64, 128, 256, 384, 512, 768}

// law evaluates (c/N)^α directly (not through the package).
func law(c, alpha float64, ns []float64) []float64 {
	ps := make([]float64, len(ns))
	for i, n := range ns {
		ps[i] = math.Pow(c/n, alpha)
	}
	return ps
}

func close(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func TestExactPowerLaws(t *testing.T) {
	for _, tc := range []struct{ c, alpha float64 }{
		{1e-59, -0.05},  // MME-like: tiny c, weak negative α
		{2e-5, -0.37},   // OCRBench-like
		{1000, 0.5},     // decreasing score
		{3e10, -1},      // P ∝ N
		{7.5e49, 0.034}, // RealWorldQA (ft)-like
	} {
		ps := law(tc.c, tc.alpha, paperNs)
		for _, fit := range []func([]float64, []float64) (Fit, error){FitOLS, FitBFGS} {
			f, err := fit(paperNs, ps)
			if err != nil {
				t.Fatal(err)
			}
			if !close(f.Alpha, tc.alpha, 1e-9) || !close(f.LogC, math.Log(tc.c), 1e-7) {
				t.Errorf("%s c=%g α=%g: got c=%g α=%g", f.Method, tc.c, tc.alpha, f.C, f.Alpha)
			}
			if !close(f.C, tc.c, 1e-6) || f.Degenerate {
				t.Errorf("%s c=%g: C=%g degenerate=%v (%s)", f.Method, tc.c, f.C, f.Degenerate, f.Note)
			}
			if f.R2 < 1-1e-12 || f.MSE > 1e-20 {
				t.Errorf("%s: exact law gives R²=%g MSE=%g", f.Method, f.R2, f.MSE)
			}
			for i, n := range paperNs {
				if !close(f.Predict(n), ps[i], 1e-8) {
					t.Errorf("%s: Predict(%g) = %g, want %g", f.Method, n, f.Predict(n), ps[i])
				}
				back, err := f.Inverse(ps[i])
				if err != nil || !close(back, n, 1e-6) {
					t.Errorf("%s: Inverse(%g) = %g, %v; want %g", f.Method, ps[i], back, err, n)
				}
			}
		}
	}
}

// Noisy data around a known law: log P = log((c/N)^α) + ε, ε ~ N(0, σ²).
// The slope's standard error is σ/sqrt(Σ(x−x̄)²); the fit must land within a
// few of them, and the bootstrap interval must cover the true α.
func TestNoisyKnownAlpha(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const alpha, c, sigma = -0.2, 1e-6, 0.02
	var ns []float64
	for rep := 0; rep < 5; rep++ {
		ns = append(ns, paperNs...)
	}
	ps := law(c, alpha, ns)
	for i := range ps {
		ps[i] *= math.Exp(sigma * rng.NormFloat64())
	}
	f, err := FitOLS(ns, ps)
	if err != nil {
		t.Fatal(err)
	}
	var mx, sxx float64
	for _, n := range ns {
		mx += math.Log(n) / float64(len(ns))
	}
	for _, n := range ns {
		sxx += (math.Log(n) - mx) * (math.Log(n) - mx)
	}
	se := sigma / math.Sqrt(sxx)
	if math.Abs(f.Alpha-alpha) > 4*se {
		t.Errorf("α = %g, true %g (SE %g)", f.Alpha, alpha, se)
	}
	if f.R2 < 0.9 || f.R2 >= 1 {
		t.Errorf("R² = %g", f.R2)
	}
	lo, hi, err := BootstrapAlpha(ns, ps, BootstrapOptions{Resamples: 1000, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if !(lo < alpha && alpha < hi) || !(lo < f.Alpha && f.Alpha < hi) || hi-lo > 12*se {
		t.Errorf("bootstrap CI [%g, %g] vs true α %g, fit %g, SE %g", lo, hi, alpha, f.Alpha, se)
	}
	lo2, hi2, _ := BootstrapAlpha(ns, ps, BootstrapOptions{Resamples: 1000, Seed: 7})
	if lo2 != lo || hi2 != hi {
		t.Error("bootstrap with the same seed gave a different interval")
	}
	g, err := FitBFGS(ns, ps)
	if err != nil {
		t.Fatal(err)
	}
	if !close(g.Alpha, f.Alpha, 1e-8) || !close(g.Beta, f.Beta, 1e-8) {
		t.Errorf("BFGS (%g, %g) vs OLS (%g, %g)", g.Beta, g.Alpha, f.Beta, f.Alpha)
	}
}

// The residuals of the closed form are orthogonal to 1 and log N (the
// normal equations), and MSE is their mean square.
func TestResiduals(t *testing.T) {
	ps := []float64{24, 221, 268, 320, 386, 438, 448, 445, 472, 493}
	f, err := FitOLS(paperNs, ps)
	if err != nil {
		t.Fatal(err)
	}
	var s0, s1, ss float64
	for i, r := range f.Residuals {
		s0 += r
		s1 += r * math.Log(paperNs[i])
		ss += r * r
	}
	if math.Abs(s0) > 1e-9 || math.Abs(s1) > 1e-9 || !close(ss/10, f.MSE, 1e-12) {
		t.Errorf("Σr = %g, Σr·logN = %g, MSE %g vs %g", s0, s1, f.MSE, ss/10)
	}
}

func TestDegenerate(t *testing.T) {
	// Nearly flat scores near 40: α ≈ 0, c = exp(β/α) far outside float64.
	ps := []float64{44.967, 45.882, 47.712, 49.412, 49.673, 45.882, 45.621, 40.000, 49.150, 50.850}
	f, err := FitOLS(paperNs, ps)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Degenerate || f.CRepresentable() || !strings.Contains(f.Note, "flat") || !strings.Contains(f.Note, "outside the float64 range") {
		t.Errorf("want a degenerate fit, got α=%g C=%g note %q", f.Alpha, f.C, f.Note)
	}
	if math.IsNaN(f.Predict(100)) || f.Predict(100) < 40 || f.Predict(100) > 51 {
		t.Errorf("Predict of a degenerate fit = %g", f.Predict(100))
	}
	if _, err := f.Inverse(45); err == nil {
		t.Error("Inverse of a flat fit: no error")
	}
	// Exactly constant scores: α = 0, c undefined.
	g, err := FitOLS([]float64{1, 2, 4}, []float64{5, 5, 5})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Degenerate || g.CRepresentable() || g.Alpha != 0 {
		t.Errorf("constant scores: %+v", g)
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n, p  []float64
		inMsg string
	}{
		{"length", []float64{1, 2}, []float64{1}, "2 values of N but 1"},
		{"N zero", []float64{0, 2}, []float64{1, 2}, "N = 0 must be > 0"},
		{"N negative", []float64{1, -2}, []float64{1, 2}, "point 1: N = -2"},
		{"P zero", []float64{1, 2}, []float64{0, 2}, "P = 0 must be > 0"},
		{"P NaN", []float64{1, 2}, []float64{math.NaN(), 2}, "not finite"},
		{"N Inf", []float64{math.Inf(1), 2}, []float64{1, 2}, "not finite"},
		{"one N", []float64{8, 8, 8}, []float64{1, 2, 3}, "at least 2 distinct"},
		{"empty", nil, nil, "at least 2 distinct"},
	} {
		for _, fit := range []func([]float64, []float64) (Fit, error){FitOLS, FitBFGS} {
			_, err := fit(tc.n, tc.p)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), tc.inMsg) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.inMsg)
			}
		}
	}
	f, _ := FitOLS(paperNs, law(1e-5, -0.3, paperNs))
	if _, err := f.Inverse(-1); !errors.Is(err, ErrInput) {
		t.Errorf("Inverse(-1): %v", err)
	}
	if _, _, err := BootstrapAlpha(paperNs, law(1e-5, -0.3, paperNs), BootstrapOptions{Level: 1.5}); err == nil {
		t.Error("level 1.5: no error")
	}
}

func TestCurve(t *testing.T) {
	f, _ := FitOLS(paperNs, law(1e-5, -0.3, paperNs))
	ns, ps := f.Curve(1, 768, 50)
	if len(ns) != 50 || !close(ns[0], 1, 1e-12) || !close(ns[49], 768, 1e-12) || !close(ps[49], math.Pow(1e-5/768, -0.3), 1e-9) {
		t.Errorf("Curve: %v … %v", ns[:2], ps[len(ps)-2:])
	}
}

func ExampleFitOLS() {
	// OCRBench Final Score of the paper's model (Vision Question Queries).
	ns := []float64{1, 8, 16, 32, 64, 128, 256, 384, 512, 768}
	ps := []float64{24, 221, 268, 320, 386, 438, 448, 445, 472, 493}
	f, _ := FitOLS(ns, ps)
	fmt.Printf("c = %.4e, alpha = %.4f\n", f.C, f.Alpha) // Table 1: 1.6755e-05, -0.3727
	n, _ := f.Inverse(400)
	fmt.Printf("score 400 needs N ≈ %.0f\n", n) // from the printed pair: 1.6755e-05 · 400^(1/0.3727) ≈ 160.7
	// Output:
	// c = 1.6755e-05, alpha = -0.3727
	// score 400 needs N ≈ 160
}
