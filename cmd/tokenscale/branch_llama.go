package main

import (
	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/branch/llamaseq"
)

// openLlamaSequenceModel opens a Llama-2 checkpoint folder (config.json,
// safetensors weights, and tokenizer.model unless tokenizer names another
// file) for "branch measure".
func openLlamaSequenceModel(dir, tokenizer string) (branch.SequenceModel, error) {
	return llamaseq.Open(dir, tokenizer)
}
