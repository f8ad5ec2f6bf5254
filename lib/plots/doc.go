// Package plots draws every figure of the paper ("Scaling Capability in Token
// Space", arXiv 2412.18387) over gonum/plot, in one shared style, and keeps a
// registry of them so that notebooks (package nb), the CLI
// (tokenscale figures) and tests build a figure the same way: by its id.
//
// # Style
//
// style.go holds the one style every figure uses: NewPlot for a styled panel,
// the palette (Blue, LightBlue, shades of green and red, Series colours),
// font sizes readable at the rendered size, and Figure, a grid of panels
// with an optional overall title and a shared legend row, rendered to PNG or
// SVG.
//
// # Registry
//
// A figure is a Spec: an id ("fig2", "fig8", ...), the paper's name for it
// ("Figure 2"), a one-line caption, and a Build function from Options to a
// *Figure. Each figure file registers its specs in an init function:
//
//	func init() {
//		Register(Spec{ID: "fig2", Paper: "Figure 2", Caption: "...", Build: buildFig2})
//	}
//
// Lookup finds a spec by id, Specs lists them in order, Build builds one.
// Options are shared by all figures: Metrics and Configs choose panels and
// series, LogX/LogY choose axis scales, Param passes a named numeric list
// (e.g. Param("g", 0.01, 0.1) for Figure 2), Size sets the canvas. A figure
// ignores options that do not apply to it and rejects unknown metric or
// configuration names with an error that lists the valid ones.
//
// # Figures held here
//
//   - fig2 (shape.go): h(n) = sqrt(n + n(n-1)g) for constant g (Section 3.3,
//     Eq. 9-10), with the sqrt(n) and n*sqrt(g) regimes.
//   - fig8, fig9 (fit.go): the scaling law S(N) = (c/N)^alpha fitted per metric
//     (Section 5, Eq. 21-22, Table 1) for VQQ and VQ-ft, x-axis log2 N.
//   - fig11, fig12 (diff.go): Delta P = P_VQQ - P_VQft and P_VQQ - P_VQ per
//     metric and N (Section 5.2).
//   - fig13 (baselines.go): our model across N against the baselines
//     (Section 5, App. D).
//   - fig16, fig17 (cluster.go): min-max normalised scores in four K-means
//     clusters (App. E).
//
// Other engineers add their figures in their own files (e.g. branch.go for
// Figures 3, 4, 10 and 14); notebooks/README.md says how.
package plots
