package figures

// Section 3 figures: branch divergence (Figures 1, 3(a), 3(b), 4(a), 4(b),
// 10 and 14), drawn from lib/branch estimates.

import (
	"fmt"
	"image/color"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/plots"
)

func init() {
	dataOpts := `data: Branch(curves...); Configs(<model labels>) chooses the models (default: all); Param("minpairs", 1) drops n with fewer pairs; Param("nmax") caps n`
	Register(Spec{ID: "fig1", Paper: "Figure 1",
		Caption: "Branches appended after a shared prefix diverge; past a threshold the divergence is significant (simulated random walk)",
		Options: `Param("seed", 7); Param("tau", 40) branch point; Param("n", 160) branch length; Param("branches", 4); Param("g", 0.9, 0.05, 25) step correlation g(t) = g∞ + (g0−g∞)e^(−t/κ) as g0, g∞, κ; Param("level", 6) divergence level that marks the threshold`,
		Build:   buildFig1})
	Register(Spec{ID: "fig3a", Paper: "Figure 3(a)", Caption: "Measured ĝ(n), the mean cosine between step differences, against the branch length n",
		Options: dataOpts + "; LogX/LogY", Source: FromBranch, Build: buildFig3a})
	Register(Spec{ID: "fig3b", Paper: "Figure 3(b)", Caption: "Measured Ê(n) (mean, ±σ and ±2σ bands) against the bound λ·sqrt(n + n(n−1)ĝ(n))",
		Options: dataOpts + " (the first model is drawn)", Source: FromBranch, Build: buildFig3b})
	Register(Spec{ID: "fig4a", Paper: "Figure 4(a)", Caption: "Ratio r(n) = 1/((n−1)ĝ(n)) with the threshold ε (plots.Dashed) and n* = first n with r(n) < ε",
		Options: dataOpts + `; Param("eps") overrides each estimate's ε; LogY`, Source: FromBranch, Build: buildFig4a})
	Register(Spec{ID: "fig4b", Paper: "Figure 4(b)", Caption: "Difference Δĝ(n) with ±δ (plots.Dashed), n* = first n with |Δĝ(n)| < δ, and a zoomed inset",
		Options: dataOpts + `; Param("delta") overrides each estimate's δ; Param("zoom", 20) first n of the inset`, Source: FromBranch, Build: buildFig4b})
	Register(Spec{ID: "fig10", Paper: "Figure 10", Caption: "Eq. 23: one power law (c/n)^α fitted jointly to every model's ĝ(n) (solid) and the measured ĝ (plots.Dashed), log–log",
		Options: dataOpts + `; LogX/LogY (default log–log)`, Source: FromBranch, Build: buildFig10})
	Register(Spec{ID: "branch-psi", Caption: "The later (JMLR) formulation for one model: ψ curves, ‖Σ(h^A−h^B)‖ against λ·sqrt(Υ(n)), and ρ(n) with the balance point ρ = 1",
		Options: dataOpts + " (the first model is drawn)", Source: FromBranch, Build: buildBranchPsi})
	Register(Spec{ID: "fig14", Paper: "Figure 14", Caption: "Figure 3(b) for every model: Ê(n) with ±σ, ±2σ bands against the bound",
		Options: dataOpts, Source: FromBranch, Build: buildFig14})
}

// BranchSummary returns a table (header and rows) of estimates: pairs, n
// range, zero differences, λ, both thresholds and the ψ balance point, one
// row per model.
func BranchSummary(cs []branch.Curve) (header []string, rows [][]string) {
	header = []string{"model", "pairs", "n max", "zero differences", "λ", "n* (r < ε)", "n* (|Δĝ| < δ)", "ψ balance n"}
	none := func(n int) string {
		if n == 0 {
			return "none"
		}
		return strconv.Itoa(n)
	}
	for _, c := range cs {
		r := c.Result
		bal := "—"
		if r.Psi != nil {
			bal = none(r.Psi.Balance)
		}
		rows = append(rows, []string{c.Model, strconv.Itoa(r.Pairs), strconv.Itoa(len(r.Rows)),
			fmt.Sprintf("%d steps in %d pairs", r.ZeroSteps, r.PairsWithZero),
			fmt.Sprintf("%.3g (%s)", r.Lambda, r.LambdaMode),
			fmt.Sprintf("%s (ε = %g)", none(r.NRatio), r.Epsilon),
			fmt.Sprintf("%s (δ = %g, %s)", none(r.NDiff), r.Delta, r.Difference), bal})
	}
	return header, rows
}

// selectBranch applies Configs, minpairs and nmax.
func selectBranch(o plots.Options) ([]branch.Curve, error) {
	all, err := branchOf(o)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(all))
	byName := map[string]branch.Curve{}
	for i, c := range all {
		names[i] = c.Model
		byName[c.Model] = c
	}
	want, err := plots.Select("model", names, o.Configs)
	if err != nil {
		return nil, err
	}
	minPairs := int(o.ParamOr("minpairs", 1)[0])
	nmax := int(o.ParamOr("nmax", 0)[0])
	var out []branch.Curve
	for _, name := range want {
		c := byName[name]
		rows := c.Result.Rows
		k := len(rows)
		for k > 0 && rows[k-1].Pairs < minPairs {
			k--
		}
		if nmax > 0 && k > nmax {
			k = nmax
		}
		c.Result.Rows = rows[:k]
		if k < 3 {
			return nil, fmt.Errorf("plots: model %q has %d usable branch lengths (need 3; lower minpairs)", name, k)
		}
		out = append(out, c)
	}
	return out, nil
}

// modelsLabel names the models for titles, shortly: the toy models are
// called what they are.
func modelsLabel(cs []branch.Curve) string {
	toy := 0
	s := ""
	for i, c := range cs {
		if strings.HasPrefix(c.Model, "toy") {
			toy++
		}
		if i > 0 {
			s += ", "
		}
		s += c.Model
	}
	if toy == len(cs) {
		return "the built-in toy model (not an LLM)"
	}
	return s
}

// series collects the defined (n, value) points of one row field.
func series(rows []branch.Row, f func(branch.Row) (float64, bool)) (xs, ys []float64) {
	for _, r := range rows {
		if v, ok := f(r); ok {
			xs, ys = append(xs, float64(r.N)), append(ys, v)
		}
	}
	return xs, ys
}

// ---- Figure 1 -------------------------------------------------------------

func buildFig1(o plots.Options) (*plots.Figure, error) {
	seed := uint64(o.ParamOr("seed", 7)[0])
	tau := int(o.ParamOr("tau", 40)[0])
	n := int(o.ParamOr("n", 160)[0])
	k := int(o.ParamOr("branches", 4)[0])
	gp := o.ParamOr("g", 0.9, 0.05, 25)
	level := o.ParamOr("level", 6)[0]
	if tau < 1 || n < 2 || k < 2 || k > 8 || len(gp) != 3 || gp[0] < 0 || gp[0] > 1 || gp[1] < 0 || gp[1] > 1 || !(gp[2] > 0) || !(level > 0) {
		return nil, fmt.Errorf("plots: fig1: want tau ≥ 1, n ≥ 2, 2 ≤ branches ≤ 8, g = (g0, g∞, κ) with g0, g∞ in [0, 1] and κ > 0, level > 0")
	}
	prefix, paths := fig1Walks(seed, tau, n, k, gp)
	thr := fig1Threshold(paths, n, level)
	p := plots.NewPlot("", "time step t", "position (one coordinate of the mapped tokens)")
	xs := make([]float64, tau+1)
	for i := range xs {
		xs[i] = float64(i)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	upd := func(v []float64) {
		for _, y := range v {
			lo, hi = math.Min(lo, y), math.Max(hi, y)
		}
	}
	upd(prefix)
	for b := range paths {
		bx := make([]float64, n+1)
		for i := range bx {
			bx[i] = float64(tau + i)
		}
		l, err := plots.Line(bx, paths[b], plots.SeriesColor(b+1), 1.6)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		upd(paths[b])
	}
	l, err := plots.Line(xs, prefix, plots.Blue, 2.6)
	if err != nil {
		return nil, err
	}
	p.Add(l)
	pad := 0.05 * (hi - lo)
	v, err := plots.Line([]float64{float64(tau), float64(tau)}, []float64{lo - pad, hi + pad}, plots.Grey, 1.2, plots.Dashed...)
	if err != nil {
		return nil, err
	}
	p.Add(v)
	legend := []plots.LegendEntry{
		{Label: "shared prefix (system prompt + query)", Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.Blue, 2.6)}},
		{Label: fmt.Sprintf("%d branches after τ = %d", k, tau), Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.SeriesColor(1), 1.6)}},
		{Label: "branch point τ", Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.Grey, 1.2, plots.Dashed...)}},
	}
	if thr > 0 {
		v, err := plots.Line([]float64{float64(tau + thr), float64(tau + thr)}, []float64{lo - pad, hi + pad}, plots.Red, 1.6, plots.Dotted...)
		if err != nil {
			return nil, err
		}
		p.Add(v)
		legend = append(legend, plots.LegendEntry{Label: fmt.Sprintf("threshold: branches apart (τ + %d)", thr), Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.Red, 1.6, plots.Dotted...)}})
	}
	p.X.Min, p.X.Max = 0, float64(tau+n)
	w, h := o.SizeOr(10*vg.Inch, 5*vg.Inch)
	f := plots.Single("fig1", p, w, h)
	f.Title = o.TitleOr("Figure 1: branches after a shared prefix (simulated random walk)")
	f.Legend = legend
	return f, nil
}

// fig1Walks simulates Figure 1's walks from seed: a shared prefix of tau
// random steps, then k branches of n steps each, two branches' steps
// correlated by g(t) = g∞ + (g0 − g∞)·exp(−t/κ) with gp = (g0, g∞, κ).
func fig1Walks(seed uint64, tau, n, k int, gp []float64) (prefix []float64, paths [][]float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	// The shared prefix: a plain random walk.
	prefix = []float64{0}
	for t := 1; t <= tau; t++ {
		prefix = append(prefix, prefix[t-1]+rng.NormFloat64())
	}
	// Branches: step = sqrt(g(t))·shared_t + sqrt(1−g(t))·own_t, so two
	// branches' steps have correlation g(t), high at first and then low.
	paths = make([][]float64, k)
	for b := range paths {
		paths[b] = []float64{prefix[tau]}
	}
	for t := 1; t <= n; t++ {
		g := gp[1] + (gp[0]-gp[1])*math.Exp(-float64(t)/gp[2])
		shared := rng.NormFloat64()
		for b := range paths {
			step := math.Sqrt(g)*shared + math.Sqrt(1-g)*rng.NormFloat64()
			paths[b] = append(paths[b], paths[b][t-1]+step)
		}
	}
	return prefix, paths
}

// fig1Threshold is the first step t (1 … n) where the mean distance between
// branches exceeds level step sizes, or 0 when none does.
func fig1Threshold(paths [][]float64, n int, level float64) int {
	k := len(paths)
	thr := 0
	for t := 1; t <= n && thr == 0; t++ {
		var s float64
		var m int
		for a := 0; a < k; a++ {
			for b := a + 1; b < k; b++ {
				s += math.Abs(paths[a][t] - paths[b][t])
				m++
			}
		}
		if s/float64(m) > level {
			thr = t
		}
	}
	return thr
}

// ---- Figure 3(a) ----------------------------------------------------------

func buildFig3a(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	p := plots.NewPlot("", "branch length n", "ĝ(n)")
	f := &plots.Figure{Rows: 1, Cols: 1, Panels: []*plot.Plot{p}}
	for i, c := range cs {
		xs, ys := series(c.Result.Rows, func(r branch.Row) (float64, bool) { return r.G, r.HasG })
		l, err := plots.Line(xs, ys, plots.SeriesColor(i), 1.8)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("%s (%d pairs)", c.Model, c.Result.Pairs), Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.SeriesColor(i), 1.8)}})
	}
	if o.LogXOr(false) {
		plots.SetLogX125(p)
	}
	if o.LogYOr(false) {
		plots.SetLogY125(p)
	}
	f.Width, f.Height = o.SizeOr(10*vg.Inch, 5.5*vg.Inch)
	f.Title = o.TitleOr("Figure 3(a): ĝ(n), measured with " + modelsLabel(cs))
	return f, nil
}

// ---- Figure 3(b) and 14 ---------------------------------------------------

// boundPanel draws Ê(n) with ±σ and ±2σ bands and the bound λ·h(n).
func boundPanel(c branch.Curve, title string) (*plot.Plot, error) {
	p := plots.NewPlot(title, "branch length n", "Ê(n)")
	rows := c.Result.Rows
	band := func(k float64, alpha uint8) error {
		var pts plotter.XYs
		for _, r := range rows {
			pts = append(pts, plotter.XY{X: float64(r.N), Y: r.E + k*r.EStd})
		}
		for i := len(rows) - 1; i >= 0; i-- {
			r := rows[i]
			pts = append(pts, plotter.XY{X: float64(r.N), Y: math.Max(r.E-k*r.EStd, 0)})
		}
		poly, err := plotter.NewPolygon(pts)
		if err != nil {
			return err
		}
		poly.Color = color.NRGBA{R: plots.LightBlue.R, G: plots.LightBlue.G, B: plots.LightBlue.B, A: alpha}
		poly.LineStyle.Width = 0
		p.Add(poly)
		return nil
	}
	if err := band(2, 60); err != nil {
		return nil, err
	}
	if err := band(1, 90); err != nil {
		return nil, err
	}
	xs, es := series(rows, func(r branch.Row) (float64, bool) { return r.E, true })
	_, bs := series(rows, func(r branch.Row) (float64, bool) { return r.Bound, true })
	le, err := plots.Line(xs, es, plots.Blue, 2)
	if err != nil {
		return nil, err
	}
	lb, err := plots.Line(xs, bs, plots.Red, 2, plots.Dashed...)
	if err != nil {
		return nil, err
	}
	p.Add(le, lb)
	p.Legend.Add("Ê(n), ±σ, ±2σ", le)
	p.Legend.Add(fmt.Sprintf("λ·h(n), λ(%s) = %.3g", c.Result.LambdaMode, c.Result.Lambda), lb)
	p.Legend.Left = true
	p.Legend.Padding = vg.Points(3)
	p.Y.Min = 0
	return p, nil
}

func buildFig3b(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	c := cs[0]
	p, err := boundPanel(c, "")
	if err != nil {
		return nil, err
	}
	w, h := o.SizeOr(10*vg.Inch, 5.8*vg.Inch)
	f := plots.Single("fig3b", p, w, h)
	f.Title = o.TitleOr(fmt.Sprintf("Figure 3(b): Ê(n) and its bound, measured with %s (%d pairs)", c.Model, c.Result.Pairs))
	return f, nil
}

func buildFig14(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	var panels []*plot.Plot
	for _, c := range cs {
		p, err := boundPanel(c, fmt.Sprintf("%s (%d pairs)", c.Model, c.Result.Pairs))
		if err != nil {
			return nil, err
		}
		panels = append(panels, p)
	}
	cols := min(4, len(panels))
	w, h := o.SizeOr(vg.Length(cols)*4.6*vg.Inch, vg.Length((len(panels)+cols-1)/cols)*4*vg.Inch+0.5*vg.Inch)
	f := plots.GridOf("fig14", o.TitleOr("Figure 14: Ê(n) and the bound λ·√(n + n(n−1)ĝ(n)) for every model"), panels, cols, w/vg.Length(cols), 1)
	f.Width, f.Height = w, h
	return f, nil
}

// ---- Figure 4(a) ----------------------------------------------------------

func buildFig4a(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	p := plots.NewPlot("", "branch length n", "r(n) = 1/((n−1)ĝ(n))")
	f := &plots.Figure{Rows: 1, Cols: 1, Panels: []*plot.Plot{p}}
	var nmaxAll float64
	epsShown := map[float64]bool{}
	for i, c := range cs {
		eps := o.ParamOr("eps", c.Result.Epsilon)[0]
		xs, ys := series(c.Result.Rows, func(r branch.Row) (float64, bool) { return r.R, r.HasR })
		if len(xs) == 0 {
			continue
		}
		l, err := plots.Line(xs, ys, plots.SeriesColor(i), 1.8)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		nmaxAll = math.Max(nmaxAll, xs[len(xs)-1])
		label := fmt.Sprintf("%s: n* = none", c.Model)
		for j := range xs {
			if ys[j] < eps {
				m, err := plots.Marker(xs[j], ys[j], plots.SeriesColor(i))
				if err != nil {
					return nil, err
				}
				p.Add(m)
				label = fmt.Sprintf("%s: n* = %d", c.Model, int(xs[j]))
				break
			}
		}
		epsShown[eps] = true
		f.Legend = append(f.Legend, plots.LegendEntry{Label: label, Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.SeriesColor(i), 1.8)}})
	}
	for eps := range epsShown {
		l, err := plots.Line([]float64{1, math.Max(nmaxAll, 2)}, []float64{eps, eps}, plots.Grey, 1.4, plots.Dashed...)
		if err != nil {
			return nil, err
		}
		p.Add(l)
	}
	var epsList []string
	for eps := range epsShown {
		epsList = append(epsList, strconv.FormatFloat(eps, 'g', -1, 64))
	}
	f.Legend = append(f.Legend, plots.LegendEntry{Label: "ε = " + strings.Join(epsList, ", "), Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.Grey, 1.4, plots.Dashed...)}})
	if o.LogYOr(false) {
		plots.SetLogY125(p)
	} else {
		p.Y.Min = 0
	}
	f.Width, f.Height = o.SizeOr(10*vg.Inch, 5.5*vg.Inch)
	f.Title = o.TitleOr("Figure 4(a): ratio r(n), measured with " + modelsLabel(cs))
	return f, nil
}

// ---- Figure 4(b) ----------------------------------------------------------

func buildFig4b(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	zoom := o.ParamOr("zoom", 20)[0]
	mainP := plots.NewPlot("", "branch length n", "Δĝ(n)")
	inset := plots.NewPlot(fmt.Sprintf("zoom: n ≥ %g", zoom), "", "")
	f := &plots.Figure{Panels: []*plot.Plot{mainP, inset}, Boxes: []plots.Box{{X0: 0, Y0: 0, X1: 1, Y1: 1}, {X0: 0.5, Y0: 0.12, X1: 0.985, Y1: 0.6}}}
	var nmaxAll float64
	deltas := map[float64]bool{}
	for i, c := range cs {
		delta := o.ParamOr("delta", c.Result.Delta)[0]
		xs, ys := series(c.Result.Rows, func(r branch.Row) (float64, bool) { return r.DG, r.HasDG })
		if len(xs) == 0 {
			continue
		}
		l, err := plots.Line(xs, ys, plots.SeriesColor(i), 1.4)
		if err != nil {
			return nil, err
		}
		mainP.Add(l)
		var zx, zy []float64
		for j := range xs {
			if xs[j] >= zoom {
				zx, zy = append(zx, xs[j]), append(zy, ys[j])
			}
		}
		if len(zx) > 1 {
			lz, err := plots.Line(zx, zy, plots.SeriesColor(i), 1.2)
			if err != nil {
				return nil, err
			}
			inset.Add(lz)
		}
		nmaxAll = math.Max(nmaxAll, xs[len(xs)-1])
		label := fmt.Sprintf("%s: n* = none", c.Model)
		for j := range xs {
			if math.Abs(ys[j]) < delta {
				m, err := plots.Marker(xs[j], ys[j], plots.SeriesColor(i))
				if err != nil {
					return nil, err
				}
				mainP.Add(m)
				label = fmt.Sprintf("%s: n* = %d", c.Model, int(xs[j]))
				break
			}
		}
		deltas[delta] = true
		f.Legend = append(f.Legend, plots.LegendEntry{Label: label, Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.SeriesColor(i), 1.4)}})
	}
	for d := range deltas {
		for _, s := range []float64{-d, d} {
			for _, p := range []*plot.Plot{mainP, inset} {
				l, err := plots.Line([]float64{math.Min(zoom, 2), math.Max(nmaxAll, zoom+1)}, []float64{s, s}, plots.Grey, 1.1, plots.Dashed...)
				if err != nil {
					return nil, err
				}
				p.Add(l)
			}
		}
	}
	var dl []string
	for d := range deltas {
		dl = append(dl, strconv.FormatFloat(d, 'g', -1, 64))
	}
	f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("±δ, δ = %s (%s difference)", strings.Join(dl, ", "), cs[0].Result.Difference), Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.Grey, 1.1, plots.Dashed...)}})
	inset.X.Min = zoom
	f.Width, f.Height = o.SizeOr(10*vg.Inch, 5.8*vg.Inch)
	f.Title = o.TitleOr("Figure 4(b): Δĝ(n), measured with " + modelsLabel(cs))
	return f, nil
}

// ---- Figure 10 ------------------------------------------------------------

func buildFig10(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	var results []branch.Result
	for _, c := range cs {
		results = append(results, c.Result)
	}
	fit, dropped, err := branch.FitG(results, branch.FitRange{})
	if err != nil {
		return nil, fmt.Errorf("plots: fig10: %w", err)
	}
	logX, logY := o.LogXOr(true), o.LogYOr(true)
	p := plots.NewPlot("", "branch length n", "ĝ(n)")
	f := &plots.Figure{Rows: 1, Cols: 1, Panels: []*plot.Plot{p}}
	nmax := 2.0
	for i, c := range cs {
		xs, ys := series(c.Result.Rows, func(r branch.Row) (float64, bool) { return r.G, r.HasG && (!logY || r.G > 0) })
		if len(xs) == 0 {
			continue
		}
		l, err := plots.Line(xs, ys, plots.SeriesColor(i), 1.4, plots.Dashed...)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		nmax = math.Max(nmax, xs[len(xs)-1])
		f.Legend = append(f.Legend, plots.LegendEntry{Label: c.Model, Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.SeriesColor(i), 1.4, plots.Dashed...)}})
	}
	ns, gs := fit.Curve(2, nmax, 100)
	l, err := plots.Line(ns, gs, plots.Blue, 2.6)
	if err != nil {
		return nil, err
	}
	p.Add(l)
	label := fmt.Sprintf("Eq. 23 fit (c/n)^α: α = %.3f, c = %.3g", fit.Alpha, fit.C)
	if dropped > 0 {
		label += fmt.Sprintf(" (%d points ĝ ≤ 0 left out)", dropped)
	}
	f.Legend = append(f.Legend, plots.LegendEntry{Label: label, Thumbs: []plot.Thumbnailer{plots.LegendLine(plots.Blue, 2.6)}})
	if logX {
		plots.SetLogX125(p)
	}
	if logY {
		plots.SetLogY125(p)
		// A flat ĝ gives an empty y range, which gonum would pad to ≤ 0.
		if !(p.Y.Max > p.Y.Min*1.01) {
			v := math.Max(p.Y.Max, 1e-6)
			p.Y.Min, p.Y.Max = v/2, v*2
		}
	}
	f.Width, f.Height = o.SizeOr(10*vg.Inch, 5.8*vg.Inch)
	f.Title = o.TitleOr("Figure 10: power law of ĝ(n), measured with " + modelsLabel(cs))
	return f, nil
}

// ---- The later (JMLR) formulation (docs/theory.md) ---------------------------

func buildBranchPsi(o plots.Options) (*plots.Figure, error) {
	cs, err := selectBranch(o)
	if err != nil {
		return nil, err
	}
	c := cs[0]
	ps := c.Result.Psi
	if ps == nil {
		return nil, fmt.Errorf("plots: branch-psi: the estimate of %q has no ψ curves (measure with branch.PairOptions{Psi: true})", c.Model)
	}
	rows := ps.Rows[:min(len(ps.Rows), len(c.Result.Rows))]
	var ns, eq, aabb, ab, dist, lo, hi, bound, rx, rho []float64
	for _, r := range rows {
		n := float64(r.N)
		ns, eq, dist, bound = append(ns, n), append(eq, r.Equal), append(dist, r.Dist), append(bound, r.Bound)
		lo, hi = append(lo, math.Max(r.Dist-r.DistStd, 0)), append(hi, r.Dist+r.DistStd)
		if r.HasCross {
			aabb, ab = append(aabb, r.AABB), append(ab, r.AB)
		}
		if r.HasRho {
			rx, rho = append(rx, n), append(rho, r.Rho)
		}
	}
	// (a) the ψ curves.
	pa := plots.NewPlot("(a) mean cosines", "branch length n", "ψ")
	for i, s := range []struct {
		name string
		xs   []float64
		ys   []float64
	}{{"ψ_equal (A_t, B_t)", ns, eq}, {"ψ_cross AABB", ns[1:], aabb}, {"ψ_cross AB", ns[1:], ab}} {
		if len(s.ys) == 0 {
			continue
		}
		l, err := plots.Line(s.xs, s.ys, plots.SeriesColor(i), 1.8)
		if err != nil {
			return nil, err
		}
		pa.Add(l)
		pa.Legend.Add(s.name, l)
	}
	pa.Legend.Top = false
	pa.Legend.Padding = vg.Points(3)
	// (b) distance and bound.
	pb := plots.NewPlot("(b) distance and bound", "branch length n", "‖Σ(h^A − h^B)‖")
	var band plotter.XYs
	for i := range ns {
		band = append(band, plotter.XY{X: ns[i], Y: hi[i]})
	}
	for i := len(ns) - 1; i >= 0; i-- {
		band = append(band, plotter.XY{X: ns[i], Y: lo[i]})
	}
	poly, err := plotter.NewPolygon(band)
	if err != nil {
		return nil, err
	}
	poly.Color, poly.LineStyle.Width = color.NRGBA{R: plots.LightBlue.R, G: plots.LightBlue.G, B: plots.LightBlue.B, A: 90}, 0
	ld, err := plots.Line(ns, dist, plots.Blue, 2)
	if err != nil {
		return nil, err
	}
	lb, err := plots.Line(ns, bound, plots.Red, 2, plots.Dashed...)
	if err != nil {
		return nil, err
	}
	pb.Add(poly, ld, lb)
	pb.Legend.Add("mean ± σ", ld)
	pb.Legend.Add(fmt.Sprintf("λ·√Υ(n), λ = %.3g", ps.Lambda), lb)
	pb.Legend.Left = true
	pb.Legend.Padding = vg.Points(3)
	pb.Y.Min = 0
	// (c) the balance ratio.
	pc := plots.NewPlot("(c) ρ(n) = (1−ψ_equal)/((n−1)(ψ_AABB−ψ_AB))", "branch length n", "ρ(n)")
	if len(rx) > 0 {
		l, err := plots.Line(rx, rho, plots.SeriesColor(3), 1.8)
		if err != nil {
			return nil, err
		}
		one, err := plots.Line([]float64{rx[0], rx[len(rx)-1]}, []float64{1, 1}, plots.Grey, 1.2, plots.Dashed...)
		if err != nil {
			return nil, err
		}
		pc.Add(l, one)
		if ps.Balance > 0 {
			for i := range rx {
				if int(rx[i]) == ps.Balance {
					m, err := plots.Marker(rx[i], rho[i], plots.Red)
					if err != nil {
						return nil, err
					}
					pc.Add(m)
					pc.Legend.Add(fmt.Sprintf("balance point n = %d", ps.Balance), m)
				}
			}
		}
		plots.SetLogY125(pc)
	}
	w, h := o.SizeOr(15*vg.Inch, 5*vg.Inch)
	f := &plots.Figure{Rows: 1, Cols: 3, Panels: []*plot.Plot{pa, pb, pc}, Width: w, Height: h}
	f.Title = o.TitleOr(fmt.Sprintf("ψ formulation of the JMLR version's Section 3, measured with %s (%d pairs)", c.Model, c.Result.Pairs))
	return f, nil
}
