package clip

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/vision"
)

// A narrow model with ViT-L/14-336's geometry (336 px, patch 14, 24×24
// patches): an image drawn in code goes through lib/vision's HD-9 views and
// the paper's vision head, giving 145 tokens per view (App. C).
const narrow336 = `{"model_type": "clip", "projection_dim": 4,
  "vision_config": {"hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2,
    "image_size": 336, "patch_size": 14, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5},
  "text_config": {"vocab_size": 10, "hidden_size": 4, "intermediate_size": 8, "num_hidden_layers": 1,
    "num_attention_heads": 1, "max_position_embeddings": 4}}`

func TestImageToPaperTokens(t *testing.T) {
	m, err := Load(writeRandomCheckpoint(t, narrow336, ""))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.InitPaperVision(1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ w, h, views int }{{800, 600, 10}, {1920, 1080, 7}} {
		v, err := vision.Process(vision.Scene(tc.w, tc.h), vision.DefaultHD)
		if err != nil {
			t.Fatal(err)
		}
		p := v.Pixels()
		tokens, err := m.PaperTokens(Array{Shape: p.Shape(), Data: p.Data}, false)
		if err != nil {
			t.Fatal(err)
		}
		if s := tokens.Shape; s[0] != tc.views || s[1] != vision.TokensPerView || s[2] != 8 {
			t.Errorf("%d×%d: tokens %v, want [%d 145 8]", tc.w, tc.h, s, tc.views)
		}
		if n := tokens.Shape[0] * tokens.Shape[1]; n != v.Layout.Tokens() {
			t.Errorf("%d×%d: %d tokens, layout says %d", tc.w, tc.h, n, v.Layout.Tokens())
		}
	}
}
