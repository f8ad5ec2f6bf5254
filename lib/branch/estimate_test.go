package branch

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

const tol = 1e-9

// orthonormal returns k orthonormal vectors of size d (k ≤ d), from random
// vectors through modified Gram–Schmidt, so nothing is axis-aligned.
func orthonormal(rng *rand.Rand, k, d int) [][]float64 {
	out := make([][]float64, 0, k)
	for len(out) < k {
		v := make([]float64, d)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		for _, u := range out {
			p := dot(u, v)
			for i := range v {
				v[i] -= p * u[i]
			}
		}
		n := math.Sqrt(dot(v, v))
		for i := range v {
			v[i] /= n
		}
		out = append(out, v)
	}
	return out
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sumOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

// statesFromDiffs builds chosen/rejected states whose differences are diffs:
// rejected is a random base, chosen = base + d.
func statesFromDiffs(rng *rand.Rand, diffs [][]float64) (x, y [][]float64) {
	for _, d := range diffs {
		b := make([]float64, len(d))
		a := make([]float64, len(d))
		for i := range b {
			b[i] = rng.NormFloat64()
			a[i] = b[i] + d[i]
		}
		x, y = append(x, a), append(y, b)
	}
	return x, y
}

func near(a, b float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func estimate(t *testing.T, pairs [][2][][]float64, po PairOptions, o Options) Result {
	t.Helper()
	var acc Accumulator
	for _, p := range pairs {
		c, err := ComputePair(p[0], p[1], po)
		if err != nil {
			t.Fatal(err)
		}
		if err := acc.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	return acc.Result(o)
}

// TestSharedComponent: d_t = a·z + b·e_t with z, e_t orthonormal gives
// cos(d_i, d_j) = a²/(a²+b²) for every i ≠ j, so ĝ is constant per pair and
// averages over the pairs still present at each n.
func TestSharedComponent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const D = 24
	type spec struct {
		a, b float64
		L    int
	}
	specs := []spec{{1, 1, 12}, {2, 0.5, 8}, {0.3, 1.7, 5}, {1, 3, 12}}
	var pairs [][2][][]float64
	wantE := make([][]float64, len(specs)) // per pair, |wᵀΣd| by the formula
	for k, s := range specs {
		basis := orthonormal(rng, s.L+1, D)
		z := basis[0]
		wz := sumOf(z) / math.Sqrt(D)
		var diffs [][]float64
		we := 0.0
		for t := 1; t <= s.L; t++ {
			d := make([]float64, D)
			for i := range d {
				d[i] = s.a*z[i] + s.b*basis[t][i]
			}
			diffs = append(diffs, d)
			we += sumOf(basis[t]) / math.Sqrt(D)
			wantE[k] = append(wantE[k], math.Abs(float64(t)*s.a*wz+s.b*we))
		}
		x, y := statesFromDiffs(rng, diffs)
		pairs = append(pairs, [2][][]float64{x, y})
	}
	res := estimate(t, pairs, PairOptions{Psi: true}, Options{Epsilon: 0.05})
	if len(res.Rows) != 12 || res.Pairs != 4 || res.ZeroSteps != 0 {
		t.Fatalf("rows=%d pairs=%d zero=%d", len(res.Rows), res.Pairs, res.ZeroSteps)
	}
	for _, r := range res.Rows {
		var g, e, e2 float64
		k := 0
		for j, s := range specs {
			if s.L >= r.N {
				k++
				g += s.a * s.a / (s.a*s.a + s.b*s.b)
				e += wantE[j][r.N-1]
				e2 += wantE[j][r.N-1] * wantE[j][r.N-1]
			}
		}
		g, e, e2 = g/float64(k), e/float64(k), e2/float64(k)
		std := math.Sqrt(math.Max(e2-e*e, 0))
		if r.Pairs != k || !near(r.E, e) || math.Abs(r.EStd-std) > 1e-7 {
			t.Errorf("n=%d: pairs=%d E=%v±%v, want %d E=%v±%v", r.N, r.Pairs, r.E, r.EStd, k, e, std)
		}
		if r.N == 1 {
			if r.HasG || r.HasR || r.H != 1 {
				t.Errorf("n=1: g/r defined or h=%v", r.H)
			}
			continue
		}
		n := float64(r.N)
		if !r.HasG || !near(r.G, g) {
			t.Errorf("n=%d: g=%v, want %v", r.N, r.G, g)
		}
		if !near(r.H, math.Sqrt(n+n*(n-1)*g)) || !near(r.R, 1/((n-1)*g)) {
			t.Errorf("n=%d: h=%v r=%v", r.N, r.H, r.R)
		}
	}
	// r(n) < ε first at n−1 > 1/(ε g(n)); g changes with n here, so scan.
	want := 0
	for _, r := range res.Rows {
		if r.N >= 2 && 1/((float64(r.N)-1)*r.G) < 0.05 {
			want = r.N
			break
		}
	}
	if res.NRatio != want {
		t.Errorf("NRatio=%d, want %d", res.NRatio, want)
	}
	// Rows 9..12 hold only the two pairs with L = 12, whose g are 0.5 and 0.1:
	// Δĝ = 0 exactly there; rows 6..8 hold three.
	for _, r := range res.Rows[8:11] {
		if !r.HasDG || math.Abs(r.DG) > tol {
			t.Errorf("n=%d: dg=%v, want 0", r.N, r.DG)
		}
	}
	if res.Rows[11].HasDG {
		t.Errorf("forward difference defined at the last n")
	}
}

// TestConstantG checks both thresholds and every λ against closed forms.
func TestConstantG(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const D, L = 40, 30
	a, b := 1.0, 2.0
	g := a * a / (a*a + b*b) // 0.2
	basis := orthonormal(rng, L+1, D)
	var diffs [][]float64
	for t := 1; t <= L; t++ {
		d := make([]float64, D)
		for i := range d {
			d[i] = a*basis[0][i] + b*basis[t][i]
		}
		diffs = append(diffs, d)
	}
	x, y := statesFromDiffs(rng, diffs)
	pairs := [][2][][]float64{{x, y}}
	for _, eps := range []float64{0.5, 0.2, 0.1} {
		res := estimate(t, pairs, PairOptions{}, Options{Epsilon: eps})
		// smallest n with 1/((n−1)g) < ε  ⇔  n > 1 + 1/(εg)
		want := int(math.Floor(1+1/(eps*g))) + 1
		if want > L {
			want = 0
		}
		if res.NRatio != want {
			t.Errorf("eps=%v: n*=%d, want %d", eps, res.NRatio, want)
		}
		if res.NDiff != 2 { // Δĝ = 0 from the start
			t.Errorf("eps=%v: NDiff=%d, want 2", eps, res.NDiff)
		}
	}
	// λ: first = Ê(1); sup = max_n |wᵀd_n|; lsq = Σ hÊ / Σ h².
	var first, sup, he, hh float64
	s := 0.0
	for n := 1; n <= L; n++ {
		p := sumOf(diffs[n-1]) / math.Sqrt(D)
		s += p
		sup = math.Max(sup, math.Abs(p))
		if n == 1 {
			first = math.Abs(s)
		}
		fn := float64(n)
		h := math.Sqrt(fn + fn*(fn-1)*g)
		he += h * math.Abs(s)
		hh += h * h
	}
	for _, tc := range []struct {
		mode LambdaMode
		want float64
	}{{LambdaFirst, first}, {LambdaSup, sup}, {LambdaLSQ, he / hh}} {
		res := estimate(t, pairs, PairOptions{}, Options{Lambda: tc.mode})
		if !near(res.Lambda, tc.want) {
			t.Errorf("lambda %s = %v, want %v", tc.mode, res.Lambda, tc.want)
		}
		for _, r := range res.Rows {
			if !near(r.Bound, tc.want*r.H) {
				t.Errorf("%s n=%d bound=%v", tc.mode, r.N, r.Bound)
			}
		}
	}
}

// TestIndependentSteps: mutually orthogonal differences give ĝ = 0 and
// h(n) = √n exactly; r is undefined (infinite) and no threshold is met.
func TestIndependentSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const D, L = 32, 20
	basis := orthonormal(rng, L, D)
	var diffs [][]float64
	for _, e := range basis {
		d := make([]float64, D)
		for i := range d {
			d[i] = 0.7 * e[i]
		}
		diffs = append(diffs, d)
	}
	x, y := statesFromDiffs(rng, diffs)
	res := estimate(t, [][2][][]float64{{x, y}}, PairOptions{Psi: true}, Options{})
	for _, r := range res.Rows {
		if r.N >= 2 && (!r.HasG || math.Abs(r.G) > tol) {
			t.Errorf("n=%d g=%v, want 0", r.N, r.G)
		}
		if !near(r.H, math.Sqrt(float64(r.N))) {
			t.Errorf("n=%d h=%v, want √n", r.N, r.H)
		}
		if r.HasR {
			t.Errorf("n=%d r defined (%v) with g = 0", r.N, r.R)
		}
		// ‖Σd‖ = 0.7·√n for orthogonal steps.
		if p := res.Psi.Rows[r.N-1]; !near(p.Dist, 0.7*math.Sqrt(float64(r.N))) {
			t.Errorf("n=%d dist=%v", r.N, p.Dist)
		}
	}
	if res.NRatio != 0 {
		t.Errorf("NRatio=%d with g=0", res.NRatio)
	}
}

// TestIndependentRandomSqrtN: i.i.d. Gaussian steps over many pairs give
// ĝ ≈ 0 and Ê(n) ≈ sqrt(2n/π)·σ (a statistical check, 5%).
func TestIndependentRandomSqrtN(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const D, L, P = 64, 16, 3000
	var acc Accumulator
	for k := 0; k < P; k++ {
		s, _ := NewPairStream(D, PairOptions{})
		zero := make([]float64, D)
		for t := 0; t < L; t++ {
			x := make([]float64, D)
			for i := range x {
				x[i] = rng.NormFloat64()
			}
			if err := s.Step(x, zero); err != nil {
				panic(err)
			}
		}
		if err := acc.Add(s.Curve()); err != nil {
			t.Fatal(err)
		}
	}
	res := acc.Result(Options{})
	for _, r := range res.Rows {
		want := math.Sqrt(2 * float64(r.N) / math.Pi) // wᵀd_t ~ N(0,1)
		if math.Abs(r.E/want-1) > 0.05 {
			t.Errorf("n=%d E=%v, want ≈%v", r.N, r.E, want)
		}
		if r.HasG && math.Abs(r.G) > 0.01 {
			t.Errorf("n=%d g=%v, want ≈0", r.N, r.G)
		}
	}
}

// TestIdenticalSteps: d_t = v for all t gives ĝ = 1, h(n) = n and
// Ê(n) = n·|wᵀv|, so every λ mode recovers |wᵀv| and the bound is exact.
func TestIdenticalSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const D, L = 16, 25
	v := make([]float64, D)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	diffs := make([][]float64, L)
	for i := range diffs {
		diffs[i] = v
	}
	x, y := statesFromDiffs(rng, diffs)
	wv := math.Abs(sumOf(v)) / math.Sqrt(D)
	for _, mode := range []LambdaMode{LambdaLSQ, LambdaSup, LambdaFirst} {
		res := estimate(t, [][2][][]float64{{x, y}}, PairOptions{}, Options{Lambda: mode})
		if !near(res.Lambda, wv) {
			t.Errorf("%s: lambda=%v, want %v", mode, res.Lambda, wv)
		}
		for _, r := range res.Rows {
			n := float64(r.N)
			if !near(r.E, n*wv) || !near(r.H, n) || !near(r.Bound, r.E) {
				t.Errorf("%s n=%d: E=%v h=%v bound=%v", mode, r.N, r.E, r.H, r.Bound)
			}
			if r.N >= 2 && (!near(r.G, 1) || !near(r.R, 1/(n-1))) {
				t.Errorf("n=%d g=%v r=%v", r.N, r.G, r.R)
			}
		}
	}
}

// TestZeroDifferences: answers sharing their first m tokens give d_t = 0 for
// t ≤ m. Those steps count as cosine 0, are reported, and nothing is NaN:
// with the remaining steps all equal, ĝ(n) = k(k−1)/(n(n−1)), k = n − m.
func TestZeroDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const D, L, m = 8, 10, 3
	v := make([]float64, D)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	diffs := make([][]float64, L)
	for i := range diffs {
		if i < m {
			diffs[i] = make([]float64, D)
		} else {
			diffs[i] = v
		}
	}
	x, y := statesFromDiffs(rng, diffs)
	for i := 0; i < m; i++ {
		copy(x[i], y[i]) // exactly equal states
	}
	res := estimate(t, [][2][][]float64{{x, y}, {nil, nil}}, PairOptions{Psi: true}, Options{})
	if res.ZeroSteps != m || res.PairsWithZero != 1 || res.EmptyPairs != 1 || res.Pairs != 1 {
		t.Fatalf("zero=%d pairsWithZero=%d empty=%d pairs=%d", res.ZeroSteps, res.PairsWithZero, res.EmptyPairs, res.Pairs)
	}
	for _, r := range res.Rows {
		n := float64(r.N)
		k := math.Max(n-m, 0)
		if r.N >= 2 && !near(r.G, k*(k-1)/(n*(n-1))) {
			t.Errorf("n=%d g=%v, want %v", r.N, r.G, k*(k-1)/(n*(n-1)))
		}
		if wantZ := 0; r.N <= m && r.ZeroSteps != 1 || r.N > m && r.ZeroSteps != wantZ {
			t.Errorf("n=%d zero steps %d", r.N, r.ZeroSteps)
		}
		if r.N <= m && r.HasR {
			t.Errorf("n=%d: r defined with g=0", r.N)
		}
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	if err := WritePsiCSV(&buf, res.Psi); err != nil {
		t.Fatal(err)
	}
	if s := strings.ToLower(buf.String()); strings.Contains(s, "nan") || strings.Contains(s, "inf") {
		t.Errorf("NaN/Inf in output:\n%s", buf.String())
	}
}

// TestPsiClosedForms: with constant unit states a (chosen) and b (rejected),
// ψ_equal = ψ_AB = a·b, ψ_AA = ψ_BB = 1, Υ = n²(1 − a·b), and for unit
// states ‖Σ(a_t − b_t)‖² = 2Υ(n) holds for any single pair.
func TestPsiClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const D, L = 12, 9
	bs := orthonormal(rng, 2, D)
	a, b := bs[0], make([]float64, D)
	for i := range b {
		b[i] = 0.6*bs[0][i] + 0.8*bs[1][i] // a·b = 0.6
	}
	var x, y [][]float64
	for i := 0; i < L; i++ {
		x, y = append(x, a), append(y, b)
	}
	res := estimate(t, [][2][][]float64{{x, y}}, PairOptions{Psi: true}, Options{})
	for _, r := range res.Psi.Rows {
		n := float64(r.N)
		if !near(r.Equal, 0.6) || !near(r.Upsilon, n*n*0.4) || !near(r.Dist*r.Dist, 2*r.Upsilon) {
			t.Errorf("n=%d: equal=%v Υ=%v dist=%v", r.N, r.Equal, r.Upsilon, r.Dist)
		}
		if r.N >= 2 && (!near(r.AA, 1) || !near(r.BB, 1) || !near(r.AB, 0.6)) {
			t.Errorf("n=%d: AA=%v BB=%v AB=%v", r.N, r.AA, r.BB, r.AB)
		}
		if r.N >= 2 && !near(r.Rho, 1/(n-1)) { // (1−.6)/((n−1)(1−.6))
			t.Errorf("n=%d: rho=%v", r.N, r.Rho)
		}
	}
	if res.Psi.Balance != 2 || !near(res.Psi.Lambda, math.Sqrt2) {
		t.Errorf("balance=%d lambda=%v", res.Psi.Balance, res.Psi.Lambda)
	}

	// Random unit states, one pair: Dist² = 2Υ at every n.
	x, y = nil, nil
	for i := 0; i < 30; i++ {
		u := orthonormal(rng, 2, D)
		x, y = append(x, u[0]), append(y, u[1])
		for j := range u[1] {
			y[i][j] = 0.5*u[0][j] + math.Sqrt(0.75)*u[1][j]
		}
	}
	res = estimate(t, [][2][][]float64{{x, y}}, PairOptions{Psi: true}, Options{})
	for _, r := range res.Psi.Rows {
		if math.Abs(r.Dist*r.Dist-2*r.Upsilon) > 1e-9*math.Max(1, r.Dist*r.Dist) {
			t.Errorf("n=%d: dist²=%v 2Υ=%v", r.N, r.Dist*r.Dist, 2*r.Upsilon)
		}
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		x, y [][]float64
		want string
	}{
		{"size", [][]float64{{1, 2}}, [][]float64{{1}}, "hidden sizes"},
		{"nan", [][]float64{{1, math.NaN()}}, [][]float64{{1, 2}}, "non-finite"},
		{"inf", [][]float64{{1, 2}}, [][]float64{{math.Inf(1), 2}}, "non-finite"},
	} {
		_, err := ComputePair(tc.x, tc.y, PairOptions{Psi: true})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err=%v, want %q", tc.name, err, tc.want)
		}
	}
	var acc Accumulator
	c1, _ := ComputePair([][]float64{{1, 2}}, [][]float64{{0, 2}}, PairOptions{})
	c2, _ := ComputePair([][]float64{{1, 2, 3}}, [][]float64{{0, 2, 3}}, PairOptions{})
	if err := acc.Add(c1); err != nil {
		t.Fatal(err)
	}
	if err := acc.Add(c2); err == nil {
		t.Errorf("mixed hidden sizes accepted")
	}
}

func TestCSV(t *testing.T) {
	x := [][]float64{{1, 0}, {0, 1}, {1, 1}}
	y := [][]float64{{0, 0}, {0, 0}, {0, 0}}
	c, err := ComputePair(x, y, PairOptions{ZeroTol: -1})
	if err != nil {
		t.Fatal(err)
	}
	var acc Accumulator
	_ = acc.Add(c)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, acc.Result(Options{})); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if lines[0] != "n,pairs,E,E_std,g,r,dg" || len(lines) != 4 {
		t.Fatalf("csv:\n%s", buf.String())
	}
	// n=1: E = |1+0|/√2, g, r, dg empty.
	checkRow(t, lines[1], []float64{1, 1, 1 / math.Sqrt2, 0}, 3)
	// n=2: orthogonal → g = 0, r undefined; dg = g(3) − g(2) = g(3):
	// cosines (1,2)=0, (1,3)=(2,3)=1/√2 → g(3) = 2·√2/6.
	g3 := 2 * (1 / math.Sqrt2) / 3
	checkRow(t, lines[2], []float64{2, 1, 2 / math.Sqrt2, 0, 0, math.NaN(), g3}, 0)
	if !strings.HasPrefix(lines[3], "3,1,") || !strings.HasSuffix(lines[3], ",") {
		t.Errorf("row 3 = %q", lines[3])
	}
}

// checkRow compares a CSV row with want (NaN = empty field) and expects
// nEmpty trailing empty fields after want.
func checkRow(t *testing.T, line string, want []float64, nEmpty int) {
	t.Helper()
	f := strings.Split(line, ",")
	if len(f) != 7 || len(want)+nEmpty != 7 {
		t.Fatalf("row %q: %d fields", line, len(f))
	}
	for i, w := range want {
		if math.IsNaN(w) {
			if f[i] != "" {
				t.Errorf("row %q field %d = %q, want empty", line, i, f[i])
			}
			continue
		}
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil || !near(v, w) {
			t.Errorf("row %q field %d = %q, want %v", line, i, f[i], w)
		}
	}
	for i := len(want); i < 7; i++ {
		if f[i] != "" {
			t.Errorf("row %q field %d = %q, want empty", line, i, f[i])
		}
	}
}

// TestDifferenceThresholds checks forward/backward differences and the
// simple/robust δ rules on a hand-made ĝ sequence.
func TestDifferenceThresholds(t *testing.T) {
	curve := func(g []float64) PairCurve {
		n := len(g)
		return PairCurve{L: n, D: 1, E: make([]float64, n), G: g, Proj2: make([]float64, n), Zero: make([]bool, n)}
	}
	for _, tc := range []struct {
		last             float64
		mode             DiffMode
		robust           bool
		want             int
		wantDG2, wantDG3 float64
		hasDG2           bool
	}{
		{0.2, Forward, false, 5, -0.1, -0.05, true},
		{0.2, Forward, true, 0, -0.1, -0.05, true},
		{0.3389, Forward, true, 5, -0.1, -0.05, true},
		{0.2, Backward, false, 6, 0, -0.1, false},
		{0.2, Backward, true, 0, 0, -0.1, false},
		{0.3389, Backward, true, 6, 0, -0.1, false},
	} {
		g := []float64{0, 0.5, 0.4, 0.35, 0.34, 0.3395, 0.339, tc.last}
		var acc Accumulator
		if err := acc.Add(curve(g)); err != nil {
			t.Fatal(err)
		}
		res := acc.Result(Options{Difference: tc.mode, RobustDelta: tc.robust, Delta: 1e-3})
		if res.NDiff != tc.want {
			t.Errorf("%s robust=%v last=%v: n*=%d, want %d", tc.mode, tc.robust, tc.last, res.NDiff, tc.want)
		}
		r2, r3 := res.Rows[1], res.Rows[2]
		if r2.HasDG != tc.hasDG2 || (tc.hasDG2 && !near(r2.DG, tc.wantDG2)) || !near(r3.DG, tc.wantDG3) {
			t.Errorf("%s: dg(2)=%v (%v) dg(3)=%v", tc.mode, r2.DG, r2.HasDG, r3.DG)
		}
		if last := res.Rows[7]; last.HasDG != (tc.mode == Backward) {
			t.Errorf("%s: dg at the last n defined=%v", tc.mode, last.HasDG)
		}
	}
}
