// Package labresult holds what a run of the scaling lab (lib/lab) produces,
// free of GoMLX: the runs (accuracy per question kind, training losses), their
// seed averages, the scaling-law fits P = (c/N)^α (Eq. 21–22), the
// differences ΔP of Figures 11–12, the paper's three findings checked on
// them, and readers of a finished sweep (CSV or cache folder), so figures
// and notebooks can draw a sweep without linking the model code.
package labresult

import (
	"math"
	"sort"

	"github.com/tokenscale/tokenscale/lib/lab/labtask"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

// The paper's three configurations by the names lib/fusion's Mode.String
// gives them (lab's tests check that they agree).
const (
	VQQ  = "Vision Question Queries"
	VQ   = "Vision Queries"
	VQFT = "Vision Queries (ft)"
)

// Run is one evaluated model: a configuration at one N and seed.
type Run struct {
	Config   string         `json:"config"` // the paper's name (fusion.Mode.String)
	N        int            `json:"n"`
	Seed     uint64         `json:"seed"`
	Accuracy []KindAccuracy `json:"accuracy"`
	// Losses is the training loss of every step (empty for "Vision
	// Queries", which is not trained).
	Losses  []float64 `json:"losses,omitempty"`
	Seconds float64   `json:"seconds"`
	// Restarts is how many times the question-fused training started again
	// from fresh weights because it had not left the answer prior.
	Restarts int  `json:"restarts,omitempty"`
	Cached   bool `json:"-"`
}

// Overall is the accuracy over all questions.
func (r Run) Overall() float64 {
	c, t := 0, 0
	for _, a := range r.Accuracy {
		c += a.Correct
		t += a.Total
	}
	if t == 0 {
		return math.NaN()
	}
	return float64(c) / float64(t)
}

// KindAccuracy is the accuracy on one question kind.
type KindAccuracy struct {
	Kind     labtask.Kind `json:"kind"`
	Correct  int          `json:"correct"`
	Total    int          `json:"total"`
	Accuracy float64      `json:"accuracy"`
}

// Entry is one cache file of the lab: the question-fused stage gives two runs (VQQ
// and VQ, same weights), the fine-tune one.
type Entry struct {
	Key     string `json:"key"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Point is the seed-averaged accuracy of one configuration, N and kind.
type Point struct {
	Config   string  `json:"config"`
	N        int     `json:"n"`
	Kind     string  `json:"question_kind"` // "local", "global" or "all"
	Accuracy float64 `json:"accuracy"`
	// Std is the standard deviation over seeds (0 with one seed).
	Std   float64 `json:"std"`
	Seeds int     `json:"seeds"`
}

// Diff is ΔP = P_A − P_B at one N and kind: the lab's Figure 11 (B =
// Vision Queries (ft)) or Figure 12 (B = Vision Queries), A = Vision
// Question Queries.
type Diff struct {
	A, B  string
	N     int
	Kind  string
	Delta float64
}

// Result summarises a sweep.
type Result struct {
	Runs   []Run
	Points []Point
	// Fits are the scaling-law fits (Eq. 21–22) of the seed-averaged
	// accuracy over all questions, by configuration; FitErrs holds the
	// reason a configuration could not be fitted.
	Fits    map[string]scaling.Fit
	FitErrs map[string]error
	// KindFits are the fits per configuration and kind ("config/kind").
	KindFits map[string]scaling.Fit
	Diffs    []Diff
}

// Configs lists the paper's three configurations in order.
func Configs() []string { return []string{VQQ, VQ, VQFT} }

// Summarise averages runs over seeds and summarises the averages with
// FromPoints.
func Summarise(runs []Run) (*Result, error) {
	type k struct {
		cfg  string
		n    int
		kind string
	}
	vals := map[k][]float64{}
	for _, r := range runs {
		for _, a := range r.Accuracy {
			vals[k{r.Config, r.N, a.Kind.String()}] = append(vals[k{r.Config, r.N, a.Kind.String()}], a.Accuracy)
		}
		vals[k{r.Config, r.N, "all"}] = append(vals[k{r.Config, r.N, "all"}], r.Overall())
	}
	var points []Point
	for key, v := range vals {
		m, s := meanStd(v)
		points = append(points, Point{Config: key.cfg, N: key.n, Kind: key.kind, Accuracy: m, Std: s, Seeds: len(v)})
	}
	res := FromPoints(points)
	res.Runs = runs
	return res, nil
}

// FromPoints summarises seed-averaged accuracies (a sweep's CSV holds
// them): it sorts them by configuration, N and kind, fits the scaling law
// per configuration (all questions, and per kind) and computes the
// differences of Figures 11 and 12. The result has no Runs.
func FromPoints(points []Point) *Result {
	res := &Result{Points: append([]Point(nil), points...), Fits: map[string]scaling.Fit{}, FitErrs: map[string]error{}, KindFits: map[string]scaling.Fit{}}
	order := map[string]int{}
	for i, c := range Configs() {
		order[c] = i
	}
	kinds := map[string]int{"local": 0, "global": 1, "all": 2}
	sort.Slice(res.Points, func(i, j int) bool {
		a, b := res.Points[i], res.Points[j]
		if a.Config != b.Config {
			return order[a.Config] < order[b.Config]
		}
		if a.N != b.N {
			return a.N < b.N
		}
		return kinds[a.Kind] < kinds[b.Kind]
	})
	for _, cfg := range Configs() {
		for _, kind := range []string{"all", "local", "global"} {
			ns, ps := res.Curve(cfg, kind)
			if len(ns) == 0 {
				continue
			}
			f, err := scaling.FitOLS(ns, ps)
			if kind == "all" {
				if err != nil {
					res.FitErrs[cfg] = err
				} else {
					res.Fits[cfg] = f
				}
			} else if err == nil {
				res.KindFits[cfg+"/"+kind] = f
			}
		}
	}
	a := VQQ
	for _, b := range []string{VQFT, VQ} {
		for _, kind := range []string{"local", "global", "all"} {
			na, pa := res.Curve(a, kind)
			nb, pb := res.Curve(b, kind)
			for i := range na {
				for j := range nb {
					if na[i] == nb[j] {
						res.Diffs = append(res.Diffs, Diff{A: a, B: b, N: int(na[i]), Kind: kind, Delta: pa[i] - pb[j]})
					}
				}
			}
		}
	}
	return res
}

// Curve returns the seed-averaged accuracy of a configuration and kind
// ("local", "global" or "all") against N, ascending.
func (r *Result) Curve(config, kind string) (ns, ps []float64) {
	for _, p := range r.Points {
		if p.Config == config && p.Kind == kind {
			ns = append(ns, float64(p.N))
			ps = append(ps, p.Accuracy)
		}
	}
	return ns, ps
}

// MeanDiff is the mean of ΔP over N for one baseline and kind.
func (r *Result) MeanDiff(b, kind string) float64 {
	s, k := 0.0, 0
	for _, d := range r.Diffs {
		if d.B == b && d.Kind == kind {
			s += d.Delta
			k++
		}
	}
	if k == 0 {
		return math.NaN()
	}
	return s / float64(k)
}

func meanStd(v []float64) (m, s float64) {
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	if len(v) < 2 {
		return m, 0
	}
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return m, math.Sqrt(s / float64(len(v)-1))
}
