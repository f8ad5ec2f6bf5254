package vlm

import (
	"fmt"
	"path/filepath"
)

// Seeds of the toy world that NewToy writes: the random CLIP weights, the
// random Llama weights, the toy records and the model's own (fusion and
// projection) weights. The CLI (tokenscale train toy), notebook 30 and the
// tests of lib/train all build the same toy world from them.
const (
	ToySeedCLIP  = 11
	ToySeedLlama = 12
	ToySeedData  = 13
	ToySeedModel = 14
)

// NewToy writes a toy world into dir — a random tiny CLIP (dir/clip), a
// random tiny Llama (dir/llama), as Hugging Face folders, and examples toy
// records (dir/data, see WriteToyDataset) — and builds a model of cfg
// (usually ToyConfig(n)) over those folders. It returns the model, the
// records encoded for it and the path of the records file.
func NewToy(dir string, cfg Config, examples int) (*Model, []Example, string, error) {
	cfg.CLIPPath, cfg.LLMPath = filepath.Join(dir, "clip"), filepath.Join(dir, "llama")
	if err := WriteRandomCLIP(cfg.CLIPPath, cfg, ToySeedCLIP); err != nil {
		return nil, nil, "", fmt.Errorf("vlm: toy world: %w", err)
	}
	if err := WriteRandomLlama(cfg.LLMPath, cfg.LLM, ToySeedLlama); err != nil {
		return nil, nil, "", fmt.Errorf("vlm: toy world: %w", err)
	}
	data, err := WriteToyDataset(filepath.Join(dir, "data"), examples, ToySeedData)
	if err != nil {
		return nil, nil, "", fmt.Errorf("vlm: toy world: %w", err)
	}
	ex, err := EncodeFile(cfg, data)
	if err != nil {
		return nil, nil, "", err
	}
	m, err := New(cfg, ToySeedModel)
	if err != nil {
		return nil, nil, "", err
	}
	return m, ex, data, nil
}
