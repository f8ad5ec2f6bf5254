package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tokenscale/tokenscale/lib/analysis"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

func init() {
	opts := `Metrics(...) panels (default: the 18 of Table 1); Configs(...) overlay configurations; ` +
		`Param("drop", 1) leave these N out of the fit (drawn as open circles); LogX(false) linear N axis; LogY(true)`
	Register(Spec{ID: "fig8", Paper: "Figure 8", Options: opts,
		Caption: "Scaling law (c/N)^α fitted to each metric, Vision Question Queries: Appendix D points and the fit, x-axis log₂ N",
		Build:   func(o plots.Options) (*plots.Figure, error) { return buildScalingFits(o, paperdata.VQQ, "Figure 8") }})
	Register(Spec{ID: "fig9", Paper: "Figure 9", Options: opts,
		Caption: "Scaling law (c/N)^α fitted to each metric, Vision Queries (ft): Appendix D points and the fit, x-axis log₂ N",
		Build:   func(o plots.Options) (*plots.Figure, error) { return buildScalingFits(o, paperdata.VQFT, "Figure 9") }})
}

// fitColors returns the point and line colours of the i-th configuration:
// the paper's light/dark blue for the first, series colours after it.
func fitColors(i int) (points, line color.Color) {
	if i == 0 {
		return plots.LightBlue, plots.Blue
	}
	c := plots.SeriesColor(i).(color.RGBA)
	return plots.Shade(c, 1, 3), c
}

// fitPoints is analysis.FitCurve with its points as plotter.XYs.
func fitPoints(cfg paperdata.Config, m paperdata.Metric, drop []float64) (fit scaling.Fit, used, dropped plotter.XYs, err error) {
	c, err := analysis.FitCurve(cfg, m, drop)
	if err != nil {
		return fit, nil, nil, err
	}
	for i := range c.N {
		used = append(used, plotter.XY{X: c.N[i], Y: c.P[i]})
	}
	for i := range c.DroppedN {
		dropped = append(dropped, plotter.XY{X: c.DroppedN[i], Y: c.DroppedP[i]})
	}
	return c.Fit, used, dropped, nil
}

func buildScalingFits(o plots.Options, def paperdata.Config, paperName string) (*plots.Figure, error) {
	metrics, err := resolveMetrics(o.Metrics, paperdata.Table1Metrics())
	if err != nil {
		return nil, err
	}
	cfgs, err := resolveConfigs(o.Configs, []paperdata.Config{def})
	if err != nil {
		return nil, err
	}
	drop := o.ParamOr("drop")
	logX, logY := o.LogXOr(true), o.LogYOr(false)
	var panels []*plot.Plot
	for _, m := range metrics {
		title := m.Label()
		p := plots.NewPlot("", "N", "")
		for ci, cfg := range cfgs {
			fit, used, dropped, err := fitPoints(cfg, m, drop)
			if err != nil {
				return nil, err
			}
			pc, lc := fitColors(ci)
			ns, ps := fit.Curve(1, 768, 120)
			curve := make(plotter.XYs, len(ns))
			for i := range ns {
				curve[i] = plotter.XY{X: ns[i], Y: ps[i]}
			}
			l, err := plotter.NewLine(curve)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = lc, vg.Points(1.8)
			s, err := plotter.NewScatter(used)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: pc, Radius: vg.Points(3.2), Shape: draw.CircleGlyph{}}
			p.Add(s, l)
			if len(dropped) > 0 {
				d, err := plotter.NewScatter(dropped)
				if err != nil {
					return nil, err
				}
				d.GlyphStyle = draw.GlyphStyle{Color: lc, Radius: vg.Points(3.2), Shape: draw.RingGlyph{}}
				p.Add(d)
			}
			if len(cfgs) == 1 {
				title += "   α = " + minus(fmt.Sprintf("%.3f", fit.Alpha))
				if fit.Degenerate && math.Abs(fit.Alpha) < scaling.FlatAlpha {
					title += " (flat)"
				}
			}
		}
		p.Title.Text = title
		setFitAxes(p, logX, logY)
		panels = append(panels, p)
	}
	cols := 6
	if len(panels) < cols {
		cols = len(panels)
	}
	if len(panels) <= 4 {
		cols = 2
		if len(panels) == 1 {
			cols = 1
		}
	}
	rows := (len(panels) + cols - 1) / cols
	names := make([]string, len(cfgs))
	for i, c := range cfgs {
		names[i] = string(c)
	}
	title := fmt.Sprintf("%s: P(N) = (c/N)^α fitted to Appendix D, %s", paperName, names[0])
	if len(cfgs) > 1 {
		title = "P(N) = (c/N)^α fitted to Appendix D"
	}
	f := plots.GridOf("", o.TitleOr(title), panels, cols, 2.45*vg.Inch, 2.35*vg.Inch)
	f.Height += 0.35 * vg.Inch
	f.Width, f.Height = o.SizeOr(f.Width, f.Height)
	for ci, cfg := range cfgs {
		pc, lc := fitColors(ci)
		s, _ := plotter.NewScatter(plotter.XYs{{}})
		s.GlyphStyle = draw.GlyphStyle{Color: pc, Radius: vg.Points(3.2), Shape: draw.CircleGlyph{}}
		l := plotter.NewFunction(nil)
		l.Color, l.Width = lc, vg.Points(1.8)
		f.Legend = append(f.Legend,
			plots.LegendEntry{Label: cfg.Short() + ": Appendix D score", Thumbs: []plot.Thumbnailer{s}},
			plots.LegendEntry{Label: cfg.Short() + ": fit (c/N)^α", Thumbs: []plot.Thumbnailer{l}})
	}
	if len(drop) > 0 {
		d, _ := plotter.NewScatter(plotter.XYs{{}})
		d.GlyphStyle = draw.GlyphStyle{Color: plots.Blue, Radius: vg.Points(3.2), Shape: draw.RingGlyph{}}
		f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("left out of the fit (N = %v)", drop), Thumbs: []plot.Thumbnailer{d}})
	}
	_ = rows
	return f, nil
}

// setFitAxes gives a P(N) panel of the fit figures (Figures 8/9, the eval
// sweep) its small title, four nice y ticks, the log₂ N axis when logX and
// the log y axis when logY.
func setFitAxes(p *plot.Plot, logX, logY bool) {
	p.Title.TextStyle.Font.Size = plots.LabelSize
	p.Y.Tick.Marker = plots.NiceTicks{N: 4}
	if logX {
		plots.SetNAxis(p, 2)
	}
	if logY {
		plots.SetLogY(p)
	}
}
