package llama

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// GenerateOptions configure Generate.
type GenerateOptions struct {
	// MaxNewTokens bounds the number of generated tokens (default 128).
	MaxNewTokens int
	// Temperature 0 (the default) is greedy decoding; otherwise logits are
	// divided by it and sampled, after the TopK and TopP filters.
	Temperature float64
	// TopK keeps the K most likely tokens (0: all).
	TopK int
	// TopP keeps the smallest set of most likely tokens whose probability
	// reaches P (0 or 1: all).
	TopP float64
	// Seed seeds the sampler; the same seed gives the same tokens.
	Seed uint64
	// StopTokens end generation (the stop token is returned and streamed).
	// Nil means the config's eos_token_id.
	StopTokens []int
	// OnToken, if set, receives each new token as it is chosen; returning
	// false stops generation.
	OnToken func(id int) bool
}

// slotBucket rounds cache sizes up so that repeated generations reuse
// compiled graphs.
const slotBucket = 64

// Generate continues prompt (token ids, fed exactly; add BOS yourself) with
// a KV cache and returns the new tokens (including a final stop token).
func (m *Model) Generate(prompt []int, opts GenerateOptions) ([]int, error) {
	if len(prompt) == 0 {
		return nil, errors.New("llama: generate: empty prompt")
	}
	for j, id := range prompt {
		if id < 0 || id >= m.Config.VocabSize {
			return nil, fmt.Errorf("llama: generate: prompt position %d: token id %d is outside the vocabulary [0, %d)", j, id, m.Config.VocabSize)
		}
	}
	ids := make([]int32, len(prompt))
	for i, id := range prompt {
		ids[i] = int32(id)
	}
	return m.generate(tensors.FromFlatDataAndDimensions(ids, 1, len(ids)), false, len(prompt), opts)
}

// GenerateFromEmbeddings is Generate with a prompt given as input
// embeddings [1, seq, hidden] (e.g. a chat sequence with fused vision tokens
// scattered in); generated tokens are embedded with the model's table.
func (m *Model) GenerateFromEmbeddings(embeddings *tensors.Tensor, opts GenerateOptions) ([]int, error) {
	d := embeddings.Shape().Dimensions
	if len(d) != 3 || d[0] != 1 || d[2] != m.Config.HiddenSize || d[1] == 0 {
		return nil, fmt.Errorf("llama: generate: embeddings have shape %v, want [1, seq>0, %d]", d, m.Config.HiddenSize)
	}
	return m.generate(embeddings, true, d[1], opts)
}

func (m *Model) generate(prompt *tensors.Tensor, emb bool, n int, opts GenerateOptions) (out []int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("llama: generate: %v", r)
		}
	}()
	cfg := m.Config
	if opts.MaxNewTokens == 0 {
		opts.MaxNewTokens = 128
	}
	if opts.MaxNewTokens < 0 || opts.Temperature < 0 || opts.TopK < 0 || opts.TopP < 0 || opts.TopP > 1 {
		return nil, fmt.Errorf("llama: generate: bad options (max new tokens %d, temperature %g, top-k %d, top-p %g)",
			opts.MaxNewTokens, opts.Temperature, opts.TopK, opts.TopP)
	}
	stops := opts.StopTokens
	if stops == nil {
		stops = cfg.EOSTokenIDs
	}
	slots := (n + opts.MaxNewTokens + slotBucket - 1) / slotBucket * slotBucket
	cache := make([]*tensors.Tensor, 2*cfg.NumLayers)
	for i := range cache {
		cache[i] = tensors.FromShape(shapes.Make(cfg.DType, 1, cfg.NumKVHeads, slots, cfg.HeadDim))
	}
	valid := make([]bool, slots)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6c6c616d61))

	step := func(x *tensors.Tensor, isEmb bool, offset, count int) ([]float32, error) {
		for i := offset; i < offset+count; i++ {
			valid[i] = true
		}
		e, err := m.stepExec(isEmb)
		if err != nil {
			return nil, err
		}
		args := []any{x, tensors.FromFlatDataAndDimensions(slices.Clone(valid), 1, slots), int32(offset)}
		for _, c := range cache {
			args = append(args, c)
		}
		res, err := e.Call(args...)
		if err != nil {
			return nil, fmt.Errorf("llama: generate: %w", err)
		}
		for i := range cache {
			cache[i].FinalizeAll()
			cache[i] = res[1+i]
		}
		logits := tensors.MustCopyFlatData[float32](res[0])
		res[0].FinalizeAll()
		return logits, nil
	}

	logits, err := step(prompt, emb, 0, n)
	if err != nil {
		return nil, err
	}
	pos := n
	for len(out) < opts.MaxNewTokens {
		tok := sample(logits, opts, rng)
		out = append(out, tok)
		if opts.OnToken != nil && !opts.OnToken(tok) {
			break
		}
		if slices.Contains(stops, tok) || len(out) == opts.MaxNewTokens {
			break
		}
		logits, err = step(tensors.FromFlatDataAndDimensions([]int32{int32(tok)}, 1, 1), false, pos, 1)
		if err != nil {
			return out, err
		}
		pos++
	}
	for _, c := range cache {
		c.FinalizeAll()
	}
	return out, nil
}

// stepExec returns the executor of one cached step: inputs (ids [1, C] or
// embeddings [1, C, H], valid [1, S], offset, K₀…, V₀…), outputs (logits of
// the last position [1, vocab] float32, updated K₀…, V₀…).
func (m *Model) stepExec(emb bool) (*model.Exec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := &m.stepIDs
	if emb {
		e = &m.stepEmb
	}
	if *e != nil {
		return *e, nil
	}
	cfg := m.Config
	var err error
	*e, err = model.NewExec(m.Backend, m.Root.Store(), func(_ *model.Scope, in []*Node) []*Node {
		l := cfg.NumLayers
		c := &Cache{Valid: in[1], Offset: in[2], K: slices.Clone(in[3 : 3+l]), V: slices.Clone(in[3+l : 3+2*l])}
		var logits *Node
		if emb {
			logits, _ = CausalLM(m.Root, cfg, nil, in[0], DecoderOptions{Cache: c})
		} else {
			logits, _ = CausalLM(m.Root, cfg, in[0], nil, DecoderOptions{Cache: c})
		}
		t := logits.Shape().Dim(1)
		last := Reshape(Slice(logits, AxisRange(), AxisRange(t-1, t)), 1, cfg.VocabSize)
		return append(append([]*Node{last}, c.K...), c.V...)
	})
	return *e, err
}

// sample picks the next token from float32 logits: argmax when the
// temperature is 0, otherwise a draw from the temperature-scaled
// distribution restricted by top-k and top-p.
func sample(logits []float32, opts GenerateOptions, rng *rand.Rand) int {
	if opts.Temperature == 0 {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return best
	}
	idx := make([]int, len(logits))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return logits[idx[a]] > logits[idx[b]] })
	if opts.TopK > 0 && opts.TopK < len(idx) {
		idx = idx[:opts.TopK]
	}
	p := make([]float64, len(idx))
	for i, j := range idx {
		p[i] = float64(logits[j]) / opts.Temperature
	}
	softmaxInPlace(p)
	if opts.TopP > 0 && opts.TopP < 1 {
		cum := 0.0
		for i := range p {
			cum += p[i]
			if cum >= opts.TopP {
				idx, p = idx[:i+1], p[:i+1]
				break
			}
		}
		s := 0.0
		for _, v := range p {
			s += v
		}
		for i := range p {
			p[i] /= s
		}
	}
	u := rng.Float64()
	for i, v := range p {
		u -= v
		if u < 0 {
			return idx[i]
		}
	}
	return idx[len(idx)-1]
}
