package figures

import (
	"fmt"
	"math"

	"github.com/tokenscale/tokenscale/lib/plots"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func init() {
	Register(Spec{
		ID:      "fig2",
		Paper:   "Figure 2",
		Caption: "Shape of the bound h(n) = sqrt(n + n(n-1)g) for constant g: sqrt(n) for short branches, n*sqrt(g) for long ones",
		Options: `Param("g", 0.001, 0.01, 0.1) the constant g values; Param("nmax", 10000) right panel's largest n; ` +
			`LogX/LogY change both panels' axes (default: left linear, right log-log)`,
		Build: buildFig2,
	})
}

// ShapeH is the paper's shape function h(n) = sqrt(n + n(n-1)g) (Section
// 3.2, Eq. 9-10) for a constant g.
func ShapeH(n, g float64) float64 { return math.Sqrt(n + n*(n-1)*g) }

func buildFig2(o plots.Options) (*plots.Figure, error) {
	gs := o.ParamOr("g", 0.001, 0.01, 0.1)
	nmax := o.ParamOr("nmax", 10000)[0]
	for _, g := range gs {
		if g < 0 || g > 1 || math.IsNaN(g) {
			return nil, fmt.Errorf("plots: fig2: g = %g outside [0, 1] (the paper restricts g to [0, 1])", g)
		}
	}
	if nmax < 2 || math.IsInf(nmax, 0) || math.IsNaN(nmax) {
		return nil, fmt.Errorf("plots: fig2: nmax = %g, want >= 2", nmax)
	}
	left, err := fig2Panel("(a) short branches, linear axes", gs, math.Min(50, nmax), o.LogXOr(false), o.LogYOr(false), false)
	if err != nil {
		return nil, err
	}
	right, err := fig2Panel("(b) long branches, log-log axes", gs, nmax, o.LogXOr(true), o.LogYOr(true), true)
	if err != nil {
		return nil, err
	}
	w, h := o.SizeOr(11*vg.Inch, 4.8*vg.Inch)
	f := &plots.Figure{Title: o.TitleOr("Figure 2: h(n) = √(n + n(n−1)g) for constant g"),
		Rows: 1, Cols: 2, Panels: []*plot.Plot{left, right}, Width: w, Height: h}
	// Shared legend: one entry per g plus the two asymptotes.
	for i, g := range gs {
		l := plotter.NewFunction(func(float64) float64 { return 0 })
		l.Color, l.Width = plots.SeriesColor(i), vg.Points(2)
		f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("h(n), g = %g", g), Thumbs: []plot.Thumbnailer{l}})
	}
	sq := plotter.NewFunction(nil)
	sq.Color, sq.Width, sq.Dashes = plots.Grey, vg.Points(1.4), []vg.Length{vg.Points(5), vg.Points(3)}
	lin := plotter.NewFunction(nil)
	lin.Color, lin.Width, lin.Dashes = plots.Grey, vg.Points(1.2), []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	f.Legend = append(f.Legend,
		plots.LegendEntry{Label: "√n", Thumbs: []plot.Thumbnailer{sq}},
		plots.LegendEntry{Label: "n√g", Thumbs: []plot.Thumbnailer{lin}})
	return f, nil
}

func fig2Panel(title string, gs []float64, nmax float64, logX, logY, asymptotes bool) (*plot.Plot, error) {
	p := plots.NewPlot(title, "branch length n", "h(n)")
	const samples = 300
	ns := make([]float64, samples)
	for i := range ns {
		t := float64(i) / (samples - 1)
		if logX {
			ns[i] = math.Pow(nmax, t) // 1 .. nmax, evenly in log n
		} else {
			ns[i] = 1 + t*(nmax-1)
		}
	}
	line := func(f func(n float64) float64) (*plotter.Line, error) {
		pts := make(plotter.XYs, len(ns))
		for i, n := range ns {
			pts[i] = plotter.XY{X: n, Y: f(n)}
		}
		return plotter.NewLine(pts)
	}
	sq, err := line(math.Sqrt)
	if err != nil {
		return nil, err
	}
	sq.Color, sq.Width, sq.Dashes = plots.Grey, vg.Points(1.4), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(sq)
	for i, g := range gs {
		l, err := line(func(n float64) float64 { return ShapeH(n, g) })
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = plots.SeriesColor(i), vg.Points(2)
		p.Add(l)
		if asymptotes && g > 0 {
			a, err := line(func(n float64) float64 { return n * math.Sqrt(g) })
			if err != nil {
				return nil, err
			}
			a.Color, a.Width, a.Dashes = plots.Grey, vg.Points(1.2), []vg.Length{vg.Points(1.5), vg.Points(2.5)}
			p.Add(a)
			// Mark the crossover n = 1 + 1/g where the two terms of h^2 are
			// equal: n = n(n-1)g.
			if n := 1 + 1/g; n < nmax {
				s, err := plotter.NewScatter(plotter.XYs{{X: n, Y: ShapeH(n, g)}})
				if err != nil {
					return nil, err
				}
				s.GlyphStyle = draw.GlyphStyle{Color: plots.SeriesColor(i), Radius: vg.Points(3.5), Shape: draw.CircleGlyph{}}
				p.Add(s)
			}
		}
	}
	if logX {
		plots.SetLogX(p)
	} else {
		p.X.Min = 0
	}
	if logY {
		plots.SetLogY(p)
		p.Y.Min = math.Max(p.Y.Min, 0.5)
	} else {
		p.Y.Min = 0
	}
	if asymptotes {
		p.Title.Text += "; dots: n = 1 + 1/g"
	}
	return p, nil
}
