package figures

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/vision"
)

// Figures of notebook 20 ("from pixels to tokens"): the HD-9 views of an
// image, vision-token counts across aspect ratios, the local merge, and the
// model's token budget (paper §4.2, App. C; docs/model.md).
func init() {
	Register(Spec{
		ID:      "vision-views",
		Caption: "HD-9 preprocessing of a picture drawn in code: input, resized and white-padded canvas cut into 336×336 crops, global view, and the views the vision tower sees",
		Options: `Param("size", 800, 600) the picture's width and height; Param("hd", 9) the local-crop budget`,
		Build:   buildVisionViews,
	})
	Register(Spec{
		ID:      "vision-tokens",
		Caption: "Vision tokens per image (145 per view) and the white-padding share of the local canvas against the aspect ratio W/H",
		Options: `Param("hd", 4, 9, 16) crop budgets to compare; Param("ratio", 0.0625, 16) the W/H range (log₂ axis)`,
		Build:   buildVisionTokens,
	})
	Register(Spec{
		ID:      "vision-merge",
		Caption: "The local merge: 3×3 stride-2 windows (padding 1) with the nearest-neighbour residual tokens, and the token count through the pipeline for one image",
		Options: `Param("size", 800, 600) the image size for the token count; Param("hd", 9)`,
		Build:   buildVisionMerge,
	})
	Register(Spec{
		ID:      "vision-budget",
		Caption: "Token budget: fused tokens N + (k−1)M handed to the LLM for k questions, and the fusion module's input length (vision tokens + questions + queries)",
		Options: `Param("N", 1, 8, 64, 256, 768) query counts (M = 8, or M = N when N < 8); Param("M", 8); ` +
			`Param("L", 20) question length in CLIP tokens; Param("size", 800, 600) image size; Param("kmax", 10)`,
		Build: buildVisionBudget,
	})
}

// sizeParam reads Param("size", w, h).
func sizeParam(o plots.Options, id string) (int, int, error) {
	s := o.ParamOr("size", 800, 600)
	if len(s) != 2 || s[0] < 1 || s[1] < 1 || s[0] > 8000 || s[1] > 8000 || s[0] != math.Trunc(s[0]) || s[1] != math.Trunc(s[1]) {
		return 0, 0, fmt.Errorf("plots: %s: Param(\"size\") = %v, want two integers in [1, 8000] (width, height)", id, s)
	}
	return int(s[0]), int(s[1]), nil
}

func hdParam(o plots.Options, id string, def ...float64) ([]int, error) {
	var out []int
	for _, v := range o.ParamOr("hd", def...) {
		if v < 1 || v > 64 || v != math.Trunc(v) {
			return nil, fmt.Errorf("plots: %s: Param(\"hd\") value %g, want an integer in [1, 64]", id, v)
		}
		out = append(out, int(v))
	}
	return out, nil
}

func buildVisionViews(o plots.Options) (*plots.Figure, error) {
	w, h, err := sizeParam(o, "vision-views")
	if err != nil {
		return nil, err
	}
	hds, err := hdParam(o, "vision-views", 9)
	if err != nil {
		return nil, err
	}
	img := vision.Scene(w, h)
	v, err := vision.Process(img, hds[0])
	if err != nil {
		return nil, fmt.Errorf("plots: vision-views: %w", err)
	}
	l := v.Layout
	px := v.Pixels()
	in, _, _ := plots.ImagePanel(fmt.Sprintf("(a) input %d×%d", w, h), img)
	t := ""
	if l.Transposed {
		t = " (W < H: transposed)"
	}
	hdP, x0, top := plots.ImagePanel(fmt.Sprintf("(b) resized %d×%d, padded %d×%d → %d×%d crops%s",
		l.ResizedW, l.ResizedH, l.PaddedW, l.PaddedH, l.Rows, l.Cols, t), v.HD)
	for c := 0; c <= l.Cols; c++ {
		x := x0 + float64(c*vision.ViewSize)
		plots.Segment(hdP, x, top, x, top-float64(l.PaddedH), plots.Series[1], vg.Points(1.5))
	}
	for r := 0; r <= l.Rows; r++ {
		y := top - float64(r*vision.ViewSize)
		plots.Segment(hdP, x0, y, x0+float64(l.PaddedW), y, plots.Series[1], vg.Points(1.5))
	}
	side, gw, gh, err := vision.GlobalSize(w, h)
	if err != nil {
		return nil, fmt.Errorf("plots: vision-views: %w", err)
	}
	glob, _, _ := plots.ImagePanel(fmt.Sprintf("(c) global view: %d×%d on a black %d² square", gw, gh, side), px.Image(0))
	m, err := vision.Mosaic(px, l, 112)
	if err != nil {
		return nil, fmt.Errorf("plots: vision-views: %w", err)
	}
	mos, _, _ := plots.ImagePanel(fmt.Sprintf("(d) the %d views (global first, then row-major): %d × 145 = %d tokens", l.Views(), l.Views(), l.Tokens()), m)
	fw, fh := o.SizeOr(11*vg.Inch, 11.4*vg.Inch)
	return &plots.Figure{Title: o.TitleOr(fmt.Sprintf("HD-%d views of a %d×%d image", l.HD, w, h)), Rows: 2, Cols: 2,
		Panels: []*plot.Plot{in, hdP, glob, mos}, Width: fw, Height: fh}, nil
}

// ratioSizes returns a W×H of about a megapixel with W/H ≈ r.
func ratioSize(r float64) (int, int) {
	w := int(math.Round(1000 * math.Sqrt(r)))
	h := int(math.Round(1000 / math.Sqrt(r)))
	return max(w, 1), max(h, 1)
}

func buildVisionTokens(o plots.Options) (*plots.Figure, error) {
	hds, err := hdParam(o, "vision-tokens", 4, 9, 16)
	if err != nil {
		return nil, err
	}
	rr := o.ParamOr("ratio", 1.0/16, 16)
	if len(rr) != 2 || !(rr[0] > 0) || !(rr[1] > rr[0]) || rr[1] > 1000 || rr[0] < 1e-3 {
		return nil, fmt.Errorf("plots: vision-tokens: Param(\"ratio\") = %v, want lo, hi with 0.001 ≤ lo < hi ≤ 1000", rr)
	}
	tok := plots.NewPlot("(a) vision tokens per image", "aspect ratio W/H", "tokens = 145 × (crops + 1)")
	pad := plots.NewPlot("(b) white padding in the local canvas", "aspect ratio W/H", "padded pixels / canvas pixels")
	const n = 600
	f := &plots.Figure{}
	for i, hd := range hds {
		var pts, padPts plotter.XYs
		for j := 0; j <= n; j++ {
			r := rr[0] * math.Pow(rr[1]/rr[0], float64(j)/n)
			w, h := ratioSize(r)
			l, err := vision.HDLayout(w, h, hd)
			if err != nil {
				continue
			}
			pts = append(pts, plotter.XY{X: r, Y: float64(l.Tokens())})
			canvas := float64(l.PaddedW * l.PaddedH)
			padPts = append(padPts, plotter.XY{X: r, Y: (canvas - float64(l.ResizedW*l.ResizedH)) / canvas})
		}
		for _, pp := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{tok, pts}, {pad, padPts}} {
			line, err := plotter.NewLine(pp.xys)
			if err != nil {
				return nil, err
			}
			line.Color, line.Width = plots.SeriesColor(i), vg.Points(1.8)
			pp.p.Add(line)
		}
		thumb := plotter.NewFunction(nil)
		thumb.Color, thumb.Width = plots.SeriesColor(i), vg.Points(2)
		f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("HD-%d", hd), Thumbs: []plot.Thumbnailer{thumb}})
	}
	// The worked examples of docs/model.md#hd-9-views, HD-9.
	var table plotter.XYs
	for _, s := range [][2]int{{800, 600}, {1920, 1080}, {500, 1500}, {1, 1}} {
		l, _ := vision.HDLayout(s[0], s[1], 9)
		table = append(table, plotter.XY{X: float64(s[0]) / float64(s[1]), Y: float64(l.Tokens())})
	}
	sc, err := plotter.NewScatter(table)
	if err != nil {
		return nil, err
	}
	sc.GlyphStyle.Shape, sc.GlyphStyle.Radius, sc.GlyphStyle.Color = draw.CircleGlyph{}, vg.Points(4), plots.Grey
	tok.Add(sc)
	f.Legend = append(f.Legend, plots.LegendEntry{Label: "examples: 800×600, 1920×1080, 500×1500, square", Thumbs: []plot.Thumbnailer{sc}})
	for _, p := range []*plot.Plot{tok, pad} {
		plots.SetLog2X(p)
		p.X.Min, p.X.Max = rr[0], rr[1]
	}
	tok.Y.Min = 0
	pad.Y.Min, pad.Y.Max = 0, 1
	w, h := o.SizeOr(11*vg.Inch, 4.8*vg.Inch)
	f.Title = o.TitleOr("Vision tokens depend on the aspect ratio only: the HD rule resizes every image to 336·scale")
	f.Rows, f.Cols, f.Panels, f.Width, f.Height = 1, 2, []*plot.Plot{tok, pad}, w, h
	return f, nil
}

// buildVisionMerge draws the local merge: (a) its windows on the patch
// grid, (b) the token counts through the vision side for one image.
func buildVisionMerge(o plots.Options) (*plots.Figure, error) {
	w, h, err := sizeParam(o, "vision-merge")
	if err != nil {
		return nil, err
	}
	hds, err := hdParam(o, "vision-merge", 9)
	if err != nil {
		return nil, err
	}
	l, err := vision.HDLayout(w, h, hds[0])
	if err != nil {
		return nil, fmt.Errorf("plots: vision-merge: %w", err)
	}
	win, err := mergeWindowsPanel()
	if err != nil {
		return nil, err
	}
	cnt, err := mergeCountsPanel(w, h, l.Views())
	if err != nil {
		return nil, err
	}
	fw, fh := o.SizeOr(11*vg.Inch, 5.2*vg.Inch)
	return &plots.Figure{Title: o.TitleOr("Local merge: Conv2d(3×3, stride 2, padding 1) + nearest residual (dots), then one new-line token per view"),
		Rows: 1, Cols: 2, Panels: []*plot.Plot{win, cnt}, Width: fw, Height: fh}, nil
}

// mergeWindowsPanel is panel (a): the 3×3 stride-2 windows on the top-left
// corner of the 24×24 patch grid (with its zero padding ring), for three
// output tokens.
func mergeWindowsPanel() (*plot.Plot, error) {
	const g = 8
	win := plots.NewPlot("(a) top-left 8×8 of the 24×24 patch grid", "patch column", "patch row")
	cell := func(r, c float64, col color.Color) {
		poly, err := plotter.NewPolygon(plotter.XYs{{X: c, Y: -r}, {X: c + 1, Y: -r}, {X: c + 1, Y: -r - 1}, {X: c, Y: -r - 1}})
		if err != nil {
			return
		}
		poly.Color = col
		poly.LineStyle.Color = color.White
		poly.LineStyle.Width = vg.Points(1)
		win.Add(poly)
	}
	for r := -1; r < g; r++ {
		for c := -1; c < g; c++ {
			col := color.Color(color.RGBA{R: 0xdd, G: 0xe6, B: 0xf2, A: 0xff})
			if r < 0 || c < 0 {
				col = color.RGBA{R: 0xf4, G: 0xf4, B: 0xf4, A: 0xff} // zero padding
			}
			cell(float64(r), float64(c), col)
		}
	}
	outs := [][2]int{{0, 0}, {1, 2}, {3, 1}}
	for k, oc := range outs {
		col := plots.SeriesColor(k)
		r0, c0 := 2*oc[0]-1, 2*oc[1]-1
		box, err := plotter.NewLine(plotter.XYs{{X: float64(c0), Y: -float64(r0)}, {X: float64(c0 + 3), Y: -float64(r0)},
			{X: float64(c0 + 3), Y: -float64(r0 + 3)}, {X: float64(c0), Y: -float64(r0 + 3)}, {X: float64(c0), Y: -float64(r0)}})
		if err != nil {
			return nil, err
		}
		box.Color, box.Width = col, vg.Points(2.5)
		win.Add(box)
		res, err := plotter.NewScatter(plotter.XYs{{X: float64(2*oc[1]) + 0.5, Y: -float64(2*oc[0]) - 0.5}})
		if err != nil {
			return nil, err
		}
		res.GlyphStyle.Shape, res.GlyphStyle.Radius, res.GlyphStyle.Color = draw.CircleGlyph{}, vg.Points(5), col
		win.Add(res)
		lab, err := plotter.NewLabels(plotter.XYLabels{XYs: []plotter.XY{{X: float64(c0 + 3), Y: -float64(r0) + 0.05}},
			Labels: []string{fmt.Sprintf("out (%d,%d)", oc[0], oc[1])}})
		if err != nil {
			return nil, err
		}
		lab.TextStyle[0].Color = col
		lab.TextStyle[0].Font.Size = plots.TickSize
		win.Add(lab)
	}
	win.X.Min, win.X.Max, win.Y.Min, win.Y.Max = -1, g+1.6, -g, 1.7
	win.X.Tick.Marker, win.Y.Tick.Marker = mergeTicks{neg: false}, mergeTicks{neg: true}
	return win, nil
}

// mergeCountsPanel is panel (b): the token counts through the pipeline for
// one w×h image of the given number of views.
func mergeCountsPanel(w, h, views int) (*plot.Plot, error) {
	k := float64(views)
	grid := 24.0
	stages := []struct {
		name string
		n    float64
	}{
		{"CLIP tokens\n(577/view)", k * (grid*grid + 1)},
		{"drop CLS\n(576/view)", k * grid * grid},
		{"merge\n(144/view)", k * grid * grid / 4},
		{"+ new line\n(145/view)", k * (grid*grid/4 + 1)},
	}
	vals := make(plotter.Values, len(stages))
	names := make([]string, len(stages))
	for i, s := range stages {
		vals[i], names[i] = s.n, s.name
	}
	cnt := plots.NewPlot(fmt.Sprintf("(b) one %d×%d image: %d views", w, h, views), "", "tokens")
	bars, err := plotter.NewBarChart(vals, vg.Points(38))
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = plots.LightBlue, 0
	cnt.Add(bars)
	cnt.NominalX(names...)
	var pts plotter.XYs
	var labels []string
	for i, s := range stages {
		pts = append(pts, plotter.XY{X: float64(i), Y: s.n})
		labels = append(labels, fmt.Sprintf("%.0f", s.n))
	}
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
	if err != nil {
		return nil, err
	}
	for i := range lab.TextStyle {
		lab.TextStyle[i].XAlign, lab.TextStyle[i].YAlign = draw.XCenter, draw.YBottom
		lab.TextStyle[i].Font.Size = plots.LabelSize
	}
	lab.Offset = vg.Point{Y: vg.Points(3)}
	cnt.Add(lab)
	cnt.Y.Min, cnt.Y.Max = 0, stages[0].n*1.12
	return cnt, nil
}

// mergeTicks labels integer cell centres of panel (a): columns from x, rows
// from −y.
type mergeTicks struct{ neg bool }

func (t mergeTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for v := math.Ceil(min); v <= max; v++ {
		idx := int(v)
		pos := v + 0.5
		if t.neg { // the cell of row r spans y in [−r−1, −r]
			idx = int(-v)
			pos = v - 0.5
		}
		if idx < -1 || idx > 7 {
			continue
		}
		label := fmt.Sprint(idx)
		if idx == -1 {
			label = "pad"
		}
		out = append(out, plot.Tick{Value: pos, Label: label})
	}
	return out
}

// fusedTokens is the number of tokens the fusion module hands to the LLM for
// a sample with k questions: N for the first, M for each later one
// (§4.3, App. C).
func fusedTokens(n, m, k int) int { return n + (k-1)*m }

func buildVisionBudget(o plots.Options) (*plots.Figure, error) {
	ns := o.ParamOr("N", 1, 8, 64, 256, 768)
	mDef := o.ParamOr("M", 8)[0]
	qLen := o.ParamOr("L", 20)[0]
	kmax := o.ParamOr("kmax", 10)[0]
	w, h, err := sizeParam(o, "vision-budget")
	if err != nil {
		return nil, err
	}
	if mDef < 1 || qLen < 0 || kmax < 1 || kmax > 1000 {
		return nil, fmt.Errorf("plots: vision-budget: want M ≥ 1, L ≥ 0 and 1 ≤ kmax ≤ 1000 (got M=%g, L=%g, kmax=%g)", mDef, qLen, kmax)
	}
	l, err := vision.HDLayout(w, h, vision.DefaultHD)
	if err != nil {
		return nil, fmt.Errorf("plots: vision-budget: %w", err)
	}
	vis := float64(l.Tokens())
	llm := plots.NewPlot("(a) fused tokens given to the LLM", "questions k", "N + (k−1)M")
	fus := plots.NewPlot(fmt.Sprintf("(b) fusion input: %d vision tokens + k·%g question tokens + N + (k−1)M", l.Tokens(), qLen), "questions k", "sequence length")
	f := &plots.Figure{}
	for i, nf := range ns {
		if nf < 1 || nf != math.Trunc(nf) {
			return nil, fmt.Errorf("plots: vision-budget: N = %g, want a positive integer", nf)
		}
		n := int(nf)
		m := int(mDef)
		if n < m {
			m = n // the paper's rule: M = N when N < 8
		}
		var a, b plotter.XYs
		for k := 1; k <= int(kmax); k++ {
			ft := float64(fusedTokens(n, m, k))
			a = append(a, plotter.XY{X: float64(k), Y: ft})
			b = append(b, plotter.XY{X: float64(k), Y: vis + float64(k)*qLen + ft})
		}
		for _, pp := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{llm, a}, {fus, b}} {
			line, pts, err := plotter.NewLinePoints(pp.xys)
			if err != nil {
				return nil, err
			}
			line.Color, line.Width = plots.SeriesColor(i), vg.Points(1.8)
			pts.GlyphStyle.Color, pts.GlyphStyle.Radius, pts.GlyphStyle.Shape = plots.SeriesColor(i), vg.Points(2.5), draw.CircleGlyph{}
			pp.p.Add(line, pts)
		}
		thumb := plotter.NewFunction(nil)
		thumb.Color, thumb.Width = plots.SeriesColor(i), vg.Points(2)
		f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("N=%d, M=%d", n, m), Thumbs: []plot.Thumbnailer{thumb}})
	}
	ref := plotter.NewFunction(func(float64) float64 { return vis })
	ref.Color, ref.Width, ref.Dashes = plots.Grey, vg.Points(1.4), []vg.Length{vg.Points(5), vg.Points(3)}
	llm.Add(ref)
	f.Legend = append(f.Legend, plots.LegendEntry{Label: fmt.Sprintf("%d vision tokens of one HD-9 image", l.Tokens()), Thumbs: []plot.Thumbnailer{ref}})
	llm.X.Min, llm.X.Max = 1, kmax
	fus.X.Min, fus.X.Max = 1, kmax
	plots.SetLogY(llm)
	llm.Y.Max = math.Max(llm.Y.Max, vis) * 1.5
	fus.Y.Min = 0
	fw, fh := o.SizeOr(11*vg.Inch, 5*vg.Inch)
	f.Title = o.TitleOr("Token budget for one image and k questions")
	f.Rows, f.Cols, f.Panels, f.Width, f.Height = 1, 2, []*plot.Plot{llm, fus}, fw, fh
	return f, nil
}
