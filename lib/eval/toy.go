package eval

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// ToyOptions size [TrainToy]. Zero fields take the defaults of `tokenscale
// train toy` (256 examples, batch 16, learning rate 3e-3) and 150 steps.
type ToyOptions struct {
	Steps, Examples, Batch int
	LR                     float64
}

// TrainToy builds the toy model of `tokenscale train toy` with N queries
// (vlm.ToyConfig: random CLIP and Llama folders written by code, the
// coloured-square data set, a 2-layer fusion module), trains it with the
// generation loss (stage 2) and saves it under dir (dir/ck, as the command
// does: [ModelFolder] and [LoadModel] open it). A dir that already holds a
// finished run is reused, so a notebook can call it again for free. It
// returns the checkpoint folder.
func TrainToy(dir string, n int, o ToyOptions) (string, error) {
	if n < 1 || n > 64 {
		return "", fmt.Errorf("eval: toy model N = %d, want 1…64", n)
	}
	if o.Steps == 0 {
		o.Steps = 150
	}
	if o.Examples == 0 {
		o.Examples = 256
	}
	if o.Batch == 0 {
		o.Batch = 16
	}
	if o.LR == 0 {
		o.LR = 3e-3
	}
	if o.Steps < 1 || o.Steps > 100000 || o.Examples < 1 || o.Examples > 100000 || o.Batch < 1 || o.Batch > 1024 || !(o.LR > 0) {
		return "", fmt.Errorf("eval: toy options %+v out of range (steps 1…100000, examples 1…100000, batch 1…1024, lr > 0)", o)
	}
	done := filepath.Join(dir, "done")
	if _, err := os.Stat(done); err == nil {
		return ModelFolder(dir)
	}
	m, ex, _, err := vlm.NewToy(dir, vlm.ToyConfig(n), o.Examples)
	if err != nil {
		return "", err
	}
	defer m.Close()
	cfg := m.Config
	opt := train.Options{Stage: 2, Steps: o.Steps, BatchSize: o.Batch, Accum: 1, LR: o.LR, WarmupRatio: 0.03, ClipNorm: 1, Train: vlm.Parts, Seed: 1}
	// One padded shape for every batch: one compiled graph for the run.
	for _, e := range ex {
		in, err := cfg.MakeInputs([]vlm.Example{e}, cfg.FusionMode(), vlm.Shapes{})
		if err != nil {
			return "", err
		}
		s := &opt.Pad
		s.Views, s.T, s.L, s.F = max(s.Views, in.Shapes.Views), max(s.T, in.Shapes.T), max(s.L, in.Shapes.L), max(s.F, in.Shapes.F)
	}
	opt.Pad.F *= opt.BatchSize
	tr, err := train.NewTrainer(m, ex, opt)
	if err != nil {
		return "", err
	}
	if err := tr.Run(nil, filepath.Join(dir, "log.jsonl"), filepath.Join(dir, "ck"), o.Steps); err != nil {
		return "", err
	}
	if err := os.WriteFile(done, []byte("trained\n"), 0o644); err != nil {
		return "", err
	}
	return ModelFolder(dir)
}
