package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tokenscale/tokenscale/lib/analysis"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
)

func init() {
	opts := `Metrics(...) (default: the 18 of Table 1); Configs(a, b) compare other configurations (ΔP = P_a − P_b)`
	Register(Spec{ID: "fig11", Paper: "Figure 11", Options: opts,
		Caption: "ΔP = P(Vision Question Queries) − P(Vision Queries (ft)) per metric and N: green > 0, red < 0, darker = larger N",
		Build:   func(o plots.Options) (*plots.Figure, error) { return buildDiffBars(o, paperdata.VQFT, "Figure 11") }})
	Register(Spec{ID: "fig12", Paper: "Figure 12", Options: opts,
		Caption: "ΔP = P(Vision Question Queries) − P(Vision Queries) per metric and N: green > 0, red < 0, darker = larger N",
		Build:   func(o plots.Options) (*plots.Figure, error) { return buildDiffBars(o, paperdata.VQ, "Figure 12") }})
}

// buildDiffBars draws Figure 11 or 12: one panel of horizontal ΔP bars per
// group of analysis.DiffPanels, large-scale single-metric panels stacked in
// a narrow left column.
func buildDiffBars(o plots.Options, other paperdata.Config, paperName string) (*plots.Figure, error) {
	metrics, err := resolveMetrics(o.Metrics, paperdata.Table1Metrics())
	if err != nil {
		return nil, err
	}
	cfgs, err := resolveConfigs(o.Configs, []paperdata.Config{paperdata.VQQ, other})
	if err != nil {
		return nil, err
	}
	if len(cfgs) != 2 {
		return nil, fmt.Errorf("plots: %s compares two configurations, got %d", paperName, len(cfgs))
	}
	ds, err := analysis.Differences(cfgs[0], cfgs[1], metrics)
	if err != nil {
		return nil, err
	}
	groups := analysis.DiffPanels(ds)
	nN := len(paperdata.Ns())
	xLabel := fmt.Sprintf("ΔP = P(%s) − P(%s)", cfgs[0].Short(), cfgs[1].Short())
	var panels []*plot.Plot
	var big, small []int // panel indexes by kind, for the layout
	for gi, g := range groups {
		p, err := diffPanel(fmt.Sprintf("(%c) %s", 'a'+gi, g.Title), g, xLabel, nN)
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
		if len(g.Series) == 1 && len(groups) > 2 && gi < 2 && isLargeScale(g.Series[0]) {
			big = append(big, gi)
		} else {
			small = append(small, gi)
		}
	}
	title := fmt.Sprintf("%s: ΔP = P(%s) − P(%s) per metric and N", paperName, cfgs[0], cfgs[1])
	if len(o.Configs) > 0 {
		title = fmt.Sprintf("ΔP = P(%s) − P(%s) per metric and N", cfgs[0], cfgs[1])
	}
	f := &plots.Figure{Title: o.TitleOr(title),
		Panels: panels}
	rows := diffLayout(f, groups, big, small)
	f.Width, f.Height = o.SizeOr(15*vg.Inch, vg.Length(math.Max(5.5, 1.6+0.95*float64(rows)))*vg.Inch)
	f.Legend = diffLegend(cfgs[0], cfgs[1], nN)
	return f, nil
}

// diffPanel draws one group's bars: per metric a block of nN bars (N = 1
// lowest), green where ΔP > 0 and red where ΔP < 0, darker for larger N,
// with a line at ΔP = 0.
func diffPanel(title string, g analysis.DiffPanel, xLabel string, nN int) (*plot.Plot, error) {
	p := plots.NewPlot(title, xLabel, "")
	p.Title.TextStyle.Font.Size = plots.LabelSize
	bars := &plots.HBars{Thickness: 0.8}
	var ticks []plot.Tick
	block := float64(nN) + 2 // ten bars and a gap
	for j, d := range g.Series {
		base := float64(len(g.Series)-1-j) * block
		for k := range d.Delta { // k = 0 is N = 1, drawn lowest in the block
			c := plots.Shade(plots.Green, k, nN)
			if d.Delta[k] < 0 {
				c = plots.Shade(plots.Red, k, nN)
			}
			bars.Bars = append(bars.Bars, plots.HBar{Y: base + float64(k), V: d.Delta[k], Color: c})
		}
		if len(g.Series) == 1 { // one metric: label every bar with its N
			for k, n := range d.N {
				ticks = append(ticks, plot.Tick{Value: base + float64(k), Label: fmt.Sprint(n)})
			}
			p.Y.Label.Text = "N"
		} else {
			ticks = append(ticks, plot.Tick{Value: base + float64(nN-1)/2, Label: d.Metric.Label()})
		}
	}
	p.Add(bars)
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Tick.Label.Font.Size = plots.TickSize
	p.Y.Padding = 0
	// A vertical line at ΔP = 0.
	_, _, ymin, ymax := bars.DataRange()
	zl, err := plotter.NewLine(plotter.XYs{{X: 0, Y: ymin - 0.5}, {X: 0, Y: ymax + 0.5}})
	if err != nil {
		return nil, err
	}
	zl.Color, zl.Width = color.Black, vg.Points(0.8)
	p.Add(zl)
	// Leave room on both sides of zero so short bars stay visible.
	xmin, xmax, _, _ := bars.DataRange()
	span := xmax - xmin
	p.X.Min, p.X.Max = xmin-0.04*span, xmax+0.04*span
	return p, nil
}

// diffLayout places the panels: the big ones (single-metric, large-scale)
// stacked in a narrow left column, the small ones side by side, their
// heights following their number of metrics so bars keep one thickness. It
// returns the most metrics of a panel.
func diffLayout(f *plots.Figure, groups []analysis.DiffPanel, big, small []int) int {
	f.Boxes = make([]plots.Box, len(f.Panels))
	left := 0.0
	if len(big) > 0 {
		left = 0.3
		for i, pi := range big {
			h := 1 / float64(len(big))
			f.Boxes[pi] = plots.Box{X0: 0, Y0: 1 - h*float64(i+1), X1: left, Y1: 1 - h*float64(i)}
		}
	}
	rows := 0
	for _, g := range groups {
		rows = max(rows, len(g.Series))
	}
	for i, pi := range small {
		w := (1 - left) / float64(len(small))
		h := 0.15 + 0.85*float64(len(groups[pi].Series))/float64(rows)
		f.Boxes[pi] = plots.Box{X0: left + w*float64(i), Y0: 1 - h, X1: left + w*float64(i+1), Y1: 1}
	}
	return rows
}

// diffLegend explains the colours: green where a is higher, red where b
// is, shaded by N.
func diffLegend(a, b paperdata.Config, nN int) []plots.LegendEntry {
	var greens, reds plots.Swatch
	for k := range nN {
		greens, reds = append(greens, plots.Shade(plots.Green, k, nN)), append(reds, plots.Shade(plots.Red, k, nN))
	}
	return []plots.LegendEntry{
		{Label: fmt.Sprintf("ΔP > 0 (%s higher)", a.Short()), Thumbs: []plot.Thumbnailer{greens}},
		{Label: fmt.Sprintf("ΔP < 0 (%s higher)", b.Short()), Thumbs: []plot.Thumbnailer{reds}},
		{Label: "each metric: 10 bars, N = 768 (top, darkest) … N = 1 (bottom, lightest)"},
	}
}

func isLargeScale(d analysis.DiffSeries) bool {
	for i := range d.PA {
		if math.Abs(d.PA[i]) > 100 || math.Abs(d.PB[i]) > 100 {
			return true
		}
	}
	return false
}
