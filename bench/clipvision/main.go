// Command clipvision times the CLIP vision tower of lib/clip (ViT-L/14-336
// widths: hidden 1024, 16 heads, MLP 4096, quick_gelu, patch 14) on one
// 336×336 view, batch 1, random weights, on the backend GOMLX_BACKEND names
// (the pure-Go one by default). Its PyTorch twin is
// bench/clipvision/clipvision_torch.py; bench/cpu_bench.py runs both side by
// side for `make bench`.
//
// The latency is one forward from the pixels to the last layer's hidden
// states [1, 577, 1024] (embeddings, pre_layrnorm, --layers encoder layers),
// until a scalar of the result is on the host: the median of --reps runs
// after a warm-up. It prints "key value" lines, among them flops (the
// multiply-adds ×2 of the patch embedding, the dense layers and the
// attention products, counted from the configuration).
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/clip"
)

func main() {
	layers := flag.Int("layers", 2, "encoder layers (ViT-L/14-336 has 24)")
	reps := flag.Int("reps", 3, "timed repetitions (median)")
	flag.Parse()
	if err := run(os.Stdout, *layers, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "clipvision:", err)
		os.Exit(1)
	}
}

// visionConfig is ViT-L/14-336 with the given number of layers.
func visionConfig(layers int) clip.VisionConfig {
	return clip.VisionConfig{HiddenSize: 1024, IntermediateSize: 4096, NumHiddenLayers: layers, NumAttentionHeads: 16,
		NumChannels: 3, ImageSize: 336, PatchSize: 14, HiddenAct: "quick_gelu", LayerNormEps: 1e-5}
}

// Flops counts 2 × the multiply-adds of one forward of cfg on one image.
func Flops(cfg clip.VisionConfig) float64 {
	n := cfg.NumPatches() * cfg.NumPatches()
	t, d, i, c, p := float64(n+1), float64(cfg.HiddenSize), float64(cfg.IntermediateSize), float64(cfg.NumChannels), float64(cfg.PatchSize)
	patch := 2 * float64(n) * d * c * p * p
	layer := 2*t*(4*d*d+2*d*i) + 4*t*t*d // q, k, v, out, fc1, fc2; QKᵀ and PV
	return patch + float64(cfg.NumHiddenLayers)*layer
}

func run(w io.Writer, layers, reps int) error {
	if layers < 1 || layers > 24 || reps < 1 {
		return fmt.Errorf("--layers must be in [1, 24] and --reps ≥ 1 (got %d, %d)", layers, reps)
	}
	cfg := visionConfig(layers)
	be, err := backend.New()
	if err != nil {
		return err
	}
	s := cfg.ImageSize
	pix := make([]float32, 3*s*s)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range pix {
		pix[i] = float32(r.NormFloat64())
	}
	fmt.Fprintf(w, "# GoMLX lib/clip vision tower, random weights; backend %s\n", backend.Config())
	fmt.Fprintf(w, "impl gomlx\nlayers %d\ntokens %d\nflops %g\n", layers, cfg.NumPatches()*cfg.NumPatches()+1, Flops(cfg))
	store := model.NewStore()
	exec, err := model.NewExec(be, store, func(root *model.Scope, pixels *Node) *Node {
		clip.DeclareVisionWeights(root, cfg, dtypes.Float32, 0.02)
		states := clip.VisionHiddenStates(root, cfg, pixels, layers)
		return ReduceAllSum(states[layers])
	})
	if err != nil {
		return err
	}
	arg := tensors.FromFlatDataAndDimensions(pix, 1, 3, s, s)
	call := func() error {
		out, err := exec.Call(arg)
		if err != nil {
			return err
		}
		_ = tensors.ToScalar[float32](out[0])
		out[0].FinalizeAll()
		return nil
	}
	t0 := time.Now()
	if err := call(); err != nil { // initialises the weights, compiles, runs
		return err
	}
	fmt.Fprintf(w, "first_call_s %.3f\n", time.Since(t0).Seconds())
	ts := make([]float64, reps)
	for i := range ts {
		start := time.Now()
		if err := call(); err != nil {
			return err
		}
		ts[i] = time.Since(start).Seconds()
	}
	slices.Sort(ts)
	fmt.Fprintf(w, "latency_s %.6f\nlatency_min_s %.6f\n", ts[reps/2], ts[0])
	return nil
}
