package main

import (
	"errors"

	"github.com/tokenscale/tokenscale/lib/eval"
)

// The paper's model (lib/vlm) as an eval.Answerer, through
// eval.LoadModel: a checkpoint folder (paper layout or toy) or a
// `tokenscale train toy` output folder.

func init() {
	modelLoaders = append([]modelLoader{loadVLM}, modelLoaders...)
}

// promptMode is --prompt: what text a model is given for an item.
var promptMode = "vlmevalkit"

func loadVLM(spec string, n int, cfg eval.Config) (eval.Answerer, bool, error) {
	dir, err := eval.ModelFolder(spec)
	if err != nil || dir == "" {
		return nil, err != nil, err
	}
	a, err := eval.LoadModel(dir, n, cfg, promptMode == "question")
	if errors.Is(err, eval.ErrModelMismatch) {
		return nil, true, usagef("%v", err)
	}
	if err != nil {
		return nil, true, err
	}
	return a, true, nil
}
