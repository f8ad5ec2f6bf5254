package vlm

import (
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenscale/tokenscale/lib/outfile"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/clip"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/safetensors"
	"github.com/tokenscale/tokenscale/lib/tokenizer/wordtok"
	"github.com/tokenscale/tokenscale/lib/vlm/toysquare"
)

// Special ids of the word-level toy tokenizer (shared by the fusion side and
// the toy LLM). Words follow from FirstWord.
const (
	WordPad   int32 = 0 // padding and the QED slot filler
	WordBOS   int32 = 1 // <s>
	WordEOS   int32 = 2 // </s>; also the eos closing a fusion query group
	WordInst  int32 = 3 // [INST]
	WordEInst int32 = 4 // [/INST]
	WordUnk   int32 = 5
	FirstWord int32 = 6
)

// toySpecials names the toy vocabulary's special ids in id order
// (FirstWord of them).
var toySpecials = []string{WordPad: "<pad>", WordBOS: "<s>", WordEOS: "</s>", WordInst: "[INST]", WordEInst: "[/INST]", WordUnk: "<unk>"}

// WordTokenizer is the toy tokenizer: lower-cased whitespace-separated words
// of a fixed list ("?" and "," split off, "." read as a space). Encode maps
// unknown words to WordUnk; Decode skips specials.
type WordTokenizer = wordtok.Tokenizer

// NewWordTokenizer indexes words (ids from FirstWord).
func NewWordTokenizer(words []string) *WordTokenizer {
	return wordtok.New(wordtok.Config{Specials: toySpecials, Unk: WordUnk, Words: words, Spaces: "."})
}

// ToyChat lays out the LLM side of the toy format, a word-level copy of the
// Llama-2 chat layout of docs/model.md#projection-and-llm-input:
//
//	<s> [INST] QED×N q₁ [/INST] a₁ </s> <s> [INST] QED×M q₂ [/INST] a₂ </s> …
//
// Answer words and </s> are targets. Questions without an answer (answers
// shorter than questions: generation) end at their [/INST].
func ToyChat(t *WordTokenizer, n, m int, questions, answers []string) (ids []int32, slot, target []bool) {
	add := func(id int32, s, tg bool) {
		ids, slot, target = append(ids, id), append(slot, s), append(target, tg)
	}
	for k, q := range questions {
		add(WordBOS, false, false)
		add(WordInst, false, false)
		cnt := n
		if k > 0 {
			cnt = m
		}
		for range cnt {
			add(WordPad, true, false)
		}
		for _, id := range t.Encode(q) {
			add(id, false, false)
		}
		add(WordEInst, false, false)
		if k >= len(answers) {
			continue
		}
		for _, id := range t.Encode(answers[k]) {
			add(id, false, true)
		}
		add(WordEOS, false, true)
	}
	return ids, slot, target
}

// Encode tokenises a record into an Example: pixels of its image, the
// fusion-side question ids, the answers (stage 1) and the LLM chat
// sequence — with the toy word tokenizer, or with CLIP BPE + Llama-2
// SentencePiece through lib/chat (Tokenizer "clip+llama2", see EncodeWith).
func (c Config) Encode(rec Record) (Example, error) {
	qs, as, err := rec.QA()
	if err != nil {
		return Example{}, fmt.Errorf("vlm: %s: %w", rec.Image, err)
	}
	if c.Tokenizer == "clip+llama2" {
		tz, err := c.LoadTokenizers()
		if err != nil {
			return Example{}, err
		}
		return c.EncodeWith(rec, tz)
	}
	if c.Tokenizer != "words" {
		return Example{}, fmt.Errorf("vlm: unknown tokenizer %q (words or clip+llama2)", c.Tokenizer)
	}
	tok := NewWordTokenizer(c.Words)
	pix, views, err := c.Pixels(rec.Image)
	if err != nil {
		return Example{}, err
	}
	ex := Example{Pixels: pix, Views: views}
	for _, q := range qs {
		ex.Questions = append(ex.Questions, tok.Encode(q))
	}
	ex.LLMIDs, ex.Slot, ex.Target = ToyChat(tok, c.N, c.M, qs, as)
	for _, a := range as {
		ex.Answers = append(ex.Answers, append(tok.Encode(a), WordEOS))
	}
	return ex, nil
}

// ToyWords is the vocabulary of the toy dataset.
var ToyWords = []string{"what", "colour", "is", "the", "square", "where", "?",
	"red", "green", "blue", "yellow", "top", "bottom", "left", "right"}

// ToyConfig is a model small enough to train in minutes on 2 CPU cores:
// 16-px images in 4-px patches (5 vision tokens), a 2-layer hidden-32
// fusion decoder and a 1-layer hidden-32 LLM over the toy words, with N
// queries (M by the paper's rule).
func ToyConfig(n int) Config { return ToyConfigWith(n, ToyWords, 16, 4) }

// ToyConfigWith is ToyConfig over another word list and image size (the
// patch grid imageSize/patchSize must be even): for synthetic tasks such as
// the scaling lab's. The fusion table holds 63 placeholders (N ≤ 64) or N−1.
func ToyConfigWith(n int, words []string, imageSize, patchSize int) Config {
	vocab := int(FirstWord) + len(words)
	return Config{
		Vision: VisionConfig{ImageSize: imageSize, PatchSize: patchSize, Hidden: 32, Intermediate: 64, Layers: 1, Heads: 2, Act: "quick_gelu", LayerNormEps: 1e-5},
		Fusion: FusionConfig{
			DecoderConfig:   fusion.DecoderConfig{Hidden: 32, Intermediate: 64, Layers: 2, Heads: 2, KVHeads: 2, RopeTheta: 1e4, RMSEps: 1e-6, InitStd: 0.02},
			Vocab:           vocab,
			MaxPlaceholders: max(63, n-1),
			EOS:             WordEOS,
			Pad:             WordPad,
		},
		LLM: LLMConfig{
			// A random frozen LLM needs weights large enough to express
			// confident predictions: std 1/√hidden instead of 0.02.
			DecoderConfig: fusion.DecoderConfig{Hidden: 32, Intermediate: 64, Layers: 1, Heads: 2, KVHeads: 2, RopeTheta: 1e4, RMSEps: 1e-5, InitStd: 0.18},
			Vocab:         vocab,
		},
		N: n, M: fusion.MForN(n), Mode: "vqq", ProjectionStd: 0.02, HD: 0,
		Tokenizer: "words", Words: words,
		Text: &clip.TextConfig{VocabSize: vocab, HiddenSize: 32, IntermediateSize: 64, NumHiddenLayers: 1, NumAttentionHeads: 2,
			MaxPositionEmbeddings: 16, HiddenAct: "quick_gelu", LayerNormEps: 1e-5, BosTokenID: int(WordBOS), EosTokenID: int(WordEOS)},
		ProjectionDim: 16,
	}
}

// randomWeights initialises the variables build creates (seeded) and returns
// them keyed by dotted name.
func randomWeights(seed int64, build func(scope *model.Scope, g *Graph) *Node) (map[string]*tensors.Tensor, error) {
	be, err := backend.New()
	if err != nil {
		return nil, err
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, seed)
	exec, err := model.NewExec(be, store, build)
	if err != nil {
		return nil, err
	}
	if _, err := exec.Call(); err != nil {
		return nil, err
	}
	out := map[string]*tensors.Tensor{}
	for v := range store.IterVariables() {
		if strings.Contains(v.Path(), "#") {
			continue
		}
		name, _ := fusion.HFName(v.Path(), "/")
		t, err := v.Value()
		if err != nil {
			return nil, err
		}
		out[name] = t
	}
	return out, nil
}

func writeHF(dir string, cfg any, named map[string]*tensors.Tensor) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), append(raw, '\n'), 0o644); err != nil {
		return err
	}
	return safetensors.WriteTensors(filepath.Join(dir, WeightsFile), named, map[string]string{"format": "pt"})
}

// WriteRandomCLIP writes a Hugging Face-layout CLIP folder with a random
// vision tower of size c.Vision and, when c.Text is set, a random text tower
// and text_projection (c.ProjectionDim wide): model.safetensors and a
// config.json.
func WriteRandomCLIP(dir string, c Config, seed int64) error {
	cv := c.Vision.CLIP()
	named, err := randomWeights(seed, func(scope *model.Scope, g *Graph) *Node {
		clip.DeclareVisionWeights(scope, cv, dtypes.Float32, VisionStd)
		px := Zeros(g, shapes.Make(dtypes.Float32, 1, 3, cv.ImageSize, cv.ImageSize))
		states := clip.VisionHiddenStates(scope, cv, px, cv.NumHiddenLayers)
		return ReduceAllSum(states[len(states)-1])
	})
	if err != nil {
		return fmt.Errorf("vlm: random CLIP: %w", err)
	}
	// CLIP's post_layernorm, which the paper's model does not use, completes
	// the Hugging Face layout (lib/clip loads the folder).
	ones := make([]float32, cv.HiddenSize)
	for i := range ones {
		ones[i] = 1
	}
	named["vision_model.post_layernorm.weight"] = tensors.FromFlatDataAndDimensions(ones, cv.HiddenSize)
	named["vision_model.post_layernorm.bias"] = tensors.FromFlatDataAndDimensions(make([]float32, cv.HiddenSize), cv.HiddenSize)
	cfg := map[string]any{"model_type": "clip", "architectures": []string{"CLIPModel"}, "vision_config": c.Vision}
	if t := c.Text; t != nil {
		r := rand.New(rand.NewPCG(uint64(seed), 0x7e47))
		normal := func(std float64, dims ...int) *tensors.Tensor {
			n := 1
			for _, d := range dims {
				n *= d
			}
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(std * r.NormFloat64())
			}
			return tensors.FromFlatDataAndDimensions(v, dims...)
		}
		fill := func(x float32, n int) *tensors.Tensor {
			v := make([]float32, n)
			for i := range v {
				v[i] = x
			}
			return tensors.FromFlatDataAndDimensions(v, n)
		}
		d, in := t.HiddenSize, t.IntermediateSize
		named["text_model.embeddings.token_embedding.weight"] = normal(0.02, t.VocabSize, d)
		named["text_model.embeddings.position_embedding.weight"] = normal(0.01, t.MaxPositionEmbeddings, d)
		named["text_model.final_layer_norm.weight"], named["text_model.final_layer_norm.bias"] = fill(1, d), fill(0, d)
		for l := range t.NumHiddenLayers {
			p := fmt.Sprintf("text_model.encoder.layers.%d.", l)
			for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
				named[p+"self_attn."+n+".weight"], named[p+"self_attn."+n+".bias"] = normal(0.02, d, d), fill(0, d)
			}
			for _, n := range []string{"layer_norm1", "layer_norm2"} {
				named[p+n+".weight"], named[p+n+".bias"] = fill(1, d), fill(0, d)
			}
			named[p+"mlp.fc1.weight"], named[p+"mlp.fc1.bias"] = normal(0.02, in, d), fill(0, in)
			named[p+"mlp.fc2.weight"], named[p+"mlp.fc2.bias"] = normal(0.02, d, in), fill(0, d)
		}
		named["text_projection.weight"] = normal(0.02, c.ProjectionDim, d)
		cfg["text_config"] = t
		cfg["projection_dim"] = c.ProjectionDim
		cfg["logit_scale_init_value"] = 2.6592
	}
	return writeHF(dir, cfg, named)
}

// WriteRandomLlama writes a Hugging Face-layout Llama folder with random
// weights of size c (model.*, lm_head.weight and a config.json).
func WriteRandomLlama(dir string, c LLMConfig, seed int64) error {
	named, err := randomWeights(seed, func(scope *model.Scope, g *Graph) *Node {
		ids := Zeros(g, shapes.Make(dtypes.Int32, 1, 2))
		std := c.Std()
		root := scope.WithInitializer(initializer.RandomNormalFn(scope, std))
		logits, _ := llama.CausalLM(root, c.Llama(), ids, nil, llama.DecoderOptions{})
		return ReduceAllSum(logits)
	})
	if err != nil {
		return fmt.Errorf("vlm: random Llama: %w", err)
	}
	type hf struct {
		LLMConfig
		ModelType     string   `json:"model_type"`
		Architectures []string `json:"architectures"`
	}
	return writeHF(dir, hf{c, "llama", []string{"LlamaForCausalLM"}}, named)
}

// WriteToyDataset writes n chat records (JSONL) and their 16×16 PNG images
// into dir: a coloured square in one quadrant; each record asks one or two
// of "what colour is the square?" and "where is the square?". It returns
// the JSONL path.
func WriteToyDataset(dir string, n int, seed uint64) (string, error) {
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		return "", err
	}
	r := rand.New(rand.NewPCG(seed, 0x70c))
	var lines []string
	for i := range n {
		col := toysquare.ColourNames[r.IntN(4)]
		pl := r.IntN(4)
		img := toysquare.Draw(col, pl, 16)
		name := fmt.Sprintf("images/%05d.png", i)
		if err := outfile.WriteWith(filepath.Join(dir, name), func(w io.Writer) error { return png.Encode(w, img) }); err != nil {
			return "", err
		}
		qa := [][2]string{{"what colour is the square?", col}, {"where is the square?", toysquare.Places[pl]}}
		r.Shuffle(2, func(a, b int) { qa[a], qa[b] = qa[b], qa[a] })
		k := 1 + r.IntN(2)
		rec := Record{Image: name}
		for _, p := range qa[:k] {
			rec.Messages = append(rec.Messages, Message{"user", p[0]}, Message{"assistant", p[1]})
		}
		raw, _ := json.Marshal(rec)
		lines = append(lines, string(raw))
	}
	path := filepath.Join(dir, "train.jsonl")
	return path, outfile.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"))
}
