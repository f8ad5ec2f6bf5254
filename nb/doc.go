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
//	(&nb.Table{Caption: "...", Header: h, Rows: rows}).Show()
//	p := nb.NewProgress("fitting", n); p.Add(1); p.Done()
//	v := nb.Check(someCall())                              // fail the cell on error
//
// # Figure files
//
// Show and Figure write <dir>/<figure id>.png (or .svg) whenever a figure
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
