package scaling

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/optimize"
)

// FlatAlpha is the |α| below which a fit is called flat: the score hardly
// depends on N and c = exp(β/α) is meaningless.
const FlatAlpha = 0.01

// Natural-log limits of positive normal float64 values.
var (
	maxLogC = math.Log(math.MaxFloat64)
	minLogC = math.Log(0x1p-1022)
)

// ErrInput is wrapped by every error about bad input points.
var ErrInput = errors.New("scaling: bad input")

// Fit is a fitted scaling law P(N) = (c/N)^α, i.e. log P = Beta − Alpha·log N.
type Fit struct {
	// Method is "ols" (closed form) or "bfgs".
	Method string
	// Alpha and Beta are the fitted exponent and log-space intercept.
	Alpha, Beta float64
	// LogC = Beta/Alpha is the natural log of c (±Inf when Alpha == 0).
	LogC float64
	// C = exp(LogC), or NaN when it is not a normal float64 (see Note).
	C float64
	// Degenerate reports a flat fit (|Alpha| < FlatAlpha) or an
	// unrepresentable C. Note says which, in words, and also remarks on a
	// rising law (Alpha ≥ FlatAlpha: the score falls as N grows).
	Degenerate bool
	Note       string
	// R2 is the coefficient of determination in log space; MSE is Eq. 22's
	// objective at the optimum (mean squared log residual).
	R2, MSE float64
	// N and P are the fitted points; Residuals[i] = log P[i] − (Beta −
	// Alpha·log N[i]).
	N, P, Residuals []float64
}

// CRepresentable reports whether C is a finite, normal float64.
func (f Fit) CRepresentable() bool { return !math.IsNaN(f.C) }

// Log10C returns log₁₀ c, finite even when C itself is not representable.
func (f Fit) Log10C() float64 { return f.LogC / math.Ln10 }

// Predict returns the law's score at n tokens, exp(Beta − Alpha·log n).
func (f Fit) Predict(n float64) float64 { return math.Exp(f.Beta - f.Alpha*math.Log(n)) }

// Inverse returns the number of tokens N at which the law predicts score p:
// N = exp((Beta − log p)/Alpha). It fails for p ≤ 0 and for flat fits.
func (f Fit) Inverse(p float64) (float64, error) {
	if !(p > 0) || math.IsInf(p, 0) {
		return math.NaN(), fmt.Errorf("%w: score %g must be positive and finite", ErrInput, p)
	}
	if math.Abs(f.Alpha) < FlatAlpha {
		return math.NaN(), fmt.Errorf("scaling: α = %.4g is flat (|α| < %g): the score hardly depends on N", f.Alpha, FlatAlpha)
	}
	n := math.Exp((f.Beta - math.Log(p)) / f.Alpha)
	if math.IsInf(n, 0) || n == 0 {
		return n, fmt.Errorf("scaling: score %g is out of reach: N = exp(%.4g) is not representable", p, (f.Beta-math.Log(p))/f.Alpha)
	}
	return n, nil
}

// Curve returns k points of the fitted law with N spaced evenly in log N
// from lo to hi (for plotting against log₂ N).
func (f Fit) Curve(lo, hi float64, k int) (ns, ps []float64) {
	if k < 2 || !(lo > 0) || !(hi > lo) {
		return nil, nil
	}
	a, b := math.Log(lo), math.Log(hi)
	for i := range k {
		n := math.Exp(a + (b-a)*float64(i)/float64(k-1))
		ns = append(ns, n)
		ps = append(ps, f.Predict(n))
	}
	return ns, ps
}

// Check validates points for a fit: equal lengths, every N and P finite and
// positive, and at least two distinct N. The error names the first bad
// point by index.
func Check(n, p []float64) error {
	if len(n) != len(p) {
		return fmt.Errorf("%w: %d values of N but %d of P", ErrInput, len(n), len(p))
	}
	for i := range n {
		switch {
		case math.IsNaN(n[i]) || math.IsInf(n[i], 0):
			return fmt.Errorf("%w: point %d: N = %g is not finite", ErrInput, i, n[i])
		case n[i] <= 0:
			return fmt.Errorf("%w: point %d: N = %g must be > 0", ErrInput, i, n[i])
		case math.IsNaN(p[i]) || math.IsInf(p[i], 0):
			return fmt.Errorf("%w: point %d: P = %g is not finite", ErrInput, i, p[i])
		case p[i] <= 0:
			return fmt.Errorf("%w: point %d: P = %g must be > 0 (the law is fitted in log space)", ErrInput, i, p[i])
		}
	}
	if distinct(n) < 2 {
		return fmt.Errorf("%w: need at least 2 distinct values of N, got %d", ErrInput, distinct(n))
	}
	return nil
}

func distinct(n []float64) int {
	s := slices.Clone(n)
	sort.Float64s(s)
	return len(slices.Compact(s))
}

func logs(n, p []float64) (x, y []float64) {
	x, y = make([]float64, len(n)), make([]float64, len(n))
	for i := range n {
		x[i], y[i] = math.Log(n[i]), math.Log(p[i])
	}
	return x, y
}

// FitOLS fits the law by ordinary least squares in log space (closed form).
func FitOLS(n, p []float64) (Fit, error) {
	if err := Check(n, p); err != nil {
		return Fit{}, err
	}
	x, y := logs(n, p)
	mx, my := mean(x), mean(y)
	var sxx, sxy float64
	for i := range x {
		sxx += (x[i] - mx) * (x[i] - mx)
		sxy += (x[i] - mx) * (y[i] - my)
	}
	slope := sxy / sxx
	return finish("ols", n, p, my-slope*mx, -slope), nil
}

// FitBFGS fits the law by minimising Eq. 22 with gonum's BFGS from
// (β, α) = (0, 0), as the paper did with SciPy's default BFGS.
func FitBFGS(n, p []float64) (Fit, error) {
	if err := Check(n, p); err != nil {
		return Fit{}, err
	}
	x, y := logs(n, p)
	k := float64(len(x))
	prob := optimize.Problem{
		Func: func(v []float64) float64 {
			var s float64
			for i := range x {
				r := v[0] - v[1]*x[i] - y[i]
				s += r * r
			}
			return s / k
		},
		Grad: func(g, v []float64) {
			g[0], g[1] = 0, 0
			for i := range x {
				r := v[0] - v[1]*x[i] - y[i]
				g[0] += 2 * r / k
				g[1] -= 2 * r * x[i] / k
			}
		},
	}
	res, err := optimize.Minimize(prob, []float64{0, 0}, &optimize.Settings{GradientThreshold: 1e-12}, &optimize.BFGS{})
	// A line-search failure right at the optimum is reported as an error by
	// gonum, yet leaves the best point in res; only a missing or non-finite
	// result is a failure.
	if res == nil || math.IsNaN(res.F) || math.IsInf(res.F, 0) {
		return Fit{}, fmt.Errorf("scaling: BFGS: %v", err)
	}
	return finish("bfgs", n, p, res.X[0], res.X[1]), nil
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func finish(method string, n, p []float64, beta, alpha float64) Fit {
	f := Fit{Method: method, Alpha: alpha, Beta: beta, N: slices.Clone(n), P: slices.Clone(p)}
	x, y := logs(n, p)
	my := mean(y)
	var ssr, sst float64
	f.Residuals = make([]float64, len(x))
	for i := range x {
		r := y[i] - (beta - alpha*x[i])
		f.Residuals[i] = r
		ssr += r * r
		sst += (y[i] - my) * (y[i] - my)
	}
	f.MSE = ssr / float64(len(x))
	f.R2 = 1 - ssr/sst
	if sst == 0 {
		f.R2 = math.NaN() // constant scores: nothing to explain
	}
	f.LogC = beta / alpha
	f.C = math.Exp(f.LogC)
	var notes []string
	if math.Abs(alpha) < FlatAlpha {
		f.Degenerate = true
		notes = append(notes, fmt.Sprintf("flat fit: |α| = %.2g < %g, the score hardly depends on N, so c = exp(β/α) is ill-conditioned", math.Abs(alpha), FlatAlpha))
	}
	if alpha >= FlatAlpha {
		notes = append(notes, fmt.Sprintf("α = %.4f > 0: the fitted score falls as N grows", alpha))
	}
	if math.IsNaN(f.LogC) || f.LogC > maxLogC || f.LogC < minLogC {
		f.Degenerate = true
		f.C = math.NaN()
		if math.IsInf(f.LogC, 0) || math.IsNaN(f.LogC) {
			notes = append(notes, "c is undefined (α = 0)")
		} else {
			notes = append(notes, fmt.Sprintf("c = 10^%.1f is outside the float64 range", f.Log10C()))
		}
	}
	for i, s := range notes {
		if i == 0 {
			f.Note = s
		} else {
			f.Note += "; " + s
		}
	}
	return f
}

// BootstrapOptions configures BootstrapAlpha.
type BootstrapOptions struct {
	// Resamples is the number of bootstrap resamples (default 2000).
	Resamples int
	// Level is the two-sided confidence level (default 0.95).
	Level float64
	// Seed makes the interval reproducible.
	Seed uint64
}

// BootstrapAlpha returns a percentile bootstrap confidence interval for α:
// the points are resampled with replacement, each resample is refitted in
// closed form (resamples with fewer than two distinct N are drawn again),
// and the (1−Level)/2 and (1+Level)/2 quantiles of α are returned.
func BootstrapAlpha(n, p []float64, opt BootstrapOptions) (lo, hi float64, err error) {
	if err := Check(n, p); err != nil {
		return math.NaN(), math.NaN(), err
	}
	if opt.Resamples <= 0 {
		opt.Resamples = 2000
	}
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	if !(opt.Level > 0 && opt.Level < 1) {
		return math.NaN(), math.NaN(), fmt.Errorf("%w: confidence level %g not in (0, 1)", ErrInput, opt.Level)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	k := len(n)
	alphas := make([]float64, 0, opt.Resamples)
	bn, bp := make([]float64, k), make([]float64, k)
	for tries := 0; len(alphas) < opt.Resamples; tries++ {
		if tries > 100*opt.Resamples {
			return math.NaN(), math.NaN(), fmt.Errorf("scaling: bootstrap: too few resamples with 2 distinct N")
		}
		for i := range k {
			j := rng.IntN(k)
			bn[i], bp[i] = n[j], p[j]
		}
		if distinct(bn) < 2 {
			continue
		}
		f, err := FitOLS(bn, bp)
		if err != nil {
			return math.NaN(), math.NaN(), err
		}
		alphas = append(alphas, f.Alpha)
	}
	sort.Float64s(alphas)
	return quantile(alphas, (1-opt.Level)/2), quantile(alphas, (1+opt.Level)/2), nil
}

// quantile of sorted v by linear interpolation.
func quantile(v []float64, q float64) float64 {
	pos := q * float64(len(v)-1)
	i := int(math.Floor(pos))
	if i >= len(v)-1 {
		return v[len(v)-1]
	}
	return v[i] + (pos-float64(i))*(v[i+1]-v[i])
}
