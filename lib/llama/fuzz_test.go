package llama

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/check"
)

// FuzzParseConfig feeds arbitrary bytes to the config.json parser: it must
// never panic, and a config it accepts must have every size inside the
// ranges of lib/check (so nothing built from it can blow up) and be
// consistent (heads divide, an even head dimension).
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":97,"hidden_size":64,"intermediate_size":160,"num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":4,"rms_norm_eps":1e-05,"max_position_embeddings":128,"eos_token_id":2}`))
	f.Add([]byte(`{"model_type":"llama","vocab_size":32000,"hidden_size":4096,"intermediate_size":11008,"num_hidden_layers":32,"num_attention_heads":32,"max_position_embeddings":4096,"eos_token_id":[2,3],"rope_scaling":null}`))
	f.Add([]byte(`{"model_type":"llama","vocab_size":5,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1000000000,"num_attention_heads":2}`))
	f.Add([]byte(`{"model_type":"llama","vocab_size":5,"hidden_size":8,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":2,"num_key_value_heads":0,"head_dim":6}`))
	f.Add([]byte(`{"model_type":"clip"}`))
	f.Add([]byte(`[1,2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err != nil {
			return
		}
		if c.NumLayers < 1 || c.NumLayers > check.MaxLayers || c.VocabSize > check.MaxVocab || c.HiddenSize > check.MaxWidth ||
			c.IntermediateSize > check.MaxWidth || c.NumHeads > check.MaxHeads || c.MaxPositions > check.MaxPositions {
			t.Fatalf("accepted out-of-range sizes: %+v", c)
		}
		if c.NumKVHeads < 1 || c.NumHeads%c.NumKVHeads != 0 || c.HeadDim < 2 || c.HeadDim%2 != 0 {
			t.Fatalf("accepted inconsistent heads: %+v", c)
		}
		if n := c.NumParameters(); n <= 0 {
			t.Fatalf("%d parameters for %+v", n, c)
		}
	})
}
