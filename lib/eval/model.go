package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/train"
	"github.com/tokenscale/tokenscale/lib/vision"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// ErrModelMismatch marks a model that cannot be run as asked (another N,
// a configuration its checkpoint was not trained for): a usage error.
var ErrModelMismatch = errors.New("model does not fit the run")

// ModelAnswerer evaluates a tokenscale model (package vlm) as an
// [Answerer]: each item's image is decoded in memory (PNG or JPEG bytes
// from the benchmark file, no temporary files) into the model's views —
// the paper's HD views for a paper-layout checkpoint, one global view for a
// toy one — and the model answers with greedy decoding within the
// benchmark's token budget (Benchmark.MaxNewTokens), with the Llama-2 chat
// template and the CLIP/SentencePiece tokenizers for paper-layout
// checkpoints ([vlm.Model.AnswerImage]).
type ModelAnswerer struct {
	Model *vlm.Model
	// QuestionOnly gives the model the item's bare question instead of
	// VLMEvalKit's prompt (toy models were trained on bare questions);
	// caption items, which have no question, keep the prompt.
	QuestionOnly bool
}

// Answer answers one request.
func (a *ModelAnswerer) Answer(ctx context.Context, req Request) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if len(req.Item.Images) != 1 {
		return "", fmt.Errorf("the model takes one image per item, this item has %d", len(req.Item.Images))
	}
	img, err := DecodeImage(req.Item.Images[0], "index "+req.Item.Index)
	if err != nil {
		return "", err
	}
	text := req.Prompt
	if a.QuestionOnly && req.Item.Question != "" {
		text = req.Item.Question
	}
	out, err := a.Model.AnswerImage(img, []string{text}, nil, req.MaxNewTokens)
	return strings.TrimSpace(out), err
}

// DecodeImage decodes a benchmark item's image bytes (PNG or JPEG) in
// memory; name labels errors.
func DecodeImage(data []byte, name string) (image.Image, error) {
	return vision.Decode(bytes.NewReader(data), name)
}

// Queries is the model's N.
func (a *ModelAnswerer) Queries() int { return a.Model.Config.N }

// Close releases the model.
func (a *ModelAnswerer) Close() error {
	a.Model.Close()
	return nil
}

// ModelFolder returns the checkpoint folder that path names: a model folder
// (config.json + model.safetensors, as vlm.Save and `tokenscale train`
// write them) or the output folder of `tokenscale train toy` (its newest
// checkpoint under ck/); "" when path is neither.
func ModelFolder(path string) (string, error) {
	if _, err := os.Stat(filepath.Join(path, vlm.ConfigFile)); err == nil {
		return path, nil
	}
	if _, err := os.Stat(filepath.Join(path, "ck", train.LatestFile)); err == nil {
		return train.Latest(filepath.Join(path, "ck"))
	}
	return "", nil
}

// LoadModel opens the checkpoint folder dir for configuration cfg (Appendix
// D): VQQ needs a checkpoint trained with the question, VQ reuses such a
// checkpoint without the question, VQ-ft needs one fine-tuned without it.
// n, when not 0, must equal the checkpoint's N. Paper-layout checkpoints
// (tokenizer "clip+llama2") and toy ones ("words") are both accepted.
// Mismatches wrap [ErrModelMismatch].
func LoadModel(dir string, n int, cfg Config, questionOnly bool) (*ModelAnswerer, error) {
	mc, err := vlm.ReadConfig(filepath.Join(dir, vlm.ConfigFile))
	if err != nil {
		return nil, err
	}
	if n != 0 && n != mc.N {
		return nil, fmt.Errorf("%w: model %s has N = %d, the run asks for N = %d", ErrModelMismatch, dir, mc.N, n)
	}
	switch cfg {
	case VQFT:
		if mc.Mode != "vq-ft" {
			return nil, fmt.Errorf("%w: model %s was trained in mode %q; --config vq-ft needs a checkpoint fine-tuned without the question (tokenscale train toy --mode vq-ft)", ErrModelMismatch, dir, mc.Mode)
		}
	case VQ:
		if mc.Mode == "vq-ft" {
			return nil, fmt.Errorf("%w: model %s is a vq-ft checkpoint: evaluate it with --config vq-ft", ErrModelMismatch, dir)
		}
	case VQQ:
		if mc.Mode != "vqq" {
			return nil, fmt.Errorf("%w: model %s was trained in mode %q, not vqq", ErrModelMismatch, dir, mc.Mode)
		}
	default:
		return nil, fmt.Errorf("%w: unknown configuration %q", ErrModelMismatch, cfg)
	}
	m, err := vlm.Load(dir)
	if err != nil {
		return nil, err
	}
	m.Config.Mode = map[Config]string{VQQ: "vqq", VQ: "vq", VQFT: "vq-ft"}[cfg]
	if m.Config.Tokenizer == "clip+llama2" {
		if _, err := m.Config.LoadTokenizers(); err != nil { // fail before the first item
			m.Close()
			return nil, err
		}
	}
	return &ModelAnswerer{Model: m, QuestionOnly: questionOnly}, nil
}
