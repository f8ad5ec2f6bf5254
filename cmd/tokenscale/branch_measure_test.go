package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/internal/testfiles"

	"github.com/gomlx/compute/dtypes"

	"github.com/tokenscale/tokenscale/lib/safetensors"
	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

// widenTinyLlama builds, in a temporary folder, the golden tiny Llama with
// the real 32000-piece Llama-2 tokenizer: vocab_size 32000 (embedding and
// LM-head row i are the golden rows i mod 97), max_position_embeddings
// 4096 as Llama-2's, the decoder layers unchanged, tokenizer.model copied in.
func widenTinyLlama(t *testing.T) string {
	t.Helper()
	golden := filepath.Dir(testfiles.Path(t, "golden/llama-tiny/config.json"))
	tokModel := tokentest.LlamaModel(t)
	dir := t.TempDir()
	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(golden, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	small := int(cfg["vocab_size"].(float64))
	const vocab = 32000
	cfg["vocab_size"], cfg["max_position_embeddings"] = vocab, 4096
	if b, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	ck, err := safetensors.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	var entries []safetensors.Entry
	for _, name := range ck.Names() {
		vals, shape, err := ck.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == "model.embed_tokens.weight" || name == "lm_head.weight" {
			h := shape[1]
			wide := make([]float32, vocab*h)
			for i := range vocab {
				copy(wide[i*h:(i+1)*h], vals[(i%small)*h:(i%small+1)*h])
			}
			vals, shape = wide, []int{vocab, h}
		}
		raw := make([]byte, 4*len(vals))
		for i, v := range vals {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		entries = append(entries, safetensors.Entry{Name: name, DType: dtypes.Float32, Shape: shape, Data: raw})
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), entries, nil); err != nil {
		t.Fatal(err)
	}
	tb, err := os.ReadFile(tokModel)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tokenizer.model"), tb, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBranchMeasureOrcaSample is the done-criterion of the graph-cache bug:
// "branch measure" over the 283-pair Orca DPO sample (hundreds of distinct
// sequence lengths) completes in one process.
func TestBranchMeasureOrcaSample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 566 sequences through a Llama (about a minute): skipped with -short")
	}
	pairs := testfiles.Path(t, "data/orca_dpo_pairs_sample.jsonl")
	dir := widenTinyLlama(t)
	out, errs, code := runCLI(t, "", "branch", "measure", "--model", dir, "--pairs", pairs, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 10 {
		t.Fatalf("curve has %d lines:\n%s", len(lines), out)
	}
	t.Logf("%d curve lines; first %q", len(lines), lines[0])
}
