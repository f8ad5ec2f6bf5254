package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/figures"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab"
	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

func init() {
	register(&command{
		name:    "figures",
		summary: "draw the paper's figures (the same ones the notebooks show), and those of your own runs, to PNG or SVG files, without Jupyter",
		run:     runFigures,
	})
}

func runFigures(env *cmdEnv, args []string) error {
	fs := newFlags(env, "figures", `figures [--out DIR] [--format png|svg] [--lab CSV|DIR] [--branch JSON] [--eval CSV] [--train LOG] [--demo] [--list] [ID ...]

Draws figures to DIR/<id>.<format>: by default the paper's figures (its
numbers, its formulas and the fusion model's token layout), plus the figures
of each data file given:

  --lab     a scaling-lab sweep: the CSV tokenscale lab prints, or its cache
            folder (--cache) — lab-loss (cache only), lab-fig8/9/11/12
  --branch  Section-3 estimates written by branch.WriteCurves — fig3a, fig3b,
            fig4a, fig4b, fig10, fig14, branch-psi
  --eval    your evaluation results, a tidy CSV config,N,benchmark,metric,value
            (tokenscale eval sweep) — eval-sweep beside the paper's points
  --train   a JSONL training log (tokenscale train … writes log.jsonl) — fig15

--demo draws the data figures that no file was given for from demo data made
on the spot (the toy models of Section 3, a 30-step toy training run, a
seconds-long lab sweep); their titles say "demo". Naming ids draws just those.
--list prints the ids, what each shows and the options nb.Figure accepts.`)
	out := fs.String("out", filepath.Join("out", "figures"), "output directory")
	format := fs.String("format", "png", "output format: png or svg")
	list := fs.Bool("list", false, "list the figures and exit")
	demo := fs.Bool("demo", false, "draw the data figures without a file from demo data")
	files := map[figures.Source]*string{
		figures.FromLab:      fs.String("lab", "", "scaling-lab sweep: CSV or cache folder"),
		figures.FromBranch:   fs.String("branch", "", "Section-3 estimates (JSON)"),
		figures.FromEval:     fs.String("eval", "", "evaluation results (tidy CSV)"),
		figures.FromTraining: fs.String("train", "", "training log (JSONL)"),
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *list {
		for _, s := range figures.Specs() {
			fmt.Fprintf(env.stdout, "%-10s %-12s %s\n", s.ID, s.Paper, s.Caption)
			if s.Options != "" {
				fmt.Fprintf(env.stdout, "%-23s options: %s\n", "", s.Options)
			}
		}
		return nil
	}
	if *format != "png" && *format != "svg" {
		return usagef("figures: --format %q: want png or svg", *format)
	}
	for _, id := range fs.Args() {
		if _, ok := figures.Lookup(id); !ok {
			return usagef("figures: unknown figure %q (known: %s)", id, strings.Join(figures.IDs(), ", "))
		}
	}
	data, demoed, err := figureData(files, *demo)
	if err != nil {
		return err
	}
	ids, named := fs.Args(), len(fs.Args()) > 0
	if !named {
		for _, s := range figures.Specs() {
			if _, ok := data[s.Source]; ok || s.Source == figures.FromPaper || s.Source == figures.FromEval {
				ids = append(ids, s.ID)
			}
		}
	}
	var opts []plots.Option
	for _, o := range data {
		opts = append(opts, o)
	}
	// Draw every figure even when one fails, then report the failures.
	var failed []string
	for _, id := range ids {
		f, err := figures.Build(id, opts...)
		if err == nil {
			if s, _ := figures.Lookup(id); demoed[s.Source] && !strings.Contains(strings.ToLower(f.Title), "demo") {
				f.Title = strings.TrimSuffix("Demo data: "+f.Title, ": ")
			}
			path := filepath.Join(*out, f.ID+"."+*format)
			if err = f.WriteFile(path); err == nil {
				fmt.Fprintln(env.stdout, path)
				continue
			}
		}
		if !named && errors.Is(err, figures.ErrNoData) {
			fmt.Fprintf(env.stderr, "tokenscale figures: %s skipped: %v\n", id, err)
			continue
		}
		fmt.Fprintf(env.stderr, "tokenscale figures: %s: %v\n", id, err)
		failed = append(failed, id)
	}
	if len(failed) > 0 {
		return fmt.Errorf("figures: %d of %d figures failed: %s", len(failed), len(ids), strings.Join(failed, ", "))
	}
	return nil
}

// figureData reads the data files given and, with demo, makes demo data for
// the sources without one; it always lays out the fusion model's tokens
// (Figure 6). demoed marks the sources drawn from demo data.
func figureData(files map[figures.Source]*string, demo bool) (data map[figures.Source]plots.Option, demoed map[figures.Source]bool, err error) {
	data, demoed = map[figures.Source]plots.Option{}, map[figures.Source]bool{}
	for src, path := range files {
		if *path == "" {
			continue
		}
		if data[src], err = figures.Load(src, *path); err != nil {
			return nil, nil, usagef("figures: --%s: %v", src, err)
		}
	}
	l, err := vlm.ToyTokenLayout(8, 5, fusion.VisionQuestionQueries)
	if err != nil {
		return nil, nil, err
	}
	data[figures.FromLayout] = figures.Layout(l.Title, l.Fusion, l.LLM)
	if !demo {
		return data, demoed, nil
	}
	if _, ok := data[figures.FromBranch]; !ok {
		cs, err := branch.ToyCurves()
		if err != nil {
			return nil, nil, fmt.Errorf("figures: demo estimates: %w", err)
		}
		data[figures.FromBranch], demoed[figures.FromBranch] = figures.Branch(cs...), true
	}
	if _, ok := data[figures.FromTraining]; !ok {
		log, err := train.ToyRun(4, 30)
		if err != nil {
			return nil, nil, fmt.Errorf("figures: demo training run: %w", err)
		}
		data[figures.FromTraining], demoed[figures.FromTraining] = figures.Training(figures.TrainingRun{Label: "toy model, N = 4", Log: log}), true
	}
	if _, ok := data[figures.FromLab]; !ok {
		res, err := lab.DemoSweep().Sweep(nil)
		if err != nil {
			return nil, nil, fmt.Errorf("figures: demo lab sweep: %w", err)
		}
		data[figures.FromLab], demoed[figures.FromLab] = figures.Lab(res, "untrained demo"), true
	}
	return data, demoed, nil
}
