package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tokenscale/tokenscale/lib/plots"
)

// Figures of notebook 30 ("the fusion model"): the token layout of the
// paper's Figure 6 and training curves in the style of its Figure 15
// (Section 4.3, App. C; docs/model.md).
func init() {
	Register(Spec{
		ID:      "fig6",
		Paper:   "Figure 6",
		Caption: "Token layout: the fusion input [vision ‖ q₁ ‖ N−1 queries ‖ eos ‖ q₂ ‖ M−1 queries ‖ eos] and the LLM input with the fused tokens placed before each question",
		Options: `data: Layout(l), e.g. l from vlm.ToyTokenLayout(N, vision, mode)`,
		Source:  FromLayout,
		Build:   buildFig6,
	})
	Register(Spec{
		ID:      "fig15",
		Paper:   "Figure 15",
		Caption: "Training loss and gradient norm against the step",
		Options: `data: Training(runs...); LogY`,
		Source:  FromTraining,
		Build:   buildFig15,
	})
}

func buildFig15(o plots.Options) (*plots.Figure, error) {
	rs, err := trainingOf(o)
	if err != nil {
		return nil, err
	}
	loss := plots.NewPlot("(a) loss (Eq. 20)", "step", "loss")
	gn := plots.NewPlot("(b) gradient norm (before clipping)", "step", "‖g‖")
	var legend []plots.LegendEntry
	for i, r := range rs {
		if len(r.Log) == 0 {
			return nil, fmt.Errorf("plots: fig15: run %q has no steps", r.Label)
		}
		var xl, xg plotter.XYs
		for _, s := range r.Log {
			xl = append(xl, plotter.XY{X: float64(s.Step), Y: s.Loss})
			xg = append(xg, plotter.XY{X: float64(s.Step), Y: math.Max(s.GradNorm, 1e-12)})
		}
		c := plots.SeriesColor(i)
		for _, pp := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{loss, xl}, {gn, xg}} {
			l, err := plotter.NewLine(pp.xys)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = c, vg.Points(1.6)
			pp.p.Add(l)
		}
		ln, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 0}})
		ln.Color, ln.Width = c, vg.Points(1.6)
		legend = append(legend, plots.LegendEntry{Label: r.Label, Thumbs: []plot.Thumbnailer{ln}})
	}
	if o.LogYOr(false) {
		plots.SetLogY125(loss)
		plots.SetLogY125(gn)
	}
	f := plots.GridOf("fig15", o.TitleOr("Training loss and gradient norm"), []*plot.Plot{loss, gn}, 2, 4.5*vg.Inch, 3.4*vg.Inch)
	f.Legend = legend
	return f, nil
}

// Colours of the token types in Figure 6.
var tokenColours = map[string]color.Color{
	"IMG": color.RGBA{R: 0x9e, G: 0xc5, B: 0xe8, A: 0xff}, "QUE": color.RGBA{R: 0xf2, G: 0xc1, B: 0x8d, A: 0xff},
	"QED": color.RGBA{R: 0x8f, G: 0xd1, B: 0xa8, A: 0xff}, "EOS": color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff},
	"FUSED": color.RGBA{R: 0x5a, G: 0xb0, B: 0x7a, A: 0xff}, "TXT": color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff},
	"ANS": color.RGBA{R: 0xe3, G: 0x8b, B: 0x8b, A: 0xff},
}

func buildFig6(o plots.Options) (*plots.Figure, error) {
	l, ok := plots.DataOf[TokenLayout](o)
	if !ok {
		return nil, fmt.Errorf("plots: fig6 draws a token layout: hand it with figures.Layout(title, fusion, llm) (from vlm.ToyTokenLayout): %w", ErrNoData)
	}
	fl, ll := l.Fusion, l.LLM
	p := plots.NewPlot(l.Title, "token position", "")
	p.HideY()
	row := func(labels []string, y float64) error {
		for i, l := range labels {
			poly, err := plotter.NewPolygon(plotter.XYs{{X: float64(i), Y: y}, {X: float64(i + 1), Y: y}, {X: float64(i + 1), Y: y + 0.8}, {X: float64(i), Y: y + 0.8}})
			if err != nil {
				return err
			}
			poly.Color, poly.LineStyle.Color, poly.LineStyle.Width = tokenColours[l], color.White, vg.Points(0.8)
			p.Add(poly)
		}
		var pts []plotter.XY
		var text []string
		for _, r := range tokenRuns(labels) {
			pts = append(pts, plotter.XY{X: float64(r.start+r.end)/2 - 0.4, Y: y + 0.88})
			if n := r.end - r.start; n > 1 {
				text = append(text, fmt.Sprintf("%s×%d", r.label, n))
			} else {
				text = append(text, r.label)
			}
		}
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: text})
		if err != nil {
			return err
		}
		for i := range lab.TextStyle {
			lab.TextStyle[i].Font.Size = plots.TickSize * 0.8
			lab.TextStyle[i].Rotation = math.Pi / 5
		}
		p.Add(lab)
		return nil
	}
	if err := row(fl, 2); err != nil {
		return nil, err
	}
	if err := row(ll, 0); err != nil {
		return nil, err
	}
	names, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: 0, Y: 3.5}, {X: 0, Y: 1.5}},
		Labels: []string{"fusion input", "LLM input (Llama-2 chat)"}})
	if err != nil {
		return nil, err
	}
	p.Add(names)
	p.X.Min, p.Y.Min, p.Y.Max = -0.5, -0.3, 4.2
	p.X.Max = float64(max(len(fl), len(ll))) + 1
	return plots.Single("fig6", p, 11*vg.Inch, 4*vg.Inch), nil
}

// tokenRun is a stretch [start, end) of positions with the same label.
type tokenRun struct {
	label      string
	start, end int
}

// tokenRuns groups consecutive equal labels as lib/fusion.Runs does for its
// text output: every EOS stays its own run, so the query groups of
// consecutive questions stay visible.
func tokenRuns(labels []string) []tokenRun {
	var out []tokenRun
	for i, l := range labels {
		if n := len(out); n > 0 && out[n-1].label == l && l != "EOS" {
			out[n-1].end = i + 1
			continue
		}
		out = append(out, tokenRun{label: l, start: i, end: i + 1})
	}
	return out
}
