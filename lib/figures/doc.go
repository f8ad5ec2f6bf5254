// Package figures holds every figure of the paper ("Scaling Capability in
// Token Space", arXiv 2412.18387) that tokenscale draws, as plain builders
// from data and options to a plots.Figure, and the one registry that maps a
// figure id to its builder and to where its data comes from. Notebooks
// (package nb), the CLI (tokenscale figures) and tests build a figure the
// same way: Build(id, opts...).
//
// It is a thin layer over data: it imports the drawing package (lib/plots)
// and the pure data types of each domain — lib/paperdata, lib/scaling,
// lib/analysis, lib/branch (Result, Curve), lib/lab/labresult and
// lib/lab/labtask, lib/train/trainlog, lib/eval (tidy rows), lib/vision —
// and links no GoMLX. No builder trains, measures or sweeps: a notebook or
// the CLI runs the domain code and hands the result to the figure.
//
// # Data
//
// A Spec's Source says what it draws. FromPaper figures draw the paper's
// numbers or a formula and need nothing. The others are handed their data
// as an Option next to the user's choices:
//
//	nb.Figure("lab-fig8", figures.Lab(res, "quick sweep"))    // res from lab.SweepConfig.Sweep
//	nb.Figure("fig3a", figures.Branch(curves...))             // curves from branch.MeasureModels
//	nb.Figure("fig15", figures.Training(figures.TrainingRun{Label: "toy", Log: tr.Log}))
//	nb.Figure("eval-sweep", figures.Eval("results.csv", rows)) // optional: the paper's side alone without
//	nb.Figure("fig6", figures.Layout(l.Title, l.Fusion, l.LLM)) // l from vlm.ToyTokenLayout
//
// or read from a file with Load (LoadLab: a sweep CSV or lab cache folder;
// LoadBranch: branch.WriteCurves JSON; LoadTraining: a JSONL log; LoadEval:
// a tidy config,N,benchmark,metric,value CSV). A data figure built without
// its data returns an error that says how to hand it.
//
// # Figures
//
//   - fig2 (shape.go): h(n) = sqrt(n + n(n-1)g) for constant g (Section 3.3,
//     Eq. 9-10); fig1 and the Section 3 figures fig3a, fig3b, fig4a, fig4b,
//     fig10, fig14, branch-psi (branch.go; Eq. 11-18, 23).
//   - fig8, fig9 (fit.go): the scaling law S(N) = (c/N)^alpha fitted per
//     metric (Section 5, Eq. 21-22, Table 1) for VQQ and VQ-ft.
//   - fig11, fig12 (diff.go): Delta P between the configurations (Section 5.2).
//   - fig13 (baselines.go), fig16, fig17 (cluster.go; App. E).
//   - fig6, fig15 (fusion.go): the token layout and training curves (Section
//     4.3, App. C); vision-* (vision.go): the HD-9 pipeline (Section 4.2).
//   - lab-* (lab.go): the scaling lab's task and its Figures 8, 9, 11, 12.
//   - eval-sweep (eval.go): the user's evaluation sweep beside App. D.
//
// Options (plots.Metrics, plots.Configs, plots.LogX, plots.Param, ...) are
// shared by all figures; a figure ignores those that do not apply and
// rejects unknown names with an error that lists the valid ones.
package figures
