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
	// MaxNewTokens bounds the number of generated tokens (default 128); it
	// is lowered so that prompt and new tokens fit in
	// max_position_embeddings.
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
	out, err := m.GenerateBatch([][]int{prompt}, opts)
	if len(out) == 0 {
		return nil, err
	}
	return out[0], err
}

// GenerateBatch continues several prompts at once (left-padded internally;
// each row keeps its own positions) and returns each row's new tokens. Rows
// stop independently; OnToken is only called for a single prompt.
func (m *Model) GenerateBatch(prompts [][]int, opts GenerateOptions) ([][]int, error) {
	if len(prompts) == 0 {
		return nil, errors.New("llama: generate: no prompts")
	}
	n := 0
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("llama: generate: prompt %d is empty", i)
		}
		for j, id := range p {
			if id < 0 || id >= m.Config.VocabSize {
				return nil, fmt.Errorf("llama: generate: prompt %d position %d: token id %d is outside the vocabulary [0, %d)", i, j, id, m.Config.VocabSize)
			}
		}
		n = max(n, len(p))
	}
	ids := make([]int32, len(prompts)*n)
	lens := make([]int, len(prompts))
	for i, p := range prompts {
		lens[i] = len(p)
		for j, id := range p {
			ids[i*n+n-len(p)+j] = int32(id)
		}
	}
	return m.generate(tensors.FromFlatDataAndDimensions(ids, len(prompts), n), false, lens, opts)
}

// GenerateFromEmbeddings is Generate with a prompt given as input
// embeddings [1, seq, hidden] (e.g. a chat sequence with fused vision tokens
// scattered in); generated tokens are embedded with the model's table.
func (m *Model) GenerateFromEmbeddings(embeddings *tensors.Tensor, opts GenerateOptions) ([]int, error) {
	d := embeddings.Shape().Dimensions
	if len(d) != 3 || d[0] != 1 {
		return nil, fmt.Errorf("llama: generate: embeddings have shape %v, want [1, seq, %d]", d, m.Config.HiddenSize)
	}
	out, err := m.GenerateBatchFromEmbeddings(embeddings, []int{d[1]}, opts)
	if len(out) == 0 {
		return nil, err
	}
	return out[0], err
}

// GenerateBatchFromEmbeddings is GenerateBatch over input embeddings
// [batch, seq, hidden] whose rows are left-padded: row b's lens[b] real
// inputs are its last lens[b] positions (the padding is never attended).
func (m *Model) GenerateBatchFromEmbeddings(embeddings *tensors.Tensor, lens []int, opts GenerateOptions) ([][]int, error) {
	d := embeddings.Shape().Dimensions
	if len(d) != 3 || d[0] == 0 || d[0] != len(lens) || d[2] != m.Config.HiddenSize || d[1] == 0 {
		return nil, fmt.Errorf("llama: generate: embeddings have shape %v, want [%d, seq>0, %d]", d, len(lens), m.Config.HiddenSize)
	}
	for i, l := range lens {
		if l <= 0 || l > d[1] {
			return nil, fmt.Errorf("llama: generate: row %d length %d is outside [1, %d]", i, l, d[1])
		}
	}
	return m.generate(embeddings, true, lens, opts)
}

// generate runs a left-padded batch prompt [B, n(, H)] whose row b holds
// lens[b] real inputs at its end.
func (m *Model) generate(prompt *tensors.Tensor, emb bool, lens []int, opts GenerateOptions) (outs [][]int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("llama: generate: %v", r)
		}
	}()
	cfg := m.Config
	b, n := len(lens), prompt.Shape().Dim(1)
	if err := cfg.checkGenerateOptions(&opts, n); err != nil {
		return nil, fmt.Errorf("llama: generate: %w", err)
	}
	stops := opts.StopTokens
	if stops == nil {
		stops = cfg.EOSTokenIDs
	}
	slots := (n + opts.MaxNewTokens + slotBucket - 1) / slotBucket * slotBucket
	cache := make([]*tensors.Tensor, 2*cfg.NumLayers)
	for i := range cache {
		cache[i] = tensors.FromShape(shapes.Make(cfg.DType, b, cfg.NumKVHeads, slots, cfg.HeadDim))
	}
	defer func() {
		for _, c := range cache {
			c.FinalizeAll()
		}
	}()
	valid := make([]bool, b*slots)
	for r, l := range lens {
		for s := n - l; s < n; s++ {
			valid[r*slots+s] = true
		}
	}
	positions := make([]int32, b*n)
	for r, l := range lens {
		for t := n - l; t < n; t++ {
			positions[r*n+t] = int32(t - (n - l))
		}
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6c6c616d61))

	// step runs one chunk of count inputs per row written at slot offset and
	// returns the last position's logits per row.
	step := func(x *tensors.Tensor, isEmb bool, pos []int32, offset, count int) ([][]float32, error) {
		e, err := m.stepExec(isEmb)
		if err != nil {
			return nil, err
		}
		args := []any{x, tensors.FromFlatDataAndDimensions(pos, b, count),
			tensors.FromFlatDataAndDimensions(slices.Clone(valid), b, slots), int32(offset)}
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
		flat := tensors.MustCopyFlatData[float32](res[0])
		res[0].FinalizeAll()
		logits := make([][]float32, b)
		for r := range b {
			logits[r] = flat[r*cfg.VocabSize : (r+1)*cfg.VocabSize]
		}
		return logits, nil
	}

	logits, err := step(prompt, emb, positions, 0, n)
	if err != nil {
		return nil, err
	}
	outs = make([][]int, b)
	done := make([]bool, b)
	next := make([]int32, b)
	for k := 0; ; k++ {
		active := false
		for r := range b {
			if done[r] {
				continue
			}
			tok := sample(logits[r], opts, rng)
			outs[r] = append(outs[r], tok)
			next[r] = int32(tok)
			if opts.OnToken != nil && b == 1 && !opts.OnToken(tok) {
				done[r] = true
			}
			if slices.Contains(stops, tok) || len(outs[r]) == opts.MaxNewTokens {
				done[r] = true
			}
			active = active || !done[r]
		}
		if !active {
			return outs, nil
		}
		slot := n + k
		pos := make([]int32, b)
		for r := range b {
			valid[r*slots+slot] = true
			pos[r] = int32(lens[r] + k)
		}
		logits, err = step(tensors.FromFlatDataAndDimensions(slices.Clone(next), b, 1), false, pos, slot, 1)
		if err != nil {
			return outs, err
		}
	}
}

// stepExec returns the executor of one cached step: inputs (ids [B, C] or
// embeddings [B, C, H], positions [B, C], valid [B, S], offset, K₀…, V₀…),
// outputs (logits of the last position [B, vocab] float32, updated K₀…,
// V₀…).
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
		c := &Cache{Valid: in[2], Offset: in[3], K: slices.Clone(in[4 : 4+l]), V: slices.Clone(in[4+l : 4+2*l])}
		opts := DecoderOptions{Positions: in[1], Cache: c}
		var logits *Node
		if emb {
			logits, _ = CausalLM(m.Root, cfg, nil, in[0], opts)
		} else {
			logits, _ = CausalLM(m.Root, cfg, in[0], nil, opts)
		}
		b, t := logits.Shape().Dim(0), logits.Shape().Dim(1)
		last := Reshape(Slice(logits, AxisRange(), AxisRange(t-1, t)), b, cfg.VocabSize)
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
