package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tokenscale/tokenscale/lib/analysis"
	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/plots"
)

func init() {
	opts := `Metrics(...) (default: the 18 of Table 1); Param("k", 4) number of clusters; Param("seed", 1) K-means seed; LogX(false)`
	Register(Spec{ID: "fig16", Paper: "Figure 16", Options: opts,
		Caption: "Min–max normalised scores over N in four K-means clusters, Vision Question Queries (App. E)",
		Build:   func(o plots.Options) (*plots.Figure, error) { return buildClusters(o, paperdata.VQQ, "Figure 16") }})
	Register(Spec{ID: "fig17", Paper: "Figure 17", Options: opts,
		Caption: "Min–max normalised scores over N in four K-means clusters, Vision Queries (ft) (App. E)",
		Build:   func(o plots.Options) (*plots.Figure, error) { return buildClusters(o, paperdata.VQFT, "Figure 17") }})
}

func buildClusters(o plots.Options, def paperdata.Config, paperName string) (*plots.Figure, error) {
	metrics, err := resolveMetrics(o.Metrics, paperdata.Table1Metrics())
	if err != nil {
		return nil, err
	}
	cfgs, err := resolveConfigs(o.Configs, []paperdata.Config{def})
	if err != nil {
		return nil, err
	}
	if len(cfgs) != 1 {
		return nil, fmt.Errorf("plots: %s clusters one configuration, got %d", paperName, len(cfgs))
	}
	k := o.ParamOr("k", 4)[0]
	seed := o.ParamOr("seed", 1)[0]
	if k < 1 || k != math.Trunc(k) || int(k) > len(metrics) {
		return nil, fmt.Errorf("plots: %s: k = %g clusters for %d metrics", paperName, k, len(metrics))
	}
	if seed < 0 || seed != math.Trunc(seed) {
		return nil, fmt.Errorf("plots: %s: seed = %g, want a non-negative integer", paperName, seed)
	}
	clusters, err := analysis.ClusterCurves(cfgs[0], metrics, analysis.KMeansOptions{K: int(k), Seed: uint64(seed)})
	if err != nil {
		return nil, fmt.Errorf("plots: %s: %w", paperName, err)
	}
	logX := o.LogXOr(true)
	var panels []*plot.Plot
	var boxes []plots.Box
	cols := 2
	if len(clusters) == 1 {
		cols = 1
	}
	rows := (len(clusters) + cols - 1) / cols
	for ci, cl := range clusters {
		title := fmt.Sprintf("(%c) cluster %d: %d metric", 'a'+ci, ci+1, len(cl.Members))
		if len(cl.Members) != 1 {
			title += "s"
		}
		p := plots.NewPlot(title, "N", "(P − min) / (max − min)")
		p.Title.TextStyle.Font.Size = plots.LabelSize
		legend := plot.NewLegend()
		legend.TextStyle.Font.Size = plots.TickSize + 0.5
		for mi, m := range cl.Members {
			pts := make(plotter.XYs, len(m.N))
			for i := range m.N {
				pts[i] = plotter.XY{X: m.N[i], Y: m.Norm[i]}
			}
			lp, sp, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			col, shape := plots.DistinctStyle(mi)
			lp.Color, lp.Width = col, vg.Points(1.2)
			sp.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(2.6), Shape: shape}
			p.Add(lp, sp)
			legend.Add(m.Metric.Label(), lp, sp)
		}
		cpts := make(plotter.XYs, len(cl.N))
		for i := range cl.N {
			cpts[i] = plotter.XY{X: cl.N[i], Y: cl.Centroid[i]}
		}
		cen, err := plotter.NewLine(cpts)
		if err != nil {
			return nil, err
		}
		cen.Color, cen.Width, cen.Dashes = plotColorBlack, vg.Points(3), []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(cen)
		legend.Add("cluster mean", cen)
		p.Y.Min, p.Y.Max = -0.03, 1.03
		p.Y.Tick.Marker = plots.NiceTicks{N: 5}
		if logX {
			plots.SetNAxis(p, 0)
		}
		// The panel takes the left 64% of its cell; its legend the rest.
		r, c := ci/cols, ci%cols
		x0, w := float64(c)/float64(cols), 1/float64(cols)
		y1 := 1 - float64(r)/float64(rows)
		y0 := y1 - 1/float64(rows)
		panels = append(panels, p, plots.LegendPanel(legend))
		boxes = append(boxes, plots.Box{X0: x0, Y0: y0, X1: x0 + 0.64*w, Y1: y1}, plots.Box{X0: x0 + 0.64*w, Y0: y0, X1: x0 + w, Y1: y1})
	}
	f := &plots.Figure{Title: o.TitleOr(fmt.Sprintf("%s: min–max normalised scores over N, K-means with k = %d, %s", paperName, int(k), cfgs[0])),
		Panels: panels, Boxes: boxes}
	f.Width, f.Height = o.SizeOr(vg.Length(7.5*float64(cols))*vg.Inch, vg.Length(0.5+3.6*float64(rows))*vg.Inch)
	return f, nil
}
