package main

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/vision"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// modelForwardUsage is the help of "model forward", with the paper-size run
// measured on this project's 2-core, 23 GB machine.
const modelForwardUsage = `model forward [--size toy|paper] [--n N] [--seed S] [--image FILE] [--dtype bfloat16|float32]

One forward pass of the whole model of Figure 5 from configuration alone
(random weights): one image as a single global view (HD off) and one
question, through CLIP → merge → fusion → projection → the frozen LLM, on
the backend GOMLX_BACKEND names (the pure-Go one by default). It prints the
wall time of each stage, the parameter count, the peak resident memory, the
logits' shape and the top-5 next-token ids at the answer position (the
last position of "<s>[INST] QED×N question [/INST]"). The ids mean nothing
with random weights; the command shows that the paper-size model builds and
runs, and what it costs.

--size toy runs in well under a second. --size paper is CLIP ViT-L/14-336,
the 20-layer fusion decoder and Llama-2-7B held in bfloat16 (13.5 GB;
float32 would need 27 GB): 7.44B parameters. The LLM's 6.74B random
weights are drawn in Go after the vision and fusion weights are freed, so
the peak is the LLM's weights plus a little. Measured once (2026-11-25,
pure-Go backend, 2 shared x86-64 cores, load average 1.3-2.0, N = 8, the
synthetic scene, L = 22 LLM tokens): LLM weights 83 s, vision 76 s
(with CLIP's random initialisation and compilation), fusion 34 s,
projection 0.3 s, Llama-2-7B 166 s; 6 min in all, peak RSS 13.3 GB.

The paper-size question is "What is in the image?" with built-in token ids
(no tokenizer files needed); the toy model asks "what colour is the
square?" in its words. Without --image the picture is a synthetic scene.`

func runModelForward(env *cmdEnv, args []string) error {
	fs := newFlags(env, "model forward", modelForwardUsage)
	size := fs.String("size", "toy", "toy (under a second) or paper (CLIP ViT-L/14-336, 20-layer fusion, Llama-2-7B: 6 min and 13.3 GB peak on 2 cores)")
	n := fs.Int("n", 8, "N, the queries of the question (fused tokens)")
	seed := fs.Int64("seed", 1, "seed of the random weights")
	imagePath := fs.String("image", "", "a PNG or JPEG file (default: a synthetic scene)")
	dtype := fs.String("dtype", vlm.LLMBFloat16, "dtype the LLM is held and computed in: bfloat16 or float32 (CLIP, fusion and projection are always float32; a float32 Llama-2-7B needs 27 GB)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("model forward: unexpected argument %q", fs.Arg(0))
	}
	if err := checkFlags("model forward", check.Int("--n", *n, 1, 768)); err != nil {
		return err
	}
	if *dtype != vlm.LLMBFloat16 && *dtype != vlm.LLMFloat32 {
		return usagef("model forward: --dtype %q: want bfloat16 or float32", *dtype)
	}
	if *size != "toy" && *size != "paper" {
		return usagef("model forward: --size %q: want toy or paper", *size)
	}
	c, err := modelConfig(*size, "", *n, 0)
	if err != nil {
		return err
	}
	c.HD = 0
	c.LLM.DType = *dtype
	img, imgName, err := forwardImage(*imagePath)
	if err != nil {
		return err
	}
	ex, err := c.ImageExample(img)
	if err != nil {
		return fmt.Errorf("model forward: %w", err)
	}
	in, err := c.MakeInputs([]vlm.Example{ex}, c.FusionMode(), vlm.Shapes{})
	if err != nil {
		return fmt.Errorf("model forward: %w", err)
	}
	m, err := vlm.New(c, *seed)
	if err != nil {
		return fmt.Errorf("model forward: %w", err)
	}
	defer m.Close()

	r := forwardReport{size: *size, dtype: *dtype, seed: *seed, imgName: imgName, c: c, in: in}
	start := time.Now()
	r.out, r.weightsWall, err = forwardLogged(env, m, c, in, *dtype, *seed)
	if err != nil {
		return fmt.Errorf("model forward: %w", err)
	}
	r.total = time.Since(start)
	defer r.out.Logits.FinalizeAll()
	r.write(env.stdout)
	return nil
}

// forwardImage decodes the image file at path, or draws the synthetic
// scene when path is empty, and names it for the report.
func forwardImage(path string) (image.Image, string, error) {
	if path == "" {
		return vision.Scene(640, 480), "synthetic scene 640×480", nil
	}
	img, err := vision.Load(path)
	if err != nil {
		return nil, "", fmt.Errorf("model forward: %w", err)
	}
	b := img.Bounds()
	return img, fmt.Sprintf("%s %d×%d", path, b.Dx(), b.Dy()), nil
}

// forwardLogged runs the forward pass stage by stage, releasing each
// stage's weights, drawing the LLM's random weights just before the LLM
// stage, and logs the progress to stderr. It returns the output and the
// time spent drawing the LLM weights.
func forwardLogged(env *cmdEnv, m *vlm.Model, c vlm.Config, in *vlm.Inputs, dtype string, seed int64) (*vlm.StagedOutput, time.Duration, error) {
	logf := func(format string, a ...any) {
		fmt.Fprintf(env.stderr, "model forward: "+format+"\n", a...)
	}
	llmParams := c.LLM.NumParams()
	var weightsWall time.Duration
	start := time.Now()
	out, err := m.ForwardStages(in, vlm.StageOptions{
		Release: true,
		Progress: func(stage string) {
			logf("%s stage (%.0f s so far, peak RSS %s)", stage, time.Since(start).Seconds(), peakRSS())
		},
		BeforeLLM: func() error {
			logf("random LLM weights: %d parameters in %s (%.2f GB)", llmParams, dtype, float64(llmParams)*float64(c.LLM.HeldDType().Size())/1e9)
			t0 := time.Now()
			next := int64(0)
			err := m.RandomLLM(uint64(seed), func(done, total int64) {
				if done >= next {
					logf("  %3.0f%% of the LLM weights (%.0f s)", 100*float64(done)/float64(total), time.Since(t0).Seconds())
					next = done + total/10
				}
			})
			weightsWall = time.Since(t0)
			return err
		},
	})
	return out, weightsWall, err
}

// forwardReport is what `model forward` prints to stdout.
type forwardReport struct {
	size, dtype, imgName string
	seed                 int64
	c                    vlm.Config
	in                   *vlm.Inputs
	out                  *vlm.StagedOutput
	weightsWall, total   time.Duration
}

// write prints the model, image, token counts, parameters, stage times,
// peak memory and the top-5 next-token logits at the last position.
func (r forwardReport) write(w io.Writer) {
	c, in, out := r.c, r.in, r.out
	dims := out.Logits.Shape().Dimensions
	L, V := dims[1], dims[2]
	logits := tensors.MustCopyFlatData[float32](out.Logits)
	ids, vals := llama.TopLogits(logits[(L-1)*V:L*V], 5)

	fmt.Fprintf(w, "model       %s, LLM in %s, N=%d M=%d, 1 question, seed %d, backend %s\n", r.size, r.dtype, c.N, c.M, r.seed, backend.Config())
	fmt.Fprintf(w, "image       %s → one %d-px global view\n", r.imgName, c.Vision.ImageSize)
	fmt.Fprintf(w, "tokens      vision %d, fusion T=%d, fused %d (N+(k−1)M = %d), LLM L=%d\n",
		c.Vision.TokensPerView(), in.Shapes.T, len(in.Fusion.Fused), fusion.FusedTokens(c.N, c.M, 1), L)
	var used int64
	var parts []string
	for _, p := range []string{"vision", "merge", "fusion", "projection", "llm"} {
		used += out.Params[p]
		parts = append(parts, fmt.Sprintf("%s %d", p, out.Params[p]))
	}
	fmt.Fprintf(w, "parameters  %d (%s; closed form %d)\n", used, strings.Join(parts, ", "), c.Params().Total())
	fmt.Fprintf(w, "stage       wall s\n")
	fmt.Fprintf(w, "  %-10s %8.2f  (random, drawn in Go)\n", "llm-weights", r.weightsWall.Seconds())
	for _, s := range out.Stages {
		fmt.Fprintf(w, "  %-10s %8.2f\n", s.Name, s.Wall.Seconds())
	}
	fmt.Fprintf(w, "  %-10s %8.2f\n", "total", r.total.Seconds())
	fmt.Fprintf(w, "peak RSS    %s\n", peakRSS())
	fmt.Fprintf(w, "logits      %v float32 (LLM input embeddings in %s)\n", dims, out.Embeddings)
	top := make([]string, len(ids))
	for i := range ids {
		top[i] = fmt.Sprintf("%d (%.4g)", ids[i], vals[i])
	}
	fmt.Fprintf(w, "top-5       %s  (next-token ids at position %d, the answer's first token)\n", strings.Join(top, " "), L-1)
}

// peakRSS is the process's peak resident memory (VmHWM of
// /proc/self/status), or "unknown" where there is none.
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				break
			}
			return fmt.Sprintf("%.2f GB", float64(kb)/1e6)
		}
	}
	return "unknown"
}
