// Package llamaseq adapts a Llama-2 chat model (lib/llama, lib/chat and the
// SentencePiece tokenizer of lib/tokenizer/sentencepiece) to
// branch.SequenceModel, so branch.Measure can run the Section-3 measurement
// of the paper (§3.5) on a real checkpoint: each side of a preference
// pair is built in the Llama-2 chat format segment by segment (no <<SYS>>
// block when the system prompt is empty), the model runs once over the
// sequence, and the final hidden states (after the final RMSNorm, before the
// LM head) are returned for every position; branch.Measure keeps those of the
// answer segment, which ends with " </s>".
//
// It lives apart from lib/branch so that the estimator stays free of GoMLX.
package llamaseq

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/gomlx/compute/dtypes"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

// Model is a Llama chat model seen as a branch.SequenceModel.
type Model struct {
	LM   *llama.Model
	Tok  chat.Tokenizer
	name string
	dir  string // set by OpenLazy until LM is loaded
}

// New wraps a loaded model and tokenizer; name must identify the weights
// (it is part of branch.Measure's cache key).
func New(lm *llama.Model, tok chat.Tokenizer, name string) *Model {
	return &Model{LM: lm, Tok: tok, name: name}
}

// Open loads a Hugging Face Llama-2 folder (config.json, safetensors
// weights) in float32 and its tokenizer: tokenizerPath, or
// <dir>/tokenizer.model when tokenizerPath is empty.
func Open(dir, tokenizerPath string) (*Model, error) {
	if tokenizerPath == "" {
		tokenizerPath = filepath.Join(dir, "tokenizer.model")
	}
	tok, err := sentencepiece.Load(tokenizerPath)
	if err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	name, err := identify(dir)
	if err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	lm, err := llama.Load(dir, dtypes.Float32)
	if err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	return New(lm, tok, name), nil
}

// OpenLazy is Open without loading the weights: they are loaded on the
// first HiddenStates call. With every pair already in branch.Measure's
// cache, a notebook cell then never loads the model.
func OpenLazy(dir, tokenizerPath string) (*Model, error) {
	if tokenizerPath == "" {
		tokenizerPath = filepath.Join(dir, "tokenizer.model")
	}
	tok, err := sentencepiece.Load(tokenizerPath)
	if err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	name, err := identify(dir)
	if err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	if _, err := llama.LoadConfig(dir); err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	return &Model{Tok: tok, name: name, dir: dir}, nil
}

// identify names a checkpoint by its folder, config.json and the sizes and
// modification times of its weight files.
func identify(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	cfg, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return "", err
	}
	h.Write(cfg)
	files, _ := filepath.Glob(filepath.Join(dir, "*.safetensors"))
	sort.Strings(files)
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s:%d:%d;", filepath.Base(f), st.Size(), st.ModTime().UnixNano())
	}
	return fmt.Sprintf("llama(%s,%s)", abs, hex.EncodeToString(h.Sum(nil)[:8])), nil
}

// Name identifies the checkpoint.
func (m *Model) Name() string { return m.name }

// Encode builds [<s>] [INST] [<<SYS>>…<</SYS>>] question [/INST] answer </s>
// with lib/chat; the answer span is the ANS segment (answer text and </s>).
func (m *Model) Encode(system, question, answer string) (branch.Sequence, error) {
	seq, err := chat.Build(m.Tok, chat.Conversation{System: system, Turns: []chat.Turn{{User: question, Assistant: answer}}}, chat.Options{})
	if err != nil {
		return branch.Sequence{}, fmt.Errorf("llamaseq: %w", err)
	}
	ids := make([]int32, len(seq.IDs))
	for i, id := range seq.IDs {
		ids[i] = int32(id)
	}
	spans := seq.AnswerSpans()
	switch len(spans) {
	case 0:
		return branch.Sequence{IDs: ids, AnswerStart: len(ids), AnswerEnd: len(ids)}, nil
	case 1:
		return branch.Sequence{IDs: ids, AnswerStart: spans[0][0], AnswerEnd: spans[0][1]}, nil
	}
	return branch.Sequence{}, fmt.Errorf("llamaseq: %d answer spans, want 1", len(spans))
}

// HiddenStates runs the model once over ids and returns the final hidden
// states, one []float32 of the hidden size per position. Sequences longer
// than the model's max_position_embeddings are refused.
func (m *Model) HiddenStates(ids []int32) ([][]float32, error) {
	if m.LM == nil {
		if m.dir == "" {
			return nil, fmt.Errorf("llamaseq: no model loaded")
		}
		lm, err := llama.Load(m.dir, dtypes.Float32)
		if err != nil {
			return nil, fmt.Errorf("llamaseq: %w", err)
		}
		m.LM, m.dir = lm, ""
	}
	if mp := m.LM.Config.MaxPositions; mp > 0 && len(ids) > mp {
		return nil, fmt.Errorf("llamaseq: sequence of %d tokens is longer than the model's max_position_embeddings %d", len(ids), mp)
	}
	in := make([]int, len(ids))
	for i, id := range ids {
		in[i] = int(id)
	}
	// HiddenStates skips the LM head and pads to a bucket length, so a pair
	// set of any number of distinct lengths uses a bounded set of graphs.
	hs, err := m.LM.HiddenStates(in)
	if err != nil {
		return nil, fmt.Errorf("llamaseq: %w", err)
	}
	return hs, nil
}

var _ branch.SequenceModel = (*Model)(nil)
