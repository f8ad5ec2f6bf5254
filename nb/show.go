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

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

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

// Figure builds the registered paper figure id (see plots.IDs) with the
// given options and shows it: in the cell as PNG, and as
// FigureDir()/<name>.png, where name is id with default options and id plus
// a short hash otherwise. It returns the path written ("" if none).
// On error the cell fails (see Fail).
//
//	nb.Figure("fig8")
//	nb.Figure("fig8", plots.Metrics("MME", "POPE"), plots.LogX(false))
func Figure(id string, opts ...plots.Option) string {
	f, err := plots.Build(id, opts...)
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
		flushKernel()
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
	// Write beside the target and rename, so a reader never sees half a file.
	tmp, err := os.CreateTemp(dir, "."+name+"-*."+format)
	if err != nil {
		return "", fmt.Errorf("nb: write figure: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), 0o644)
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("nb: write figure %s: %w", path, werr)
	}
	return path, nil
}

// Markdown shows markdown in the cell; outside a kernel it prints it.
func Markdown(md string) {
	if InKernel() {
		gonbui.DisplayMarkdown(md)
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
		flushKernel()
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
	for _, s := range plots.Specs() {
		t.Rows = append(t.Rows, []string{s.ID, s.Paper, s.Caption, s.Options})
	}
	t.Show()
}

// flushKernel waits (at most 10 s) until GoNB has read everything the cell
// sent. GoNB stops reading the cell's display pipe when the cell's program
// ends, so a large output sent just before the end can be lost: seen with
// GoNB v0.11.3 for Explore pages of a few MB (three of four lost), and
// probably the cause of a figure cell found without output once under
// heavy load. gonbui.Sync waits for GoNB's acknowledgement, which comes
// after the earlier messages were dispatched.
func flushKernel() {
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
