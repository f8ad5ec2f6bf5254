package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tokenscale/tokenscale/lib/memplan"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// Ranges of the train plan flags.
const (
	planMaxBatch    = 4096
	planMaxHD       = 64
	planMaxTokens   = 1 << 16
	planMaxQueries  = 4096
	planDefaultText = 512
	planDefaultQ    = 32
)

func runTrainPlan(env *cmdEnv, args []string) error {
	fs := newFlags(env, "train plan",
		"train plan [--size paper|toy | --config config.json] --batch B [--hd 9] [--checkpointing] [--dtype f32|bf16]")
	size := fs.String("size", "paper", "model sizes: paper (CLIP ViT-L/14-336, 20-layer fusion, Llama-2-7B) or toy (vlm.ToyConfig)")
	cfgPath := fs.String("config", "", "a model's config.json instead of --size")
	batch := fs.Int("batch", 5, fmt.Sprintf("examples per micro-batch, 1…%d (the paper: 5)", planMaxBatch))
	hd := fs.Int("hd", 9, fmt.Sprintf("crop budget: the image gives hd+1 views, 0…%d (the paper: HD-9)", planMaxHD))
	n := fs.Int("n", 0, fmt.Sprintf("N, the learnable queries, 1…%d (0: the configuration's)", planMaxQueries))
	question := fs.Int("question", planDefaultQ, fmt.Sprintf("question tokens on the fusion side, 0…%d", planMaxTokens))
	text := fs.Int("text", planDefaultText, fmt.Sprintf("LLM text tokens besides the N fused ones (chat template, question, answer), 0…%d", planMaxTokens))
	ckpt := fs.Bool("checkpointing", false, "gradient checkpointing in every CLIP, fusion and LLM layer")
	dtype := fs.String("dtype", "f32", "activations and frozen LLM weights: f32 or bf16 (trained weights and optimizer state stay float32)")
	parts := fs.String("train", strings.Join(vlm.Parts, ","), "trained modules (some of "+strings.Join(vlm.Parts, ", ")+"); the LLM is frozen")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("train plan: unexpected argument %q", fs.Arg(0))
	}
	var cfg vlm.Config
	switch {
	case *cfgPath != "":
		c, err := vlm.ReadConfig(*cfgPath)
		if err != nil {
			return err
		}
		cfg = c
	case *size == "paper":
		cfg = vlm.PaperConfig()
	case *size == "toy":
		cfg = vlm.ToyConfig(4)
	default:
		return usagef("train plan: --size %q: want paper or toy", *size)
	}
	switch {
	case *batch < 1 || *batch > planMaxBatch:
		return usagef("train plan: --batch %d: want 1…%d", *batch, planMaxBatch)
	case *hd < 0 || *hd > planMaxHD:
		return usagef("train plan: --hd %d: want 0…%d", *hd, planMaxHD)
	case *n < 0 || *n > planMaxQueries:
		return usagef("train plan: --n %d: want 1…%d (0: the configuration's)", *n, planMaxQueries)
	case *question < 0 || *question > planMaxTokens:
		return usagef("train plan: --question %d: want 0…%d", *question, planMaxTokens)
	case *text < 0 || *text > planMaxTokens:
		return usagef("train plan: --text %d: want 0…%d", *text, planMaxTokens)
	}
	act := map[string]int{"f32": 4, "float32": 4, "bf16": 2, "bfloat16": 2}[*dtype]
	if act == 0 {
		return usagef("train plan: --dtype %q: want f32 or bf16", *dtype)
	}
	if *n > 0 {
		cfg.N = *n
		cfg.M = min(cfg.M, *n)
		cfg.Fusion.MaxPlaceholders = max(cfg.Fusion.MaxPlaceholders, *n-1)
	}
	var train []string
	for _, p := range strings.Split(*parts, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(train, p) {
			train = append(train, p)
		}
	}
	opt := memplan.Options{Shape: memplan.Shape{Batch: *batch, Views: *hd + 1, Question: *question, Text: *text},
		Train: train, GradientCheckpointing: *ckpt, ActBytes: act}
	plan, err := memplan.Estimate(cfg, opt)
	if err != nil {
		return usagef("train plan: %v", err)
	}
	other := opt
	other.GradientCheckpointing = !*ckpt
	alt, err := memplan.Estimate(cfg, other)
	if err != nil {
		return err
	}
	pc := cfg.Params()
	w := env.stdout
	fmt.Fprintf(w, "training step memory (GiB), one micro-batch: batch %d, %d views, fusion sequence %d, LLM sequence %d (N %d), %s activations, checkpointing %v\n",
		*batch, *hd+1, plan.FusionLen, plan.LLMLen, cfg.N, *dtype, *ckpt)
	fmt.Fprintf(w, "parameters: %.3fB trained (%s), %.3fB frozen LLM\n\n",
		float64(trainedParams(pc, train))/1e9, strings.Join(train, ", "), float64(pc.LLM)/1e9)
	if err := plan.Write(w); err != nil {
		return err
	}
	word := "with"
	if *ckpt {
		word = "without"
	}
	fmt.Fprintf(w, "\nactivations %s checkpointing: %.3f GiB (total %.3f GiB)\n", word,
		float64(alt.Sum("activations", ""))/(1<<30), float64(alt.Total())/(1<<30))
	fmt.Fprintln(w, "not included: the runtime's own memory (CUDA context, compiled code, workspaces) and fragmentation; keep 10–20% free")
	return nil
}

// trainedParams adds the parameters of the trained parts.
func trainedParams(pc vlm.ParamCount, train []string) int64 {
	by := map[string]int64{"vision": pc.Vision, "merge": pc.Merge, "fusion": pc.Fusion, "projection": pc.Projection}
	var s int64
	for _, p := range train {
		s += by[p]
	}
	return s
}
