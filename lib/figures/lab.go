package figures

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// Figures of notebook 40 ("the scaling lab"): examples of the synthetic
// task, training losses, and the lab's own versions of the paper's Figures
// 8/9 (scaling-law fits, Eq. 21–22) and 11/12 (differences between the
// configurations), per question kind.
func init() {
	Register(Spec{ID: "lab-task", Caption: "Examples of the scaling lab's synthetic task: images with one question and its answer each",
		Options: `Param("seed", 1); Param("grid", 2); Param("objects", 3) at most; Param("min-objects", 1) at least; Param("shapes", 1); Param("size", 16) image side in pixels; Param("local", 0.75) share of local questions; Param("count", 8) (defaults: labtask.LabTask())`,
		Build:   buildLabTask})
	Register(Spec{ID: "lab-loss", Caption: "Scaling lab: training loss of the question-fused model at each N (first seed)",
		Options: `data: Lab(res, label); LogY`,
		Source:  FromLab,
		Build:   buildLabLoss})
	Register(Spec{ID: "lab-fig8", Paper: "Figure 8 (lab)", Caption: "Scaling lab: (c/N)^α fitted to the accuracy of Vision Question Queries, all questions and per kind",
		Options: `data: Lab(res, label); Configs(...) overlay other configurations; LogX(false)`,
		Source:  FromLab,
		Build: func(o plots.Options) (*plots.Figure, error) {
			return buildLabFits(o, labresult.Configs()[0], "lab-fig8")
		}})
	Register(Spec{ID: "lab-fig9", Paper: "Figure 9 (lab)", Caption: "Scaling lab: (c/N)^α fitted to the accuracy of Vision Queries (ft), all questions and per kind",
		Options: `data: Lab(res, label); Configs(...) overlay other configurations; LogX(false)`,
		Source:  FromLab,
		Build: func(o plots.Options) (*plots.Figure, error) {
			return buildLabFits(o, labresult.Configs()[2], "lab-fig9")
		}})
	Register(Spec{ID: "lab-fig11", Paper: "Figure 11 (lab)", Caption: "Scaling lab: ΔP = P(Vision Question Queries) − P(Vision Queries (ft)) per N, local and global questions",
		Options: `data: Lab(res, label)`,
		Source:  FromLab,
		Build: func(o plots.Options) (*plots.Figure, error) {
			return buildLabDiffs(o, labresult.Configs()[2], "lab-fig11")
		}})
	Register(Spec{ID: "lab-fig12", Paper: "Figure 12 (lab)", Caption: "Scaling lab: ΔP = P(Vision Question Queries) − P(Vision Queries) per N (same weights, question dropped), local and global questions",
		Options: `data: Lab(res, label)`,
		Source:  FromLab,
		Build: func(o plots.Options) (*plots.Figure, error) {
			return buildLabDiffs(o, labresult.Configs()[1], "lab-fig12")
		}})
}

func buildLabTask(o plots.Options) (*plots.Figure, error) {
	task := labtask.LabTask()
	p := func(name string, def float64) float64 { return o.ParamOr(name, def)[0] }
	task.Grid, task.Objects, task.ImageSize = int(p("grid", float64(task.Grid))), int(p("objects", float64(task.Objects))), int(p("size", float64(task.ImageSize)))
	task.Shapes = int(p("shapes", float64(task.Shapes)))
	task.MinObjects = min(int(p("min-objects", float64(task.MinObjects))), task.Objects)
	task.LocalFraction = p("local", task.LocalFraction)
	n := int(p("count", 8))
	if n < 1 || n > 48 {
		return nil, fmt.Errorf("plots: lab-task: count %d outside [1, 48]", n)
	}
	samples, err := labtask.Generate(task, n, uint64(p("seed", 1)))
	if err != nil {
		return nil, fmt.Errorf("plots: lab-task: %w", err)
	}
	var panels []*plot.Plot
	for _, s := range samples {
		q := s.Questions[0]
		pl := plot.New()
		pl.Title.Text = plots.WrapWords(fmt.Sprintf("[%s] %s", q.Kind, q.Question), 30) + "\n→ " + q.Answer
		pl.Title.TextStyle.Font.Size = plots.TickSize
		img := plots.Upscale(s.Image, max(1, 192/task.ImageSize))
		pl.Add(plotter.NewImage(img, 0, 0, 1, 1))
		pl.HideAxes()
		pl.X.Min, pl.X.Max, pl.Y.Min, pl.Y.Max = 0, 1, 0, 1
		panels = append(panels, pl)
	}
	cols := min(4, len(panels))
	objects := fmt.Sprint(task.Objects)
	if task.MinObjects > 0 && task.MinObjects < task.Objects {
		objects = fmt.Sprintf("%d–%d", task.MinObjects, task.Objects)
	}
	title := fmt.Sprintf("Scaling-lab task: %d×%d grid, %s objects of %d shape(s), %d px", task.Grid, task.Grid, objects, task.Shapes, task.ImageSize)
	f := plots.GridOf("", o.TitleOr(title), panels, cols, 2.6*vg.Inch, 3.3*vg.Inch)
	f.Width, f.Height = o.SizeOr(f.Width, f.Height)
	return f, nil
}

// shortCfg abbreviates the paper's configuration names for titles.
func shortCfg(c string) string {
	switch c {
	case labresult.Configs()[0]:
		return "VQQ"
	case labresult.Configs()[1]:
		return "VQ"
	case labresult.Configs()[2]:
		return "VQ-ft"
	}
	return c
}

func buildLabLoss(o plots.Options) (*plots.Figure, error) {
	res, label, err := labOf(o, "lab-loss")
	if err != nil {
		return nil, err
	}
	p := plots.NewPlot("", "training steps with this N (one model; its steps take the N in turn)", "training loss (cross-entropy of the answer word)")
	var first uint64
	found := false
	for _, r := range res.Runs {
		if r.Config == labresult.Configs()[0] && (!found || r.Seed < first) {
			first, found = r.Seed, true
		}
	}
	var runs []labresult.Run
	for _, r := range res.Runs {
		if r.Config == labresult.Configs()[0] && r.Seed == first && len(r.Losses) > 0 {
			runs = append(runs, r)
		}
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("plots: lab-loss: the sweep has no training losses (a sweep CSV holds none; use the lab cache folder): %w", ErrNoData)
	}
	var legend []plots.LegendEntry
	for i, r := range runs {
		xy := make(plotter.XYs, len(r.Losses))
		for s, l := range plots.Smooth(r.Losses, 10) {
			xy[s] = plotter.XY{X: float64(s + 1), Y: l}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = plots.Shade(plots.Blue, i, len(runs)), vg.Points(1.5) // light (small N) to full blue (largest N)
		p.Add(l)
		legend = append(legend, plots.LegendEntry{Label: fmt.Sprintf("N = %d", r.N), Thumbs: []plot.Thumbnailer{l}})
	}
	if o.LogYOr(false) {
		plots.SetLogY(p)
	}
	f := plots.Single("", p, 0, 0)
	f.Title = o.TitleOr(fmt.Sprintf("Lab, VQQ: training loss (moving average of 10 steps), seed %d — %s", first, label))
	f.Legend = legend
	f.Width, f.Height = o.SizeOr(10*vg.Inch, 5*vg.Inch)
	return f, nil
}

func buildLabFits(o plots.Options, def, id string) (*plots.Figure, error) {
	res, label, err := labOf(o, id)
	if err != nil {
		return nil, err
	}
	cfgs, err := plots.Select("configuration", labresult.Configs(), o.Configs)
	if err != nil {
		return nil, err
	}
	if len(o.Configs) == 0 {
		cfgs = []string{def}
	}
	logX := o.LogXOr(true)
	var panels []*plot.Plot
	var legend []plots.LegendEntry
	for _, kind := range []string{"all", "local", "global"} {
		title := map[string]string{"all": "all questions", "local": "local questions", "global": "global questions"}[kind]
		p := plots.NewPlot("", "N", "accuracy")
		for ci, cfg := range cfgs {
			ns, ps := res.Curve(cfg, kind)
			if len(ns) == 0 {
				return nil, fmt.Errorf("plots: %s: no %s points for %s", id, kind, cfg)
			}
			pc, lc := fitColors(ci)
			pts := make(plotter.XYs, len(ns))
			for i := range ns {
				pts[i] = plotter.XY{X: ns[i], Y: ps[i]}
			}
			s, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: pc, Radius: vg.Points(3.2), Shape: draw.CircleGlyph{}}
			p.Add(s)
			if ci == 0 && kind == "all" {
				legend = append(legend, plots.LegendEntry{Label: "seed-averaged accuracy", Thumbs: []plot.Thumbnailer{s}})
			}
			f, ok := res.Fits[cfg], true
			if kind != "all" {
				f, ok = res.KindFits[cfg+"/"+kind]
			}
			if ok && !math.IsNaN(f.Alpha) {
				cn, cp := f.Curve(ns[0], ns[len(ns)-1], 80)
				curve := make(plotter.XYs, len(cn))
				for i := range cn {
					curve[i] = plotter.XY{X: cn[i], Y: cp[i]}
				}
				l, err := plotter.NewLine(curve)
				if err != nil {
					return nil, err
				}
				l.Color, l.Width = lc, vg.Points(1.8)
				p.Add(l)
				if kind == "all" {
					legend = append(legend, plots.LegendEntry{Label: fmt.Sprintf("%s: (c/N)^α, α = %s", cfg, minus(fmt.Sprintf("%.3f", f.Alpha))),
						Thumbs: []plot.Thumbnailer{l}})
				}
				if len(cfgs) == 1 {
					title += "   α = " + minus(fmt.Sprintf("%.3f", f.Alpha))
				}
			}
		}
		p.Title.Text = title
		p.Title.TextStyle.Font.Size = plots.LabelSize
		p.Y.Tick.Marker = plots.NiceTicks{N: 4}
		if logX {
			plots.SetNAxis(p, 1)
		}
		panels = append(panels, p)
	}
	short := make([]string, len(cfgs))
	for i, c := range cfgs {
		short[i] = shortCfg(c)
	}
	f := plots.GridOf("", o.TitleOr(fmt.Sprintf("Lab: accuracy against N, %s — %s", strings.Join(short, ", "), label)), panels, 3, 4*vg.Inch, 3.6*vg.Inch)
	f.Legend = legend
	f.Width, f.Height = o.SizeOr(f.Width, f.Height+0.4*vg.Inch)
	return f, nil
}

func buildLabDiffs(o plots.Options, other, id string) (*plots.Figure, error) {
	res, label, err := labOf(o, id)
	if err != nil {
		return nil, err
	}
	vqq := labresult.Configs()[0]
	var panels []*plot.Plot
	for _, kind := range []string{"local", "global"} {
		var ns []int
		var vals plotter.Values
		for _, d := range res.Diffs {
			if d.B == other && d.Kind == kind {
				ns = append(ns, d.N)
				vals = append(vals, d.Delta)
			}
		}
		if len(vals) == 0 {
			return nil, fmt.Errorf("plots: %s: no %s differences", id, kind)
		}
		p := plots.NewPlot(fmt.Sprintf("%s questions: mean ΔP = %s", kind, minus(fmt.Sprintf("%+.3f", res.MeanDiff(other, kind)))), "N", "ΔP (accuracy)")
		p.Title.TextStyle.Font.Size = plots.LabelSize
		pos, neg := make(plotter.Values, len(vals)), make(plotter.Values, len(vals))
		for i, v := range vals {
			if v >= 0 {
				pos[i] = v
			} else {
				neg[i] = v
			}
		}
		for i, part := range []plotter.Values{pos, neg} {
			b, err := plotter.NewBarChart(part, vg.Points(18))
			if err != nil {
				return nil, err
			}
			b.Color, b.LineStyle.Width = plots.Green, 0
			if i == 1 {
				b.Color = plots.Red
			}
			p.Add(b)
		}
		labels := make([]string, len(ns))
		for i, n := range ns {
			labels[i] = fmt.Sprint(n)
		}
		p.NominalX(labels...)
		zl, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 0}, {X: float64(len(ns)) - 0.5, Y: 0}})
		if err != nil {
			return nil, err
		}
		zl.Color, zl.Width = color.Black, vg.Points(0.8)
		p.Add(zl)
		panels = append(panels, p)
	}
	// One ΔP scale for both kinds, so that the bars compare across panels
	// (the point of the figure is local against global).
	lo, hi := 0.0, 0.0
	for _, p := range panels {
		lo, hi = math.Min(lo, p.Y.Min), math.Max(hi, p.Y.Max)
	}
	pad := 0.05 * (hi - lo)
	if lo < 0 {
		lo -= pad
	}
	hi += pad
	for _, p := range panels {
		p.Y.Min, p.Y.Max = lo, hi
	}
	title := fmt.Sprintf("Lab: ΔP = P(%s) − P(%s) — %s", shortCfg(vqq), shortCfg(other), label)
	f := plots.GridOf("", o.TitleOr(title), panels, 2, 4.5*vg.Inch, 3.8*vg.Inch)
	f.Width, f.Height = o.SizeOr(f.Width, f.Height)
	return f, nil
}
