// Command llama7b times a Llama-2-7B-shaped model (random weights, bfloat16
// by default) through lib/llama on the backend GOMLX_BACKEND names (run it
// with bench/llama_gpu.sh for xla:cuda): the prefill of a 1024-token prompt
// and greedy KV-cache decoding after it. It prints one line per measure.
//
// --small runs a tiny configuration instead, to check the program on a CPU.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/llama"
)

func main() {
	prefill := flag.Int("prefill", 1024, "prompt tokens")
	decode := flag.Int("decode", 128, "new tokens")
	dtype := flag.String("dtype", "bf16", "bf16 or f32")
	small := flag.Bool("small", false, "use a tiny configuration (CPU check)")
	flag.Parse()
	cfg := &llama.Config{VocabSize: 32000, HiddenSize: 4096, IntermediateSize: 11008, NumLayers: 32,
		NumHeads: 32, NumKVHeads: 32, RMSNormEps: 1e-5, RopeTheta: 10000, MaxPositions: 4096}
	if *small {
		cfg = &llama.Config{VocabSize: 512, HiddenSize: 128, IntermediateSize: 344, NumLayers: 2,
			NumHeads: 4, RMSNormEps: 1e-5, RopeTheta: 10000}
	}
	switch *dtype {
	case "bf16":
		cfg.DType = dtypes.BFloat16
	case "f32":
		cfg.DType = dtypes.Float32
	default:
		fmt.Fprintln(os.Stderr, "llama7b: --dtype must be bf16 or f32")
		os.Exit(2)
	}
	if err := run(cfg, *prefill, *decode); err != nil {
		fmt.Fprintln(os.Stderr, "llama7b:", err)
		os.Exit(1)
	}
}

func run(cfg *llama.Config, prefill, decode int) error {
	t0 := time.Now()
	m, err := llama.NewRandom(cfg, 1)
	if err != nil {
		return err
	}
	fmt.Printf("backend %s, %s, %.2fB parameters, made in %.1fs\n", backend.Config(), cfg.DType,
		float64(cfg.NumParameters())/1e9, time.Since(t0).Seconds())
	prompt := make([]int, prefill)
	for i := range prompt {
		prompt[i] = 1 + (i*7919)%(cfg.VocabSize-1)
	}
	opts := func(times *[]time.Time) llama.GenerateOptions {
		return llama.GenerateOptions{MaxNewTokens: decode, StopTokens: []int{},
			OnToken: func(int) bool { *times = append(*times, time.Now()); return true }}
	}
	for round := range 2 { // round 0 compiles and warms up
		var times []time.Time
		start := time.Now()
		if _, err := m.Generate(prompt, opts(&times)); err != nil {
			return err
		}
		if round == 0 {
			fmt.Printf("warm-up (compile + run): %.1fs\n", time.Since(start).Seconds())
			continue
		}
		pre := times[0].Sub(start).Seconds()
		fmt.Printf("prefill %d tokens: %.3fs (%.0f tokens/s, first token included)\n", prefill, pre, float64(prefill)/pre)
		if len(times) > 1 {
			dec := times[len(times)-1].Sub(times[0]).Seconds()
			fmt.Printf("decode %d tokens: %.3fs (%.1f tokens/s, %.1f ms/token)\n", len(times)-1, dec,
				float64(len(times)-1)/dec, 1000*dec/float64(len(times)-1))
		}
	}
	return nil
}
