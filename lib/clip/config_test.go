package clip

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// vitH is a scaled-down config with the layout of laion/CLIP-ViT-H-14
// (exact gelu, patch 14, text eos_token_id 2 as in the OpenAI configs),
// written as older files do, with *_config_dict and a missing
// layer_norm_eps.
const vitH = `{
  "architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 8,
  "vision_config_dict": {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
    "num_attention_heads": 2, "image_size": 28, "patch_size": 14, "hidden_act": "gelu"},
  "text_config_dict": {"vocab_size": 30, "hidden_size": 12, "intermediate_size": 24, "num_hidden_layers": 1,
    "num_attention_heads": 3, "max_position_embeddings": 8, "hidden_act": "gelu", "bos_token_id": 0, "eos_token_id": 2}
}`

// writeRandomCheckpoint writes config and random weights for every tensor
// the config implies (plus an unused int64 position_ids buffer, as older
// checkpoints have).
func writeRandomCheckpoint(t *testing.T, config string, skip string) string {
	t.Helper()
	cfg, err := ParseConfig([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	var entries []safetensors.Entry
	specs := append(visionSpecs(cfg.Vision), textSpecs(cfg.Text)...)
	specs = append(specs, spec{"visual_projection.weight", []int{cfg.ProjectionDim, cfg.Vision.HiddenSize}},
		spec{"text_projection.weight", []int{cfg.ProjectionDim, cfg.Text.HiddenSize}})
	for _, s := range specs {
		if s.name == skip {
			continue
		}
		n := 1
		for _, d := range s.shape {
			n *= d
		}
		b := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(0.2*rng.NormFloat64())))
		}
		entries = append(entries, safetensors.Entry{Name: s.name, DType: dtypes.Float32, Shape: s.shape, Data: b})
	}
	entries = append(entries, safetensors.Entry{Name: "text_model.embeddings.position_ids", DType: dtypes.Int64,
		Shape: []int{1, cfg.Text.MaxPositionEmbeddings}, Data: make([]byte, 8*cfg.Text.MaxPositionEmbeddings)})
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), entries, nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestParseConfigViTHLayout(t *testing.T) {
	cfg, err := ParseConfig([]byte(vitH))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Vision.HiddenSize != 16 || cfg.Vision.PatchSize != 14 || cfg.Vision.HiddenAct != "gelu" ||
		cfg.Vision.LayerNormEps != 1e-5 || cfg.Vision.NumChannels != 3 || cfg.Text.EosTokenID != 2 || cfg.Text.MaxPositionEmbeddings != 8 {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestLoadViTHLayout(t *testing.T) {
	dir := writeRandomCheckpoint(t, vitH, "")
	m, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasVision || !m.HasText || !m.HasVisualProjection || !m.HasTextProjection {
		t.Fatalf("parts: %+v", m)
	}
	px := Array{Shape: []int{3, 3, 28, 28}, Data: randSlice(rand.New(rand.NewPCG(1, 1)), 3*3*28*28)}
	vr, err := m.Vision(px)
	if err != nil {
		t.Fatal(err)
	}
	if s := vr.LastHiddenState.Shape; s[0] != 3 || s[1] != 5 || s[2] != 16 {
		t.Errorf("last hidden shape %v, want [3 5 16]", s)
	}
	if s := vr.ImageEmbeds.Shape; s[0] != 3 || s[1] != 8 {
		t.Errorf("image embeds shape %v, want [3 8]", s)
	}
	// Legacy eos_token_id 2: pooling at the largest id.
	tr, err := m.Text([][]int{{0, 7, 29, 3, 2}, {0, 5}})
	if err != nil {
		t.Fatal(err)
	}
	if tr.PoolPositions[0] != 2 || tr.PoolPositions[1] != 1 {
		t.Errorf("pool positions %v, want [2 1]", tr.PoolPositions)
	}
	// The pooled row is final_layer_norm's output at that position.
	for i, p := range tr.PoolPositions {
		d := m.Config.Text.HiddenSize
		got, want := tr.Pooled.Row(i).Data, tr.LastHiddenState[i].Data[p*d:(p+1)*d]
		for j := range want {
			if math.Abs(float64(got[j]-want[j])) > 1e-6 {
				t.Fatalf("row %d: pooled differs from last_hidden_state[%d]", i, p)
			}
		}
	}
}

func TestLoadErrors(t *testing.T) {
	good := writeRandomCheckpoint(t, vitH, "")
	missingLayer := writeRandomCheckpoint(t, vitH, "vision_model.encoder.layers.1.mlp.fc2.weight")
	wrongShape := writeRandomCheckpoint(t, strings.Replace(vitH, `"intermediate_size": 32`, `"intermediate_size": 40`, 1), "")
	if err := os.WriteFile(filepath.Join(wrongShape, "config.json"), []byte(vitH), 0o644); err != nil {
		t.Fatal(err)
	}
	badAct := t.TempDir()
	os.WriteFile(filepath.Join(badAct, "config.json"), []byte(strings.Replace(vitH, `"hidden_act": "gelu"`, `"hidden_act": "swishy"`, 1)), 0o644)
	llama := t.TempDir()
	os.WriteFile(filepath.Join(llama, "config.json"), []byte(`{"model_type": "llama", "hidden_size": 64}`), 0o644)
	noWeights := t.TempDir()
	os.WriteFile(filepath.Join(noWeights, "config.json"), []byte(vitH), 0o644)
	withConfig := func(from, to string) string { // good's weights, an edited config.json
		dir := t.TempDir()
		st, _ := os.ReadFile(filepath.Join(good, "model.safetensors"))
		os.WriteFile(filepath.Join(dir, "model.safetensors"), st, 0o644)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(vitH, from, to, 1)), 0o644)
		return dir
	}
	for _, tc := range []struct{ dir, want string }{
		{withConfig(`"num_hidden_layers": 2`, `"num_hidden_layers": 1000000000`), "vision_config.num_hidden_layers 1000000000 is out of range [1, 1024]"},
		{withConfig(`"num_hidden_layers": 2`, `"num_hidden_layers": 1`), "vision_config.num_hidden_layers 1 but the checkpoint holds 2 vision_model encoder layers"},
		{withConfig(`"image_size": 28`, `"image_size": 2800000`), "vision_config.image_size 2800000 is out of range"},
		{filepath.Join(good, "nope"), "config.json"},
		{missingLayer, "layers.1.mlp.fc2.weight"},
		{wrongShape, "fc1.weight"},
		{badAct, "swishy"},
		{llama, "not a CLIP model"},
		{noWeights, "safetensors"},
	} {
		_, err := Load(tc.dir)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s): %v, want an error mentioning %q", filepath.Base(tc.dir), err, tc.want)
		}
	}
	m, err := Load(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"wrong pixel shape", func() error {
			_, err := m.Vision(Array{Shape: []int{1, 3, 20, 20}, Data: make([]float32, 1200)})
			return err
		}()},
		{"id out of range", func() error { _, err := m.Text([][]int{{0, 30}}); return err }()},
		{"too long", func() error { _, err := m.Text([][]int{make([]int, 9)}); return err }()},
		{"bad layer", func() error {
			_, err := m.VisionLayer(Array{Shape: []int{1, 3, 28, 28}, Data: make([]float32, 3*28*28)}, 3)
			return err
		}()},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// The activations are the Hugging Face definitions.
func TestActivations(t *testing.T) {
	xs := []float32{-3, -1, -0.25, 0, 0.5, 2}
	for _, tc := range []struct {
		name string
		f    func(x float64) float64
	}{
		{"quick_gelu", func(x float64) float64 { return x / (1 + math.Exp(-1.702*x)) }},
		{"gelu", func(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }},
		{"gelu_new", func(x float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}},
		{"relu", func(x float64) float64 { return math.Max(x, 0) }},
	} {
		got, err := model.CallOnce(backend.MustNew(), model.NewStore(), func(_ *model.Scope, x *Node) *Node {
			return activate(tc.name, x)
		}, tensors.FromFlatDataAndDimensions(xs, len(xs)))
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range tensors.MustCopyFlatData[float32](got) {
			if want := tc.f(float64(xs[i])); math.Abs(float64(v)-want) > 1e-6 {
				t.Errorf("%s(%g) = %g, want %g", tc.name, xs[i], v, want)
			}
		}
	}
}

func TestExtendTextPositions(t *testing.T) {
	m, gc := loadGolden(t)
	path := varPath(m.Prefix, "text_model.embeddings.position_embedding.weight")
	before, _, _ := values(m.Store, path)
	ref, err := m.Text([][]int{gc.Text[0].InputIDs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Text([][]int{make([]int, 20)}); err == nil {
		t.Fatal("20 tokens accepted by a 16-position tower")
	}
	if err := m.ExtendTextPositions(512, 1); err != nil {
		t.Fatal(err)
	}
	after, dims, _ := values(m.Store, path)
	if dims[0] != 512 || dims[1] != 40 || m.Config.Text.MaxPositionEmbeddings != 512 {
		t.Fatalf("table %v, config %d", dims, m.Config.Text.MaxPositionEmbeddings)
	}
	for i := range before {
		if after[i] != before[i] {
			t.Fatalf("old entry %d changed", i)
		}
	}
	// New entries follow N(mean, std) of the old table.
	stats := func(x []float32) (mean, std float64) {
		f := make([]float64, len(x))
		for i, v := range x {
			f[i] = float64(v)
		}
		return stat.MeanStdDev(f, nil) // sample standard deviation
	}
	m0, s0 := stats(before)
	m1, s1 := stats(after[len(before):])
	n := float64(len(after) - len(before))
	if math.Abs(m1-m0) > 5*s0/math.Sqrt(n) || math.Abs(s1/s0-1) > 0.05 {
		t.Errorf("new rows mean %g std %g, old table mean %g std %g", m1, s1, m0, s0)
	}
	// The first positions still give the golden output, and longer inputs run.
	got, err := m.Text([][]int{gc.Text[0].InputIDs})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ref.LastHiddenState[0].Data {
		if got.LastHiddenState[0].Data[i] != v {
			t.Fatalf("text output changed by the extension at %d", i)
		}
	}
	long := make([]int, 100)
	long[99] = 119
	if _, err := m.Text([][]int{long}); err != nil {
		t.Errorf("100 tokens after extension: %v", err)
	}
}

func TestSetTrainable(t *testing.T) {
	m, err := Load(writeRandomCheckpoint(t, vitH, ""))
	if err != nil {
		t.Fatal(err)
	}
	cfg := m.Config
	wantText := len(textSpecs(cfg.Text))
	if n := m.SetTrainable("text_model", false); n != wantText {
		t.Errorf("SetTrainable(text_model) touched %d variables, want %d", n, wantText)
	}
	frozen := 0
	for v := range m.Store.IterVariables() {
		if !v.Trainable {
			frozen++
			if !strings.HasPrefix(v.Path(), "/text_model/") {
				t.Errorf("%s frozen", v.Path())
			}
		}
	}
	if frozen != wantText {
		t.Errorf("%d frozen variables, want %d", frozen, wantText)
	}
	if n := m.SetTrainable("vision_model.encoder.layers.1", false); n != 16 {
		t.Errorf("one vision layer: %d variables, want 16", n)
	}
}
