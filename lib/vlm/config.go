package vlm

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/gomlx/compute/dtypes"

	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/clip"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
)

// FusionConfig is the fusion module: a Llama-style decoder over an embedding
// table of Vocab CLIP tokens plus MaxPlaceholders learnable query tokens.
type FusionConfig struct {
	fusion.DecoderConfig
	Vocab           int   `json:"vocab_size"`       // CLIP vocabulary (49408)
	MaxPlaceholders int   `json:"max_placeholders"` // <|placeholder_qed_i|> rows after the vocabulary (N_max − 1)
	EOS             int32 `json:"eos_token_id"`     // closes each query group (49407)
	Pad             int32 `json:"pad_token_id"`     // pad = eos in the paper
}

// LLMConfig is the frozen Llama (Hugging Face LlamaConfig names).
type LLMConfig struct {
	fusion.DecoderConfig
	Vocab int `json:"vocab_size"`
	// DType is the dtype the frozen LLM's weights are held and computed in
	// (lib/llama keeps RMSNorm and softmax in float32): "float32" (the
	// default when empty) or "bfloat16", which halves the memory of the
	// weights (Llama-2-7B: 27 GB → 13.5 GB). The vision tower, the merge,
	// the fusion module and the projection always stay float32; the
	// projected fused tokens are converted to this dtype where they enter
	// the LLM's input embeddings. A bfloat16 LLM from llm_path is read in
	// full when the model is made, converted tensor by tensor; random
	// weights come from Model.RandomLLM.
	DType string `json:"dtype,omitempty"`
}

// LLM dtype names accepted in LLMConfig.DType.
const (
	LLMFloat32  = "float32"
	LLMBFloat16 = "bfloat16"
)

// HeldDType is the dtype of DType (Float32 when empty or unknown; Validate
// reports unknown names).
func (c LLMConfig) HeldDType() dtypes.DType {
	if c.DType == LLMBFloat16 {
		return dtypes.BFloat16
	}
	return dtypes.Float32
}

// Validate checks the decoder sizes and the dtype name.
func (c LLMConfig) Validate() error {
	switch c.DType {
	case "", LLMFloat32, LLMBFloat16:
	default:
		return fmt.Errorf("dtype %q: want %s or %s", c.DType, LLMFloat32, LLMBFloat16)
	}
	return c.DecoderConfig.Validate()
}

// Llama converts to lib/llama's configuration (in the dtype of DType).
func (c LLMConfig) Llama() *llama.Config {
	lc := c.DecoderConfig.Llama()
	lc.VocabSize = c.Vocab
	lc.DType = c.HeldDType()
	_ = lc.Validate()
	return lc
}

// NumParams counts embeddings, decoder and untied LM head.
func (c LLMConfig) NumParams() int64 {
	return 2*int64(c.Vocab)*int64(c.Hidden) + c.DecoderConfig.NumParams()
}

// Config is the whole model of Figure 5 (docs/model.md): which checkpoints it
// starts from, the sizes of every part, and the fused-token counts.
type Config struct {
	Vision VisionConfig `json:"vision"`
	Fusion FusionConfig `json:"fusion"`
	LLM    LLMConfig    `json:"llm"`
	// N and M are the queries of the first and of every later question.
	N int `json:"n"`
	M int `json:"m"`
	// Mode is the input configuration: "vqq", "vq" or "vq-ft".
	Mode string `json:"mode"`
	// ProjectionStd initialises the Linear(fusion → LLM) projection (0.001).
	ProjectionStd float64 `json:"projection_std"`
	// CLIPPath and LLMPath are Hugging Face folders the CLIP vision tower and
	// the Llama are read from when a checkpoint does not embed them.
	CLIPPath string `json:"clip_path,omitempty"`
	LLMPath  string `json:"llm_path,omitempty"`
	// HD is the crop budget of the image pipeline: 0 is a single global view
	// resized to the vision image size (toy models), 9 the paper's HD-9.
	HD int `json:"hd"`
	// Tokenizer names how text becomes ids: "words" (the toy word-level
	// vocabulary in Words) or "clip+llama2" (paper size).
	Tokenizer string   `json:"tokenizer"`
	Words     []string `json:"words,omitempty"`
	// CLIPVocab and LlamaTokenizer locate the paper-size tokenizers
	// (bpe_simple_vocab_16e6.txt.gz and Llama-2's tokenizer.model) for
	// Tokenizer "clip+llama2"; relative paths resolve against the folder of
	// the model's config.json.
	CLIPVocab      string `json:"clip_vocab,omitempty"`
	LlamaTokenizer string `json:"llama_tokenizer,omitempty"`
	// Text is the CLIP text tower used by the stage-1 contrastive loss
	// (Eq. 19), and ProjectionDim its embedding width (text_projection,
	// and the fusion-side imgque_projection 1024 → 768).
	Text          *clip.TextConfig `json:"text,omitempty"`
	ProjectionDim int              `json:"projection_dim,omitempty"`
	// GradientCheckpointing recomputes the inside of every CLIP, fusion and
	// LLM layer in the backward pass instead of keeping it (each part's
	// GradientCheckpointing option); the forward values are unchanged. A
	// training choice (train.Options sets it), not saved with the model.
	GradientCheckpointing bool `json:"-"`
}

// PaperConfig is the paper's model (§4.2, App. C): CLIP ViT-L/14-336, a
// 20-layer hidden-1024 fusion decoder, N = 256, M = 8, Llama-2-7B.
func PaperConfig() Config {
	return Config{
		Vision: VisionConfig{ImageSize: 336, PatchSize: 14, Hidden: 1024, Intermediate: 4096, Layers: 24, Heads: 16, Act: "quick_gelu", LayerNormEps: 1e-5},
		Fusion: FusionConfig{
			DecoderConfig:   fusion.DecoderConfig{Hidden: 1024, Intermediate: 4096, Layers: 20, Heads: 16, KVHeads: 16, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 0.02},
			Vocab:           49408,
			MaxPlaceholders: 767,
			EOS:             49407,
			Pad:             49407,
		},
		LLM: LLMConfig{
			DecoderConfig: fusion.DecoderConfig{Hidden: 4096, Intermediate: 11008, Layers: 32, Heads: 32, KVHeads: 32, RopeTheta: 1e4, RMSEps: 1e-5, InitStd: 0.02},
			Vocab:         32000,
		},
		N: 256, M: 8, Mode: "vqq", ProjectionStd: 0.001, HD: 9, Tokenizer: "clip+llama2",
		Text: &clip.TextConfig{VocabSize: 49408, HiddenSize: 768, IntermediateSize: 3072, NumHiddenLayers: 12, NumAttentionHeads: 12,
			MaxPositionEmbeddings: 77, HiddenAct: "quick_gelu", LayerNormEps: 1e-5, BosTokenID: 49406, EosTokenID: 49407},
		ProjectionDim: 768,
	}
}

// Validate checks every part and the N/M counts.
func (c Config) Validate() error {
	if err := c.Vision.Validate(); err != nil {
		return err
	}
	if err := c.Fusion.Validate(); err != nil {
		return fmt.Errorf("fusion: %w", err)
	}
	if err := c.LLM.Validate(); err != nil {
		return fmt.Errorf("llm: %w", err)
	}
	if c.Fusion.Hidden != c.Vision.Hidden {
		return fmt.Errorf("config: fusion hidden_size %d must equal the vision hidden_size %d", c.Fusion.Hidden, c.Vision.Hidden)
	}
	if err := c.Layout().Validate(); err != nil {
		return err
	}
	if c.N-1 > c.Fusion.MaxPlaceholders {
		return fmt.Errorf("config: N = %d needs %d placeholder tokens, the embedding table has %d", c.N, c.N-1, c.Fusion.MaxPlaceholders)
	}
	if _, err := fusion.ParseMode(c.Mode); err != nil {
		return err
	}
	if c.Fusion.Vocab <= 0 || c.LLM.Vocab <= 0 {
		return fmt.Errorf("config: vocabulary sizes must be positive")
	}
	return nil
}

// Layout is the fusion-side layout of this configuration.
func (c Config) Layout() fusion.Layout {
	return fusion.Layout{N: c.N, M: c.M, PlaceholderBase: int32(c.Fusion.Vocab), EOS: c.Fusion.EOS, Pad: c.Fusion.Pad}
}

// FusionMode parses Mode.
func (c Config) FusionMode() fusion.Mode {
	m, err := fusion.ParseMode(c.Mode)
	if err != nil {
		return fusion.VisionQuestionQueries
	}
	return m
}

// ParamCount breaks the model's parameters down by part (closed form, from
// the configuration alone).
type ParamCount struct {
	Vision, Merge, Fusion, Projection, LLM int64
}

// Total is the sum of all parts.
func (p ParamCount) Total() int64 { return p.Vision + p.Merge + p.Fusion + p.Projection + p.LLM }

// Trainable is everything but the frozen LLM.
func (p ParamCount) Trainable() int64 { return p.Total() - p.LLM }

// Params counts parameters: the CLIP vision tower (without post_layernorm),
// the new LayerNorm + merge conv + new-line token, the fusion embedding table
// and decoder, the projection, and the LLM.
func (c Config) Params() ParamCount {
	h := int64(c.Vision.Hidden)
	return ParamCount{
		Vision:     c.Vision.NumParams(),
		Merge:      2*h + 9*h*h + h,
		Fusion:     int64(c.Fusion.Vocab+c.Fusion.MaxPlaceholders)*int64(c.Fusion.Hidden) + c.Fusion.DecoderConfig.NumParams(),
		Projection: int64(c.Fusion.Hidden) * int64(c.LLM.Hidden),
		LLM:        c.LLM.NumParams(),
	}
}

// ReadConfig reads a config.json written by WriteConfig.
func ReadConfig(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("vlm: read config: %w", err)
	}
	if err := foreignConfig(raw); err != nil {
		return Config{}, check.Input(fmt.Errorf("vlm: %s: %w", path, err))
	}
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return Config{}, check.Input(fmt.Errorf("vlm: parse %s: %w", path, err))
	}
	if err := c.Validate(); err != nil {
		return Config{}, check.Input(fmt.Errorf("vlm: %s: %w", path, err))
	}
	return c, nil
}
