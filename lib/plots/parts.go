package plots

import (
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Log125Ticks labels 1, 2 and 5 times powers of ten (minor ticks at the other
// integers), so a log axis spanning less than a decade is still labelled.
type Log125Ticks struct{}

// Ticks implements plot.Ticker.
func (Log125Ticks) Ticks(min, max float64) []plot.Tick {
	if !(min > 0) || !(max > min) {
		return plot.LogTicks{Prec: -1}.Ticks(math.Max(min, 1e-300), max)
	}
	var ticks []plot.Tick
	for e := math.Floor(math.Log10(min)); e <= math.Ceil(math.Log10(max)); e++ {
		for m := 1.0; m <= 9; m++ {
			v := m * math.Pow(10, e)
			if v < min*(1-1e-9) || v > max*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	labelled := 0
	for _, t := range ticks {
		if t.Label != "" {
			labelled++
		}
	}
	if labelled < 3 { // a narrow range: label every tick
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
		}
	}
	return ticks
}

// SetLogX125 makes p's x-axis logarithmic with Log125Ticks.
func SetLogX125(p *plot.Plot) { p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, Log125Ticks{} }

// SetLogY125 makes p's y-axis logarithmic with Log125Ticks.
func SetLogY125(p *plot.Plot) { p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, Log125Ticks{} }

// Line is a line through the points (xs[i], ys[i]) of colour c, width in
// points, and optional dashes.
func Line(xs, ys []float64, c color.Color, width float64, dashes ...vg.Length) (*plotter.Line, error) {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color, l.Width, l.Dashes = c, vg.Points(width), dashes
	return l, nil
}

// Dash patterns for Line and LegendLine.
var (
	Dashed = []vg.Length{vg.Points(5), vg.Points(3)}
	Dotted = []vg.Length{vg.Points(1.5), vg.Points(2.5)}
)

// LegendLine is a legend thumbnail drawn as a line like Line's.
func LegendLine(c color.Color, width float64, dashes ...vg.Length) plot.Thumbnailer {
	l := plotter.NewFunction(nil)
	l.Color, l.Width, l.Dashes = c, vg.Points(width), dashes
	return l
}

// Marker is one filled circle of colour c at (x, y).
func Marker(x, y float64, c color.Color) (*plotter.Scatter, error) {
	s, err := plotter.NewScatter(plotter.XYs{{X: x, Y: y}})
	if err != nil {
		return nil, err
	}
	s.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
	return s, nil
}

// HBar is one horizontal bar from 0 to V at height Y.
type HBar struct {
	Y, V  float64
	Color color.Color
}

// HBars is a plot.Plotter of horizontal bars of a common thickness (in y
// data units), each with its own colour.
type HBars struct {
	Bars      []HBar
	Thickness float64
}

// Plot implements plot.Plotter.
func (h *HBars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, b := range h.Bars {
		x0, x1 := trX(0), trX(b.V)
		y0, y1 := trY(b.Y-h.Thickness/2), trY(b.Y+h.Thickness/2)
		poly := c.ClipPolygonXY([]vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.FillPolygon(b.Color, poly)
	}
}

// DataRange implements plot.DataRanger.
func (h *HBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = 0, 0
	ymin, ymax = math.Inf(1), math.Inf(-1)
	for _, b := range h.Bars {
		xmin, xmax = math.Min(xmin, b.V), math.Max(xmax, b.V)
		ymin, ymax = math.Min(ymin, b.Y-h.Thickness/2), math.Max(ymax, b.Y+h.Thickness/2)
	}
	return xmin, xmax, ymin, ymax
}

// Swatch is a legend thumbnail: a row of filled colour boxes.
type Swatch []color.Color

// Thumbnail implements plot.Thumbnailer.
func (s Swatch) Thumbnail(c *draw.Canvas) {
	w := (c.Max.X - c.Min.X) / vg.Length(len(s))
	for i, col := range s {
		x0 := c.Min.X + w*vg.Length(i)
		c.FillPolygon(col, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x0 + w, Y: c.Min.Y}, {X: x0 + w, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
	}
}

// LegendPanel returns a plot that draws only the given legend, at its top
// left: a legend beside a panel instead of over its curves.
func LegendPanel(l plot.Legend) *plot.Plot {
	p := plot.New()
	p.HideAxes()
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	l.Top, l.Left = true, true
	l.YOffs = -vg.Points(16)
	p.Legend = l
	return p
}

// DistinctStyle returns a colour and marker for the i-th of many lines in
// one panel: seven well-separated colours (the style's yellow is too pale
// for thin lines), then the same colours with another marker.
func DistinctStyle(i int) (color.Color, draw.GlyphDrawer) {
	colors := []int{0, 1, 2, 3, 4, 5, 6}
	shapes := []draw.GlyphDrawer{draw.CircleGlyph{}, draw.TriangleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}
	return Series[colors[i%len(colors)]], shapes[(i/len(colors))%len(shapes)]
}

// ImagePanel shows img with its aspect ratio kept inside a square data area
// (the panel should be about square) on a light grey background, so white
// padding stays visible. It returns the offsets of the image's top-left
// corner in data units, for overlays.
func ImagePanel(title string, img image.Image) (*plot.Plot, float64, float64) {
	p := NewPlot(title, "", "")
	p.HideAxes()
	p.BackgroundColor = color.RGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
	b := img.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	s := math.Max(w, h)
	x0, y0 := (s-w)/2, (s-h)/2
	p.Add(plotter.NewImage(img, x0, y0, x0+w, y0+h))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, s, 0, s
	return p, x0, y0 + h // y of the image's top edge
}

// Segment draws a straight segment from (x1, y1) to (x2, y2) on p.
func Segment(p *plot.Plot, x1, y1, x2, y2 float64, c color.Color, width vg.Length) {
	l, err := plotter.NewLine(plotter.XYs{{X: x1, Y: y1}, {X: x2, Y: y2}})
	if err != nil {
		return
	}
	l.Color, l.Width = c, width
	p.Add(l)
}

// Upscale enlarges an image by nearest neighbour so that small task images
// stay crisp in the figure.
func Upscale(src *image.RGBA, k int) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range b.Dy() * k {
		for x := range b.Dx() * k {
			dst.SetRGBA(x, y, src.RGBAAt(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return dst
}

// WrapWords breaks s into lines of at most width characters at spaces.
func WrapWords(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// Smooth is a trailing moving average over k values.
func Smooth(v []float64, k int) []float64 {
	out := make([]float64, len(v))
	s := 0.0
	for i, x := range v {
		s += x
		if i >= k {
			s -= v[i-k]
		}
		out[i] = s / float64(min(i+1, k))
	}
	return out
}
