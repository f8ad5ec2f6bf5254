// Package evaltest builds small model checkpoints for the tests of lib/eval,
// cmd/tokenscale and the notebooks: a checkpoint in the paper's layout
// (Section 4, Figure 5: CLIP vision tower, fusion module, Llama-2 chat with
// the real CLIP BPE and Llama-2 SentencePiece tokenizers, HD-9 views) made
// from the golden tiny CLIP and Llama reference checkpoints, so that the
// paper-size evaluation path runs on a CPU in seconds.
package evaltest

import (
	"encoding/json"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/safetensors"
	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// viewSize is the side of the paper's HD views (lib/vision.ViewSize) and
// patchScale the factor that turns the golden CLIP's 28-px input and 7-px
// patches into 336-px views and 84-px patches with the same 4×4 grid.
const (
	viewSize   = 336
	patchScale = 12
)

// PaperLayoutCheckpoint writes under dir a checkpoint of the paper's layout
// with N queries and returns its folder. Its parts:
//   - the golden clip-tiny vision tower (hidden 48, 3 layers), its patch
//     embedding spread from 7×7 to 84×84 pixels (each weight divided by
//     144, so a view averaged down to 28 px gives the golden tower's
//     input): the tower takes the paper's 336-px HD views, 4×4 patches;
//   - the golden llama-tiny (hidden 64, 2 layers) with its embedding and LM
//     head extended from 97 to 32 000 rows (rows past 97 repeat the first
//     97, scaled by 0.5 to 1.5), so that the real Llama-2 tokenizer's ids
//     fit and its answers are word pieces;
//   - a random 1-layer fusion module of hidden 48, merge and projection
//     (seed 1), saved in the checkpoint;
//   - the real CLIP BPE and Llama-2 SentencePiece tokenizers; HD-9; VQQ.
//
// The model answers nonsense (nothing is trained) but runs every stage of
// the paper-size evaluation path.
func PaperLayoutCheckpoint(t testing.TB, dir string, n int) string {
	t.Helper()
	clipGolden := testfiles.Path(t, "golden", "clip-tiny")
	llamaGolden := testfiles.Path(t, "golden", "llama-tiny")
	clipVocab := tokentest.CLIPVocab(t)
	llamaTok := tokentest.LlamaModel(t)

	clipDir := filepath.Join(dir, "clip")
	writePart(t, clipGolden, clipDir, func(cfg map[string]any) {
		vc := cfg["vision_config"].(map[string]any)
		vc["image_size"], vc["patch_size"] = viewSize, 7*patchScale
	}, func(name string, data []float32, shape []int) ([]float32, []int) {
		if name != "vision_model.embeddings.patch_embedding.weight" {
			return data, shape
		}
		o, c, k := shape[0], shape[1], shape[2]
		K := k * patchScale
		out := make([]float32, o*c*K*K)
		for i := range o * c {
			for y := range K {
				for x := range K {
					out[(i*K+y)*K+x] = data[(i*k+y/patchScale)*k+x/patchScale] / (patchScale * patchScale)
				}
			}
		}
		return out, []int{o, c, K, K}
	})
	const vocab = 32000
	llamaDir := filepath.Join(dir, "llama")
	writePart(t, llamaGolden, llamaDir, func(cfg map[string]any) {
		cfg["vocab_size"], cfg["max_position_embeddings"] = vocab, 4096
	}, func(name string, data []float32, shape []int) ([]float32, []int) {
		if name != "model.embed_tokens.weight" && name != "lm_head.weight" {
			return data, shape
		}
		rows, h := shape[0], shape[1]
		out := make([]float32, vocab*h)
		for r := range vocab {
			scale := float32(1)
			if r >= rows {
				scale = 0.5 + float32(r*7919%1000)/1000
			}
			for j := range h {
				out[r*h+j] = scale * data[(r%rows)*h+j]
			}
		}
		return out, []int{vocab, h}
	})

	cfg := vlm.Config{
		Vision: vlm.VisionConfig{ImageSize: viewSize, PatchSize: 7 * patchScale, Hidden: 48, Intermediate: 96, Layers: 3, Heads: 4, Act: "quick_gelu", LayerNormEps: 1e-5},
		Fusion: vlm.FusionConfig{
			DecoderConfig:   fusion.DecoderConfig{Hidden: 48, Intermediate: 96, Layers: 1, Heads: 4, KVHeads: 4, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 0.02},
			Vocab:           49408,
			MaxPlaceholders: max(15, n-1),
			EOS:             49407,
			Pad:             49407,
		},
		LLM: vlm.LLMConfig{
			DecoderConfig: fusion.DecoderConfig{Hidden: 64, Intermediate: 160, Layers: 2, Heads: 4, KVHeads: 4, RopeTheta: 1e4, RMSEps: 1e-5, InitStd: 0.02},
			Vocab:         vocab,
		},
		N: n, M: fusion.MForN(n), Mode: "vqq", ProjectionStd: 0.02, HD: 9, Tokenizer: "clip+llama2",
		CLIPPath: clipDir, LLMPath: llamaDir, CLIPVocab: clipVocab, LlamaTokenizer: llamaTok,
	}
	m, err := vlm.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// One answer builds every graph, which creates the fusion module's,
	// the merge's and the projection's variables; then save them.
	img := image.NewRGBA(image.Rect(0, 0, 48, 40))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 37)
	}
	img.Set(3, 3, color.RGBA{255, 0, 0, 255})
	if _, err := m.AnswerImage(img, []string{"What is this?"}, nil, 2); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "model")
	if err := m.Save(out, vlm.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return out
}

// writePart copies a Hugging Face folder (config.json + model.safetensors)
// to dst with the config and each tensor changed by edit and conv.
func writePart(t testing.TB, src, dst string, edit func(map[string]any), conv func(name string, data []float32, shape []int) ([]float32, []int)) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(src, vlm.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	edit(cfg)
	ck, err := safetensors.Open(filepath.Join(src, vlm.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	named := map[string]*tensors.Tensor{}
	for _, name := range ck.Names() {
		data, shape, err := ck.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		data, shape = conv(name, data, shape)
		named[name] = tensors.FromFlatDataAndDimensions(data, shape...)
	}
	if err := vlm.WriteFolder(dst, cfg, named); err != nil {
		t.Fatal(err)
	}
}
