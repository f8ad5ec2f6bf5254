package figures

import (
	"fmt"
	"image/color"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/results"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

func init() {
	Register(Spec{ID: "eval-sweep",
		Caption: "Your evaluation sweep beside the paper: your scores over N and their fit (c/N)^α, with the paper's Appendix D points and fit for the same configuration and metric",
		Source:  FromEval,
		Options: `data: Eval(source, rows), optional; Metrics(...) panels, as "<metric>@<benchmark>" (default: the metrics of your results that Table 1 fits, else all of them; with no results loaded, four of the paper's); LogX(false) linear N axis; LogY(true)`,
		Build:   buildEvalSweep})
}

// evalGroup is one (configuration, metric) curve of the user's results.
type evalGroup struct {
	config, id string
	ns, ps     []float64
}

// normID folds case and "_"/" " in a metric id.
func normID(s string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", " "))
}

// buildEvalSweep draws one panel per (configuration, metric) of the user's
// results: their points and fit beside the paper's Appendix D ones.
func buildEvalSweep(o plots.Options) (*plots.Figure, error) {
	d, _ := plots.DataOf[evalData](o)
	rows, source := d.rows, d.source

	groups := groupEvalRows(rows)
	title := "Your evaluation (" + source + ") beside the paper's Appendix D"
	if len(groups) == 0 {
		// Nothing of the user's yet: draw the paper's side only, and say so.
		title = "No results of your own loaded: run `tokenscale eval sweep … --csv FILE`, then pass figures.LoadEval(FILE) (or tokenscale figures --eval FILE)"
		for _, id := range []string{"Overall@POPE", "Overall@MMStar", "CIDEr@COCO VAL", "Overall@TextVQA VAL"} {
			groups = append(groups, &evalGroup{config: string(paperdata.VQQ), id: id})
		}
	}
	if len(o.Metrics) == 0 && len(rows) > 0 {
		groups = table1Groups(groups)
	}
	if len(o.Metrics) > 0 {
		var err error
		if groups, err = selectEvalGroups(groups, o.Metrics); err != nil {
			return nil, err
		}
	}
	logX, logY := o.LogXOr(true), o.LogYOr(false)
	you, youLine := plots.Shade(plots.Series[1].(color.RGBA), 1, 3), plots.SeriesColor(1)
	var panels []*plot.Plot
	for _, g := range groups {
		p, err := evalPanel(g, you, youLine, logX, logY)
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
	}
	cols := 4
	if len(panels) < cols {
		cols = len(panels)
	}
	f := plots.GridOf("", o.TitleOr(title), panels, cols, 2.6*vg.Inch, 2.5*vg.Inch)
	f.Height += 0.35 * vg.Inch
	f.Width, f.Height = o.SizeOr(f.Width, f.Height)
	f.Legend = append(f.Legend, evalLegend(len(rows) > 0, you, youLine)...)
	return f, nil
}

// groupEvalRows gathers the rows into one group per configuration and
// metric id (case and "_"/" " folded), in order of first appearance.
func groupEvalRows(rows []results.Row) []*evalGroup {
	var groups []*evalGroup
	index := map[string]*evalGroup{}
	for _, r := range rows {
		k := r.Config + "|" + normID(r.ID())
		g := index[k]
		if g == nil {
			g = &evalGroup{config: r.Config, id: r.ID()}
			index[k] = g
			groups = append(groups, g)
		}
		g.ns, g.ps = append(g.ns, float64(r.N)), append(g.ps, r.Value)
	}
	return groups
}

// table1Groups keeps the groups of the metrics Table 1 fits, or all of them
// when none is one.
func table1Groups(groups []*evalGroup) []*evalGroup {
	t1 := map[string]bool{}
	for _, m := range paperdata.Table1Metrics() {
		t1[normID(m.ID)] = true
	}
	var sel []*evalGroup
	for _, g := range groups {
		if t1[normID(g.id)] {
			sel = append(sel, g)
		}
	}
	if len(sel) > 0 {
		return sel
	}
	return groups
}

// selectEvalGroups keeps the groups of the asked metrics, in the order
// asked; a metric that no group has is an error that lists those present.
func selectEvalGroups(groups []*evalGroup, metrics []string) ([]*evalGroup, error) {
	var sel []*evalGroup
	var have []string
	for _, g := range groups {
		have = append(have, g.id)
	}
	for _, w := range metrics {
		found := false
		for _, g := range groups {
			if normID(g.id) == normID(w) {
				sel, found = append(sel, g), true
			}
		}
		if !found {
			return nil, fmt.Errorf("plots: eval-sweep: no metric %q in the results (have %s)", w, strings.Join(have, ", "))
		}
	}
	return sel, nil
}

// evalPanel draws one group: the user's points and fit (colours you,
// youLine) and the paper's for the same configuration and metric, titled
// with the metric and each fit's α.
func evalPanel(g *evalGroup, you, youLine color.Color, logX, logY bool) (*plot.Plot, error) {
	p := plots.NewPlot("", "N", "")
	var notes []string
	if len(g.ns) > 0 {
		if err := addPointsAndFit(p, g.ns, g.ps, you, youLine, draw.TriangleGlyph{}); err == nil {
			notes = append(notes, "you "+err2alpha(g.ns, g.ps))
		} else {
			return nil, err
		}
	}
	if m, ok := paperdata.LookupMetric(g.id); ok {
		if cfg, err := paperdata.ParseConfig(g.config); err == nil {
			if ns, ps, err := paperdata.Curve(cfg, m.ID); err == nil {
				if err := addPointsAndFit(p, ns, ps, plots.LightBlue, plots.Blue, draw.CircleGlyph{}); err != nil {
					return nil, err
				}
				notes = append(notes, "paper "+err2alpha(ns, ps))
			}
		}
	}
	label := g.id
	if m, ok := paperdata.LookupMetric(g.id); ok {
		label = m.Label()
	}
	p.Title.Text = label
	if len(notes) > 0 {
		p.Title.Text += "\n" + strings.Join(notes, ", ")
	}
	setFitAxes(p, logX, logY)
	return p, nil
}

// evalLegend is the figure's legend: the user's points and fit when there
// are results of theirs, then the paper's.
func evalLegend(yours bool, you, youLine color.Color) []plots.LegendEntry {
	mk := func(c color.Color, shape draw.GlyphDrawer) plot.Thumbnailer {
		s, _ := plotter.NewScatter(plotter.XYs{{}})
		s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3.2), Shape: shape}
		return s
	}
	line := func(c color.Color) plot.Thumbnailer {
		l := plotter.NewFunction(nil)
		l.Color, l.Width = c, vg.Points(1.8)
		return l
	}
	var legend []plots.LegendEntry
	if yours {
		legend = append(legend,
			plots.LegendEntry{Label: "your scores", Thumbs: []plot.Thumbnailer{mk(you, draw.TriangleGlyph{})}},
			plots.LegendEntry{Label: "your fit (c/N)^α", Thumbs: []plot.Thumbnailer{line(youLine)}})
	}
	return append(legend,
		plots.LegendEntry{Label: "paper, Appendix D", Thumbs: []plot.Thumbnailer{mk(plots.LightBlue, draw.CircleGlyph{})}},
		plots.LegendEntry{Label: "paper fit (c/N)^α", Thumbs: []plot.Thumbnailer{line(plots.Blue)}})
}

// addPointsAndFit draws the points, sorted by N, and the fitted curve when
// the points admit a fit (at least two distinct N, all values > 0).
func addPointsAndFit(p *plot.Plot, ns, ps []float64, pc, lc color.Color, shape draw.GlyphDrawer) error {
	pts := make(plotter.XYs, len(ns))
	for i := range ns {
		pts[i] = plotter.XY{X: ns[i], Y: ps[i]}
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	if fit, err := scaling.FitBFGS(ns, ps); err == nil {
		cn, cp := fit.Curve(pts[0].X, pts[len(pts)-1].X, 100)
		curve := make(plotter.XYs, len(cn))
		for i := range cn {
			curve[i] = plotter.XY{X: cn[i], Y: cp[i]}
		}
		if len(curve) > 1 {
			l, err := plotter.NewLine(curve)
			if err != nil {
				return err
			}
			l.Color, l.Width = lc, vg.Points(1.8)
			p.Add(l)
		}
	}
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: pc, Radius: vg.Points(3.2), Shape: shape}
	p.Add(s)
	return nil
}

// err2alpha is "α = …" of the fit, or "no fit" when the points admit none.
func err2alpha(ns, ps []float64) string {
	fit, err := scaling.FitBFGS(ns, ps)
	if err != nil {
		return "no fit"
	}
	return "α = " + minus(fmt.Sprintf("%.3f", fit.Alpha))
}
