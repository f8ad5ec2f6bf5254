package analysis

import (
	"fmt"
	"math"

	"github.com/tokenscale/tokenscale/lib/paperdata"
)

// Fig13Models are the baselines Figure 13 draws against the paper's model.
var Fig13Models = []string{"LLaVA-v1.5-7B", "mPLUG-Owl2", "InstructBLIP-7B", "OpenFlamingo v2"}

// BaselineScore is one baseline model's score for a metric.
type BaselineScore struct {
	Model string
	// Known is false when Appendix D's cell is blank or its column cannot be
	// recovered (see paperdata.Ambiguous); Value is then NaN.
	Known bool
	Value float64
}

// Comparison is one metric's panel of Figure 13: the paper's model across N
// (one series per configuration) and the baselines as horizontal levels.
type Comparison struct {
	Metric paperdata.Metric
	// N ascending; Ours[cfg][i] is the score at N[i].
	N         []float64
	Ours      map[paperdata.Config][]float64
	Baselines []BaselineScore
}

// Best returns the N with the highest score of cfg and that score.
func (c Comparison) Best(cfg paperdata.Config) (n, score float64) {
	score = math.Inf(-1)
	for i, v := range c.Ours[cfg] {
		if v > score {
			n, score = c.N[i], v
		}
	}
	return n, score
}

// Beaten returns, for each N, how many baselines with a known score are
// strictly below cfg's score.
func (c Comparison) Beaten(cfg paperdata.Config) []int {
	out := make([]int, len(c.N))
	for i, v := range c.Ours[cfg] {
		for _, b := range c.Baselines {
			if b.Known && v > b.Value {
				out[i]++
			}
		}
	}
	return out
}

// CompareBaselines builds the Figure 13 data for every given metric (nil:
// the 18 of Table 1), configuration (nil: VQQ only) and baseline model (nil:
// Fig13Models).
func CompareBaselines(cfgs []paperdata.Config, metrics []paperdata.Metric, models []string) ([]Comparison, error) {
	if cfgs == nil {
		cfgs = []paperdata.Config{paperdata.VQQ}
	}
	if metrics == nil {
		metrics = paperdata.Table1Metrics()
	}
	if models == nil {
		models = Fig13Models
	}
	known := map[string]bool{}
	for _, m := range paperdata.BaselineModels() {
		known[m] = true
	}
	for _, m := range models {
		if !known[m] {
			return nil, fmt.Errorf("analysis: unknown baseline model %q", m)
		}
	}
	out := make([]Comparison, 0, len(metrics))
	for _, m := range metrics {
		c := Comparison{Metric: m, Ours: map[paperdata.Config][]float64{}}
		for _, cfg := range cfgs {
			ns, ps, err := paperdata.Curve(cfg, m.ID)
			if err != nil {
				return nil, fmt.Errorf("analysis: %w", err)
			}
			c.N, c.Ours[cfg] = ns, ps
		}
		for _, model := range models {
			v, ok := paperdata.BaselineValue(model, m.ID)
			c.Baselines = append(c.Baselines, BaselineScore{Model: model, Known: ok, Value: v})
		}
		out = append(out, c)
	}
	return out, nil
}
