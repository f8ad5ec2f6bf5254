// Command llama7b times a Llama-2-7B-shaped model (random weights, bfloat16
// by default) through lib/llama on the backend GOMLX_BACKEND names (run it
// with bench/llama_gpu.sh for xla:cuda, or from bench/gpu/run.sh beside the
// PyTorch side, bench/llama7b/llama7b_torch.py):
//
//   - prefill: one forward of a --prefill-token prompt at batch 1 (embedding,
//     decoder, LM head on the last position: the work before the first new
//     token), median of --reps runs, synchronised by reading the logits;
//   - decode: greedy KV-cache decoding with lib/llama's GenerateBatch at each
//     batch of --batches; the time per step is (time of 1+D new tokens −
//     time of 1 new token) / D over the same prompt, so the prefill and the
//     cache set-up cancel out.
//
// It prints one "key value" line per measure (lines starting with # are
// comments); bench/gpu/compare.py turns two such files (GoMLX and PyTorch)
// into the results table. --config reads the shape from a Hugging Face
// config.json (bench/gpu/llama_7b.json); without it the Llama-2-7B shape is
// built in. --small runs a tiny built-in configuration, to check the program
// on a CPU.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/llama"
)

func main() {
	config := flag.String("config", "", "Hugging Face config.json of the shape (default: Llama-2-7B)")
	prefill := flag.Int("prefill", 1024, "prompt tokens")
	// 1024+1 and 1024+1+63 tokens fill the same 64-slot KV-cache bucket of
	// lib/llama, so both timed runs share their compiled graphs.
	decode := flag.Int("decode", 63, "decode steps timed (D)")
	batches := flag.String("batches", "1,8", "comma-separated decode batch sizes")
	dtype := flag.String("dtype", "bf16", "bf16 or f32")
	reps := flag.Int("reps", 3, "timed repetitions of each measure (median)")
	small := flag.Bool("small", false, "use a tiny built-in configuration (CPU check)")
	flag.Parse()
	if err := run(os.Stdout, *config, *small, *dtype, *prefill, *decode, *batches, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "llama7b:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, config string, small bool, dtype string, prefill, decode int, batchList string, reps int) error {
	cfg := &llama.Config{VocabSize: 32000, HiddenSize: 4096, IntermediateSize: 11008, NumLayers: 32,
		NumHeads: 32, NumKVHeads: 32, RMSNormEps: 1e-5, RopeTheta: 10000, MaxPositions: 4096}
	switch {
	case config != "" && small:
		return fmt.Errorf("--config and --small exclude each other")
	case config != "":
		c, err := llama.LoadConfig(config)
		if err != nil {
			return err
		}
		cfg = c
	case small:
		cfg = &llama.Config{VocabSize: 512, HiddenSize: 128, IntermediateSize: 344, NumLayers: 2,
			NumHeads: 4, RMSNormEps: 1e-5, RopeTheta: 10000}
	}
	switch dtype {
	case "bf16":
		cfg.DType = dtypes.BFloat16
	case "f32":
		cfg.DType = dtypes.Float32
	default:
		return fmt.Errorf("--dtype must be bf16 or f32, not %q", dtype)
	}
	if prefill < 1 || decode < 1 || reps < 1 {
		return fmt.Errorf("--prefill, --decode and --reps must be positive")
	}
	var batches []int
	for f := range strings.SplitSeq(batchList, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || b < 1 {
			return fmt.Errorf("--batches: bad batch size %q", f)
		}
		batches = append(batches, b)
	}

	t0 := time.Now()
	m, err := llama.NewRandom(cfg, 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# GoMLX lib/llama, random weights; backend %s (%s)\n", backend.Config(), m.Backend.Description())
	fmt.Fprintf(w, "impl gomlx\ndtype %s\nparams %d\ninit_s %.3f\n", dtype, cfg.NumParameters(), time.Since(t0).Seconds())
	prompt := make([]int, prefill)
	for i := range prompt {
		prompt[i] = 1 + (i*7919)%(cfg.VocabSize-1)
	}

	// Prefill: embedding, decoder and the LM head on the last position.
	pre, err := model.NewExec(m.Backend, m.Root.Store(), func(_ *model.Scope, ids *Node) *Node {
		x := llama.Embed(m.Root, cfg, ids)
		h, _ := llama.Decoder(m.Root.At("model"), cfg, x, llama.DecoderOptions{})
		t := h.Shape().Dim(1)
		return ConvertDType(llama.LMHead(m.Root, cfg, Slice(h, AxisRange(), AxisRange(t-1, t))), dtypes.Float32)
	})
	if err != nil {
		return err
	}
	ids := make([]int32, prefill)
	for i, id := range prompt {
		ids[i] = int32(id)
	}
	idsT := tensors.FromFlatDataAndDimensions(ids, 1, prefill)
	forward := func() error {
		out, err := pre.Call(idsT)
		if err != nil {
			return err
		}
		_ = tensors.MustCopyFlatData[float32](out[0]) // waits for the device
		out[0].FinalizeAll()
		return nil
	}
	t0 = time.Now()
	if err := forward(); err != nil {
		return fmt.Errorf("prefill: %w", err)
	}
	fmt.Fprintf(w, "prefill_warmup_s %.3f\n", time.Since(t0).Seconds())
	preS, err := median(reps, forward)
	if err != nil {
		return fmt.Errorf("prefill: %w", err)
	}
	fmt.Fprintf(w, "prefill_tokens %d\nprefill_s %.6f\n", prefill, preS)

	// Decode: GenerateBatch with 1 and 1+D new tokens; no stop tokens.
	for _, b := range batches {
		prompts := make([][]int, b)
		for i := range prompts {
			prompts[i] = prompt
		}
		gen := func(n int) func() error {
			return func() error {
				out, err := m.GenerateBatch(prompts, llama.GenerateOptions{MaxNewTokens: n, StopTokens: []int{}})
				if err == nil && len(out[0]) != n {
					err = fmt.Errorf("generated %d tokens, want %d", len(out[0]), n)
				}
				return err
			}
		}
		t0 = time.Now()
		if err := gen(1)(); err != nil {
			return fmt.Errorf("decode batch %d: %w", b, err)
		}
		if err := gen(1 + decode)(); err != nil {
			return fmt.Errorf("decode batch %d: %w", b, err)
		}
		fmt.Fprintf(w, "decode_b%d_warmup_s %.3f\n", b, time.Since(t0).Seconds())
		short, err := median(reps, gen(1))
		if err != nil {
			return fmt.Errorf("decode batch %d: %w", b, err)
		}
		long, err := median(reps, gen(1+decode))
		if err != nil {
			return fmt.Errorf("decode batch %d: %w", b, err)
		}
		fmt.Fprintf(w, "decode_b%d_context %d\ndecode_b%d_steps %d\ndecode_b%d_s_per_step %.6f\n",
			b, prefill, b, decode, b, (long-short)/float64(decode))
	}
	return nil
}

// median runs f reps times and returns the median wall time in seconds.
func median(reps int, f func() error) (float64, error) {
	ts := make([]float64, reps)
	for i := range ts {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		ts[i] = time.Since(start).Seconds()
	}
	slices.Sort(ts)
	return ts[reps/2], nil
}
