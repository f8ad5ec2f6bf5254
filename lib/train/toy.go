package train

import (
	"os"

	"github.com/tokenscale/tokenscale/lib/vlm"
)

// ToyOptions trains a toy model (vlm.NewToy) in stage 2 for steps steps:
// batches of 8 padded to one fixed shape, a 10% warm-up, seed 5.
func ToyOptions(steps int) Options {
	return Options{Stage: 2, Steps: steps, BatchSize: 8, Accum: 1, LR: 3e-3, WarmupRatio: 0.1, ClipNorm: 1,
		Train: vlm.Parts, Seed: 5, Pad: vlm.Shapes{Views: 1, T: 24, L: 32, F: 64}}
}

// ToyRun trains a toy model with N = n queries (vlm.ToyConfig, 64 toy
// records) for steps steps with ToyOptions in a temporary folder and
// returns its log: a real run, seconds long, that shows the form of
// Figure 15 (tokenscale figures --demo draws it).
func ToyRun(n, steps int) ([]StepLog, error) {
	dir, err := os.MkdirTemp("", "tokenscale-toyrun-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	m, ex, _, err := vlm.NewToy(dir, vlm.ToyConfig(n), 64)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	tr, err := NewTrainer(m, ex, ToyOptions(steps))
	if err != nil {
		return nil, err
	}
	if err := tr.Run(nil, "", "", 0); err != nil {
		return nil, err
	}
	return tr.Log, nil
}
