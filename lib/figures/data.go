package figures

import (
	"errors"
	"fmt"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/results"
	"github.com/tokenscale/tokenscale/lib/train/trainlog"
)

// ErrNoData is wrapped by the error of a figure built without the data it
// draws (or with data that lacks what it draws, e.g. a sweep CSV without
// training losses).
var ErrNoData = errors.New("no data for this figure")

// Source says what a figure draws and so what, if anything, must be handed
// to it with an Option besides the user's choices.
type Source int

const (
	// FromPaper figures draw the paper's numbers (embedded in lib/paperdata)
	// or a formula: nothing to hand.
	FromPaper Source = iota
	// FromLab figures draw a sweep of the scaling lab: Lab(res, label), or
	// LoadLab(path) for a sweep CSV or cache folder.
	FromLab
	// FromBranch figures draw Section-3 estimates: Branch(curves...), or
	// LoadBranch(path) for a JSON file of them.
	FromBranch
	// FromTraining figures draw training logs: Training(runs...), or
	// LoadTraining(path) for a JSONL log.
	FromTraining
	// FromEval figures draw the user's evaluation results beside the paper's
	// numbers: Eval(source, rows), or LoadEval(path) for a tidy CSV. Without
	// them they draw the paper's numbers alone.
	FromEval
	// FromLayout figures draw the token layout of a model: Layout(l).
	FromLayout
)

// String names the source as the figures command's flags do.
func (s Source) String() string {
	switch s {
	case FromLab:
		return "lab"
	case FromBranch:
		return "branch"
	case FromTraining:
		return "train"
	case FromEval:
		return "eval"
	case FromLayout:
		return "layout"
	}
	return "paper"
}

// labData is what Lab hands to the lab figures.
type labData struct {
	res   *labresult.Result
	label string
}

// Lab hands a sweep of the scaling lab (lab.SweepConfig.Sweep, or
// labresult.ReadCSV / ReadCache) to the lab figures; label names it in
// their titles (e.g. "quick sweep, 2 seeds").
func Lab(res *labresult.Result, label string) plots.Option {
	return plots.Data(labData{res: res, label: label})
}

func labOf(o plots.Options, id string) (*labresult.Result, string, error) {
	d, ok := plots.DataOf[labData](o)
	if !ok || d.res == nil {
		return nil, "", fmt.Errorf("plots: %s draws a sweep of the scaling lab: hand it with figures.Lab(res, label) (res from lab.SweepConfig.Sweep or figures.LoadLab), or run tokenscale figures --lab FILE: %w", id, ErrNoData)
	}
	return d.res, d.label, nil
}

// branchData is what Branch hands to the Section-3 figures.
type branchData []branch.Curve

// Branch hands Section-3 estimates (one per model, e.g. from
// branch.MeasureModels or branch.ToyCurves) to Figures 3, 4, 10, 14 and branch-psi.
func Branch(cs ...branch.Curve) plots.Option {
	return plots.Data(branchData(append([]branch.Curve(nil), cs...)))
}

func branchOf(o plots.Options) ([]branch.Curve, error) {
	d, ok := plots.DataOf[branchData](o)
	if !ok || len(d) == 0 {
		return nil, fmt.Errorf("plots: the Section-3 figures draw measured estimates: hand them with figures.Branch(curves...) (from branch.MeasureModels) or figures.LoadBranch, or run tokenscale figures --branch FILE: %w", ErrNoData)
	}
	return d, nil
}

// TrainingRun is one run's log for Figure 15.
type TrainingRun struct {
	Label string
	Log   []trainlog.StepLog
}

type trainingData []TrainingRun

// Training hands training logs (train.Trainer.Log, or trainlog.Read) to
// Figure 15.
func Training(rs ...TrainingRun) plots.Option {
	return plots.Data(trainingData(append([]TrainingRun(nil), rs...)))
}

func trainingOf(o plots.Options) ([]TrainingRun, error) {
	d, ok := plots.DataOf[trainingData](o)
	if !ok || len(d) == 0 {
		return nil, fmt.Errorf("plots: fig15 draws training logs: hand them with figures.Training(runs...) (a Trainer's Log, or trainlog.Read), or run tokenscale figures --train LOG: %w", ErrNoData)
	}
	return d, nil
}

// evalData is what Eval hands to figure eval-sweep.
type evalData struct {
	source string
	rows   []results.Row
}

// Eval hands the user's evaluation results (tidy rows, e.g. from
// results.ReadAll or an eval sweep) to figure eval-sweep, which draws them
// beside the paper's; source names them in the title.
func Eval(source string, rows []results.Row) plots.Option {
	return plots.Data(evalData{source: source, rows: append([]results.Row(nil), rows...)})
}

// TokenLayout is the data of Figure 6: the kind of every token of the fusion
// input and of the LLM input ("IMG", "QUE", "QED", "EOS", "FUSED", "TXT",
// "ANS"), position by position, and a title that says which configuration
// and sizes they come from.
type TokenLayout struct {
	Title       string
	Fusion, LLM []string
}

// Layout hands a token layout to Figure 6 (vlm.ToyTokenLayout makes one).
func Layout(title string, fusion, llm []string) plots.Option {
	return plots.Data(TokenLayout{Title: title, Fusion: fusion, LLM: llm})
}
