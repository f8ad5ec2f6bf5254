package llama

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// Model is a Llama causal LM bound to its weights and a backend.
type Model struct {
	// Config is the model's configuration.
	Config *Config
	// Backend runs the graphs.
	Backend compute.Backend
	// Root is the scope holding the weights ("model/...", "lm_head/...");
	// Root.Store() is the model.Store.
	Root *model.Scope

	mu                      sync.Mutex
	fwdIDs, fwdEmb, hidOnly *model.Exec
	stepIDs, stepEmb        *model.Exec
}

// Load reads config.json and the safetensors weights (single or sharded) of
// a Hugging Face Llama folder onto the backend of lib/backend, holding the
// weights in dtype (dtypes.InvalidDType: float32).
func Load(dir string, dtype dtypes.DType) (*Model, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if dtype != dtypes.InvalidDType {
		cfg.DType = dtype
	}
	be, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	ckpt, err := safetensors.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("llama: load %s: %w", dir, err)
	}
	defer ckpt.Close()
	root := model.NewStore().RootScope()
	if err := LoadInto(root, cfg, ckpt, be); err != nil {
		return nil, fmt.Errorf("llama: load %s: %w", dir, err)
	}
	return newModel(cfg, be, root), nil
}

func newModel(cfg *Config, be compute.Backend, root *model.Scope) *Model {
	return &Model{Config: cfg, Backend: be, Root: root}
}

// LoadInto loads every weight cfg.Weights() names from ckpt into variables
// under root (see the variable layout in graph.go), converted to cfg.DType.
// Each tensor is checked by name and shape first (dtype: only float tensors
// convert) and read straight into its backend buffer, one at a time.
// Tensors the configuration does not use are ignored. It is the way to put a
// frozen Llama into a larger model's store.
func LoadInto(root *model.Scope, cfg *Config, ckpt *safetensors.Checkpoint, be compute.Backend) (err error) {
	if err := cfg.Validate(); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	for _, w := range cfg.Weights() {
		if _, err := ckpt.Check(w.Name, w.Shape...); err != nil {
			return err
		}
	}
	if err := checkLayerCount(cfg, ckpt); err != nil {
		return err
	}
	for _, w := range cfg.Weights() {
		t, err := ckpt.Tensor(w.Name, cfg.DType, be)
		if err != nil {
			return err
		}
		if err := placeWeight(root, be, w.Name, t); err != nil {
			return err
		}
	}
	return nil
}

// FillWeights makes every tensor cfg.Weights() names in cfg.DType, in that
// order, lets fill write its values (flat is the tensor's flat data:
// []float32, []bfloat16.BFloat16, …; i is the weight's index) and stores it
// under root as LoadInto does, one tensor at a time: the way to give a Llama
// random or computed weights without a checkpoint and without a second copy.
func FillWeights(root *model.Scope, cfg *Config, be compute.Backend, fill func(i int, w Weight, flat any) error) error {
	for i, w := range cfg.Weights() {
		t, err := tensors.FromShapeForBackend(be, 0, shapes.Make(cfg.DType, w.Shape...))
		if err != nil {
			return fmt.Errorf("tensor %q: %w", w.Name, err)
		}
		t.MutableFlatData(func(flat any) { err = fill(i, w, flat) })
		if err != nil {
			return err
		}
		if err := placeWeight(root, be, w.Name, t); err != nil {
			return err
		}
	}
	return nil
}

// placeWeight moves t to the device when the backend does not share host
// buffers (an accelerator: the host copy is freed) and stores it at the
// scope path of its Hugging Face name.
func placeWeight(root *model.Scope, be compute.Backend, name string, t *tensors.Tensor) error {
	if be != nil && !be.HasSharedBuffers() {
		if err := t.ToDevice(be, 0); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
	}
	return setVariable(root, name, t)
}

// setVariable stores t at the scope path of Hugging Face name.
func setVariable(root *model.Scope, name string, t *tensors.Tensor) error {
	parts := strings.Split(name, ".")
	s := root
	for _, p := range parts[:len(parts)-1] {
		s = s.At("%s", p)
	}
	v := s.VariableWithShape(parts[len(parts)-1], t.Shape())
	return v.SetValue(t)
}

// NewRandom returns a model with random weights, seeded, for benchmarks and
// tests: matrices uniform with standard deviation 0.02, norm weights
// uniform in 1 ± 0.1. (Uniform, not normal, so that a 7B-parameter model
// fills in seconds.) On a backend without shared buffers the weights move to
// the device as they are made.
func NewRandom(cfg *Config, seed uint64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	be, err := backend.New()
	if err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, 0x11a3a))
	root := model.NewStore().RootScope()
	err = FillWeights(root, cfg, be, func(_ int, w Weight, flat any) error {
		center, half := 0.0, 0.02*math.Sqrt(3)
		if strings.HasSuffix(w.Name, "norm.weight") {
			center, half = 1, 0.1
		}
		next := func() float64 { return center + half*(2*rng.Float64()-1) }
		switch f := flat.(type) {
		case []float32:
			for i := range f {
				f[i] = float32(next())
			}
		case []bfloat16.BFloat16:
			for i := range f {
				f[i] = bfloat16.FromFloat64(next())
			}
		case []float64:
			for i := range f {
				f[i] = next()
			}
		default:
			return fmt.Errorf("NewRandom does not fill dtype %s", cfg.DType)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	return newModel(cfg, be, root), nil
}

// Freeze marks every weight untrainable, so training modules built around
// the model computes no gradients for it (gradients still flow through its
// activations to trainable inputs such as fused vision embeddings).
func (m *Model) Freeze() {
	for v := range m.Root.IterVariables() {
		v.SetTrainable(false)
	}
}

// Output holds a forward pass's results per sequence, without padding.
type Output struct {
	// Logits[b][t] are the float32 logits over the vocabulary.
	Logits [][][]float32
	// Hidden[b][t] are the final hidden states (after the last RMSNorm,
	// before the LM head), as float32.
	Hidden [][][]float32
}

// Forward runs a batch of token-id sequences (of any lengths; they are
// right-padded and masked) and returns logits and final hidden states for
// every real position. The ids are fed exactly as given (no BOS is added).
func (m *Model) Forward(batch [][]int) (*Output, error) {
	if len(batch) == 0 {
		return nil, errors.New("llama: forward: empty batch")
	}
	maxLen := 0
	for i, seq := range batch {
		if len(seq) == 0 {
			return nil, fmt.Errorf("llama: forward: sequence %d is empty", i)
		}
		for j, id := range seq {
			if id < 0 || id >= m.Config.VocabSize {
				return nil, fmt.Errorf("llama: forward: sequence %d position %d: token id %d is outside the vocabulary [0, %d)", i, j, id, m.Config.VocabSize)
			}
		}
		maxLen = max(maxLen, len(seq))
	}
	if err := m.Config.CheckLength(maxLen); err != nil {
		return nil, fmt.Errorf("llama: forward: %w", err)
	}
	maxLen = BucketLength(maxLen) // a bounded set of compiled shapes
	ids := make([]int32, len(batch)*maxLen)
	pad := make([]bool, len(batch)*maxLen)
	for i, seq := range batch {
		for j, id := range seq {
			ids[i*maxLen+j] = int32(id)
			pad[i*maxLen+j] = true
		}
	}
	logits, hidden, err := m.ForwardTensors(
		tensors.FromFlatDataAndDimensions(ids, len(batch), maxLen),
		tensors.FromFlatDataAndDimensions(pad, len(batch), maxLen))
	if err != nil {
		return nil, err
	}
	lf := tensors.MustCopyFlatData[float32](logits)
	hf := tensors.MustCopyFlatData[float32](hidden)
	v, h := m.Config.VocabSize, m.Config.HiddenSize
	out := &Output{}
	for i, seq := range batch {
		var ls, hs [][]float32
		for j := range seq {
			k := i*maxLen + j
			ls = append(ls, lf[k*v:(k+1)*v])
			hs = append(hs, hf[k*h:(k+1)*h])
		}
		out.Logits = append(out.Logits, ls)
		out.Hidden = append(out.Hidden, hs)
	}
	return out, nil
}

// ForwardTensors runs ids [batch, seq] (Int32) with padding [batch, seq]
// (Bool, true for real tokens; nil: all real) and returns float32 logits
// [batch, seq, vocab] and final hidden states [batch, seq, hidden].
func (m *Model) ForwardTensors(ids, padding *tensors.Tensor) (logits, hidden *tensors.Tensor, err error) {
	return m.forward(false, ids, padding)
}

// ForwardEmbeddings is ForwardTensors over input embeddings [batch, seq,
// hidden] (any float dtype) instead of token ids: the path of fused vision
// tokens.
func (m *Model) ForwardEmbeddings(embeddings, padding *tensors.Tensor) (logits, hidden *tensors.Tensor, err error) {
	return m.forward(true, embeddings, padding)
}

func (m *Model) forward(emb bool, x, padding *tensors.Tensor) (logits, hidden *tensors.Tensor, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("llama: forward: %v", r)
		}
	}()
	if padding == nil {
		d := x.Shape().Dimensions
		padding = tensors.FromShape(shapes.Make(dtypes.Bool, d[0], d[1]))
		padding.MutableFlatData(func(f any) {
			for i := range f.([]bool) {
				f.([]bool)[i] = true
			}
		})
	}
	m.mu.Lock()
	exec := &m.fwdIDs
	if emb {
		exec = &m.fwdEmb
	}
	if *exec == nil {
		*exec, err = model.NewExec(m.Backend, m.Root.Store(), func(_ *model.Scope, x, pad *Node) (*Node, *Node) {
			opts := DecoderOptions{Padding: pad}
			var l, h *Node
			if emb {
				l, h = CausalLM(m.Root, m.Config, nil, x, opts)
			} else {
				l, h = CausalLM(m.Root, m.Config, x, nil, opts)
			}
			return l, ConvertDType(h, dtypes.Float32)
		})
		if err == nil {
			(*exec).SetMaxCache(m.execCacheSize())
		}
	}
	e := *exec
	m.mu.Unlock()
	if err != nil {
		return nil, nil, fmt.Errorf("llama: forward: %w", err)
	}
	out, err := e.Call(x, padding)
	if err != nil {
		return nil, nil, fmt.Errorf("llama: forward: %w", err)
	}
	return out[0], out[1], nil
}

// HiddenStates runs one sequence of token ids (fed exactly) and returns the
// final hidden state at every position, [len(ids)][HiddenSize] float32
// (after the last RMSNorm, before the LM head: the mapping of the paper's
// Section 3), without computing the logits. The sequence is right-padded to
// BucketLength(len(ids)), so any number of distinct lengths runs with a
// bounded number of compiled graphs.
func (m *Model) HiddenStates(ids []int) (states [][]float32, err error) {
	if len(ids) == 0 {
		return nil, errors.New("llama: hidden states: empty sequence")
	}
	if err := m.Config.CheckLength(len(ids)); err != nil {
		return nil, fmt.Errorf("llama: hidden states: %w", err)
	}
	flat := make([]int32, BucketLength(len(ids))) // padding: token 0, never attended by real positions
	for j, id := range ids {
		if id < 0 || id >= m.Config.VocabSize {
			return nil, fmt.Errorf("llama: hidden states: position %d: token id %d is outside the vocabulary [0, %d)", j, id, m.Config.VocabSize)
		}
		flat[j] = int32(id)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("llama: hidden states: %v", r)
		}
	}()
	m.mu.Lock()
	if m.hidOnly == nil {
		m.hidOnly, err = model.NewExec(m.Backend, m.Root.Store(), func(_ *model.Scope, x *Node) *Node {
			h, _ := Decoder(m.Root.At("model"), m.Config, Embed(m.Root, m.Config, x), DecoderOptions{})
			return ConvertDType(h, dtypes.Float32)
		})
		if err == nil {
			m.hidOnly.SetMaxCache(m.execCacheSize())
		}
	}
	e := m.hidOnly
	m.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("llama: hidden states: %w", err)
	}
	out, err := e.Call(tensors.FromFlatDataAndDimensions(flat, 1, len(flat)))
	if err != nil {
		return nil, fmt.Errorf("llama: hidden states: %w", err)
	}
	hf := tensors.MustCopyFlatData[float32](out[0])
	out[0].FinalizeAll()
	h := m.Config.HiddenSize
	for j := range ids {
		states = append(states, hf[j*h:(j+1)*h])
	}
	return states, nil
}

// softmaxInPlace turns x into softmax(x) (host-side, for sampling).
func softmaxInPlace(x []float64) {
	mx := math.Inf(-1)
	for _, v := range x {
		mx = max(mx, v)
	}
	var s float64
	for i, v := range x {
		x[i] = math.Exp(v - mx)
		s += x[i]
	}
	for i := range x {
		x[i] /= s
	}
}

// TopLogits returns the indices of the k largest values of x and the
// values, largest first (ties: the lower index first): the most likely next
// tokens of one row of logits.
func TopLogits(x []float32, k int) (idx []int, val []float32) {
	for i, v := range x {
		j := len(idx)
		for j > 0 && v > val[j-1] {
			j--
		}
		if j >= k {
			continue
		}
		idx = append(idx[:j], append([]int{i}, idx[j:]...)...)
		val = append(val[:j], append([]float32{v}, val[j:]...)...)
		if len(idx) > k {
			idx, val = idx[:k], val[:k]
		}
	}
	return idx, val
}
