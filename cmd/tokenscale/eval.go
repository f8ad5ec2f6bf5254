package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/eval/benchgen"
	"github.com/tokenscale/tokenscale/lib/outfile"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

func init() {
	register(&command{
		name:    "eval",
		summary: "run a model on a benchmark file (VLMEvalKit TSV), resumably, and score it; sweep N; generate test benchmarks",
		run:     runEval,
	})
}

// modelLoader turns a --model value into an Answerer for N queries and a
// configuration; ok is false when the loader does not recognise the value.
type modelLoader func(spec string, n int, cfg eval.Config) (a eval.Answerer, ok bool, err error)

// modelLoaders are tried in order; the loader of model folders (lib/vlm,
// eval_vlm.go) goes first.
var modelLoaders = []modelLoader{loadReferenceModels}

// modelHelp lists the --model values this build accepts.
const modelHelp = `--model accepts:
  DIR             a model folder of lib/vlm (config.json + model.safetensors) or the output folder of
                  "tokenscale train toy" (its newest checkpoint); greedy decoding within the benchmark's token
                  budget. Paper-layout checkpoints (CLIP + fusion + Llama-2 chat template, CLIP BPE and
                  SentencePiece tokenizers, HD views) and toy word-tokenizer models both answer.
  oracle          answers every item with its ground truth (checks a benchmark file and the scorers: maximum scores)
  constant:TEXT   answers TEXT to every item (trivial baselines, e.g. constant:Yes for POPE)
--prompt vlmevalkit (default) gives the model VLMEvalKit's prompt; --prompt question only the item's question
(toy models were trained on bare questions).`

func loadReferenceModels(spec string, _ int, _ eval.Config) (eval.Answerer, bool, error) {
	switch {
	case spec == "oracle":
		return eval.Oracle{}, true, nil
	case strings.HasPrefix(spec, "constant:"):
		return eval.Constant(strings.TrimPrefix(spec, "constant:")), true, nil
	}
	return nil, false, nil
}

// loadModel expands {N} in spec and asks each loader in turn.
func loadModel(spec string, n int, cfg eval.Config) (eval.Answerer, error) {
	spec = strings.ReplaceAll(spec, "{N}", strconv.Itoa(n))
	for _, l := range modelLoaders {
		a, ok, err := l(spec, n, cfg)
		if err != nil {
			return nil, err
		}
		if ok {
			return a, nil
		}
	}
	if _, err := os.Stat(spec); err == nil {
		return nil, usagef("cannot load model %q: not a model folder (no %s, no ck/latest).\n%s", spec, vlm.ConfigFile, modelHelp)
	}
	return nil, usagef("unknown --model %q.\n%s", spec, modelHelp)
}

// benchOf returns the benchmark named by name, or else by the file's name
// ("MMStar.tsv", "SEEDBench_IMG_sample.tsv" → the longest benchmark name it
// starts with).
func benchOf(name, file string) (eval.Benchmark, error) {
	if name != "" {
		b, err := eval.Lookup(name)
		if err != nil {
			return b, usagef("%v", err)
		}
		return b, nil
	}
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	if b, err := eval.Lookup(base); err == nil {
		return b, nil
	}
	var best eval.Benchmark
	for _, b := range eval.Benchmarks() {
		if strings.HasPrefix(strings.ToLower(base), strings.ToLower(b.Name)) && len(b.Name) > len(best.Name) {
			best = b
		}
	}
	if best.Name == "" {
		return best, usagef("cannot tell the benchmark of %s from its name; give --name (one of the VLMEvalKit names, e.g. MMStar, COCO_VAL)", file)
	}
	return best, nil
}

func runEval(env *cmdEnv, args []string) error {
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return dispatch(env, "eval", map[string]func(*cmdEnv, []string) error{
			"sweep":    runEvalSweep,
			"generate": runEvalGenerate,
		}, args)
	}
	fs := newFlags(env, "eval", `eval --model MODEL --bench FILE.tsv [--name BENCH] [--n N] [--config vqq|vq|vq-ft] [--limit K] [--predictions OUT.jsonl]
       tokenscale eval sweep --model MODEL --bench FILE.tsv[,FILE…|DIR] [--n 1,8,…] [--config C] [--out DIR] [--csv OUT.csv]
       tokenscale eval generate --out DIR [--items 20] [--seed 1] [--style grid|square] [--size PX] [--name BENCH,…]

Runs MODEL on every item of a benchmark file in VLMEvalKit's TSV layout with
the dataset's default VLMEvalKit prompt and the paper's greedy max-new-token
budget (docs/evaluation.md), appends each answer to a predictions file (JSONL) as soon
as it is known, and prints the scores as JSON. Re-running the same command
after an interruption resumes: items already in the predictions file are not
generated again. The benchmark is named by --name or by the file name.

`+modelHelp)
	model := fs.String("model", "", "model to evaluate (required)")
	bench := fs.String("bench", "", "benchmark file, VLMEvalKit TSV (required)")
	name := fs.String("name", "", "benchmark name (default: from the file name)")
	n := fs.Int("n", 0, "number of learnable queries N of the model (labels the run)")
	config := fs.String("config", "vqq", "fusion input configuration: vqq, vq or vq-ft")
	limit := fs.Int("limit", 0, "evaluate only the first K items (0: all)")
	preds := fs.String("predictions", "", "predictions file (default predictions/<config>_N<N>_<benchmark>.jsonl)")
	prompt := fs.String("prompt", "vlmevalkit", "text given to a model: vlmevalkit (the dataset's default prompt) or question")
	rulesFlag := rulesFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := setPromptMode(*prompt); err != nil {
		return err
	}
	rules, err := parseRulesFlag(*rulesFlag)
	if err != nil {
		return err
	}
	if *model == "" || *bench == "" {
		return usagef("eval: --model and --bench are required")
	}
	if fs.NArg() > 0 {
		return usagef("eval: unexpected arguments %q", fs.Args())
	}
	b, err := benchOf(*name, *bench)
	if err != nil {
		return err
	}
	cfg, err := eval.ParseConfig(*config)
	if err != nil {
		return usagef("%v", err)
	}
	a, err := loadModel(*model, *n, cfg)
	if err != nil {
		return err
	}
	defer closeAnswerer(a)
	if q, ok := a.(interface{ Queries() int }); ok && *n == 0 {
		*n = q.Queries() // a checkpoint knows its N
	}
	if *preds == "" {
		*preds = filepath.Join("predictions", eval.PredictionsName(cfg, *n, b))
	}
	ctx, stop := interruptible()
	defer stop()
	res, err := eval.Run(ctx, b, *bench, a, eval.RunOptions{
		Predictions: *preds, Limit: *limit, Run: runInfo(*model, *n, cfg), Rules: rules,
		Report: newProgressBar(env.stderr, "").report,
	})
	if err != nil {
		return resumeHint(err, *preds)
	}
	return printJSON(env.stdout, map[string]any{
		"benchmark": b.Name, "config": string(cfg), "N": *n, "predictions": *preds,
		"items": res.Items, "generated": res.Generated, "resumed": res.Resumed, "vlmevalkit": res.Rules, "metrics": res.Metrics,
	})
}

// progressBar draws a run's progress on stderr — items done of the total, a
// bar, items generated per second and the running score of the benchmark's
// primary metric — at most once a second and at the end of each file.
type progressBar struct {
	w      io.Writer
	label  string
	last   time.Time
	isTerm bool
}

func newProgressBar(w io.Writer, label string) *progressBar {
	pb := &progressBar{w: w, label: label}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			pb.isTerm = true
		}
	}
	return pb
}

func (pb *progressBar) report(p eval.RunProgress) {
	end := p.Done >= p.Total
	if !end && time.Since(pb.last) < time.Second {
		return
	}
	pb.last = time.Now()
	const width = 24
	fill := 0
	if p.Total > 0 {
		fill = min(width, width*p.Done/p.Total)
	}
	score := ""
	if v, name, err := p.Score(); err == nil {
		score = fmt.Sprintf("  %s %.2f", name, v)
	}
	line := fmt.Sprintf("%s%s [%s%s] %d/%d  %.2f items/s%s", pb.label, p.Bench.Name, strings.Repeat("#", fill), strings.Repeat(".", width-fill),
		p.Done, p.Total, p.Rate(), score)
	switch {
	case pb.isTerm && end:
		fmt.Fprintf(pb.w, "\r%s\n", line)
	case pb.isTerm:
		fmt.Fprintf(pb.w, "\r%s", line)
	default:
		fmt.Fprintln(pb.w, line)
	}
}

// interruptible returns a context cancelled by SIGINT or SIGTERM: a run then
// stops after the item in flight, whose answer (like every earlier one) is
// already in the predictions file.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// resumeHint says how to resume when err is an interruption.
func resumeHint(err error, where string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("eval: interrupted; the answers so far are kept in %s: run the same command again to resume", where)
	}
	return err
}

// rulesFlag defines --vlmevalkit, the version of VLMEvalKit's scoring rules.
func rulesFlag(fs *flag.FlagSet) *string {
	return fs.String("vlmevalkit", eval.DefaultRulesVersion, "VLMEvalKit scoring rules: "+
		"2024-12 (commit ae10ca4d, the rules the paper was scored with) or 2026-08 (commit e8e78f05, the newest)")
}

func parseRulesFlag(v string) (eval.Rules, error) {
	r, err := eval.ParseRules(v)
	if err != nil {
		return r, usagef("--vlmevalkit %q: want %s", v, strings.Join(eval.RulesVersions(), " or "))
	}
	return r, nil
}

func setPromptMode(p string) error {
	if p != "vlmevalkit" && p != "question" {
		return usagef("--prompt %q: want vlmevalkit or question", p)
	}
	promptMode = p
	return nil
}

// runInfo describes a run for the predictions' .run.json, so that a resumed
// run cannot mix two models' answers.
func runInfo(model string, n int, cfg eval.Config) map[string]string {
	return map[string]string{"model": strings.ReplaceAll(model, "{N}", strconv.Itoa(n)), "N": strconv.Itoa(n), "config": string(cfg), "prompt": promptMode}
}

func closeAnswerer(a eval.Answerer) {
	if c, ok := a.(io.Closer); ok {
		c.Close()
	}
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// benchFiles expands a comma-separated list of files and directories (every
// *.tsv in a directory whose name names a benchmark).
func benchFiles(list string) ([]eval.BenchFile, error) {
	var out []eval.BenchFile
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, usagef("--bench: %v", err)
		}
		paths := []string{p}
		if st.IsDir() {
			paths, _ = filepath.Glob(filepath.Join(p, "*.tsv"))
			sort.Strings(paths)
			if len(paths) == 0 {
				return nil, usagef("--bench: no .tsv files in %s", p)
			}
		}
		for _, f := range paths {
			b, err := benchOf("", f)
			if err != nil {
				return nil, err
			}
			out = append(out, eval.BenchFile{Bench: b, Path: f})
		}
	}
	if len(out) == 0 {
		return nil, usagef("--bench: no benchmark files")
	}
	return out, nil
}

func parseNs(s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, usagef("--n: %q is not a positive integer", f)
		}
		ns = append(ns, v)
	}
	return ns, nil
}

func runEvalSweep(env *cmdEnv, args []string) error {
	fs := newFlags(env, "eval sweep", `eval sweep --model MODEL --bench FILE.tsv[,FILE…|DIR] [--n 1,8,…] [--config vqq|vq|vq-ft] [--limit K] [--out DIR] [--csv OUT.csv]

Runs every benchmark file for every N (resumably: one predictions file per
configuration, N and benchmark under --out) and writes the scores in the tidy
layout config,N,benchmark,metric,value that "tokenscale fit" reads. In MODEL,
"{N}" is replaced by each N (the paper has one checkpoint per N).

`+modelHelp)
	model := fs.String("model", "", "model to evaluate; {N} is replaced by N (required)")
	bench := fs.String("bench", "", "benchmark files or directories, comma-separated (required)")
	nsFlag := fs.String("n", "1,8,16,32,64,128,256,384,512,768", "the values of N, comma-separated")
	config := fs.String("config", "vqq", "fusion input configuration: vqq, vq or vq-ft")
	limit := fs.Int("limit", 0, "evaluate only the first K items of each file (0: all)")
	out := fs.String("out", "predictions", "directory of the predictions files")
	csvPath := fs.String("csv", "-", "tidy CSV output (- for stdout)")
	prompt := fs.String("prompt", "vlmevalkit", "text given to a model: vlmevalkit (the dataset's default prompt) or question")
	rulesFlag := rulesFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := setPromptMode(*prompt); err != nil {
		return err
	}
	rules, err := parseRulesFlag(*rulesFlag)
	if err != nil {
		return err
	}
	if *model == "" || *bench == "" {
		return usagef("eval sweep: --model and --bench are required")
	}
	files, err := benchFiles(*bench)
	if err != nil {
		return err
	}
	ns, err := parseNs(*nsFlag)
	if err != nil {
		return err
	}
	cfg, err := eval.ParseConfig(*config)
	if err != nil {
		return usagef("%v", err)
	}
	first, err := loadModel(*model, ns[0], cfg) // fail before any work
	if err != nil {
		return err
	}
	closeAnswerer(first)
	bar := newProgressBar(env.stderr, "")
	ctx, stop := interruptible()
	defer stop()
	results, err := eval.Sweep(ctx, eval.SweepOptions{
		Config: cfg, Ns: ns, Files: files, Dir: *out, Limit: *limit, Rules: rules,
		Model:   func(n int) (eval.Answerer, error) { return loadModel(*model, n, cfg) },
		RunInfo: func(n int) map[string]string { return runInfo(*model, n, cfg) },
		Report:  func(n int, p eval.RunProgress) { bar.label = fmt.Sprintf("N=%d ", n); bar.report(p) },
	})
	if err != nil {
		return resumeHint(err, *out)
	}
	if *csvPath == "-" {
		return eval.WriteTidy(env.stdout, results, true)
	}
	var buf bytes.Buffer
	if err := eval.WriteTidy(&buf, results, true); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*csvPath), 0o755); err != nil {
		return fmt.Errorf("eval sweep: --csv: %w", err)
	}
	if err := outfile.WriteFile(*csvPath, buf.Bytes()); err != nil { // never a half-written CSV
		return fmt.Errorf("eval sweep: --csv: %w", err)
	}
	fmt.Fprintf(env.stderr, "wrote %s (%d benchmark runs)\n", *csvPath, len(results))
	return nil
}

func runEvalGenerate(env *cmdEnv, args []string) error {
	fs := newFlags(env, "eval generate", `eval generate --out DIR [--items 20] [--seed 1] [--style grid|square] [--size PX] [--name BENCH,…]

Writes small synthetic benchmark files (<Name>.tsv, VLMEvalKit layout, images
drawn by code) for the paper's 15 benchmarks or the ones named, to exercise
the harness anywhere. Their scores are not comparable with the paper's.
--style square draws the toy task of "tokenscale train toy" (a coloured square
in a quadrant; "what colour is the square?", "where is the square?") for the
multiple-choice, caption and open-VQA benchmarks, so a toy model can be
evaluated (with --prompt question).`)
	out := fs.String("out", "", "output directory (required)")
	items := fs.Int("items", 20, "items per benchmark")
	seed := fs.Uint64("seed", 1, "random seed")
	names := fs.String("name", "", "benchmarks to write, comma-separated (default: all 15)")
	size := fs.Int("size", 0, "image side in pixels, at most 1024 (default 96 for the grid style, 16 for the square style)")
	style := fs.String("style", benchgen.StyleGrid, "grid (the scaling lab's shape grids) or square (the toy task of tokenscale train toy)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("eval generate: --out is required")
	}
	if *items < 1 || *items > benchgen.MaxItems {
		return usagef("eval generate: --items %d: want 1 to %d", *items, benchgen.MaxItems)
	}
	if *size != 0 && (*size < 16 || *size > benchgen.MaxImageSize) {
		return usagef("eval generate: --size %d: want 16 to %d pixels (at least 24 for --style grid), or 0 for the default", *size, benchgen.MaxImageSize)
	}
	list := eval.Benchmarks()
	if *names != "" {
		list = nil
		for _, nm := range strings.Split(*names, ",") {
			b, err := eval.Lookup(nm)
			if err != nil {
				return usagef("%v", err)
			}
			list = append(list, b)
		}
	}
	var written []string
	for i, b := range list {
		if *style == benchgen.StyleSquare && b.Kind == eval.YesNo {
			if *names == "" {
				continue // the square style has no yes/no questions
			}
		}
		p := filepath.Join(*out, b.Name+".tsv")
		if err := benchgen.WriteOptions(p, b, *items, *seed+uint64(i)*7919, benchgen.Options{ImageSize: *size, Style: *style}); err != nil {
			return usagef("eval generate: %v", err)
		}
		written = append(written, p)
	}
	for _, p := range written {
		fmt.Fprintln(env.stdout, p)
	}
	return nil
}
