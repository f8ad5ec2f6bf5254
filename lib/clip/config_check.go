package clip

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// checkRanges bounds every size of a CLIP config.json with the limits of
// lib/check, before anything is built from it (validate checks positivity
// and divisibility).
func (c Config) checkRanges() error {
	v, t := c.Vision, c.Text
	return check.First(
		check.Int("vision_config.hidden_size", v.HiddenSize, 1, check.MaxWidth),
		check.Int("vision_config.intermediate_size", v.IntermediateSize, 1, check.MaxWidth),
		check.Int("vision_config.num_hidden_layers", v.NumHiddenLayers, 1, check.MaxLayers),
		check.Int("vision_config.num_attention_heads", v.NumAttentionHeads, 1, check.MaxHeads),
		check.Int("vision_config.num_channels", v.NumChannels, 1, 4),
		check.Int("vision_config.image_size", v.ImageSize, 1, check.MaxImageSide),
		check.Int("vision_config.patch_size", v.PatchSize, 1, check.MaxImageSide),
		check.Float("vision_config.layer_norm_eps", v.LayerNormEps, 1e-12, 1),
		check.Int("text_config.vocab_size", t.VocabSize, 1, check.MaxVocab),
		check.Int("text_config.hidden_size", t.HiddenSize, 1, check.MaxWidth),
		check.Int("text_config.intermediate_size", t.IntermediateSize, 1, check.MaxWidth),
		check.Int("text_config.num_hidden_layers", t.NumHiddenLayers, 1, check.MaxLayers),
		check.Int("text_config.num_attention_heads", t.NumAttentionHeads, 1, check.MaxHeads),
		check.Int("text_config.max_position_embeddings", t.MaxPositionEmbeddings, 1, check.MaxPositions),
		check.Float("text_config.layer_norm_eps", t.LayerNormEps, 1e-12, 1),
		check.Int("projection_dim", c.ProjectionDim, 1, check.MaxWidth),
	)
}

var towerLayer = regexp.MustCompile(`^(vision_model|text_model)\.encoder\.layers\.(\d+)\.`)

// checkLayerCounts compares each tower's num_hidden_layers with the encoder
// layers the checkpoint holds for it (a tower absent from the checkpoint is
// not checked): fewer layers in the config would run a truncated tower
// without a word. The paper reads the vision tower's penultimate layer, so
// a count that is off changes every feature.
func (c Config) checkLayerCounts(ckpt *safetensors.Checkpoint) error {
	held := map[string]int{}
	for _, name := range ckpt.Names() {
		if m := towerLayer.FindStringSubmatch(name); m != nil {
			if l, err := strconv.Atoi(m[2]); err == nil {
				held[m[1]] = max(held[m[1]], l+1)
			}
		}
	}
	for _, tw := range []struct {
		tower, field string
		want         int
	}{
		{"vision_model", "vision_config.num_hidden_layers", c.Vision.NumHiddenLayers},
		{"text_model", "text_config.num_hidden_layers", c.Text.NumHiddenLayers},
	} {
		if n, ok := held[tw.tower]; ok && n != tw.want {
			return check.Input(fmt.Errorf("config.json has %s %d but the checkpoint holds %d %s encoder layers", tw.field, tw.want, n, tw.tower))
		}
	}
	return nil
}
