package figures

import (
	"fmt"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tokenscale/tokenscale/lib/analysis"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
)

func init() {
	Register(Spec{ID: "fig13", Paper: "Figure 13",
		Caption: "Our model across N (plots.Dashed) against LLaVA-v1.5-7B, mPLUG-Owl2, InstructBLIP-7B and OpenFlamingo v2 (solid levels)",
		Options: `Metrics(...) (default: the Table 1 metrics with a recoverable baseline score); ` +
			`Configs(...) mixes our configurations ("VQQ", "VQ-ft", "VQ"; default VQQ) and baseline model names; LogX(false)`,
		Build: buildFig13})
}

// buildFig13 draws Figure 13: per metric, our configurations' scores over
// N against the baselines' levels.
func buildFig13(o plots.Options) (*plots.Figure, error) {
	cfgs, models, err := fig13Choice(o.Configs)
	if err != nil {
		return nil, err
	}
	metrics, err := resolveMetrics(o.Metrics, fig13DefaultMetrics(models))
	if err != nil {
		return nil, err
	}
	if len(metrics) == 0 {
		return nil, fmt.Errorf("plots: fig13: no metric has a recoverable score for %s; choose metrics with plots.Metrics", strings.Join(models, ", "))
	}
	comps, err := analysis.CompareBaselines(cfgs, metrics, models)
	if err != nil {
		return nil, fmt.Errorf("plots: fig13: %w", err)
	}
	logX := o.LogXOr(true)
	var panels []*plot.Plot
	for _, c := range comps {
		p, err := fig13Panel(c, cfgs, logX)
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
	}
	cols := min(4, len(panels))
	f := plots.GridOf("", o.TitleOr("Figure 13: our model across N against baseline LVLMs (Appendix D)"), panels, cols, 3.3*vg.Inch, 2.9*vg.Inch)
	f.Height += 0.35 * vg.Inch
	f.Width, f.Height = o.SizeOr(f.Width, f.Height)
	for ci, cfg := range cfgs {
		l := plotter.NewFunction(nil)
		l.Color, l.Width, l.Dashes = fig13OurColor(ci), vg.Points(1.8), []vg.Length{vg.Points(5), vg.Points(3)}
		f.Legend = append(f.Legend, plots.LegendEntry{Label: "ours, " + cfg.Short(), Thumbs: []plot.Thumbnailer{l}})
	}
	for bi, b := range models {
		l := plotter.NewFunction(nil)
		l.Color, l.Width = baselineColor(bi), vg.Points(1.6)
		f.Legend = append(f.Legend, plots.LegendEntry{Label: b, Thumbs: []plot.Thumbnailer{l}})
	}
	return f, nil
}

// fig13Choice splits the names of plots.Configs into our configurations
// (default VQQ) and baseline models (default analysis.Fig13Models); a name
// that is neither is an error listing both kinds.
func fig13Choice(names []string) ([]paperdata.Config, []string, error) {
	var cfgs []paperdata.Config
	var models []string
	known := paperdata.BaselineModels()
	for _, name := range names {
		if slices.Contains(known, name) {
			models = append(models, name)
			continue
		}
		c, err := paperdata.ParseConfig(name)
		if err != nil {
			return nil, nil, fmt.Errorf("plots: fig13: %q is neither a configuration (VQQ, VQ-ft, VQ) nor a baseline model (%s)",
				name, strings.Join(known, ", "))
		}
		cfgs = append(cfgs, c)
	}
	if len(cfgs) == 0 {
		cfgs = []paperdata.Config{paperdata.VQQ}
	}
	if len(models) == 0 {
		models = analysis.Fig13Models
	}
	return cfgs, models, nil
}

// fig13DefaultMetrics is Table 1's metrics where one of the models has a
// recoverable score.
func fig13DefaultMetrics(models []string) []paperdata.Metric {
	var def []paperdata.Metric
	for _, m := range paperdata.Table1Metrics() {
		for _, b := range models {
			if _, ok := paperdata.BaselineValue(b, m.ID); ok {
				def = append(def, m)
				break
			}
		}
	}
	return def
}

// fig13Panel draws one metric: each known baseline score as a solid level,
// each of our configurations as a dashed line with points over N.
func fig13Panel(c analysis.Comparison, cfgs []paperdata.Config, logX bool) (*plot.Plot, error) {
	p := plots.NewPlot(c.Metric.Label(), "N", "")
	p.Title.TextStyle.Font.Size = plots.LabelSize
	missing := 0
	for bi, b := range c.Baselines {
		if !b.Known {
			missing++
			continue
		}
		l, err := plotter.NewLine(plotter.XYs{{X: 1, Y: b.Value}, {X: 768, Y: b.Value}})
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = baselineColor(bi), vg.Points(1.6)
		p.Add(l)
	}
	for ci, cfg := range cfgs {
		pts := make(plotter.XYs, len(c.N))
		for i := range c.N {
			pts[i] = plotter.XY{X: c.N[i], Y: c.Ours[cfg][i]}
		}
		lp, sp, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		col := fig13OurColor(ci)
		lp.Color, lp.Width, lp.Dashes = col, vg.Points(1.8), []vg.Length{vg.Points(5), vg.Points(3)}
		sp.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
		p.Add(lp, sp)
	}
	if missing == len(c.Baselines) {
		p.Title.Text += " (no baseline score recoverable)"
	}
	p.Y.Tick.Marker = plots.NiceTicks{N: 5}
	if logX {
		plots.SetNAxis(p, 2)
	}
	return p, nil
}

// fig13OurColor is the colour of our i-th configuration: the style's blue,
// then black and grey (the series colours go to the baselines).
func fig13OurColor(i int) plotColor {
	return []plotColor{plots.Blue, plotColorBlack, plots.Grey}[i%3]
}

// baselineColor is the colour of the i-th baseline model: series colours
// that stay apart from each other and from our blue.
func baselineColor(i int) plotColor {
	order := []int{1, 2, 3, 6, 4, 7}
	return plots.Series[order[i%len(order)]]
}
