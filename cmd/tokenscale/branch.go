package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/outfile"
	"io"
	"os"
	"time"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/branch/stfile"
)

func init() {
	register(&command{
		name:    "branch",
		summary: "Section 3: branch divergence ĝ(n), Ê(n), bound and thresholds (estimate | measure | convert)",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "branch", map[string]func(*cmdEnv, []string) error{
				"estimate": runBranchEstimate,
				"measure":  runBranchMeasure,
				"convert":  runBranchConvert,
			}, args)
		},
	})
}

// branchResultFlags are the flags shared by both subcommands.
type branchResultFlags struct {
	lambda, diff   *string
	eps, delta     *float64
	robust         *bool
	minPairs, maxN *int
	psiCSV         *string
	quiet          *bool
}

func addResultFlags(fs *flag.FlagSet) *branchResultFlags {
	return &branchResultFlags{
		lambda:   fs.String("lambda", "lsq", "λ of the bound: lsq (least squares), sup (sup_n RMS of wᵀd_n) or first (Ê(1))"),
		diff:     fs.String("diff", "forward", "difference Δĝ(n): forward ĝ(n+1)−ĝ(n) or backward ĝ(n)−ĝ(n−1)"),
		eps:      fs.Float64("epsilon", branch.DefaultEpsilon, "ratio threshold ε: n* = first n with r(n) < ε"),
		delta:    fs.Float64("delta", branch.DefaultDelta, "difference threshold δ: n* = first n with |Δĝ(n)| < δ"),
		robust:   fs.Bool("robust", false, "difference threshold: require |Δĝ(m)| < δ for every m ≥ n"),
		minPairs: fs.Int("min-pairs", 1, "drop the rows of n with fewer pairs than this"),
		maxN:     fs.Int("max-n", 0, "keep n ≤ max-n (0: all)"),
		psiCSV:   fs.String("psi-csv", "", "also compute the JMLR ψ estimate and write it to this CSV file"),
		quiet:    fs.Bool("quiet", false, "no summary or progress on stderr"),
	}
}

func (f *branchResultFlags) options(cmd string) (branch.Options, error) {
	lm, err := branch.ParseLambdaMode(*f.lambda)
	if err != nil {
		return branch.Options{}, usagef("%s: --lambda %q: want lsq, sup or first", cmd, *f.lambda)
	}
	dm, err := branch.ParseDiffMode(*f.diff)
	if err != nil {
		return branch.Options{}, usagef("%s: --diff %q: want forward or backward", cmd, *f.diff)
	}
	if !(*f.eps > 0) || !(*f.delta > 0) {
		return branch.Options{}, usagef("%s: --epsilon and --delta must be > 0", cmd)
	}
	if *f.minPairs < 0 || *f.maxN < 0 {
		return branch.Options{}, usagef("%s: --min-pairs and --max-n must be ≥ 0", cmd)
	}
	return branch.Options{Lambda: lm, Difference: dm, Epsilon: *f.eps, Delta: *f.delta, RobustDelta: *f.robust,
		MinPairs: *f.minPairs, MaxN: *f.maxN}, nil
}

// finish writes the CSV, the optional ψ CSV and the summary.
func (f *branchResultFlags) finish(env *cmdEnv, acc *branch.Accumulator, opts branch.Options) error {
	res := acc.Result(opts)
	if res.Pairs == 0 {
		return fmt.Errorf("no pair with a non-empty answer on both sides (%d empty pairs)", res.EmptyPairs)
	}
	if err := branch.WriteCSV(env.stdout, res); err != nil {
		return err
	}
	if *f.psiCSV != "" {
		if err := outfile.WriteWith(*f.psiCSV, func(w io.Writer) error { return branch.WritePsiCSV(w, res.Psi) }); err != nil {
			return err
		}
	}
	if !*f.quiet {
		fmt.Fprint(env.stderr, res.Summary())
	}
	return nil
}

func runBranchEstimate(env *cmdEnv, args []string) error {
	fs := newFlags(env, "branch estimate", `branch estimate --states FILE.json|FILE.safetensors|DIR [flags]

Estimates the Section-3 curves from hidden states you computed elsewhere:
the final hidden states (after the final norm, before the LM head) at the
answer positions of each pair. Two formats (picked by --format, by default
from the name):

  JSON (FILE.json, - for stdin):
    {"pairs":[{"chosen":[[…D floats…],…],"rejected":[[…],…]},…]}
  safetensors (FILE.safetensors, a sharded folder, or its .index.json):
    one tensor pair per preference pair k, shape [L, D], dtype F32, F16,
    BF16 or F64:  pair.<k>.chosen  pair.<k>.rejected
    (e.g. pair.000123.chosen); pairs in increasing k; other tensors ignored.
    Reads in seconds where JSON text takes minutes to parse ("branch
    convert" rewrites a JSON file once).

Both are streamed: memory is bounded by one pair (one per worker for
safetensors) whatever the file size; the same values give the same output. Prints
CSV with the header n,pairs,E,E_std,g,r,dg (one row per n ≥ 1; g, r, dg
empty where undefined) and a summary (λ, thresholds, zero differences) on
stderr.`)
	states := fs.String("states", "", "hidden-states file: JSON (- for stdin) or safetensors (required)")
	workers := fs.Int("workers", 0, "safetensors: pairs computed at once, each holding one pair's states (0: min(GOMAXPROCS, 4))")
	format := fs.String("format", "auto", "states format: auto (safetensors for *.safetensors, *.safetensors.index.json and folders; JSON otherwise), json or safetensors")
	rf := addResultFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("branch estimate: unexpected argument %q", fs.Arg(0))
	}
	if *states == "" {
		return usagef("branch estimate: --states FILE is required")
	}
	opts, err := rf.options("branch estimate")
	if err != nil {
		return err
	}
	fmtName := *format
	switch fmtName {
	case "auto":
		fmtName = "json"
		if *states != "-" {
			fmtName = stfile.StatesFormat(*states)
		}
	case "json", "safetensors":
	default:
		return usagef("branch estimate: --format %q: want auto, json or safetensors", *format)
	}
	if err := checkFlags("branch estimate", check.Int("--workers", *workers, 0, check.MaxWorkers)); err != nil {
		return err
	}
	stfile.StatesWorkers = *workers
	if fmtName == "safetensors" && *states == "-" {
		return usagef("branch estimate: safetensors states cannot come from stdin")
	}
	var acc branch.Accumulator
	n := 0
	start := time.Now()
	last := start
	add := func(c branch.PairCurve) error {
		n++
		if now := time.Now(); !*rf.quiet && now.Sub(last) >= 2*time.Second {
			last = now
			fmt.Fprintf(env.stderr, "%d pairs read (%.1fs)\n", n, now.Sub(start).Seconds())
		}
		return acc.Add(c)
	}
	po := branch.PairOptions{Psi: *rf.psiCSV != ""}
	if fmtName == "safetensors" {
		err = stfile.ReadSafetensorsStates(*states, po, add)
	} else {
		r, name, closeIn, oerr := env.openInput(*states)
		if oerr != nil {
			return usagef("branch estimate: %v", oerr)
		}
		defer closeIn()
		err = branch.ReadStates(r, name, po, add)
	}
	if err != nil {
		return usagef("branch estimate: %v", err)
	}
	if n == 0 {
		return usagef("branch estimate: %s holds no pairs", *states)
	}
	return rf.finish(env, &acc, opts)
}

func runBranchConvert(env *cmdEnv, args []string) error {
	fs := newFlags(env, "branch convert", `branch convert --states FILE.json --out FILE.safetensors [--dtype F32]

Rewrites a hidden-states JSON file ({"pairs":[{"chosen":[[…]],"rejected":[[…]]},…]},
- for stdin) as safetensors, the binary format "branch estimate" reads in
seconds: pair k becomes the tensors pair.<k>.chosen and pair.<k>.rejected
(k zero-padded to 6 digits, e.g. pair.000123.chosen), shape [L, D]. The
conversion streams: memory stays bounded by a batch of rows whatever the
size of the input (the data goes through a temporary file next to --out).
F32 rounds each value to float32, as hidden states usually are; F64 keeps
every digit of the JSON text; BF16 and F16 halve the file again.`)
	states := fs.String("states", "", "hidden-states JSON file (required; - for stdin)")
	out := fs.String("out", "", "output .safetensors file (required)")
	dtype := fs.String("dtype", "F32", "element type of the output: F32, F64, BF16 or F16")
	quiet := fs.Bool("quiet", false, "no summary on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("branch convert: unexpected argument %q", fs.Arg(0))
	}
	if *states == "" || *out == "" {
		return usagef("branch convert: --states FILE and --out FILE are required")
	}
	switch *dtype {
	case "F32", "F64", "BF16", "F16":
	default:
		return usagef("branch convert: --dtype %q: want F32, F64, BF16 or F16", *dtype)
	}
	if samePath(*states, *out) {
		return usagef("branch convert: --out %s is the input --states file; write to another file", *out)
	}
	r, name, closeIn, err := env.openInput(*states)
	if err != nil {
		return usagef("branch convert: %v", err)
	}
	defer closeIn()
	start := time.Now()
	n, err := stfile.ConvertStates(r, name, *out, *dtype)
	if err != nil {
		return usagef("branch convert: %v", err)
	}
	if !*quiet {
		fmt.Fprintf(env.stderr, "wrote %d pairs to %s (%s, %.1fs)\n", n, *out, *dtype, time.Since(start).Seconds())
	}
	return nil
}

func runBranchMeasure(env *cmdEnv, args []string) error {
	fs := newFlags(env, "branch measure", `branch measure --model DIR|toy --pairs FILE|default [flags]

Runs the whole Section-3 measurement: each preference pair's chosen and
rejected conversations are built in the model's chat format, the model runs
once per sequence, and the final hidden states at the answer positions are
streamed into the estimator. --model toy is the small built-in deterministic
model (no checkpoint needed); a directory is a Llama-2 Hugging Face folder
(config.json, model.safetensors, tokenizer.model or --tokenizer). --pairs default uses the
pair set shipped with tokenscale; otherwise an Intel/orca_dpo_pairs JSONL
file (system/question/chosen/rejected, or the chat-messages layout). Output
as "branch estimate". --dump-states also saves the answer states in the
safetensors layout of "branch estimate", to recompute the curves later.`)
	modelDir := fs.String("model", "", "Llama-2 checkpoint folder, or toy (required)")
	pairsFile := fs.String("pairs", "", "preference pairs JSONL, or default (required)")
	maxPairs := fs.Int("max-pairs", 0, "use only the first K pairs (0: all)")
	maxAnswer := fs.Int("max-answer", branch.DefaultMaxAnswer, "compare at most this many answer tokens")
	cache := fs.String("cache", "", "directory of per-pair results; an interrupted run resumes from it")
	tokPath := fs.String("tokenizer", "", "SentencePiece tokenizer.model (default: DIR/tokenizer.model)")
	dump := fs.String("dump-states", "", "also write every pair's answer states to this .safetensors file (pair.<k>.chosen/rejected, F32), for \"branch estimate --states\"; every pair then runs the model")
	rf := addResultFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("branch measure: unexpected argument %q", fs.Arg(0))
	}
	if *modelDir == "" || *pairsFile == "" {
		return usagef("branch measure: --model and --pairs are required")
	}
	if *maxPairs < 0 || *maxAnswer < 1 {
		return usagef("branch measure: --max-pairs must be ≥ 0 and --max-answer ≥ 1")
	}
	opts, err := rf.options("branch measure")
	if err != nil {
		return err
	}
	var pairs []branch.Pair
	if *pairsFile == "default" {
		pairs = branch.DefaultPairs()
		if *maxPairs > 0 && len(pairs) > *maxPairs {
			pairs = pairs[:*maxPairs]
		}
	} else if pairs, err = branch.LoadPairs(*pairsFile, *maxPairs); err != nil {
		return usagef("branch measure: %v", err)
	}
	model, err := openSequenceModel(*modelDir, *tokPath)
	if err != nil {
		return usagef("branch measure: %v", err)
	}
	if c, ok := model.(io.Closer); ok {
		defer c.Close()
	}
	mo := branch.MeasureOptions{Pair: branch.PairOptions{Psi: *rf.psiCSV != ""}, MaxAnswer: *maxAnswer, CacheDir: *cache}
	start := time.Now()
	last := start
	if !*rf.quiet {
		// One line every 2 s and at the end, so logs stay readable.
		mo.Progress = func(done, total int, cached bool) {
			if now := time.Now(); now.Sub(last) >= 2*time.Second || done == total {
				last = now
				fmt.Fprintf(env.stderr, "%s: pair %d/%d (%.1fs)\n", model.Name(), done, total, now.Sub(start).Seconds())
			}
		}
	}
	var dumpW *stfile.StatesWriter
	if *dump != "" {
		w, err := stfile.CreateStates(*dump, "F32")
		if err != nil {
			return usagef("branch measure: %v", err)
		}
		defer w.Abort() // no-op once closed
		mo.Dump, dumpW = w, w
	}
	intr, stop := onInterrupt()
	defer stop()
	mo.Interrupt = intr
	acc, st, err := branch.Measure(model, pairs, mo)
	if errors.Is(err, branch.ErrInterrupted) {
		if *cache == "" {
			return fmt.Errorf("%w; rerun with --cache DIR to keep finished pairs across runs", err)
		}
		return fmt.Errorf("%w; the finished pairs are in %s: rerun the same command to continue", err, *cache)
	}
	if err != nil {
		return err
	}
	if dumpW != nil {
		if err := dumpW.Close(); err != nil {
			return err
		}
	}
	if !*rf.quiet {
		fmt.Fprintf(env.stderr, "pairs: %d computed, %d from the cache, %d with an empty answer\n", st.Computed, st.Cached, st.Empty)
	}
	return rf.finish(env, acc, opts)
}

// openSequenceModel opens the model of "branch measure": "toy" is the
// built-in model; anything else is a checkpoint folder.
func openSequenceModel(spec, tokenizer string) (branch.SequenceModel, error) {
	if spec == "toy" {
		return branch.NewToyModel(), nil
	}
	st, err := os.Stat(spec)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("model: %s is not a directory (want a Llama-2 checkpoint folder, or toy)", spec)
	}
	return openLlamaSequenceModel(spec, tokenizer)
}
