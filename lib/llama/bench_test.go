package llama

import (
	"os"
	"testing"
)

// The benchmarks run the small Llama configuration of
// ../../bench/llama_small.json with random weights on the backend of
// lib/backend (the pure-Go one by default). bench/llama_cpu.sh runs them
// next to the same configuration in PyTorch and prints the ratio.
const (
	benchConfig    = "../../bench/llama_small.json"
	benchPromptLen = 128 // forward: tokens per pass
	benchGenPrompt = 16  // generation: prompt tokens
	benchGenNew    = 64  // generation: new tokens
)

func benchModel(b *testing.B) *Model {
	b.Helper()
	data, err := os.ReadFile(benchConfig)
	if err != nil {
		b.Skipf("%s: %v", benchConfig, err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		b.Fatal(err)
	}
	m, err := NewRandom(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchIDs(n, vocab int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = (i*7919 + 13) % vocab
	}
	return ids
}

// BenchmarkForward measures prefill throughput: one sequence of 128 tokens.
func BenchmarkForward(b *testing.B) {
	m := benchModel(b)
	ids := benchIDs(benchPromptLen, m.Config.VocabSize)
	if _, err := m.Forward([][]int{ids}); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Forward([][]int{ids}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchPromptLen*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkGenerate measures greedy KV-cache decoding: a 16-token prompt and
// 64 new tokens; tokens/s counts new tokens over the whole call.
func BenchmarkGenerate(b *testing.B) {
	m := benchModel(b)
	ids := benchIDs(benchGenPrompt, m.Config.VocabSize)
	opts := GenerateOptions{MaxNewTokens: benchGenNew, StopTokens: []int{}}
	if _, err := m.Generate(ids, opts); err != nil { // compile
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		out, err := m.Generate(ids, opts)
		if err != nil || len(out) != benchGenNew {
			b.Fatal(err, len(out))
		}
	}
	b.ReportMetric(float64(benchGenNew*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkGenerateNoCache decodes the same way by re-running the whole
// sequence for every new token (16 new tokens; each length compiles its own
// graph once, outside the timed loop), to compare with the KV cache.
func BenchmarkGenerateNoCache(b *testing.B) {
	m := benchModel(b)
	prompt := benchIDs(benchGenPrompt, m.Config.VocabSize)
	const n = 16
	run := func() {
		seq := append([]int(nil), prompt...)
		for range n {
			o, err := m.Forward([][]int{seq})
			if err != nil {
				b.Fatal(err)
			}
			seq = append(seq, argmax(o.Logits[0][len(seq)-1]))
		}
	}
	run() // compile every length
	b.ResetTimer()
	for b.Loop() {
		run()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "tokens/s")
}
