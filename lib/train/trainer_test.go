package train

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/safetensors"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// toySetup writes a random tiny CLIP, a random tiny Llama and a toy dataset
// into dir, and returns a model built from those folders with its examples.
func toySetup(t testing.TB, dir string, n int) (*vlm.Model, []vlm.Example) {
	t.Helper()
	cfg := vlm.ToyConfig(n)
	cfg.CLIPPath = filepath.Join(dir, "clip")
	cfg.LLMPath = filepath.Join(dir, "llama")
	if err := vlm.WriteRandomCLIP(cfg.CLIPPath, cfg.Vision, 11); err != nil {
		t.Fatal(err)
	}
	if err := vlm.WriteRandomLlama(cfg.LLMPath, cfg.LLM, 12); err != nil {
		t.Fatal(err)
	}
	data, err := vlm.WriteToyDataset(filepath.Join(dir, "data"), 64, 13)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := vlm.ReadRecords(data)
	if err != nil {
		t.Fatal(err)
	}
	var ex []vlm.Example
	for _, r := range recs {
		e, err := cfg.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		ex = append(ex, e)
	}
	m, err := vlm.New(cfg, 14)
	if err != nil {
		t.Fatal(err)
	}
	return m, ex
}

func toyOptions(steps int) Options {
	return Options{Stage: 2, Steps: steps, BatchSize: 8, Accum: 1, LR: 3e-3, WarmupRatio: 0.1, ClipNorm: 1,
		Train: vlm.Parts, Seed: 5, Pad: vlm.Shapes{Views: 1, T: 24, L: 32, F: 64}}
}

func mean(xs []StepLog) float64 {
	s := 0.0
	for _, x := range xs {
		s += x.Loss
	}
	return s / float64(len(xs))
}

func TestToyTrainingLearnsAndKeepsLLMFrozen(t *testing.T) {
	dir := t.TempDir()
	m, ex := toySetup(t, dir, 4)
	defer m.Close()
	tr, err := NewTrainer(m, ex, toyOptions(60))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(nil, filepath.Join(dir, "log.jsonl"), "", 0); err != nil {
		t.Fatal(err)
	}
	first, last := mean(tr.Log[:5]), mean(tr.Log[len(tr.Log)-5:])
	t.Logf("loss: first 5 steps %.3f, last 5 steps %.3f; %.2fs/step", first, last, tr.Log[len(tr.Log)-1].Seconds)
	if !(last < 0.75*first) {
		t.Errorf("loss did not fall: first %.3f last %.3f", first, last)
	}
	// The frozen Llama is bit-identical to its folder on disk.
	ck, err := safetensors.Open(filepath.Join(m.Config.LLMPath, vlm.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	seen := 0
	for v := range m.Store.IterVariables() {
		name, ok := fusion.HFName(v.Path(), "/"+vlm.ScopeLLM)
		if !ok {
			continue
		}
		want, _, err := ck.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](v.MustValue())
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("LLM weight %s[%d] changed: %g → %g", name, i, want[i], got[i])
			}
		}
		if v.Trainable {
			t.Errorf("LLM variable %s is trainable", v.Path())
		}
		seen++
	}
	if seen != len(ck.Names()) {
		t.Errorf("compared %d LLM tensors, the folder has %d", seen, len(ck.Names()))
	}
	// No optimizer state for the LLM.
	for v := range m.Store.IterVariables() {
		if p := v.Path(); len(p) > 20 && (contains(p, "AdamOptimizer/llm/") || contains(p, "acc_grads/llm/")) {
			t.Errorf("optimizer state for a frozen variable: %s", p)
		}
	}
	logs, err := ReadLog(filepath.Join(dir, "log.jsonl"))
	if err != nil || len(logs) != 60 || logs[0].GradNorm <= 0 {
		t.Errorf("log: %d lines, err %v", len(logs), err)
	}
}

func contains(s, sub string) bool { return len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
