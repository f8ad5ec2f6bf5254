package clip

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// Model is a CLIP checkpoint loaded into a GoMLX store. Its weights live at
// Prefix in Store under the Hugging Face names with "." replaced by "/"
// (vision_model/encoder/layers/0/self_attn/q_proj/weight, ...), so the graph
// functions of this package can be composed into larger models that share
// the store.
type Model struct {
	Config  Config
	Dir     string
	Store   *model.Store
	Prefix  string
	Backend compute.Backend

	// Which parts the checkpoint holds: a CLIPVisionModel folder has no text
	// tower and no projections.
	HasVision, HasText                     bool
	HasVisualProjection, HasTextProjection bool

	mu    sync.Mutex
	execs map[string]*model.Exec
}

// Scope returns the scope of the CLIP weights.
func (m *Model) Scope() *model.Scope { return m.Store.Scope(m.Prefix) }

// spec is one expected tensor.
type spec struct {
	name  string
	shape []int
}

func layerSpecs(prefix string, layers, d, inter int) []spec {
	var s []spec
	for i := 0; i < layers; i++ {
		p := fmt.Sprintf("%s.encoder.layers.%d.", prefix, i)
		for _, n := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			s = append(s, spec{p + "self_attn." + n + ".weight", []int{d, d}}, spec{p + "self_attn." + n + ".bias", []int{d}})
		}
		s = append(s,
			spec{p + "layer_norm1.weight", []int{d}}, spec{p + "layer_norm1.bias", []int{d}},
			spec{p + "layer_norm2.weight", []int{d}}, spec{p + "layer_norm2.bias", []int{d}},
			spec{p + "mlp.fc1.weight", []int{inter, d}}, spec{p + "mlp.fc1.bias", []int{inter}},
			spec{p + "mlp.fc2.weight", []int{d, inter}}, spec{p + "mlp.fc2.bias", []int{d}})
	}
	return s
}

func visionSpecs(v VisionConfig) []spec {
	d, n := v.HiddenSize, v.NumPatches()
	s := []spec{
		{"vision_model.embeddings.class_embedding", []int{d}},
		{"vision_model.embeddings.patch_embedding.weight", []int{d, v.NumChannels, v.PatchSize, v.PatchSize}},
		{"vision_model.embeddings.position_embedding.weight", []int{n*n + 1, d}},
		{"vision_model.pre_layrnorm.weight", []int{d}}, {"vision_model.pre_layrnorm.bias", []int{d}},
		{"vision_model.post_layernorm.weight", []int{d}}, {"vision_model.post_layernorm.bias", []int{d}},
	}
	return append(s, layerSpecs("vision_model", v.NumHiddenLayers, d, v.IntermediateSize)...)
}

func textSpecs(t TextConfig) []spec {
	d := t.HiddenSize
	s := []spec{
		{"text_model.embeddings.token_embedding.weight", []int{t.VocabSize, d}},
		{"text_model.embeddings.position_embedding.weight", []int{t.MaxPositionEmbeddings, d}},
		{"text_model.final_layer_norm.weight", []int{d}}, {"text_model.final_layer_norm.bias", []int{d}},
	}
	return append(s, layerSpecs("text_model", t.NumHiddenLayers, d, t.IntermediateSize)...)
}

// varPath maps a Hugging Face tensor name to its variable path under prefix.
func varPath(prefix, name string) string {
	return model.JoinPath(prefix, strings.ReplaceAll(name, ".", "/"))
}

// Load reads a Hugging Face CLIP folder (config.json and model.safetensors
// or a sharded index) into a new store, on the backend of lib/backend.
func Load(dir string) (*Model, error) {
	b, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("clip: %w", err)
	}
	return LoadInto(model.NewStore(), "/", dir, b)
}

// LoadInto reads a Hugging Face CLIP folder into store under prefix. The
// vision and text towers are each optional (a CLIPVisionModel folder has
// only the vision tower), but a tower that is present must be complete and
// have the shapes config.json implies. The paper's extra vision weights
// (vision_model.pos_layrnorm, vision_model.vision_embed_merge,
// vision_model.token_LF) are loaded too when the checkpoint has them.
func LoadInto(store *model.Store, prefix, dir string, b compute.Backend) (m *Model, err error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	ckpt, err := safetensors.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("clip: %w", err)
	}
	defer ckpt.Close()
	if err := cfg.checkLayerCounts(ckpt); err != nil {
		return nil, fmt.Errorf("clip: load %s: %w", dir, err)
	}
	m = &Model{Config: cfg, Dir: dir, Store: store, Prefix: prefix, Backend: b, execs: map[string]*model.Exec{}}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("clip: load %s: %v", dir, r)
		}
	}()

	load := func(s spec) error {
		if _, err := ckpt.Check(s.name, s.shape...); err != nil {
			return fmt.Errorf("clip: load %s: %w", dir, err)
		}
		t, err := ckpt.Tensor(s.name, dtypes.Float32, b)
		if err != nil {
			return fmt.Errorf("clip: load %s: %w", dir, err)
		}
		store.VariableWithValue(varPath(prefix, s.name), t)
		return nil
	}
	// loadTower loads all specs when the first one exists; a tower is
	// present or absent as a whole.
	loadTower := func(specs []spec) (bool, error) {
		if _, ok := ckpt.Info(specs[0].name); !ok {
			return false, nil
		}
		for _, s := range specs {
			if err := load(s); err != nil {
				return false, err
			}
		}
		return true, nil
	}
	if m.HasVision, err = loadTower(visionSpecs(cfg.Vision)); err != nil {
		return nil, err
	}
	if m.HasText, err = loadTower(textSpecs(cfg.Text)); err != nil {
		return nil, err
	}
	if !m.HasVision && !m.HasText {
		return nil, fmt.Errorf("clip: load %s: neither vision_model.* nor text_model.* weights found (is this a CLIP checkpoint?)", dir)
	}
	optional := func(s spec) (bool, error) {
		if _, ok := ckpt.Info(s.name); !ok {
			return false, nil
		}
		return true, load(s)
	}
	if m.HasVision {
		if m.HasVisualProjection, err = optional(spec{"visual_projection.weight", []int{cfg.ProjectionDim, cfg.Vision.HiddenSize}}); err != nil {
			return nil, err
		}
		d := cfg.Vision.HiddenSize
		for _, s := range []spec{
			{"vision_model.pos_layrnorm.weight", []int{d}}, {"vision_model.pos_layrnorm.bias", []int{d}},
			{"vision_model.vision_embed_merge.weight", []int{d, d, 3, 3}}, {"vision_model.token_LF", []int{1, 1, d}},
		} {
			if _, err := optional(s); err != nil {
				return nil, err
			}
		}
	}
	if m.HasText {
		if m.HasTextProjection, err = optional(spec{"text_projection.weight", []int{cfg.ProjectionDim, cfg.Text.HiddenSize}}); err != nil {
			return nil, err
		}
	}
	if _, ok := ckpt.Info("logit_scale"); ok {
		if err := load(spec{"logit_scale", nil}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// setValue creates or replaces the variable at path with a float32 value.
func setValue(store *model.Store, path string, data []float32, dims ...int) {
	t := tensors.FromFlatDataAndDimensions(data, dims...)
	if v := store.GetVariable(path); v != nil {
		v.MustSetValue(t)
		return
	}
	store.VariableWithValue(path, t)
}

// values returns the float32 contents and dimensions of the variable at path.
func values(store *model.Store, path string) ([]float32, []int, error) {
	v := store.GetVariable(path)
	if v == nil {
		return nil, nil, fmt.Errorf("clip: no variable %s", path)
	}
	t, err := v.Value()
	if err != nil {
		return nil, nil, fmt.Errorf("clip: %s: %w", path, err)
	}
	data, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return nil, nil, fmt.Errorf("clip: %s: %w", path, err)
	}
	return data, t.Shape().Dimensions, nil
}

// extendTable grows a [rows, d] embedding table to newRows rows: the old rows
// are kept and each new entry is drawn from N(mean, std) of all the old
// entries (torch.std_mean: the unbiased std), as the paper's
// _update_embeding_layer does. newRows ≤ rows leaves the table unchanged.
func extendTable(store *model.Store, path string, newRows int, seed uint64) error {
	data, dims, err := values(store, path)
	if err != nil {
		return err
	}
	if len(dims) != 2 {
		return fmt.Errorf("clip: %s has shape %v, want a 2-D table", path, dims)
	}
	rows, d := dims[0], dims[1]
	if newRows <= rows {
		return nil
	}
	var sum float64
	for _, x := range data {
		sum += float64(x)
	}
	mean := sum / float64(len(data))
	var ss float64
	for _, x := range data {
		ss += (float64(x) - mean) * (float64(x) - mean)
	}
	std := math.Sqrt(ss / float64(len(data)-1))
	rng := rand.New(rand.NewPCG(seed, 0x636c6970))
	out := make([]float32, newRows*d)
	copy(out, data)
	for i := rows * d; i < len(out); i++ {
		out[i] = float32(mean + std*rng.NormFloat64())
	}
	setValue(store, path, out, newRows, d)
	return nil
}

// ExtendTextPositions grows the text tower's learned position table to n
// rows (the paper uses 512; the authors' stage-1 script 1024), drawing the
// new rows from N(mean, std) of the old table (as the authors' code does), and updates
// Config.Text.MaxPositionEmbeddings. The draw is deterministic in seed.
func (m *Model) ExtendTextPositions(n int, seed uint64) error {
	if !m.HasText {
		return fmt.Errorf("clip: %s has no text tower", m.Dir)
	}
	if err := ExtendTextPositionsIn(m.Store, m.Prefix, n, seed); err != nil {
		return err
	}
	m.Config.Text.MaxPositionEmbeddings = max(m.Config.Text.MaxPositionEmbeddings, n)
	m.resetExecs()
	return nil
}

// ExtendTextPositionsIn is [Model.ExtendTextPositions] for CLIP weights
// composed into a larger model's store under prefix: it grows
// prefix/text_model/embeddings/position_embedding/weight to n rows (the
// variable is read through the store's loader if it is not in the store
// yet). The caller updates its own max_position_embeddings; n ≤ the current
// row count changes nothing. Call it before any graph over the table is
// built (optimizer moments keep the old shape).
func ExtendTextPositionsIn(store *model.Store, prefix string, n int, seed uint64) error {
	return extendTable(store, varPath(prefix, "text_model.embeddings.position_embedding.weight"), n, seed)
}

// ExtendTextVocab grows the text token-embedding table to n rows the same
// way, for new tokens such as the fusion module's query placeholders.
func (m *Model) ExtendTextVocab(n int, seed uint64) error {
	if !m.HasText {
		return fmt.Errorf("clip: %s has no text tower", m.Dir)
	}
	path := varPath(m.Prefix, "text_model.embeddings.token_embedding.weight")
	if err := extendTable(m.Store, path, n, seed); err != nil {
		return err
	}
	m.Config.Text.VocabSize = max(m.Config.Text.VocabSize, n)
	m.resetExecs()
	return nil
}

// InitPaperVision creates the paper's new vision weights when the store does
// not hold them yet (App. C): pos_layrnorm (weight 1, bias 0), the merge
// convolution vision_embed_merge.weight [D, D, 3, 3] and the new-line token
// token_LF [1, 1, D], both drawn from N(0, 0.02²) with the given seed.
func (m *Model) InitPaperVision(seed uint64) error {
	if !m.HasVision {
		return fmt.Errorf("clip: %s has no vision tower", m.Dir)
	}
	InitPaperVisionWeights(m.Store, m.Prefix, m.Config.Vision.HiddenSize, seed)
	m.resetExecs()
	return nil
}

// InitPaperVisionWeights creates, under prefix/vision_model, the paper's new
// vision weights for hidden size d if they are absent (see
// [Model.InitPaperVision]).
func InitPaperVisionWeights(store *model.Store, prefix string, d int, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d65726765))
	normal := func(n int) []float32 {
		out := make([]float32, n)
		for i := range out {
			out[i] = float32(0.02 * rng.NormFloat64())
		}
		return out
	}
	ones := make([]float32, d)
	for i := range ones {
		ones[i] = 1
	}
	for _, w := range []struct {
		name string
		data func() []float32
		dims []int
	}{
		{"vision_model.pos_layrnorm.weight", func() []float32 { return ones }, []int{d}},
		{"vision_model.pos_layrnorm.bias", func() []float32 { return make([]float32, d) }, []int{d}},
		{"vision_model.vision_embed_merge.weight", func() []float32 { return normal(d * d * 9) }, []int{d, d, 3, 3}},
		{"vision_model.token_LF", func() []float32 { return normal(d) }, []int{1, 1, d}},
	} {
		path := varPath(prefix, w.name)
		if store.GetVariable(path) == nil {
			setValue(store, path, w.data(), w.dims...)
		}
	}
}

// SetTrainable marks every variable whose Hugging Face name starts with
// namePrefix ("vision_model", "text_model", "vision_model.encoder.layers.23",
// "" for all) as trainable or frozen.
func (m *Model) SetTrainable(namePrefix string, trainable bool) int {
	root := varPath(m.Prefix, namePrefix)
	n := 0
	for v := range m.Store.IterVariables() {
		p := v.Path()
		if p == root || strings.HasPrefix(p, strings.TrimSuffix(root, "/")+"/") {
			v.SetTrainable(trainable)
			n++
		}
	}
	return n
}

func (m *Model) resetExecs() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.execs {
		e.Finalize()
	}
	m.execs = map[string]*model.Exec{}
}

// String describes the model in one line.
func (m *Model) String() string {
	v, t := m.Config.Vision, m.Config.Text
	return fmt.Sprintf("CLIP %s: vision %d layers × %d (patch %d, image %d, %s), text %d layers × %d (%d positions), projection %d",
		filepath.Base(m.Dir), v.NumHiddenLayers, v.HiddenSize, v.PatchSize, v.ImageSize, v.HiddenAct,
		t.NumHiddenLayers, t.HiddenSize, t.MaxPositionEmbeddings, m.Config.ProjectionDim)
}
