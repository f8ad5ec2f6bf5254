package main

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/branch"
)

// openLlamaSequenceModel opens a Llama-2 checkpoint folder for "branch
// measure".
func openLlamaSequenceModel(dir string) (branch.SequenceModel, error) {
	return nil, fmt.Errorf("model %s: the Llama-2 adapter is not built yet; use --model toy", dir)
}
