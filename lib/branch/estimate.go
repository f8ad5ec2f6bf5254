package branch

import (
	"fmt"
	"math"
	"strings"
)

// LambdaMode chooses λ of the bound λ·sqrt(n + n(n−1)ĝ(n)) (Eq. 17–18; the
// paper's own formula was lost; docs/theory.md#the-bound-and-λ).
type LambdaMode int

const (
	// LambdaLSQ fits λ by least squares, min_λ Σ_n (λ·h(n) − Ê(n))², which
	// has the closed form λ = Σ h·Ê / Σ h². It is what the authors' later
	// code does (with an iterative minimiser) and is the default.
	LambdaLSQ LambdaMode = iota
	// LambdaSup is the supremum over n of sqrt(mean_k (wᵀd_n)²), the σ of
	// Assumption 1 taken in the projected space.
	LambdaSup
	// LambdaFirst is Ê(1), which makes the bound tight at n = 1 (h(1) = 1).
	LambdaFirst
)

// String returns "lsq", "sup" or "first".
func (m LambdaMode) String() string {
	switch m {
	case LambdaLSQ:
		return "lsq"
	case LambdaSup:
		return "sup"
	case LambdaFirst:
		return "first"
	}
	return fmt.Sprintf("LambdaMode(%d)", int(m))
}

// ParseLambdaMode parses "lsq", "sup" or "first".
func ParseLambdaMode(s string) (LambdaMode, error) {
	switch strings.ToLower(s) {
	case "lsq", "":
		return LambdaLSQ, nil
	case "sup":
		return LambdaSup, nil
	case "first":
		return LambdaFirst, nil
	}
	return 0, fmt.Errorf("branch: unknown lambda mode %q (want lsq, sup or first)", s)
}

// DiffMode chooses the discrete difference of Eq. 13.
type DiffMode int

const (
	// Forward is Δĝ(n) = ĝ(n+1) − ĝ(n), the default.
	Forward DiffMode = iota
	// Backward is Δĝ(n) = ĝ(n) − ĝ(n−1).
	Backward
)

// String returns "forward" or "backward".
func (m DiffMode) String() string {
	if m == Backward {
		return "backward"
	}
	return "forward"
}

// ParseDiffMode parses "forward" or "backward".
func ParseDiffMode(s string) (DiffMode, error) {
	switch strings.ToLower(s) {
	case "forward", "":
		return Forward, nil
	case "backward":
		return Backward, nil
	}
	return 0, fmt.Errorf("branch: unknown difference %q (want forward or backward)", s)
}

// Default thresholds. The paper's values of ε and δ (§3.5, Figure 4) were
// lost from its text; see docs/theory.md#defaults.
const (
	DefaultEpsilon = 0.1
	DefaultDelta   = 1e-3
)

// Options controls how an Accumulator's sums become a Result. The zero value
// gives the defaults.
type Options struct {
	Lambda LambdaMode
	// Epsilon is the ratio threshold ε (Eq. 12); 0 means DefaultEpsilon.
	Epsilon float64
	// Delta is the difference threshold δ (Eq. 14); 0 means DefaultDelta.
	Delta float64
	// Difference chooses the forward (default) or backward difference.
	Difference DiffMode
	// RobustDelta requires |Δĝ(m)| < δ for every m ≥ n (a stricter Eq. 14), instead
	// of the first n only.
	RobustDelta bool
	// MinPairs drops the rows with fewer pairs than this (the tail where the
	// estimates are noisy); 0 or 1 keeps every n with at least one pair.
	MinPairs int
	// MaxN keeps only n ≤ MaxN; 0 means no limit.
	MaxN int
}

func (o Options) epsilon() float64 {
	if o.Epsilon <= 0 {
		return DefaultEpsilon
	}
	return o.Epsilon
}

func (o Options) delta() float64 {
	if o.Delta <= 0 {
		return DefaultDelta
	}
	return o.Delta
}

// Accumulator sums the curves of many pairs. Its memory is O(max L), not
// O(pairs). The zero value is ready to use.
type Accumulator struct {
	d             int
	pairs         int
	emptyPairs    int
	zeroSteps     int
	pairsWithZero int
	zeroStates    int
	psi           bool

	count []int
	eMean []float64 // Welford mean and M2 of E_k(n)
	eM2   []float64
	gMean []float64
	gM2   []float64
	proj2 []float64
	zeros []int

	peq, paa, pbb, pab []float64
	dMean, dM2         []float64
}

// Add adds one pair's curve.
func (a *Accumulator) Add(c PairCurve) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if c.L == 0 {
		a.emptyPairs++
		return nil
	}
	if a.pairs == 0 {
		a.d = c.D
		a.psi = c.HasPsi()
	} else if c.D != a.d {
		return fmt.Errorf("branch: pair with hidden size %d after pairs of hidden size %d", c.D, a.d)
	}
	if a.psi && !c.HasPsi() {
		a.psi = false // mixed curves: no ψ estimate
	}
	a.pairs++
	for len(a.count) < c.L {
		a.count = append(a.count, 0)
		a.eMean, a.eM2 = append(a.eMean, 0), append(a.eM2, 0)
		a.gMean, a.gM2 = append(a.gMean, 0), append(a.gM2, 0)
		a.proj2 = append(a.proj2, 0)
		a.zeros = append(a.zeros, 0)
		a.peq, a.paa, a.pbb, a.pab = append(a.peq, 0), append(a.paa, 0), append(a.pbb, 0), append(a.pab, 0)
		a.dMean, a.dM2 = append(a.dMean, 0), append(a.dM2, 0)
	}
	z := 0
	for i := 0; i < c.L; i++ {
		a.count[i]++
		k := float64(a.count[i])
		welford(&a.eMean[i], &a.eM2[i], c.E[i], k)
		welford(&a.gMean[i], &a.gM2[i], c.G[i], k)
		a.proj2[i] += c.Proj2[i]
		if c.Zero[i] {
			a.zeros[i]++
			z++
		}
		if a.psi {
			a.peq[i] += c.PsiEqual[i]
			a.paa[i] += c.PsiAA[i]
			a.pbb[i] += c.PsiBB[i]
			a.pab[i] += c.PsiAB[i]
			welford(&a.dMean[i], &a.dM2[i], c.Dist[i], k)
		}
	}
	a.zeroSteps += z
	if z > 0 {
		a.pairsWithZero++
	}
	a.zeroStates += c.ZeroStates
	return nil
}

func welford(mean, m2 *float64, x, k float64) {
	d := x - *mean
	*mean += d / k
	*m2 += d * (x - *mean)
}

// Pairs returns the number of non-empty pairs added.
func (a *Accumulator) Pairs() int { return a.pairs }

// Row is the estimate at one branch length n. Fields whose Has flag is false
// are undefined there and hold 0.
type Row struct {
	N     int // branch length n
	Pairs int // |S_n|, the pairs with L_k ≥ n
	// E is Ê(n) (Eq. 15) and EStd its standard deviation over the pairs
	// (population, as numpy's std).
	E, EStd float64
	// G is ĝ(n) (Eq. 16) and GStd its spread over pairs; defined for n ≥ 2.
	G, GStd float64
	HasG    bool
	// H is h(n) = sqrt(n + n(n−1)ĝ(n)) (h(1) = 1) and Bound = λ·H (Eq. 17).
	H, Bound float64
	// R is r(n) = 1/((n−1)ĝ(n)) (Eq. 11); defined for n ≥ 2 with ĝ(n) > 0.
	R    float64
	HasR bool
	// DG is Δĝ(n) (Eq. 13), forward or backward as chosen.
	DG    float64
	HasDG bool
	// ProjRMS = sqrt(mean_k (wᵀd_n)²), whose supremum is λ in LambdaSup mode.
	ProjRMS float64
	// ZeroSteps is the number of pairs in S_n whose d_n was zero.
	ZeroSteps int
}

// Result is the estimate over all pairs.
type Result struct {
	D             int // hidden size
	Pairs         int // pairs with L ≥ 1
	EmptyPairs    int // pairs with L = 0 (an empty answer), skipped
	ZeroSteps     int // zero differences d_t over all pairs and steps
	PairsWithZero int // pairs with at least one zero difference

	Rows []Row // n = 1, 2, … (Rows[i].N = i+1)

	LambdaMode LambdaMode
	Lambda     float64

	// Epsilon and NRatio: the first n with r(n) < ε (Eq. 12), 0 if none.
	Epsilon float64
	NRatio  int
	// Delta and NDiff: the first n with |Δĝ(n)| < δ (Eq. 14), 0 if none.
	Delta       float64
	Difference  DiffMode
	RobustDelta bool
	NDiff       int

	// Psi is the JMLR formulation, nil when the curves lacked it.
	Psi *PsiResult
}

// Result computes the estimates from the pairs added so far.
func (a *Accumulator) Result(opts Options) Result {
	res := Result{
		D: a.d, Pairs: a.pairs, EmptyPairs: a.emptyPairs, ZeroSteps: a.zeroSteps, PairsWithZero: a.pairsWithZero,
		LambdaMode: opts.Lambda, Epsilon: opts.epsilon(), Delta: opts.delta(), Difference: opts.Difference,
		RobustDelta: opts.RobustDelta,
	}
	nmax := len(a.count)
	for nmax > 0 && a.count[nmax-1] < max(opts.MinPairs, 1) {
		nmax--
	}
	if opts.MaxN > 0 && nmax > opts.MaxN {
		nmax = opts.MaxN
	}
	rows := make([]Row, nmax)
	for i := range rows {
		n := i + 1
		k := float64(a.count[i])
		r := &rows[i]
		r.N, r.Pairs = n, a.count[i]
		r.E, r.EStd = a.eMean[i], math.Sqrt(math.Max(a.eM2[i]/k, 0))
		r.ProjRMS = math.Sqrt(math.Max(a.proj2[i]/k, 0))
		r.ZeroSteps = a.zeros[i]
		r.H = 1
		if n >= 2 {
			r.G, r.GStd, r.HasG = a.gMean[i], math.Sqrt(math.Max(a.gM2[i]/k, 0)), true
			fn := float64(n)
			// n + n(n−1)ĝ ≥ 0 holds exactly for each pair; clamp rounding.
			r.H = math.Sqrt(math.Max(fn+fn*(fn-1)*r.G, 0))
			if r.G > 0 {
				if v := 1 / ((fn - 1) * r.G); !isBad(v) {
					r.R, r.HasR = v, true
				}
			}
		}
	}
	for i := range rows {
		var j, k int // Δĝ(n) = ĝ(rows[j]) − ĝ(rows[k])
		if opts.Difference == Backward {
			j, k = i, i-1
		} else {
			j, k = i+1, i
		}
		if k >= 0 && j < len(rows) && rows[j].HasG && rows[k].HasG {
			rows[i].DG, rows[i].HasDG = rows[j].G-rows[k].G, true
		}
	}
	res.Lambda = lambda(rows, opts.Lambda)
	for i := range rows {
		rows[i].Bound = res.Lambda * rows[i].H
	}
	for _, r := range rows {
		if r.HasR && r.R < res.Epsilon {
			res.NRatio = r.N
			break
		}
	}
	res.NDiff = diffThreshold(rows, res.Delta, opts.RobustDelta)
	res.Rows = rows
	if a.psi && a.pairs > 0 {
		res.Psi = a.psiResult(nmax)
	}
	return res
}

func lambda(rows []Row, mode LambdaMode) float64 {
	if len(rows) == 0 {
		return 0
	}
	switch mode {
	case LambdaSup:
		m := 0.0
		for _, r := range rows {
			m = math.Max(m, r.ProjRMS)
		}
		return m
	case LambdaFirst:
		return rows[0].E
	}
	var he, hh float64
	for _, r := range rows {
		he += r.H * r.E
		hh += r.H * r.H
	}
	if hh == 0 {
		return 0
	}
	return he / hh
}

func diffThreshold(rows []Row, delta float64, robust bool) int {
	if !robust {
		for _, r := range rows {
			if r.HasDG && math.Abs(r.DG) < delta {
				return r.N
			}
		}
		return 0
	}
	// The smallest n such that every defined Δĝ(m), m ≥ n, is below δ.
	n := 0
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		if !r.HasDG {
			continue
		}
		if math.Abs(r.DG) >= delta {
			break
		}
		n = r.N
	}
	return n
}

// PsiRow is the later (JMLR) formulation (docs/theory.md) at one n.
type PsiRow struct {
	N, Pairs int
	// Equal is ψ_equal^{AB}(n), the mean over t ≤ n of cos(h_t^A, h_t^B).
	Equal float64
	// AA, BB, AABB = (AA+BB)/2 and AB are the ψ_cross means over i ≠ j ≤ n;
	// defined (HasCross) for n ≥ 2.
	AA, BB, AABB, AB float64
	HasCross         bool
	// Upsilon is Υ(n) = n(1 − ψ_equal) + n(n−1)(ψ_AABB − ψ_AB).
	Upsilon float64
	// Dist and DistStd: mean and spread over pairs of ‖Σ_{t≤n}(h_t^A − h_t^B)‖.
	Dist, DistStd float64
	// Bound is λ·sqrt(max(Υ, 0)).
	Bound float64
	// Rho is ρ(n) = (1 − ψ_equal)/((n−1)(ψ_AABB − ψ_AB)); defined for n ≥ 2
	// where the denominator is positive.
	Rho    float64
	HasRho bool
}

// PsiResult is the JMLR estimate.
type PsiResult struct {
	Rows []PsiRow
	// Lambda is the least-squares λ of Dist ≈ λ·sqrt(Υ).
	Lambda float64
	// Balance is the first n ≥ 2 with ρ(n) ≤ 1 (0 if none).
	Balance int
}

func (a *Accumulator) psiResult(nmax int) *PsiResult {
	pr := &PsiResult{Rows: make([]PsiRow, nmax)}
	var sy, yy float64
	for i := range pr.Rows {
		n := i + 1
		k := float64(a.count[i])
		r := &pr.Rows[i]
		r.N, r.Pairs = n, a.count[i]
		r.Equal = a.peq[i] / k
		r.Dist, r.DistStd = a.dMean[i], math.Sqrt(math.Max(a.dM2[i]/k, 0))
		fn := float64(n)
		r.Upsilon = fn * (1 - r.Equal)
		if n >= 2 {
			r.AA, r.BB, r.AB = a.paa[i]/k, a.pbb[i]/k, a.pab[i]/k
			r.AABB = (r.AA + r.BB) / 2
			r.HasCross = true
			gap := r.AABB - r.AB
			r.Upsilon += fn * (fn - 1) * gap
			if gap > 0 {
				if v := (1 - r.Equal) / ((fn - 1) * gap); !isBad(v) {
					r.Rho, r.HasRho = v, true
				}
			}
		}
		h := math.Sqrt(math.Max(r.Upsilon, 0))
		sy += h * r.Dist
		yy += h * h
	}
	if yy > 0 {
		pr.Lambda = sy / yy
	}
	for i := range pr.Rows {
		r := &pr.Rows[i]
		r.Bound = pr.Lambda * math.Sqrt(math.Max(r.Upsilon, 0))
		if pr.Balance == 0 && r.HasRho && r.Rho <= 1 {
			pr.Balance = r.N
		}
	}
	return pr
}
