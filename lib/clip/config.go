package clip

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tokenscale/tokenscale/lib/check"
)

// VisionConfig is the vision_config of a Hugging Face CLIPConfig. Missing
// fields take the Hugging Face defaults.
type VisionConfig struct {
	HiddenSize        int     `json:"hidden_size"`
	IntermediateSize  int     `json:"intermediate_size"`
	NumHiddenLayers   int     `json:"num_hidden_layers"`
	NumAttentionHeads int     `json:"num_attention_heads"`
	NumChannels       int     `json:"num_channels"`
	ImageSize         int     `json:"image_size"`
	PatchSize         int     `json:"patch_size"`
	HiddenAct         string  `json:"hidden_act"`
	LayerNormEps      float64 `json:"layer_norm_eps"`
	// GradientCheckpointing recomputes each encoder layer's inside in the
	// backward pass instead of keeping it (see encoder). A training choice,
	// not part of config.json.
	GradientCheckpointing bool `json:"-"`
}

// TextConfig is the text_config of a Hugging Face CLIPConfig. Missing fields
// take the Hugging Face defaults.
type TextConfig struct {
	VocabSize             int     `json:"vocab_size"`
	HiddenSize            int     `json:"hidden_size"`
	IntermediateSize      int     `json:"intermediate_size"`
	NumHiddenLayers       int     `json:"num_hidden_layers"`
	NumAttentionHeads     int     `json:"num_attention_heads"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	HiddenAct             string  `json:"hidden_act"`
	LayerNormEps          float64 `json:"layer_norm_eps"`
	BosTokenID            int     `json:"bos_token_id"`
	EosTokenID            int     `json:"eos_token_id"`
	// GradientCheckpointing: as VisionConfig.GradientCheckpointing.
	GradientCheckpointing bool `json:"-"`
}

// Config is a Hugging Face CLIPConfig (config.json of a CLIPModel folder).
type Config struct {
	ProjectionDim       int           `json:"projection_dim"`
	LogitScaleInitValue float64       `json:"logit_scale_init_value"`
	Vision              VisionConfig  `json:"vision_config"`
	Text                TextConfig    `json:"text_config"`
	ModelType           string        `json:"model_type"`
	Architectures       []string      `json:"architectures"`
	VisionDict          *VisionConfig `json:"vision_config_dict,omitempty"`
	TextDict            *TextConfig   `json:"text_config_dict,omitempty"`
}

// NumPatches is the number of patches per side of an image_size×image_size
// input (24 for ViT-L/14-336).
func (v VisionConfig) NumPatches() int { return v.ImageSize / v.PatchSize }

// HeadDim is the size of one attention head.
func (v VisionConfig) HeadDim() int { return v.HiddenSize / v.NumAttentionHeads }

// HeadDim is the size of one attention head.
func (t TextConfig) HeadDim() int { return t.HiddenSize / t.NumAttentionHeads }

// defaultConfig holds the Hugging Face defaults of CLIPConfig,
// CLIPVisionConfig and CLIPTextConfig.
func defaultConfig() Config {
	return Config{
		ProjectionDim:       512,
		LogitScaleInitValue: 2.6592,
		Vision: VisionConfig{HiddenSize: 768, IntermediateSize: 3072, NumHiddenLayers: 12, NumAttentionHeads: 12,
			NumChannels: 3, ImageSize: 224, PatchSize: 32, HiddenAct: "quick_gelu", LayerNormEps: 1e-5},
		Text: TextConfig{VocabSize: 49408, HiddenSize: 512, IntermediateSize: 2048, NumHiddenLayers: 12, NumAttentionHeads: 8,
			MaxPositionEmbeddings: 77, HiddenAct: "quick_gelu", LayerNormEps: 1e-5, BosTokenID: 49406, EosTokenID: 49407},
	}
}

// ParseConfig parses a CLIPModel config.json. Older files keep the tower
// settings in vision_config_dict / text_config_dict; those are used when
// vision_config / text_config are absent.
func ParseConfig(data []byte) (Config, error) {
	c := defaultConfig()
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return Config{}, fmt.Errorf("clip: config: %w", err)
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("clip: config: %w", err)
	}
	if _, ok := probe["vision_config"]; !ok {
		if raw, ok := probe["vision_config_dict"]; ok {
			if err := json.Unmarshal(raw, &c.Vision); err != nil {
				return Config{}, fmt.Errorf("clip: config: vision_config_dict: %w", err)
			}
		}
	}
	if _, ok := probe["text_config"]; !ok {
		if raw, ok := probe["text_config_dict"]; ok {
			if err := json.Unmarshal(raw, &c.Text); err != nil {
				return Config{}, fmt.Errorf("clip: config: text_config_dict: %w", err)
			}
		}
	}
	c.VisionDict, c.TextDict = nil, nil
	if c.ModelType != "" && c.ModelType != "clip" {
		return Config{}, fmt.Errorf("clip: config: model_type %q is not a CLIP model (want \"clip\")", c.ModelType)
	}
	return c, c.validate()
}

// LoadConfig reads dir/config.json.
func LoadConfig(dir string) (Config, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("clip: %w", err)
	}
	c, err := ParseConfig(data)
	if err != nil {
		return Config{}, check.Input(fmt.Errorf("%w (file %s)", err, path))
	}
	return c, nil
}

func (c Config) validate() error {
	v, t := c.Vision, c.Text
	for _, f := range []struct {
		name string
		val  int
	}{
		{"vision_config.hidden_size", v.HiddenSize}, {"vision_config.intermediate_size", v.IntermediateSize},
		{"vision_config.num_hidden_layers", v.NumHiddenLayers}, {"vision_config.num_attention_heads", v.NumAttentionHeads},
		{"vision_config.num_channels", v.NumChannels}, {"vision_config.image_size", v.ImageSize},
		{"vision_config.patch_size", v.PatchSize},
		{"text_config.vocab_size", t.VocabSize}, {"text_config.hidden_size", t.HiddenSize},
		{"text_config.intermediate_size", t.IntermediateSize}, {"text_config.num_hidden_layers", t.NumHiddenLayers},
		{"text_config.num_attention_heads", t.NumAttentionHeads}, {"text_config.max_position_embeddings", t.MaxPositionEmbeddings},
		{"projection_dim", c.ProjectionDim},
	} {
		if f.val <= 0 {
			return fmt.Errorf("clip: config: %s = %d, want > 0", f.name, f.val)
		}
	}
	if err := c.checkRanges(); err != nil {
		return fmt.Errorf("clip: config: %w", err)
	}
	if v.HiddenSize%v.NumAttentionHeads != 0 {
		return fmt.Errorf("clip: config: vision hidden_size %d is not divisible by num_attention_heads %d", v.HiddenSize, v.NumAttentionHeads)
	}
	if t.HiddenSize%t.NumAttentionHeads != 0 {
		return fmt.Errorf("clip: config: text hidden_size %d is not divisible by num_attention_heads %d", t.HiddenSize, t.NumAttentionHeads)
	}
	if v.ImageSize%v.PatchSize != 0 {
		return fmt.Errorf("clip: config: image_size %d is not a multiple of patch_size %d", v.ImageSize, v.PatchSize)
	}
	for _, act := range []struct{ where, name string }{{"vision_config", v.HiddenAct}, {"text_config", t.HiddenAct}} {
		if !knownActivation(act.name) {
			return fmt.Errorf("clip: config: %s.hidden_act %q is not supported (want quick_gelu, gelu, gelu_new, gelu_pytorch_tanh or relu)", act.where, act.name)
		}
	}
	return nil
}
