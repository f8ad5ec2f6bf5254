package clip

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/check"
)

// FuzzParseConfig feeds arbitrary bytes to the CLIP config.json parser: it
// must never panic, and a config it accepts must be within the ranges of
// lib/check and consistent (heads divide the widths, patches tile the
// image).
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(vitH))
	f.Add([]byte(`{"model_type":"clip","projection_dim":24,"vision_config":{"hidden_size":48,"intermediate_size":96,"num_hidden_layers":3,"num_attention_heads":4,"image_size":28,"patch_size":7},"text_config":{"vocab_size":120,"hidden_size":40,"intermediate_size":80,"num_hidden_layers":2,"num_attention_heads":4,"max_position_embeddings":16}}`))
	f.Add([]byte(`{"vision_config":{"num_hidden_layers":1000000000}}`))
	f.Add([]byte(`{"vision_config":{"image_size":30,"patch_size":7}}`))
	f.Add([]byte(`{"model_type":"llama"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		v, tx := c.Vision, c.Text
		if v.NumHiddenLayers > check.MaxLayers || tx.NumHiddenLayers > check.MaxLayers || v.ImageSize > check.MaxImageSide ||
			v.HiddenSize > check.MaxWidth || tx.VocabSize > check.MaxVocab || tx.MaxPositionEmbeddings > check.MaxPositions {
			t.Fatalf("accepted out-of-range sizes: %+v", c)
		}
		if v.HiddenSize%v.NumAttentionHeads != 0 || tx.HiddenSize%tx.NumAttentionHeads != 0 || v.ImageSize%v.PatchSize != 0 {
			t.Fatalf("accepted an inconsistent config: %+v", c)
		}
		_ = visionSpecs(v)
		_ = textSpecs(tx)
	})
}
