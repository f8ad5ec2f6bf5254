package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

func init() {
	register(&command{
		name:    "train",
		summary: "App. C: train the fusion model (toy: build a tiny model and data by code and train it | run: train a model folder on chat JSONL | plan: the memory a training step needs)",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "train", map[string]func(*cmdEnv, []string) error{
				"toy":  runTrainToy,
				"run":  runTrainRun,
				"plan": runTrainPlan,
			}, args)
		},
	})
}

// trainFlags are the optimisation flags shared by both subcommands.
type trainFlags struct {
	steps, batch, accum, saveEvery *int
	lr, warmup, wd, clip           *float64
	parts, mode, logPath, identity *string
	maskOutliers, checkpointing    *bool
	textPos                        *int
	seed                           *uint64
	quiet, overwrite               *bool
}

func addTrainFlags(fs *flag.FlagSet, defSteps, defBatch int, defLR float64) *trainFlags {
	return &trainFlags{
		steps:        fs.Int("steps", defSteps, "optimizer steps"),
		batch:        fs.Int("batch", defBatch, "examples per micro-batch"),
		accum:        fs.Int("accum", 1, "micro-batches per optimizer step (gradient accumulation)"),
		saveEvery:    fs.Int("save-every", 50, "checkpoint every this many steps (and at the end)"),
		lr:           fs.Float64("lr", defLR, "peak learning rate (the paper: 2e-5)"),
		warmup:       fs.Float64("warmup", 0.03, "warm-up ratio of the cosine schedule (the paper: 0.03 for stages 2–3)"),
		wd:           fs.Float64("weight-decay", 0, "AdamW weight decay"),
		clip:         fs.Float64("clip", 1, "clip the global gradient norm at this value (0: off)"),
		parts:        fs.String("train", "", "modules to train (default: vision,merge,fusion,projection; stage 1: vision,merge,fusion,text as in App. C); the LLM is always frozen"),
		identity:     fs.String("identity", "code", "stage 1: rows of the identity loss: code (placeholders + eos, the authors' code) or paper (placeholders only, Eq. 19)"),
		maskOutliers: fs.Bool("mask-outliers", true, "stage 1: zero text-embedding entries outside mean ± 1 std (the authors' code)"),
		textPos:      fs.Int("text-positions", train.PaperTextPositions, "stage 1: grow the CLIP text tower's position table to this many rows (the paper: 512; 0 keeps it)"),
		mode:         fs.String("mode", "", "input configuration: vqq (question fused), vq or vq-ft (question dropped); empty keeps the model's"),
		logPath:      fs.String("log", "", "append per-step loss/grad-norm/lr JSONL here (default <out>/log.jsonl)"),
		seed:         fs.Uint64("seed", 1, "data-order seed"),
		quiet:        fs.Bool("quiet", false, "no progress bar"),
		overwrite:    fs.Bool("overwrite", false, "start a new run in an --out folder that already holds one (its checkpoints and log are removed)"),
		checkpointing: fs.Bool("checkpointing", false,
			"gradient checkpointing: recompute every layer's inside in the backward pass (less activation memory, about one more forward)"),
	}
}

func (f *trainFlags) options(stage int) (train.Options, error) {
	var parts []string
	for _, p := range strings.Split(*f.parts, ",") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		parts = vlm.Parts
		if stage == 1 {
			parts = train.Stage1Parts
		}
	}
	idr, err := train.ParseIdentityRows(*f.identity)
	if err != nil {
		return train.Options{}, usagef("train: --identity: %v", err)
	}
	if stage < 1 || stage > 3 {
		return train.Options{}, usagef("train: --stage %d: want 1, 2 or 3", stage)
	}
	o := train.Options{Stage: stage, Steps: *f.steps, BatchSize: *f.batch, Accum: *f.accum, LR: *f.lr,
		WarmupRatio: *f.warmup, WeightDecay: *f.wd, ClipNorm: *f.clip, Train: parts, Seed: *f.seed,
		Identity: idr, MaskOutliers: *f.maskOutliers, GradientCheckpointing: *f.checkpointing}
	if stage == 1 {
		o.TextPositions = *f.textPos
	}
	// The CLIP text tower's position table grows to --text-positions rows
	// (the paper: 512); 8192 keeps it far beyond any record.
	if err := checkFlags("train",
		check.Int("--steps", *f.steps, 1, 100_000_000), check.Int("--batch", *f.batch, 1, 4096),
		check.Int("--accum", *f.accum, 1, 1024), check.Int("--save-every", *f.saveEvery, 0, 100_000_000),
		check.Positive("--lr", *f.lr), check.Float("--lr", *f.lr, 0, 10),
		check.Float("--warmup", *f.warmup, 0, 1), check.Float("--weight-decay", *f.wd, 0, 10),
		check.Float("--clip", *f.clip, 0, 1e6), check.Int("--text-positions", *f.textPos, 0, 8192)); err != nil {
		return o, err
	}
	if err := o.Validate(); err != nil {
		return o, usagef("%v", err)
	}
	return o, nil
}

func encodeAll(cfg vlm.Config, recs []vlm.Record) ([]vlm.Example, error) {
	out := make([]vlm.Example, 0, len(recs))
	for _, r := range recs {
		e, err := cfg.Encode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// fixedShapes pads every batch to the data set's maxima, so one compiled
// graph serves the whole run.
func fixedShapes(cfg vlm.Config, ex []vlm.Example, mode fusion.Mode, batch int) (vlm.Shapes, error) {
	var s vlm.Shapes
	for _, e := range ex {
		in, err := cfg.MakeInputs([]vlm.Example{e}, mode, vlm.Shapes{})
		if err != nil {
			return s, err
		}
		s.Views = max(s.Views, in.Shapes.Views)
		s.T = max(s.T, in.Shapes.T)
		s.L = max(s.L, in.Shapes.L)
		s.F = max(s.F, in.Shapes.F)
	}
	s.F *= batch // fused rows of a whole batch
	return s, nil
}

// runTraining runs tr to its last step; on SIGINT/SIGTERM the step in
// progress is finished and checkpointed, and the error says how to resume
// (cmd is the subcommand, "train toy" or "train run").
func runTraining(env *cmdEnv, cmd string, f *trainFlags, tr *train.Trainer, out string) error {
	logPath := *f.logPath
	if logPath == "" {
		logPath = filepath.Join(out, "log.jsonl")
	}
	var progress = env.stderr
	if *f.quiet {
		progress = nil
	}
	intr, stop := onInterrupt()
	defer stop()
	tr.Interrupt = intr
	if err := tr.Run(progress, logPath, filepath.Join(out, "ck"), *f.saveEvery); err != nil {
		if errors.Is(err, train.ErrInterrupted) {
			return fmt.Errorf("%s: %w; checkpoint %s saved; continue with: tokenscale %s --out %s --resume (and the same other flags)",
				cmd, err, filepath.Join(out, "ck", fmt.Sprintf("step-%06d", tr.Step)), cmd, out)
		}
		return err
	}
	if n := len(tr.Log); n > 0 {
		first, last := tr.Log[0], tr.Log[n-1]
		fmt.Fprintf(env.stdout, "steps %d→%d  loss %.4f → %.4f  (log %s, checkpoint %s)\n",
			first.Step-1, last.Step, first.Loss, last.Loss, logPath, filepath.Join(out, "ck"))
	}
	return nil
}

func runTrainToy(env *cmdEnv, args []string) error {
	fs := newFlags(env, "train toy", "train toy --out DIR [--n N] [--examples K] [--resume] [training flags]")
	out := fs.String("out", "", "folder for the random CLIP and Llama, the data, the checkpoints and the log (required)")
	n := fs.Int("n", 4, "N, the number of learnable queries of the first question (M = 8 for N ≥ 8, else N)")
	examples := fs.Int("examples", 256, "toy records to generate")
	resume := fs.Bool("resume", false, "continue from <out>/ck/latest")
	stage := fs.Int("stage", 2, "training stage: 1 (contrastive + identity), 2 or 3 (generation loss)")
	f := addTrainFlags(fs, 200, 16, 3e-3)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("train toy: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		return usagef("train toy: --out is required")
	}
	if *n < 1 || *n > 64 {
		return usagef("train toy: --n %d: want 1…64", *n)
	}
	opt, err := f.options(*stage)
	if err != nil {
		return err
	}
	if *resume && *f.overwrite {
		return usagef("train toy: --resume and --overwrite exclude each other")
	}
	if !*resume {
		if err := checkRunFolder("train toy", *out, *f.logPath, *f.overwrite); err != nil {
			return err
		}
	}
	var tr *train.Trainer
	if *resume {
		cfgPath, err := train.Latest(filepath.Join(*out, "ck"))
		if err != nil {
			return err
		}
		if tr, err = train.ResumeFile(filepath.Join(*out, "ck"), filepath.Join(*out, "data", "train.jsonl")); err != nil {
			return err
		}
		fmt.Fprintf(env.stderr, "resuming %s at step %d\n", cfgPath, tr.Step)
	} else {
		cfg := vlm.ToyConfig(*n)
		if *f.mode != "" {
			if _, err := fusion.ParseMode(*f.mode); err != nil {
				return usagef("train toy: --mode: %v", err)
			}
			cfg.Mode = *f.mode
		}
		m, ex, _, err := vlm.NewToy(*out, cfg, *examples)
		if err != nil {
			return err
		}
		cfg = m.Config
		if opt.Pad, err = fixedShapes(cfg, ex, cfg.FusionMode(), opt.BatchSize); err != nil {
			m.Close()
			return err
		}
		if tr, err = train.NewTrainer(m, ex, opt); err != nil {
			return err
		}
		p := cfg.Params()
		fmt.Fprintf(env.stderr, "toy model: %d parameters (%d trainable, LLM %d frozen), N=%d M=%d, %d examples\n",
			p.Total(), p.Trainable(), p.LLM, cfg.N, cfg.M, len(ex))
	}
	defer tr.Model.Close()
	if err := runTraining(env, "train toy", f, tr, *out); err != nil {
		return err
	}
	// Exact-match accuracy by teacher forcing on the training records.
	res, err := tr.Model.AnswersCorrect(tr.Examples, tr.Opt.BatchSize, tr.Opt.Pad)
	if err != nil {
		return err
	}
	right, total := 0, 0
	for _, r := range res {
		for _, ok := range r {
			total++
			if ok {
				right++
			}
		}
	}
	fmt.Fprintf(env.stdout, "answers exactly right (teacher forcing, training records): %d/%d\n", right, total)
	return nil
}

func runTrainRun(env *cmdEnv, args []string) error {
	fs := newFlags(env, "train run", "train run --model DIR --data FILE.jsonl --out DIR [--stage 2|3] [--resume] [training flags]")
	modelDir := fs.String("model", "", "model checkpoint folder (config.json + model.safetensors) to start from")
	dataPath := fs.String("data", "", "chat-record JSONL: {\"image\": path, \"messages\": [{\"role\", \"content\"}, …]}")
	out := fs.String("out", "", "output folder (checkpoints in <out>/ck, log in <out>/log.jsonl)")
	stage := fs.Int("stage", 2, "training stage: 1 (contrastive + identity, Eq. 19), 2 (full data) or 3 (per-configuration fine-tuning; Eq. 20)")
	resume := fs.Bool("resume", false, "continue from <out>/ck/latest")
	n := fs.Int("n", 0, "stage 3: fine-tune with N queries (M by the paper's rule; default: the model's N)")
	fraction := fs.Float64("fraction", 1, "train on this random share of the records (stage 3 in the paper: 0.1)")
	f := addTrainFlags(fs, 100, 5, 2e-5)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("train run: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" || *dataPath == "" || (*modelDir == "" && !*resume) {
		return usagef("train run: --model (or --resume), --data and --out are required")
	}
	if !(*fraction > 0 && *fraction <= 1) {
		return usagef("train run: --fraction %g: want (0, 1]", *fraction)
	}
	if *resume && *f.overwrite {
		return usagef("train run: --resume and --overwrite exclude each other")
	}
	if err := checkFlags("train run", check.Int("--n", *n, 0, 768)); err != nil {
		return err
	}
	if _, err := f.options(*stage); err != nil { // flags checked before any loading
		return err
	}
	if !*resume {
		if err := checkRunFolder("train run", *out, *f.logPath, *f.overwrite); err != nil {
			return err
		}
	}
	recs, err := vlm.ReadRecords(*dataPath)
	if err != nil {
		return err
	}
	recs = vlm.Subset(recs, *fraction, *f.seed)
	var tr *train.Trainer
	if *resume {
		latest, err := train.Latest(filepath.Join(*out, "ck"))
		if err != nil {
			return err
		}
		cfg, err := vlm.ReadConfig(filepath.Join(latest, vlm.ConfigFile))
		if err != nil {
			return err
		}
		ex, err := encodeAll(cfg, recs)
		if err != nil {
			return err
		}
		if tr, err = train.Resume(filepath.Join(*out, "ck"), ex); err != nil {
			return err
		}
	} else {
		m, err := vlm.Load(*modelDir)
		if err != nil {
			return err
		}
		if *f.mode != "" {
			if _, err := fusion.ParseMode(*f.mode); err != nil {
				return usagef("train run: --mode: %v", err)
			}
			m.Config.Mode = *f.mode
		}
		if *n > 0 {
			if *n-1 > m.Config.Fusion.MaxPlaceholders {
				return usagef("train run: --n %d needs %d placeholder rows, the model has %d", *n, *n-1, m.Config.Fusion.MaxPlaceholders)
			}
			m.Config.N, m.Config.M = *n, fusion.MForN(*n)
		}
		opt, err := f.options(*stage)
		if err != nil {
			return err
		}
		ex, err := encodeAll(m.Config, recs)
		if err != nil {
			return err
		}
		if opt.Pad, err = fixedShapes(m.Config, ex, m.Config.FusionMode(), opt.BatchSize); err != nil {
			return err
		}
		if tr, err = train.NewTrainer(m, ex, opt); err != nil {
			return err
		}
	}
	defer tr.Model.Close()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	return runTraining(env, "train run", f, tr, *out)
}
