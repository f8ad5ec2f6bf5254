package llama

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute/dtypes"

	"github.com/tokenscale/tokenscale/lib/check"
)

// Config is a Llama configuration, read from a Hugging Face config.json or
// built in code (for the fusion decoder, VocabSize may be 0: no embedding
// table or LM head).
type Config struct {
	VocabSize         int     `json:"vocab_size"`
	HiddenSize        int     `json:"hidden_size"`
	IntermediateSize  int     `json:"intermediate_size"`
	NumLayers         int     `json:"num_hidden_layers"`
	NumHeads          int     `json:"num_attention_heads"`
	NumKVHeads        int     `json:"num_key_value_heads"` // 0 means NumHeads
	HeadDim           int     `json:"head_dim"`            // 0 means HiddenSize / NumHeads
	RMSNormEps        float64 `json:"rms_norm_eps"`
	RopeTheta         float64 `json:"rope_theta"`
	MaxPositions      int     `json:"max_position_embeddings"`
	TieWordEmbeddings bool    `json:"tie_word_embeddings"`
	HiddenAct         string  `json:"hidden_act"`
	BOSTokenID        int     `json:"bos_token_id"`
	// EOSTokenIDs holds eos_token_id (a number or a list in config.json).
	EOSTokenIDs []int `json:"-"`

	// DType is the dtype the weights are held and computed in (RMSNorm and
	// softmax always run in float32). Zero means Float32. Not in config.json.
	DType dtypes.DType `json:"-"`
}

// rawConfig holds the config.json fields that are checked but not kept.
type rawConfig struct {
	Config
	Architectures []string        `json:"architectures"`
	ModelType     string          `json:"model_type"`
	EOS           json.RawMessage `json:"eos_token_id"`
	RopeScaling   json.RawMessage `json:"rope_scaling"`
	AttentionBias bool            `json:"attention_bias"`
	MLPBias       bool            `json:"mlp_bias"`
}

// LoadConfig reads config.json from a checkpoint directory (or the file
// itself) and checks that it describes a Llama model this package runs.
func LoadConfig(path string) (*Config, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "config.json")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("llama: config: %w", err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, check.Input(fmt.Errorf("llama: %s: %w", path, err))
	}
	return cfg, nil
}

// ParseConfig parses the bytes of a config.json (see LoadConfig).
func ParseConfig(data []byte) (*Config, error) {
	raw := rawConfig{Config: Config{RopeTheta: 10000, RMSNormEps: 1e-6, HiddenAct: "silu", BOSTokenID: 1}}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not a JSON config: %w", err)
	}
	arch := "(none)"
	if len(raw.Architectures) > 0 {
		arch = raw.Architectures[0]
	}
	if len(raw.Architectures) > 0 && raw.Architectures[0] != "LlamaForCausalLM" {
		return nil, fmt.Errorf("architecture %s is not Llama (want LlamaForCausalLM)", arch)
	}
	if raw.ModelType != "" && raw.ModelType != "llama" {
		return nil, fmt.Errorf("model_type %q (architecture %s) is not Llama (want \"llama\")", raw.ModelType, arch)
	}
	if len(raw.Architectures) == 0 && raw.ModelType == "" {
		return nil, fmt.Errorf("neither architectures nor model_type names the model; want LlamaForCausalLM")
	}
	if s := string(raw.RopeScaling); s != "" && s != "null" {
		return nil, fmt.Errorf("rope_scaling %s is not supported (Llama-2 has none)", s)
	}
	if raw.AttentionBias || raw.MLPBias {
		return nil, fmt.Errorf("attention_bias/mlp_bias are not supported (Llama-2 has no biases)")
	}
	cfg := raw.Config
	if len(raw.EOS) > 0 && string(raw.EOS) != "null" {
		var one int
		if err := json.Unmarshal(raw.EOS, &one); err == nil {
			cfg.EOSTokenIDs = []int{one}
		} else if err := json.Unmarshal(raw.EOS, &cfg.EOSTokenIDs); err != nil {
			return nil, fmt.Errorf("eos_token_id %s is neither a number nor a list", raw.EOS)
		}
	}
	if err := checkFields(data, &cfg); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// Validate checks the sizes and fills the defaults (NumKVHeads, HeadDim,
// DType).
func (c *Config) Validate() error {
	if c.NumKVHeads == 0 {
		c.NumKVHeads = c.NumHeads
	}
	if c.HeadDim == 0 && c.NumHeads > 0 {
		c.HeadDim = c.HiddenSize / c.NumHeads
	}
	if c.DType == dtypes.InvalidDType {
		c.DType = dtypes.Float32
	}
	switch {
	case c.HiddenSize <= 0:
		return fmt.Errorf("hidden_size %d must be positive", c.HiddenSize)
	case c.IntermediateSize <= 0:
		return fmt.Errorf("intermediate_size %d must be positive", c.IntermediateSize)
	case c.NumLayers < 0:
		return fmt.Errorf("num_hidden_layers %d must not be negative", c.NumLayers)
	case c.NumHeads <= 0:
		return fmt.Errorf("num_attention_heads %d must be positive", c.NumHeads)
	case c.NumKVHeads <= 0 || c.NumHeads%c.NumKVHeads != 0:
		return fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.NumHeads, c.NumKVHeads)
	case c.HeadDim <= 0 || c.HeadDim%2 != 0:
		return fmt.Errorf("head dimension %d must be positive and even (hidden_size %d / num_attention_heads %d)", c.HeadDim, c.HiddenSize, c.NumHeads)
	case c.VocabSize < 0:
		return fmt.Errorf("vocab_size %d must not be negative", c.VocabSize)
	case c.HiddenAct != "silu" && c.HiddenAct != "":
		return fmt.Errorf("hidden_act %q is not supported (Llama uses silu)", c.HiddenAct)
	case c.RMSNormEps <= 0:
		return fmt.Errorf("rms_norm_eps %g must be positive", c.RMSNormEps)
	case c.RopeTheta <= 0:
		return fmt.Errorf("rope_theta %g must be positive", c.RopeTheta)
	case !c.DType.IsFloat():
		return fmt.Errorf("dtype %s is not a float dtype", c.DType)
	}
	return nil
}

// Weight is one tensor of a Llama checkpoint: its Hugging Face name and shape.
type Weight struct {
	Name  string
	Shape []int
}

// Weights lists the tensors a LlamaForCausalLM checkpoint of this
// configuration must hold, with Hugging Face names. lm_head.weight is absent
// when the embeddings are tied.
func (c *Config) Weights() []Weight {
	h := c.HiddenSize
	w := []Weight{{"model.embed_tokens.weight", []int{c.VocabSize, h}}}
	for _, lw := range c.LayerWeights() {
		w = append(w, Weight{"model." + lw.Name, lw.Shape})
	}
	w = append(w, Weight{"model.norm.weight", []int{h}})
	if !c.TieWordEmbeddings {
		w = append(w, Weight{"lm_head.weight", []int{c.VocabSize, h}})
	}
	return w
}

// LayerWeights lists the decoder-layer tensors, named relative to the
// decoder ("layers.0.self_attn.q_proj.weight", ...).
func (c *Config) LayerWeights() []Weight {
	h, i := c.HiddenSize, c.IntermediateSize
	q, kv := c.NumHeads*c.HeadDim, c.NumKVHeads*c.HeadDim
	var w []Weight
	for l := range c.NumLayers {
		p := fmt.Sprintf("layers.%d.", l)
		w = append(w,
			Weight{p + "input_layernorm.weight", []int{h}},
			Weight{p + "self_attn.q_proj.weight", []int{q, h}},
			Weight{p + "self_attn.k_proj.weight", []int{kv, h}},
			Weight{p + "self_attn.v_proj.weight", []int{kv, h}},
			Weight{p + "self_attn.o_proj.weight", []int{h, q}},
			Weight{p + "post_attention_layernorm.weight", []int{h}},
			Weight{p + "mlp.gate_proj.weight", []int{i, h}},
			Weight{p + "mlp.up_proj.weight", []int{i, h}},
			Weight{p + "mlp.down_proj.weight", []int{h, i}},
		)
	}
	return w
}

// NumParameters returns the number of weights of the causal LM.
func (c *Config) NumParameters() int64 {
	var n int64
	for _, w := range c.Weights() {
		p := int64(1)
		for _, d := range w.Shape {
			p *= int64(d)
		}
		n += p
	}
	return n
}
