// Command toystep times one training step (forward, backward and AdamW) of
// the toy VLM as `tokenscale train toy` trains it: vlm.ToyConfig(n) over the
// toy world of vlm.NewToy (random tiny CLIP and Llama, 64 toy records),
// trained by lib/train with train.ToyOptions (stage 2: vision, merge, fusion
// and projection trained, the LLM frozen; batch 8 padded to T 24, L 32, as
// train.ToyRun) with the command's default N = 4.
// It runs on the backend GOMLX_BACKEND names, the pure-Go one by default.
// Its PyTorch twin is bench/toystep/toystep_torch.py, built at the sizes
// this program prints; bench/cpu_bench.py runs both side by side for
// `make bench`.
//
// It prints "key value" lines: the sizes, params (the parameters of the
// modules the step uses), trainable (those AdamW updates), flops (2 × the
// multiply-adds of one step, counted from the configuration as 3 × the
// forward) and step_s, the median seconds of one step over --steps steps
// after two warm-up steps (the first compiles).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

func main() {
	n := flag.Int("n", 4, "queries N of the toy model (tokenscale train toy's default)")
	batch := flag.Int("batch", 8, "examples per step (train.ToyOptions')")
	steps := flag.Int("steps", 10, "timed steps (median)")
	prof := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file (use many --steps)")
	flag.Parse()
	if *prof != "" {
		stop, err := startProfile(*prof)
		if err != nil {
			fmt.Fprintln(os.Stderr, "toystep: --cpuprofile:", err)
			os.Exit(1)
		}
		defer stop()
	}
	if err := run(os.Stdout, *n, *batch, *steps); err != nil {
		fmt.Fprintln(os.Stderr, "toystep:", err)
		os.Exit(1) //nolint:gocritic // the profile of a failed run is not wanted
	}
}

// startProfile starts a CPU profile into path and returns what stops it.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// sizes is what the PyTorch twin needs to build the same model.
type sizes struct {
	batch, t, l, n, views, image, patch, vision, visionInter, visionLayers, visionHeads int
	fusionHidden, fusionInter, fusionLayers, fusionHeads, fusionRows                    int
	llmHidden, llmInter, llmLayers, llmHeads, vocab                                     int
}

func run(w io.Writer, n, batch, steps int) error {
	if n < 1 || n > 8 || batch < 1 || batch > 64 || steps < 1 {
		return fmt.Errorf("--n must be in [1, 8], --batch in [1, 64] and --steps ≥ 1 (got %d, %d, %d)", n, batch, steps)
	}
	dir, err := os.MkdirTemp("", "tokenscale-toystep-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := vlm.ToyConfig(n)
	m, ex, _, err := vlm.NewToy(dir, cfg, 64)
	if err != nil {
		return err
	}
	defer m.Close()
	opt := train.ToyOptions(steps + 2)
	opt.BatchSize = batch
	opt.Pad.F = max(opt.Pad.F, opt.Pad.F*batch/8) // fused rows grow with the batch
	tr, err := train.NewTrainer(m, ex, opt)
	if err != nil {
		return err
	}
	c := m.Config
	s := sizes{batch: opt.BatchSize, t: opt.Pad.T, l: opt.Pad.L, n: c.N, views: opt.Pad.Views,
		image: c.Vision.ImageSize, patch: c.Vision.PatchSize, vision: c.Vision.Hidden, visionInter: c.Vision.Intermediate,
		visionLayers: c.Vision.Layers, visionHeads: c.Vision.Heads,
		fusionHidden: c.Fusion.Hidden, fusionInter: c.Fusion.Intermediate, fusionLayers: c.Fusion.Layers,
		fusionHeads: c.Fusion.Heads, fusionRows: c.Fusion.Vocab + c.Fusion.MaxPlaceholders,
		llmHidden: c.LLM.Hidden, llmInter: c.LLM.Intermediate, llmLayers: c.LLM.Layers, llmHeads: c.LLM.Heads, vocab: c.LLM.Vocab}
	fmt.Fprintf(w, "# GoMLX lib/train toy VLM step (vlm.ToyConfig(%d), train.ToyOptions)\n", n)
	fmt.Fprintf(w, "impl gomlx\nbatch %d\nt %d\nl %d\nn %d\nviews %d\nimage %d\npatch %d\nvision %d\nvision_inter %d\nvision_layers %d\nvision_heads %d\n",
		s.batch, s.t, s.l, s.n, s.views, s.image, s.patch, s.vision, s.visionInter, s.visionLayers, s.visionHeads)
	fmt.Fprintf(w, "fusion_hidden %d\nfusion_inter %d\nfusion_layers %d\nfusion_heads %d\nfusion_rows %d\nllm_hidden %d\nllm_inter %d\nllm_layers %d\nllm_heads %d\nvocab %d\nflops %g\n",
		s.fusionHidden, s.fusionInter, s.fusionLayers, s.fusionHeads, s.fusionRows, s.llmHidden, s.llmInter, s.llmLayers, s.llmHeads, s.vocab, stepFlops(s))
	for range 2 { // compile, then one more
		if _, err := tr.TrainStep(); err != nil {
			return err
		}
	}
	ts := make([]float64, steps)
	for i := range ts {
		t := time.Now()
		if _, err := tr.TrainStep(); err != nil {
			return err
		}
		ts[i] = time.Since(t).Seconds()
	}
	slices.Sort(ts)
	params, trainable := countParams(m)
	fmt.Fprintf(w, "params %d\ntrainable %d\nstep_s %.6f\nstep_min_s %.6f\n", params, trainable, ts[steps/2], ts[0])
	return nil
}

// countParams sums the sizes of the model's variables of the modules a
// stage-2 step uses (vision, merge, fusion, projection, llm; not the CLIP
// text tower, not optimizer state) and of those it trains.
func countParams(m *vlm.Model) (params, trainable int) {
	for v := range m.Store.IterVariables() {
		switch vlm.PartOf(v.Path()) {
		case "vision", "merge", "fusion", "projection", "llm":
			params += v.Shape().Size()
			if v.Trainable {
				trainable += v.Shape().Size()
			}
		}
	}
	return params, trainable
}

// stepFlops is 3 × the forward's 2 × multiply-adds (dense layers, the
// attention products over the full square, the merge convolution and the
// LLM head at every position) for a batch.
func stepFlops(s sizes) float64 {
	f := func(x int) float64 { return float64(x) }
	grid := s.image / s.patch
	tv := f(grid*grid + 1)
	views := f(s.batch * s.views)
	// decoder is the dense layers (q, k, v, o, the MLP) and the attention
	// products of layers layers over seq positions.
	decoder := func(seq, width, inter float64, layers int) float64 {
		return f(layers) * (2*seq*(4*width*width+3*width*inter) + 4*seq*seq*width)
	}
	vision := 2*f(grid*grid)*f(3*s.patch*s.patch)*f(s.vision) + decoder(tv, f(s.vision), f(s.visionInter), s.visionLayers)
	merge := 2 * f(grid*grid/4) * f(9*s.vision*s.vision)
	fwd := views*(vision+merge) + f(s.batch)*decoder(f(s.t), f(s.fusionHidden), f(s.fusionInter), s.fusionLayers)
	fwd += 2 * f(s.batch*s.n) * f(s.fusionHidden*s.llmHidden) // projection (queries of the first question)
	fwd += f(s.batch) * (decoder(f(s.l), f(s.llmHidden), f(s.llmInter), s.llmLayers) + 2*f(s.l)*f(s.llmHidden*s.vocab))
	return 3 * fwd
}
