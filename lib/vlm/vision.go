package vlm

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/clip"
)

// VisionConfig is the CLIP vision tower (Hugging Face CLIPVisionConfig
// names). The tower and the paper's head after it (pos_layrnorm, local
// merge, token_LF) are lib/clip's; see [Config.VisionTokens].
type VisionConfig struct {
	ImageSize    int     `json:"image_size"`
	PatchSize    int     `json:"patch_size"`
	Hidden       int     `json:"hidden_size"`
	Intermediate int     `json:"intermediate_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	Act          string  `json:"hidden_act"`
	LayerNormEps float64 `json:"layer_norm_eps"`
}

// Grid is the number of patches per side.
func (c VisionConfig) Grid() int { return c.ImageSize / c.PatchSize }

// TokensPerView is the number of vision tokens a view gives after the local
// merge and the new-line token: (⌈grid/2⌉)² + 1 (145 at paper size).
func (c VisionConfig) TokensPerView() int {
	m := (c.Grid() + 1) / 2
	return m*m + 1
}

// Validate checks the sizes.
func (c VisionConfig) Validate() error {
	if c.ImageSize <= 0 || c.PatchSize <= 0 || c.ImageSize%c.PatchSize != 0 {
		return fmt.Errorf("vision config: image_size %d must be a positive multiple of patch_size %d", c.ImageSize, c.PatchSize)
	}
	if c.Hidden <= 0 || c.Heads <= 0 || c.Hidden%c.Heads != 0 || c.Layers <= 0 || c.Intermediate <= 0 {
		return fmt.Errorf("vision config: bad sizes %+v", c)
	}
	if c.Grid()%2 != 0 {
		return fmt.Errorf("vision config: the local merge needs an even patch grid, got %d", c.Grid())
	}
	switch c.Act {
	case "quick_gelu", "gelu", "":
	default:
		return fmt.Errorf("vision config: hidden_act %q not supported (quick_gelu or gelu)", c.Act)
	}
	return nil
}

// NumParams counts the tower's parameters without the post_layernorm, which
// the paper's model drops (docs/model.md#vision-tower-and-local-merge).
func (c VisionConfig) NumParams() int64 {
	h, i, p, g := int64(c.Hidden), int64(c.Intermediate), int64(c.PatchSize), int64(c.Grid())
	emb := 3*p*p*h + h + (g*g+1)*h
	layer := 4*(h*h+h) + 4*h + (h*i + i) + (i*h + h)
	return emb + 2*h + int64(c.Layers)*layer
}

// CLIP converts to lib/clip's vision configuration (3 channels; an empty
// hidden_act is quick_gelu, CLIP's default).
func (c VisionConfig) CLIP() clip.VisionConfig {
	act := c.Act
	if act == "" {
		act = "quick_gelu"
	}
	return clip.VisionConfig{
		HiddenSize: c.Hidden, IntermediateSize: c.Intermediate, NumHiddenLayers: c.Layers, NumAttentionHeads: c.Heads,
		NumChannels: 3, ImageSize: c.ImageSize, PatchSize: c.PatchSize, HiddenAct: act, LayerNormEps: c.LayerNormEps,
	}
}
