package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/outfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Font sizes of the shared style, chosen to stay readable when a figure of
// the default size is shown at 100% in a notebook.
const (
	TitleSize  = font.Length(15)
	PanelSize  = font.Length(12)
	LabelSize  = font.Length(11)
	TickSize   = font.Length(9.5)
	LegendSize = font.Length(10.5)
)

// DPI is the resolution of PNG output.
const DPI = 110

// The palette of the shared style.
var (
	Blue      = color.RGBA{R: 0x1f, G: 0x4e, B: 0x9c, A: 0xff} // fitted curves, "our model"
	LightBlue = color.RGBA{R: 0x7f, G: 0xb8, B: 0xea, A: 0xff} // measured points
	Grey      = color.RGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xff}
	GridGrey  = color.RGBA{R: 0xe3, G: 0xe3, B: 0xe3, A: 0xff}
	// Series colours for up to 8 lines in one panel (colour-blind safe, Okabe-Ito order).
	Series = []color.Color{
		color.RGBA{R: 0x00, G: 0x72, B: 0xb2, A: 0xff},
		color.RGBA{R: 0xd5, G: 0x5e, B: 0x00, A: 0xff},
		color.RGBA{R: 0x00, G: 0x9e, B: 0x73, A: 0xff},
		color.RGBA{R: 0xcc, G: 0x79, B: 0xa7, A: 0xff},
		color.RGBA{R: 0xe6, G: 0x9f, B: 0x00, A: 0xff},
		color.RGBA{R: 0x56, G: 0xb4, B: 0xe9, A: 0xff},
		color.RGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff},
		color.RGBA{R: 0xf0, G: 0xe4, B: 0x42, A: 0xff},
	}
)

// SeriesColor returns the i-th series colour, cycling.
func SeriesColor(i int) color.Color { return Series[i%len(Series)] }

// Shade returns the i-th of n shades of base, from light (i = 0) to the full
// colour (i = n-1). Used for "darker for larger N".
func Shade(base color.RGBA, i, n int) color.Color {
	t := 1.0
	if n > 1 {
		t = 0.25 + 0.75*float64(i)/float64(n-1)
	}
	mix := func(c uint8) uint8 { return uint8(math.Round(255 - t*(255-float64(c)))) }
	return color.RGBA{R: mix(base.R), G: mix(base.G), B: mix(base.B), A: 0xff}
}

// Green and Red are the bases of the positive/negative bars of Figures 11-12.
var (
	Green = color.RGBA{R: 0x1b, G: 0x7a, B: 0x3a, A: 0xff}
	Red   = color.RGBA{R: 0xc0, G: 0x32, B: 0x1e, A: 0xff}
)

func init() {
	// The paper's figures use a sans-serif face; gonum/plot ships Liberation.
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
	plotter.DefaultFont = plot.DefaultFont
}

// NewPlot returns a panel in the shared style: white background, light grid,
// the style's font sizes, and the given title and axis labels.
func NewPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = PanelSize
	p.Title.Padding = vg.Points(4)
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = LabelSize
		a.Tick.Label.Font.Size = TickSize
		a.Padding = vg.Points(2)
		a.Tick.Marker = NiceTicks{}
	}
	p.Legend.TextStyle.Font.Size = LegendSize
	p.Legend.Top = true
	p.Add(Grid())
	return p
}

// Grid returns the light background grid of the style.
func Grid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = GridGrey
	g.Horizontal.Color = GridGrey
	g.Vertical.Width = vg.Points(0.6)
	g.Horizontal.Width = vg.Points(0.6)
	return g
}

// LegendEntry is one line of a figure-level legend.
type LegendEntry struct {
	Label  string
	Thumbs []plot.Thumbnailer
}

// Figure is a rendered-to-be paper figure: a grid of panels (row-major, nil
// for an empty cell), an optional overall title, and an optional legend row
// under the title shared by all panels.
type Figure struct {
	ID     string       // registry id, e.g. "fig8"; names the output file
	Title  string       // overall title (may be empty)
	Rows   int          // grid rows
	Cols   int          // grid columns
	Panels []*plot.Plot // len Rows*Cols, row-major; nil cells stay empty
	Legend []LegendEntry
	Width  vg.Length
	Height vg.Length
	// Boxes, when set (one per panel), place each panel in a rectangle given
	// as fractions of the area under the title and legend (origin bottom
	// left) instead of the aligned Rows x Cols grid; Rows*Cols is then
	// ignored. For layouts with panels of different sizes.
	Boxes []Box
}

// Box is a rectangle in fractions [0, 1] of a figure's panel area.
type Box struct{ X0, Y0, X1, Y1 float64 }

// Single wraps one panel as a Figure.
func Single(id string, p *plot.Plot, w, h vg.Length) *Figure {
	return &Figure{ID: id, Rows: 1, Cols: 1, Panels: []*plot.Plot{p}, Width: w, Height: h}
}

// MinGridWidth is the narrowest figure GridOf makes.
const MinGridWidth = 9 * vg.Inch

// GridOf lays out n panels in rows of cols, filling the last row with nils.
func GridOf(id, title string, panels []*plot.Plot, cols int, panelW, panelH vg.Length) *Figure {
	if cols < 1 {
		cols = 1
	}
	if cols > len(panels) && len(panels) > 0 {
		cols = len(panels)
	}
	rows := (len(panels) + cols - 1) / cols
	cells := make([]*plot.Plot, rows*cols)
	copy(cells, panels)
	// Small grids get wider panels so that the title and a legend row fit.
	width := panelW * vg.Length(cols)
	if width < MinGridWidth {
		panelH *= vg.Length(math.Min(1.5, float64(MinGridWidth/width)))
		width = MinGridWidth
	}
	return &Figure{ID: id, Title: title, Rows: rows, Cols: cols, Panels: cells,
		Width: width, Height: panelH*vg.Length(rows) + titleSpace(title)}
}

func titleSpace(title string) vg.Length {
	if title == "" {
		return 0
	}
	return vg.Points(30)
}

// Render draws the figure as "png" or "svg" bytes.
func (f *Figure) Render(format string) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf, format); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTo draws the figure in the given format ("png" or "svg") to w.
func (f *Figure) WriteTo(w io.Writer, format string) (n int64, err error) {
	if f == nil || len(f.Panels) == 0 {
		return 0, fmt.Errorf("plots: empty figure")
	}
	if len(f.Boxes) > 0 && len(f.Boxes) != len(f.Panels) {
		return 0, fmt.Errorf("plots: figure %s: %d boxes for %d panels", f.ID, len(f.Boxes), len(f.Panels))
	}
	if len(f.Boxes) == 0 && f.Rows*f.Cols != len(f.Panels) {
		return 0, fmt.Errorf("plots: figure %s: %d panels for a %dx%d grid", f.ID, len(f.Panels), f.Rows, f.Cols)
	}
	width, height := f.Width, f.Height
	if width <= 0 {
		width = 8 * vg.Inch
	}
	if height <= 0 {
		height = 5 * vg.Inch
	}
	defer func() {
		// gonum/plot panics on some degenerate inputs (e.g. a log axis over zero).
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: draw %s: %v", f.ID, r)
		}
	}()
	var (
		canvas interface {
			vg.CanvasSizer
		}
		out io.WriterTo
	)
	switch strings.ToLower(format) {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(DPI))
		canvas, out = c, vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(width, height)
		canvas, out = c, c
	default:
		return 0, fmt.Errorf("plots: unknown format %q (want png or svg)", format)
	}
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	f.drawOn(dc)
	return out.WriteTo(w)
}

func (f *Figure) drawOn(dc draw.Canvas) {
	const pad = 6
	if f.Title != "" {
		sty := draw.TextStyle{Color: color.Black, Font: plot.DefaultFont, Handler: plot.DefaultTextHandler,
			XAlign: draw.XCenter, YAlign: draw.YTop}
		sty.Font = font.From(sty.Font, TitleSize)
		dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Points(pad)}, f.Title)
		dc.Max.Y -= vg.Points(pad) + sty.Height(f.Title)
	}
	if len(f.Legend) > 0 {
		dc.Max.Y -= f.drawLegendRow(dc)
	}
	if len(f.Boxes) > 0 {
		w, h := dc.Max.X-dc.Min.X, dc.Max.Y-dc.Min.Y
		for i, p := range f.Panels {
			if p == nil {
				continue
			}
			b := f.Boxes[i]
			sub := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: dc.Min.X + w*vg.Length(b.X0) + vg.Points(4), Y: dc.Min.Y + h*vg.Length(b.Y0) + vg.Points(4)},
				Max: vg.Point{X: dc.Min.X + w*vg.Length(b.X1) - vg.Points(8), Y: dc.Min.Y + h*vg.Length(b.Y1) - vg.Points(4)},
			}}
			p.Draw(sub)
		}
		return
	}
	grid := make([][]*plot.Plot, f.Rows)
	for r := range grid {
		grid[r] = f.Panels[r*f.Cols : (r+1)*f.Cols]
	}
	tiles := draw.Tiles{Rows: f.Rows, Cols: f.Cols, PadX: vg.Points(14), PadY: vg.Points(10),
		PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(10)}
	canvases := plot.Align(grid, tiles, dc)
	for r := range grid {
		for c, p := range grid[r] {
			if p != nil {
				p.Draw(canvases[r][c])
			}
		}
	}
}

// drawLegendRow draws the figure legend centred under the top of dc,
// wrapping it over several rows when it is wider than dc, and returns the
// height it used.
func (f *Figure) drawLegendRow(dc draw.Canvas) vg.Length {
	sty := draw.TextStyle{Color: color.Black, Font: plot.DefaultFont, Handler: plot.DefaultTextHandler,
		YAlign: draw.YCenter}
	sty.Font = font.From(sty.Font, LegendSize)
	thumbW, gap := vg.Points(22), vg.Points(16)
	rowH := sty.Height("Xg") + vg.Points(6)
	width := func(e LegendEntry) vg.Length {
		w := sty.Width(e.Label)
		if len(e.Thumbs) > 0 {
			w += thumbW + vg.Points(4)
		}
		return w
	}
	avail := dc.Max.X - dc.Min.X - vg.Points(20)
	var rows [][]LegendEntry
	var cur []LegendEntry
	var curW vg.Length
	for _, e := range f.Legend {
		w := width(e)
		if len(cur) > 0 && curW+gap+w > avail {
			rows, cur, curW = append(rows, cur), nil, 0
		}
		if len(cur) > 0 {
			curW += gap
		}
		cur, curW = append(cur, e), curW+w
	}
	rows = append(rows, cur)
	for ri, row := range rows {
		var total vg.Length
		for i, e := range row {
			if i > 0 {
				total += gap
			}
			total += width(e)
		}
		x := (dc.Min.X+dc.Max.X)/2 - total/2
		yMid := dc.Max.Y - rowH*vg.Length(ri) - rowH/2
		for _, e := range row {
			if len(e.Thumbs) > 0 {
				tc := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: x, Y: yMid - rowH/4}, Max: vg.Point{X: x + thumbW, Y: yMid + rowH/4}}}
				for _, t := range e.Thumbs {
					t.Thumbnail(&tc)
				}
				x += thumbW + vg.Points(4)
			}
			dc.FillText(sty, vg.Point{X: x, Y: yMid}, e.Label)
			x += sty.Width(e.Label) + gap
		}
	}
	return rowH*vg.Length(len(rows)) + vg.Points(4)
}

// WriteFile renders the figure to path; the format follows the extension
// (.png or .svg). Parent directories are created; the file is written next
// to path and renamed into place, so a reader never sees half a figure.
func (f *Figure) WriteFile(path string) error {
	format := strings.TrimPrefix(filepath.Ext(path), ".")
	b, err := f.Render(format)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if err := outfile.WriteFile(path, b); err != nil { // atomic: no truncated PNG on a full disk
		return fmt.Errorf("plots: %w", err)
	}
	return nil
}

// Log2Ticks marks powers of two on an axis, labelled with the number itself
// ("1", "8", "64", ...). With a log scale this gives the paper's log2 N axes.
// Every > 1 labels only every Every-th power (counting from 2^0) and leaves
// the others as minor ticks.
type Log2Ticks struct{ Every int }

// Ticks implements plot.Ticker.
func (t Log2Ticks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	if min <= 0 {
		min = 1
	}
	for e := math.Floor(math.Log2(min)); e <= math.Ceil(math.Log2(max)); e++ {
		v := math.Pow(2, e)
		if v < min*0.999 || v > max*1.001 {
			continue
		}
		if t.Every > 1 && int(e)%t.Every != 0 {
			ticks = append(ticks, plot.Tick{Value: v})
			continue
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: fmt.Sprintf("%g", v)})
	}
	return ticks
}

// SetLog2X makes p's x-axis logarithmic with powers-of-two ticks.
func SetLog2X(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = Log2Ticks{}
}

// SetNAxis makes p's x-axis the paper's N axis: log₂ scale, ticks at powers
// of two (ticks as Log2Ticks{Every: every}), labelled "N (log₂ scale)".
func SetNAxis(p *plot.Plot, every int) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = Log2Ticks{Every: every}
	p.X.Label.Text = "N (log₂ scale)"
}

// SetLogY makes p's y-axis logarithmic with decade ticks.
func SetLogY(p *plot.Plot) {
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
}

// SetLogX makes p's x-axis logarithmic with decade ticks.
func SetLogX(p *plot.Plot) {
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
}

// NiceTicks is the style's linear-axis ticker: about N major ticks (default
// 6) at 1-2-5 steps, labelled without trailing zeros, with minor ticks
// between them.
type NiceTicks struct{ N int }

// Ticks implements plot.Ticker.
func (t NiceTicks) Ticks(min, max float64) []plot.Tick {
	n := t.N
	if n <= 0 {
		n = 6
	}
	if math.IsNaN(min) || math.IsNaN(max) || math.IsInf(max-min, 0) {
		return plot.DefaultTicks{}.Ticks(min, max)
	}
	if !(max-min > 1e-9*math.Max(1, math.Max(math.Abs(min), math.Abs(max)))) {
		// A flat range (all points equal, or gonum's one-ulp padding of
		// it): one labelled tick, since steps below the float resolution
		// would never advance.
		return []plot.Tick{{Value: min, Label: strconvFloat(min, 3)}}
	}
	raw := (max - min) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	minor := step / 5
	var ticks []plot.Tick
	prec := -int(math.Floor(math.Log10(step))) + 1
	if prec < 0 {
		prec = 0
	}
	for v := math.Ceil(min/minor) * minor; v <= max+minor*1e-6; v += minor {
		vv := math.Round(v/minor) * minor
		if math.Abs(vv/step-math.Round(vv/step)) < 1e-6 {
			label := strconvFloat(vv, prec)
			ticks = append(ticks, plot.Tick{Value: vv, Label: label})
		} else {
			ticks = append(ticks, plot.Tick{Value: vv})
		}
	}
	return ticks
}

func strconvFloat(v float64, prec int) string {
	if math.Abs(v) < 1e-12 {
		v = 0
	}
	s := fmt.Sprintf("%.*f", prec, v)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
