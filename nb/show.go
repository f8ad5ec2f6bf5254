package nb

import (
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tokenscale/tokenscale/lib/outfile"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/tokenscale/tokenscale/lib/figures"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// FigureDirEnv names the environment variable that tells nb where to write
// figure files. `make notebooks` sets it to out/figures.
const FigureDirEnv = "TOKENSCALE_FIGURE_DIR"

var (
	mu        sync.Mutex
	figDir    string // set by SetFigureDir; "" = FigureDirEnv or the default
	figDirSet bool
	textOut   io.Writer = os.Stdout
	inKernel            = gonbui.IsNotebook
)

// InKernel reports whether the code runs inside a GoNB notebook cell.
func InKernel() bool {
	mu.Lock()
	defer mu.Unlock()
	return inKernel
}

// SetFigureDir makes figure-showing calls write files into dir ("" turns
// file writing off inside a kernel and restores the default outside).
// It overrides TOKENSCALE_FIGURE_DIR.
func SetFigureDir(dir string) {
	mu.Lock()
	defer mu.Unlock()
	figDir, figDirSet = dir, true
}

// FigureDir returns the directory figure files go to, or "" when no file is
// written: SetFigureDir's value if called, else $TOKENSCALE_FIGURE_DIR, else
// (outside a kernel only) "out/figures" under the current directory.
func FigureDir() string {
	mu.Lock()
	defer mu.Unlock()
	return figureDirLocked()
}

func figureDirLocked() string {
	if figDirSet {
		if figDir == "" && !inKernel {
			return filepath.Join("out", "figures")
		}
		return figDir
	}
	if d := os.Getenv(FigureDirEnv); d != "" {
		return d
	}
	if inKernel {
		return ""
	}
	return filepath.Join("out", "figures")
}

// SetTextOutput sets where tables and messages go outside a kernel
// (default os.Stdout).
func SetTextOutput(w io.Writer) {
	mu.Lock()
	defer mu.Unlock()
	textOut = w
}

func textWriter() io.Writer {
	mu.Lock()
	defer mu.Unlock()
	return textOut
}

// Figure builds the registered paper figure id (see figures.IDs) with the
// given options and shows it: in the cell as PNG, and as
// FigureDir()/<name>.png, where name is id with default options and id plus
// a short hash otherwise. It returns the path written ("" if none).
// On error the cell fails (see Fail).
//
//	nb.Figure("fig8")
//	nb.Figure("fig8", plots.Metrics("MME", "POPE"), plots.LogX(false))
func Figure(id string, opts ...plots.Option) string {
	f, err := figures.Build(id, opts...)
	if err != nil {
		Fail(err)
		return ""
	}
	return Show(f)
}

// Show shows a built figure as PNG in the cell and writes
// FigureDir()/<f.ID>.png when a figure directory applies. It returns the
// path written ("" if none). On error the cell fails.
func Show(f *plots.Figure) string {
	path, err := show(f, "png")
	if err != nil {
		Fail(err)
	}
	return path
}

// ShowSVG is Show with SVG output (sharp at any zoom; larger notebooks).
func ShowSVG(f *plots.Figure) string {
	path, err := show(f, "svg")
	if err != nil {
		Fail(err)
	}
	return path
}

// ShowPlot shows a single gonum/plot panel (w x h inches) under the file
// name name: for plots made in a cell or by a package's own code.
func ShowPlot(p *plot.Plot, name string, widthInches, heightInches float64) string {
	return Show(plots.Single(name, p, vg.Length(widthInches)*vg.Inch, vg.Length(heightInches)*vg.Inch))
}

func show(f *plots.Figure, format string) (string, error) {
	if f == nil {
		return "", fmt.Errorf("nb: nil figure")
	}
	data, err := f.Render(format)
	if err != nil {
		return "", err
	}
	path, err := saveFigure(f.ID, format, data)
	if err != nil {
		return "", err
	}
	if InKernel() {
		if format == "svg" {
			gonbui.DisplaySVG(string(data))
		} else {
			gonbui.DisplayPNG(data)
		}
		flush()
	} else if path != "" {
		fmt.Fprintf(textWriter(), "figure %s written to %s\n", strings.TrimSuffix(filepath.Base(path), "."+format), path)
	}
	return path, nil
}

// saveFigure writes data as FigureDir()/<name>.<format> when a figure
// directory applies ("figure" when name is empty) and returns the path ("" if
// none was written).
func saveFigure(name, format string, data []byte) (string, error) {
	if name == "" {
		name = "figure"
	}
	dir := FigureDir()
	if dir == "" {
		return "", nil
	}
	path := filepath.Join(dir, name+"."+format)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("nb: figure dir: %w", err)
	}
	if err := outfile.WriteFile(path, data); err != nil { // atomic: a reader never sees half a file
		return "", fmt.Errorf("nb: write figure %s: %w", path, err)
	}
	return path, nil
}

// Markdown shows markdown in the cell; outside a kernel it prints it.
func Markdown(md string) {
	if InKernel() {
		gonbui.DisplayMarkdown(md)
		flush()
		return
	}
	fmt.Fprintln(textWriter(), md)
}

// Fail reports err and makes the cell fail: inside a kernel it shows the
// error in red and exits the cell's program with status 1 (GoNB then marks
// the cell as failed, and the headless run stops there); outside a kernel it
// panics with err, so tests and programs see it.
func Fail(err error) {
	if err == nil {
		return
	}
	if InKernel() {
		gonbui.DisplayHTML(`<pre style="color:#b00020">` + html.EscapeString("error: "+err.Error()) + `</pre>`)
		fmt.Fprintln(os.Stderr, "error:", err)
		flush()
		os.Exit(1)
	}
	panic(err)
}

// Check fails the cell when err is not nil (see Fail), and returns v
// otherwise: nb.Check(paperdata.Load()).
func Check[T any](v T, err error) T {
	if err != nil {
		Fail(err)
	}
	return v
}

// FigureList shows the registered figures as a table: id, paper name,
// caption and options.
func FigureList() {
	t := &Table{Caption: "Figures available to nb.Figure(id, options...)",
		Header: []string{"id", "paper", "what it shows", "options"}}
	for _, s := range figures.Specs() {
		t.Rows = append(t.Rows, []string{s.ID, s.Paper, s.Caption, s.Options})
	}
	t.Show()
}

// flush waits (at most 10 s) until GoNB has passed everything the cell sent
// so far on to Jupyter (gonbui.Sync: a marker through the same pipe,
// acknowledged once the outputs before it are published). GoNB v0.11.3
// stops reading the cell's output pipe as soon as the cell's program exits,
// so without this an output still in the pipe at that moment — a cell's
// last one, a progress bar's final state, an Explore page of a few MB — can
// never reach the notebook, more often on a busy machine. Outside a kernel
// it does nothing.
func flush() {
	if !InKernel() {
		return
	}
	done := make(chan struct{})
	go func() { gonbui.Sync(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}
