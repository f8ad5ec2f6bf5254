// Package nb is what a notebook cell calls: show a paper figure, a
// gonum/plot panel, a table or a progress bar, with one short call. It
// implements no part of the paper itself; the figures are built by
// lib/figures (over the drawing package lib/plots) from the data they are
// handed. nb links no GoMLX: a notebook that draws the paper's numbers
// builds without the model code.
//
// Inside a GoNB kernel (gonbui.IsNotebook) the calls display in the cell;
// outside one (tests, the CLI, a plain `go run`) the same calls write files
// and print text, so everything a notebook shows can be checked without
// Jupyter.
//
// # In a cell
//
//	nb.Figure("fig8")                                      // Figure 8, the paper's options
//	nb.Figure("fig8", plots.Metrics("MME", "POPE"))        // only two panels
//	nb.Figure("fig2", plots.Param("g", 0.05), plots.LogY(false))
//	nb.Figure("lab-fig8", figures.Lab(res, "my sweep"))    // a figure of your own run's data
//	nb.FigureList()                                        // every registered figure and its options
//	nb.Show(fig); nb.ShowSVG(fig); nb.ShowPlot(p, "name", 6, 4)
//	nb.Table1()                                            // Table 1 refitted, beside the printed values
//	nb.Table1(plots.Param("drop", 1))                      // ... with N = 1 left out of the fit
//	nb.Explore("fig2", nb.Steps("g", 0.001, 0.01, 0.1))    // the same figure under a slider
//	(&nb.Table{Caption: "...", Header: h, Rows: rows}).Show()
//	p := nb.NewProgress("fitting", n); p.Add(1); p.Done()
//	v := nb.Check(someCall())                              // fail the cell on error
//
// # Interactive figures: Explore
//
//	nb.Explore("fig2", nb.Steps("g", 0.001, 0.01, 0.1).StartAt("0.01"))
//	nb.Explore("fig8", nb.Select("metric", "MME", "POPE"), nb.Select("drop", "none (default)", "1"),
//		nb.Beside(nb.Table1Data))
//
// shows the figure with sliders and drop-down lists above it (Slider, Steps,
// Select, Choose), an optional table beside it (Beside) and, under it, the
// nb.Figure call that draws what is shown. Each choice of a control is a
// list of plots options, and a setting is drawn by the same builder as
// nb.Figure with the same options, so a value set with a control is, byte
// for byte, the figure that value gives as an option (nb's tests check it).
//
// Explore is self-contained: when the cell runs it draws every combination
// of the controls' choices (at most MaxExploreSettings), and the output is a
// piece of HTML with the figures as inline PNGs and a dozen lines of
// JavaScript that swap them. We chose this over GoNB's kernel-backed widgets
// (gonbui/widgets, where the cell's program stays alive and redraws on each
// change) because the teaching use needs what only the self-contained way
// gives: the controls keep working after the kernel is gone, in the HTML
// that `make notebooks` exports and in any viewer of the saved notebook;
// the headless run finishes at once with nothing left listening (no Done
// button, no time limit); and a moved control answers instantly, with no
// compile-and-run round trip on a busy machine. The price is a grid of a
// few dozen values instead of a continuum, and drawing time and notebook
// size that grow with the grid, hence the limits.
//
// Jupyter Notebook 6 runs scripts in the outputs of cells run in the
// browser, and of notebooks it trusts. A notebook opened with outputs saved
// elsewhere is untrusted: Jupyter strips the script, the default figure and
// table still show and the controls do nothing until the cell is re-run
// (or File → Trust Notebook). `make browser-test` checks in Chromium that
// the script runs and that moving a control redraws the figure.
//
// # Figure files
//
// Show, Figure and Explore (its default setting) write <dir>/<figure id>.png (or .svg) whenever a figure
// directory applies: SetFigureDir's argument, else $TOKENSCALE_FIGURE_DIR
// (set by `make notebooks` to out/figures), else, outside a kernel only,
// out/figures under the current directory. A figure drawn with non-default
// options gets its id plus a short hash of the options as its name, so an
// exercise cell never overwrites the paper figure.
//
// # Failing a cell
//
// GoNB does not report a cell whose program fails as a Jupyter error; it
// only prints "exit status N". nb.Fail (used by Figure, Show and Check)
// shows the error in the cell and exits with status 1, and the headless
// runner (kernels/run-notebooks) treats that line as a failed cell, so a
// broken notebook stops `make notebooks` with the notebook and cell named.
//
// # Adding a notebook or a figure
//
// See notebooks/README.md. In short: figure code goes in your own file in
// lib/figures, registered with Register(Spec{ID: ..., Source: ..., Build:
// ...}); the notebook cell is then one nb.Figure(id, data...) call. A
// notebook starts with
// the setup cell
//
//	!../kernels/nbsetup
//	import "github.com/tokenscale/tokenscale/nb"
//
// which points GoNB's per-kernel Go module at this checkout (a go.mod
// replace; see kernels/nbsetup) and imports nb.
package nb
