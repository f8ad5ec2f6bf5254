package branch

import (
	"fmt"
	"math"
)

// DefaultZeroTol is the default relative tolerance under which a difference
// d_t counts as zero: ‖d_t‖ ≤ ZeroTol·max(‖x̂_t‖, ‖ŷ_t‖). Identical prefixes
// give bit-identical states in a deterministic forward pass; the tolerance
// only absorbs float32 rounding.
const DefaultZeroTol = 1e-6

// PairOptions controls ComputePair.
type PairOptions struct {
	// ZeroTol is the relative tolerance under which d_t counts as zero
	// (see DefaultZeroTol). Zero means DefaultZeroTol; a negative value means
	// "exactly zero only".
	ZeroTol float64
	// Psi also computes the curves of the later (JMLR) formulation,
	// which roughly doubles the cost.
	Psi bool
}

func (o PairOptions) zeroTol() float64 {
	switch {
	case o.ZeroTol == 0:
		return DefaultZeroTol
	case o.ZeroTol < 0:
		return 0
	}
	return o.ZeroTol
}

// PairCurve is what one preference pair contributes to the estimates: its
// per-step curves for t = 1..L, stored at index t−1. It is small (a few
// floats per step, independent of D), so it is what Measure caches on disk.
type PairCurve struct {
	// L = min(|chosen|, |rejected|), the number of compared answer steps.
	L int `json:"l"`
	// D is the hidden size.
	D int `json:"d"`
	// E[t−1] = |wᵀ Σ_{s≤t} d_s| with w = 𝟙/√D (the summand of Eq. 15).
	E []float64 `json:"e"`
	// G[t−1] = (‖Σ_{s≤t} u_s‖² − #nonzero)/(t(t−1)), the mean pairwise cosine
	// among d_1..d_t with zero steps counting as cosine 0 (the summand of
	// Eq. 16). G[0] is 0 and unused: g is undefined at t = 1.
	G []float64 `json:"g"`
	// Proj2[t−1] = (wᵀ d_t)², used by the "sup" choice of λ.
	Proj2 []float64 `json:"proj2"`
	// Zero[t−1] reports that d_t was zero (within the tolerance).
	Zero []bool `json:"zero"`

	// The JMLR curves (nil unless PairOptions.Psi): with â_t, b̂_t the unit
	// chosen/rejected states,
	// PsiEqual[t−1] = mean_{s≤t} â_s·b̂_s;
	// PsiAA[t−1] = mean_{i≠j≤t} â_i·â_j (BB likewise);
	// PsiAB[t−1] = mean_{i≠j≤t} â_i·b̂_j;
	// Dist[t−1] = ‖Σ_{s≤t} d_s‖.
	PsiEqual []float64 `json:"psi_equal,omitempty"`
	PsiAA    []float64 `json:"psi_aa,omitempty"`
	PsiBB    []float64 `json:"psi_bb,omitempty"`
	PsiAB    []float64 `json:"psi_ab,omitempty"`
	Dist     []float64 `json:"dist,omitempty"`
	// ZeroStates counts hidden states of norm 0 (their cosines count as 0).
	ZeroStates int `json:"zero_states,omitempty"`
}

// ZeroSteps returns how many of the pair's differences were zero.
func (c *PairCurve) ZeroSteps() int {
	n := 0
	for _, z := range c.Zero {
		if z {
			n++
		}
	}
	return n
}

// HasPsi reports whether the curve carries the JMLR curves.
func (c *PairCurve) HasPsi() bool { return c.PsiEqual != nil }

// Validate checks the internal consistency of a curve (e.g. one read back
// from a cache file).
func (c *PairCurve) Validate() error {
	if c.L < 0 || c.D < 1 {
		return fmt.Errorf("branch: pair curve: bad sizes L=%d D=%d", c.L, c.D)
	}
	for name, s := range map[string][]float64{"e": c.E, "g": c.G, "proj2": c.Proj2} {
		if len(s) != c.L {
			return fmt.Errorf("branch: pair curve: %s has %d values, want L=%d", name, len(s), c.L)
		}
	}
	if len(c.Zero) != c.L {
		return fmt.Errorf("branch: pair curve: zero has %d values, want L=%d", len(c.Zero), c.L)
	}
	if c.HasPsi() {
		for name, s := range map[string][]float64{"psi_equal": c.PsiEqual, "psi_aa": c.PsiAA, "psi_bb": c.PsiBB, "psi_ab": c.PsiAB, "dist": c.Dist} {
			if len(s) != c.L {
				return fmt.Errorf("branch: pair curve: %s has %d values, want L=%d", name, len(s), c.L)
			}
		}
	}
	return nil
}

// PairStream computes a PairCurve one step at a time, so a caller can feed
// hidden states as they are produced (or decoded) without holding a whole
// pair. Its extra memory is O(D) plus O(L) for the curve.
type PairStream struct {
	opts PairOptions
	tol  float64
	d    int
	c    PairCurve

	diff   []float64 // scratch: d_t
	u      []float64 // running sum of unit differences
	sumW   float64   // Σ_{s≤t} Σ_c d_{s,c}
	nonz   int       // number of nonzero differences so far
	sumD   []float64 // Σ_{s≤t} d_s (psi only)
	ua, ub []float64 // running sums of unit states (psi only)
	eqSum  float64
	nzA    int
	nzB    int

	x64, y64 []float64 // scratch of StepFloat32 with Psi
}

// NewPairStream starts the curve of one pair of hidden size dim.
func NewPairStream(dim int, opts PairOptions) (*PairStream, error) {
	if dim < 1 {
		return nil, fmt.Errorf("branch: hidden size %d < 1", dim)
	}
	s := &PairStream{opts: opts, tol: opts.zeroTol(), d: dim}
	s.c.D = dim
	s.diff = make([]float64, dim)
	s.u = make([]float64, dim)
	if opts.Psi {
		s.sumD = make([]float64, dim)
		s.ua = make([]float64, dim)
		s.ub = make([]float64, dim)
		s.c.PsiEqual, s.c.PsiAA, s.c.PsiBB, s.c.PsiAB, s.c.Dist = []float64{}, []float64{}, []float64{}, []float64{}, []float64{}
	}
	return s, nil
}

// Step adds the hidden states x̂_t (chosen) and ŷ_t (rejected) of the next
// answer position. Both must have the stream's hidden size and finite values.
func (s *PairStream) Step(x, y []float64) error { return step(s, x, y) }

// StepFloat32 is Step for float32 hidden states (as models and safetensors
// dumps hold them). Each value is widened exactly to float64, so the curve
// is bit-identical to Step on the widened values; it only saves the copy.
func (s *PairStream) StepFloat32(x, y []float32) error {
	if s.opts.Psi {
		if s.x64 == nil {
			s.x64, s.y64 = make([]float64, s.d), make([]float64, s.d)
		}
		if len(x) != s.d || len(y) != s.d {
			return fmt.Errorf("branch: step %d: hidden sizes %d (chosen) and %d (rejected), want %d", s.c.L+1, len(x), len(y), s.d)
		}
		for i := range x {
			s.x64[i], s.y64[i] = float64(x[i]), float64(y[i])
		}
		return step(s, s.x64, s.y64)
	}
	return step(s, x, y)
}

func step[T float32 | float64](s *PairStream, x, y []T) error {
	t := s.c.L + 1
	if len(x) != s.d || len(y) != s.d {
		return fmt.Errorf("branch: step %d: hidden sizes %d (chosen) and %d (rejected), want %d", t, len(x), len(y), s.d)
	}
	var sum, nn, xx, yy float64
	for i := range x {
		xi, yi := float64(x[i]), float64(y[i])
		v := xi - yi
		s.diff[i] = v
		sum += v
		nn += v * v
		xx += xi * xi
		yy += yi * yi
	}
	if isBad(nn) || isBad(xx) || isBad(yy) {
		return fmt.Errorf("branch: step %d: hidden state has a non-finite value", t)
	}
	s.sumW += sum
	norm := math.Sqrt(nn)
	zero := norm == 0 || norm <= s.tol*math.Sqrt(math.Max(xx, yy))
	var uu float64
	if zero {
		for _, v := range s.u {
			uu += v * v
		}
	} else {
		s.nonz++
		inv := 1 / norm
		for i, v := range s.diff {
			w := s.u[i] + v*inv
			s.u[i] = w
			uu += w * w
		}
	}
	proj := sum / math.Sqrt(float64(s.d))
	s.c.E = append(s.c.E, math.Abs(s.sumW)/math.Sqrt(float64(s.d)))
	s.c.Proj2 = append(s.c.Proj2, proj*proj)
	s.c.Zero = append(s.c.Zero, zero)
	g := 0.0
	if t >= 2 {
		g = (uu - float64(s.nonz)) / (float64(t) * float64(t-1))
	}
	s.c.G = append(s.c.G, g)
	if s.opts.Psi {
		// StepFloat32 widens the states before it gets here with Psi.
		s.stepPsi(t, any(x).([]float64), any(y).([]float64), xx, yy)
	}
	s.c.L = t
	return nil
}

func (s *PairStream) stepPsi(t int, x, y []float64, xx, yy float64) {
	ia, ib := 0.0, 0.0
	if xx > 0 {
		ia = 1 / math.Sqrt(xx)
		s.nzA++
	} else {
		s.c.ZeroStates++
	}
	if yy > 0 {
		ib = 1 / math.Sqrt(yy)
		s.nzB++
	} else {
		s.c.ZeroStates++
	}
	var eq, aa, bb, ab, dd float64
	for i := range x {
		a, b := x[i]*ia, y[i]*ib
		eq += a * b
		ua := s.ua[i] + a
		ub := s.ub[i] + b
		s.ua[i], s.ub[i] = ua, ub
		aa += ua * ua
		bb += ub * ub
		ab += ua * ub
		sd := s.sumD[i] + s.diff[i]
		s.sumD[i] = sd
		dd += sd * sd
	}
	s.eqSum += eq
	s.c.PsiEqual = append(s.c.PsiEqual, s.eqSum/float64(t))
	s.c.Dist = append(s.c.Dist, math.Sqrt(dd))
	if t >= 2 {
		den := float64(t) * float64(t-1)
		s.c.PsiAA = append(s.c.PsiAA, (aa-float64(s.nzA))/den)
		s.c.PsiBB = append(s.c.PsiBB, (bb-float64(s.nzB))/den)
		s.c.PsiAB = append(s.c.PsiAB, (ab-s.eqSum)/den)
	} else {
		s.c.PsiAA = append(s.c.PsiAA, 0)
		s.c.PsiBB = append(s.c.PsiBB, 0)
		s.c.PsiAB = append(s.c.PsiAB, 0)
	}
}

// Len returns the number of steps added so far.
func (s *PairStream) Len() int { return s.c.L }

// Curve returns the pair's curve so far. The stream must not be used after.
func (s *PairStream) Curve() PairCurve { return s.c }

// ComputePair computes the curve of one pair from the hidden states of the
// chosen and rejected answers ([step][D] each). The longer answer is
// truncated to the shorter one's length.
func ComputePair(chosen, rejected [][]float64, opts PairOptions) (PairCurve, error) {
	l := min(len(chosen), len(rejected))
	if l == 0 {
		d := 1
		if len(chosen) > 0 {
			d = len(chosen[0])
		} else if len(rejected) > 0 {
			d = len(rejected[0])
		}
		return PairCurve{D: max(d, 1), E: []float64{}, G: []float64{}, Proj2: []float64{}, Zero: []bool{}}, nil
	}
	s, err := NewPairStream(len(chosen[0]), opts)
	if err != nil {
		return PairCurve{}, err
	}
	for t := 0; t < l; t++ {
		if err := s.Step(chosen[t], rejected[t]); err != nil {
			return PairCurve{}, err
		}
	}
	return s.Curve(), nil
}

func isBad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
