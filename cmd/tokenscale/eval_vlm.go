package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// The paper's model (lib/vlm) as an eval.Answerer: a checkpoint folder
// (config.json + model.safetensors, as vlm.Save and `tokenscale train`
// write them) or a `tokenscale train toy` output folder (its newest
// checkpoint in ck/). Only models with the toy word tokenizer can answer
// for now (vlm.Model.AnswerToy); the paper-size chat template is not in
// lib/vlm yet.

func init() {
	modelLoaders = append([]modelLoader{loadVLM}, modelLoaders...)
}

// promptMode is --prompt: what text a model is given for an item.
var promptMode = "vlmevalkit"

// vlmFolder returns the checkpoint folder that spec names, or "" when spec
// is not a model folder.
func vlmFolder(spec string) (string, error) {
	if _, err := os.Stat(filepath.Join(spec, vlm.ConfigFile)); err == nil {
		return spec, nil
	}
	if _, err := os.Stat(filepath.Join(spec, "ck", train.LatestFile)); err == nil {
		return train.Latest(filepath.Join(spec, "ck"))
	}
	return "", nil
}

func loadVLM(spec string, n int, cfg eval.Config) (eval.Answerer, bool, error) {
	dir, err := vlmFolder(spec)
	if err != nil || dir == "" {
		return nil, err == nil && dir != "", err
	}
	mc, err := vlm.ReadConfig(filepath.Join(dir, vlm.ConfigFile))
	if err != nil {
		return nil, true, err
	}
	if mc.Tokenizer != "words" {
		return nil, true, fmt.Errorf("model %s uses the %q tokenizer: this build answers only with toy word-tokenizer models (the paper-size chat template is not in lib/vlm yet)", dir, mc.Tokenizer)
	}
	if n != 0 && n != mc.N {
		return nil, true, usagef("model %s has N = %d, the run asks for N = %d", dir, mc.N, n)
	}
	// The configuration: VQ reuses a VQQ checkpoint without the question;
	// VQ-ft needs a checkpoint fine-tuned that way.
	switch cfg {
	case eval.VQFT:
		if mc.Mode != "vq-ft" {
			return nil, true, usagef("model %s was trained in mode %q; --config vq-ft needs a checkpoint fine-tuned without the question (tokenscale train toy --mode vq-ft)", dir, mc.Mode)
		}
	case eval.VQ:
		if mc.Mode == "vq-ft" {
			return nil, true, usagef("model %s is a vq-ft checkpoint: evaluate it with --config vq-ft", dir)
		}
	case eval.VQQ:
		if mc.Mode != "vqq" {
			return nil, true, usagef("model %s was trained in mode %q, not vqq", dir, mc.Mode)
		}
	}
	m, err := vlm.Load(dir)
	if err != nil {
		return nil, true, err
	}
	m.Config.Mode = map[eval.Config]string{eval.VQQ: "vqq", eval.VQ: "vq", eval.VQFT: "vq-ft"}[cfg]
	tmp, err := os.MkdirTemp("", "tokenscale-eval-")
	if err != nil {
		m.Close()
		return nil, true, err
	}
	return &vlmAnswerer{m: m, tmp: tmp, prompt: promptMode}, true, nil
}

// vlmAnswerer answers with greedy decoding (vlm.Model.AnswerToy).
type vlmAnswerer struct {
	m      *vlm.Model
	tmp    string
	prompt string
}

func (a *vlmAnswerer) Answer(ctx context.Context, req eval.Request) (string, error) {
	if len(req.Item.Images) != 1 {
		return "", fmt.Errorf("the model takes one image per item, this item has %d", len(req.Item.Images))
	}
	// vlm reads images from files: write this one where the model can.
	path := filepath.Join(a.tmp, "image")
	if err := os.WriteFile(path, req.Item.Images[0], 0o600); err != nil {
		return "", err
	}
	text := req.Prompt
	if a.prompt == "question" && req.Item.Question != "" {
		text = req.Item.Question // caption items have none: they keep the prompt
	}
	out, err := a.m.AnswerToy(path, []string{text}, nil, req.MaxNewTokens)
	return strings.TrimSpace(out), err
}

// Queries is the model's N.
func (a *vlmAnswerer) Queries() int { return a.m.Config.N }

func (a *vlmAnswerer) Close() error {
	a.m.Close()
	return errors.Join(os.RemoveAll(a.tmp))
}
