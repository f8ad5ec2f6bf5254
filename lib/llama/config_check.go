package llama

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// checkFields checks the sizes of a parsed config.json against the ranges
// of lib/check before anything is built from them (a num_hidden_layers of
// 10⁹ would otherwise list 9·10⁹ tensors), and the fields whose zero value
// would silently mean something else: an explicit num_key_value_heads or
// head_dim of 0 (absent means "as many as the query heads" and "hidden_size
// / num_attention_heads"), a hidden_size not divisible by
// num_attention_heads.
func checkFields(data []byte, c *Config) error {
	var present struct {
		KVHeads *int `json:"num_key_value_heads"`
		HeadDim *int `json:"head_dim"`
	}
	_ = json.Unmarshal(data, &present) // the full parse already succeeded
	if err := check.First(
		check.Int("vocab_size", c.VocabSize, 1, check.MaxVocab),
		check.Int("hidden_size", c.HiddenSize, 1, check.MaxWidth),
		check.Int("intermediate_size", c.IntermediateSize, 1, check.MaxWidth),
		check.Int("num_hidden_layers", c.NumLayers, 1, check.MaxLayers),
		check.Int("num_attention_heads", c.NumHeads, 1, check.MaxHeads),
		check.Int("max_position_embeddings", c.MaxPositions, 0, check.MaxPositions),
		check.Float("rms_norm_eps", c.RMSNormEps, 1e-12, 1),
		check.Float("rope_theta", c.RopeTheta, 1, 1e12),
	); err != nil {
		return err
	}
	if present.HeadDim != nil {
		if err := check.Int("head_dim", *present.HeadDim, 2, check.MaxWidth); err != nil {
			return err
		}
	} else if c.HiddenSize%c.NumHeads != 0 {
		return fmt.Errorf("hidden_size %d is not a multiple of num_attention_heads %d (and no head_dim is given)", c.HiddenSize, c.NumHeads)
	}
	if present.KVHeads != nil {
		if err := check.Int("num_key_value_heads", *present.KVHeads, 1, c.NumHeads); err != nil {
			return err
		}
	}
	return nil
}

var layerName = regexp.MustCompile(`^model\.layers\.(\d+)\.`)

// checkLayerCount compares num_hidden_layers with the decoder layers the
// checkpoint holds: fewer layers in the config than in the checkpoint would
// run a truncated model without a word.
func checkLayerCount(cfg *Config, ckpt *safetensors.Checkpoint) error {
	held := 0
	for _, name := range ckpt.Names() {
		if m := layerName.FindStringSubmatch(name); m != nil {
			if l, err := strconv.Atoi(m[1]); err == nil {
				held = max(held, l+1)
			}
		}
	}
	if held != cfg.NumLayers {
		return check.Input(fmt.Errorf("config.json has num_hidden_layers %d but the checkpoint holds %d decoder layers (model.layers.0 … model.layers.%d)", cfg.NumLayers, held, held-1))
	}
	return nil
}
