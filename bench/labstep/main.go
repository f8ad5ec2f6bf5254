// Command labstep times one training step (forward, backward and AdamW) of
// the scaling lab's model (lib/lab: DefaultModel on LabTask, batch 64) on the
// backend GOMLX_BACKEND names, the pure-Go one by default. Its PyTorch twin
// is bench/labstep/labstep_torch.py, which builds the same layers at the
// sizes this program prints; bench/cpu_bench.py runs both side by side for
// `make bench`.
//
// It prints "key value" lines: the sizes, flops (2 × the multiply-adds of
// one step, counted from the configuration as 3 × the forward: the backward
// costs about twice the forward) and step_s, the median seconds of one step
// over --steps steps after two warm-up steps (the first compiles).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

func main() {
	n := flag.Int("n", 8, "fused tokens N")
	steps := flag.Int("steps", 10, "timed steps (median)")
	flag.Parse()
	if err := run(os.Stdout, *n, *steps); err != nil {
		fmt.Fprintln(os.Stderr, "labstep:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, n, steps int) error {
	if n < 1 || n > 64 || steps < 1 {
		return fmt.Errorf("--n must be in [1, 64] and --steps ≥ 1 (got %d, %d)", n, steps)
	}
	task, mc, tc := labtask.LabTask(), lab.DefaultModel(), lab.DefaultTrain()
	// The PyTorch twin builds the learned patch MLP and a plain bottleneck:
	// the same here, so the two run the same layers (the lab's fixed
	// mean-colour encoder and channel noise are a few cheap element-wise ops).
	mc.MeanColour, mc.ChannelNoise = false, 0
	samples, err := labtask.Generate(task, 256, 1)
	if err != nil {
		return err
	}
	tok := labtask.NewTokenizer()
	q := lab.MaxQuestionTokens(task)
	items, err := lab.Encode(samples, tok, q)
	if err != nil {
		return err
	}
	m, err := lab.NewModel(task, mc, n, 1, nil, tc)
	if err != nil {
		return err
	}
	v := mc.VisionTokens(task)
	patch := mc.Patch
	if patch == 0 { // one patch per grid cell
		patch = task.ImageSize / task.Grid
	}
	vocab := tok.Size()
	fmt.Fprintf(w, "# GoMLX lib/lab training step (DefaultModel, LabTask)\n")
	fmt.Fprintf(w, "impl gomlx\nbatch %d\nn %d\nimage %d\npatch %d\nvision %d\nquestion %d\nvocab %d\nhidden %d\nfusion_layers %d\nllm_layers %d\nheads %d\nllm_hidden %d\ntoken_width %d\nflops %g\n",
		tc.Batch, n, task.ImageSize, patch, v, q, vocab, mc.Hidden, mc.FusionLayers, mc.LLMLayers, mc.Heads, mc.LLMHidden, mc.TokenWidth,
		stepFlops(mc, tc.Batch, n, patch, v, q, vocab))
	step := func() error {
		_, err := m.Train(items, fusion.VisionQuestionQueries, []int{n}, 1, tc.Batch, tc.LR, 1, nil)
		return err
	}
	for range 2 { // compile, then one more
		if err := step(); err != nil {
			return err
		}
	}
	ts := make([]float64, steps)
	for i := range ts {
		t := time.Now()
		if err := step(); err != nil {
			return err
		}
		ts[i] = time.Since(t).Seconds()
	}
	slices.Sort(ts)
	fmt.Fprintf(w, "params %d\nstep_s %.6f\nstep_min_s %.6f\n", m.NumParams(), ts[steps/2], ts[0])
	return nil
}

// stepFlops is 3 × the forward's 2 × multiply-adds (dense layers and the
// attention products over the full square) for a batch.
func stepFlops(mc lab.ModelConfig, batch, n, patch, v, q, vocab int) float64 {
	h, d := float64(mc.Hidden), float64(mc.LLMHidden)
	t := float64(v + q + n)
	l := float64(1 + n + q + 1)
	decoder := func(seq, width float64, layers int) float64 {
		return float64(layers) * (2*seq*(4*width*width+3*width*2*width) + 4*seq*seq*width)
	}
	width := h
	if mc.TokenWidth > 0 {
		width = float64(mc.TokenWidth)
	}
	fwd := 2*float64(v)*(float64(patch*patch*3)*h+h*h) + decoder(t, h, mc.FusionLayers)
	if mc.TokenWidth > 0 {
		fwd += 2 * float64(n) * h * width
	}
	fwd += 2*float64(n)*width*d + decoder(l, d, mc.LLMLayers) + 2*d*float64(vocab)
	return 3 * float64(batch) * fwd
}
