package clip

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// Array is a dense float32 array in row-major order.
type Array struct {
	Shape []int
	Data  []float32
}

// NewArray checks that data holds the product of shape elements.
func NewArray(data []float32, shape ...int) (Array, error) {
	n := 1
	for _, d := range shape {
		if d <= 0 {
			return Array{}, fmt.Errorf("clip: array shape %v has an empty dimension", shape)
		}
		n *= d
	}
	if n != len(data) {
		return Array{}, fmt.Errorf("clip: array shape %v needs %d values, got %d", shape, n, len(data))
	}
	return Array{Shape: shape, Data: data}, nil
}

// Row returns the sub-array at index i of the first axis.
func (a Array) Row(i int) Array {
	n := len(a.Data) / a.Shape[0]
	return Array{Shape: a.Shape[1:], Data: a.Data[i*n : (i+1)*n]}
}

func toArray(t *tensors.Tensor) (Array, error) {
	data, err := tensors.CopyFlatData[float32](t)
	if err != nil {
		return Array{}, err
	}
	return Array{Shape: t.Shape().Dimensions, Data: data}, nil
}

// exec returns the cached executor for key, building it with fn.
func (m *Model) exec(key string, fn func() (*model.Exec, error)) (*model.Exec, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.execs[key]; ok {
		return e, nil
	}
	e, err := fn()
	if err != nil {
		return nil, err
	}
	m.execs[key] = e
	return e, nil
}

// call runs an executor and converts the outputs, turning GoMLX panics into
// errors.
func (m *Model) call(what string, e *model.Exec, args ...any) (out []Array, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("clip: %s: %v", what, r)
		}
	}()
	ts, err := e.Call(args...)
	if err != nil {
		return nil, fmt.Errorf("clip: %s: %w", what, err)
	}
	for _, t := range ts {
		a, err := toArray(t)
		if err != nil {
			return nil, fmt.Errorf("clip: %s: %w", what, err)
		}
		out = append(out, a)
	}
	return out, nil
}

func (m *Model) checkPixels(pixels Array) error {
	v := m.Config.Vision
	if !m.HasVision {
		return fmt.Errorf("clip: %s has no vision tower", m.Dir)
	}
	s := pixels.Shape
	if len(s) != 4 || s[1] != v.NumChannels || s[2] != v.ImageSize || s[3] != v.ImageSize {
		return fmt.Errorf("clip: pixel_values shape %v, want [B, %d, %d, %d]", s, v.NumChannels, v.ImageSize, v.ImageSize)
	}
	if len(pixels.Data) != s[0]*s[1]*s[2]*s[3] {
		return fmt.Errorf("clip: pixel_values has %d values for shape %v", len(pixels.Data), s)
	}
	return nil
}

// VisionResult holds the vision tower's outputs for a batch of images.
type VisionResult struct {
	// LastHiddenState is the output of the last encoder layer, before
	// post_layernorm: [B, 1+P, D].
	LastHiddenState Array
	// PenultimateHiddenState is the output of the layer before it
	// (hidden_states[-2]); for a one-layer tower, the embeddings.
	PenultimateHiddenState Array
	// Pooled is post_layernorm of the class token: [B, D].
	Pooled Array
	// ImageEmbeds is visual_projection(Pooled): [B, projection_dim]; empty
	// when the checkpoint has no projection.
	ImageEmbeds Array
}

// Vision runs the vision tower on pixel_values [B, C, S, S] (already
// normalised, e.g. by lib/vision).
func (m *Model) Vision(pixels Array) (*VisionResult, error) {
	if err := m.checkPixels(pixels); err != nil {
		return nil, err
	}
	cfg := m.Config.Vision
	e, err := m.exec("vision", func() (*model.Exec, error) {
		return model.NewExec(m.Backend, m.Store, func(_ *model.Scope, px *Node) []*Node {
			scope := m.Scope()
			states := VisionHiddenStates(scope, cfg, px, cfg.NumHiddenLayers)
			last := states[len(states)-1]
			pooled := VisionPooled(scope, cfg, last)
			out := []*Node{last, states[len(states)-2], pooled}
			if m.HasVisualProjection {
				out = append(out, ImageEmbeds(scope, pooled))
			}
			return out
		})
	})
	if err != nil {
		return nil, fmt.Errorf("clip: vision: %w", err)
	}
	out, err := m.call("vision", e, tensors.FromFlatDataAndDimensions(pixels.Data, pixels.Shape...))
	if err != nil {
		return nil, err
	}
	r := &VisionResult{LastHiddenState: out[0], PenultimateHiddenState: out[1], Pooled: out[2]}
	if len(out) > 3 {
		r.ImageEmbeds = out[3]
	}
	return r, nil
}

// VisionLayer returns hidden_states[layer] of the vision tower: 0 is the
// embeddings after pre_layrnorm, i the output of encoder layer i; negative
// values count from the end as in Python (−1 the last layer, −2 the
// penultimate). Only the layers needed are computed.
func (m *Model) VisionLayer(pixels Array, layer int) (Array, error) {
	if err := m.checkPixels(pixels); err != nil {
		return Array{}, err
	}
	cfg := m.Config.Vision
	n := cfg.NumHiddenLayers
	idx := layer
	if idx < 0 {
		idx += n + 1
	}
	if idx < 0 || idx > n {
		return Array{}, fmt.Errorf("clip: vision layer %d out of range [-%d, %d]", layer, n+1, n)
	}
	e, err := m.exec(fmt.Sprintf("vision-layer-%d", idx), func() (*model.Exec, error) {
		return model.NewExec(m.Backend, m.Store, func(_ *model.Scope, px *Node) *Node {
			states := VisionHiddenStates(m.Scope(), cfg, px, idx)
			return states[idx]
		})
	})
	if err != nil {
		return Array{}, fmt.Errorf("clip: vision layer: %w", err)
	}
	out, err := m.call("vision layer", e, tensors.FromFlatDataAndDimensions(pixels.Data, pixels.Shape...))
	if err != nil {
		return Array{}, err
	}
	return out[0], nil
}

// PaperTokens runs the paper's per-view vision pipeline (App. C) on
// pixel_values [K, 3, S, S]: last layer → pos_layrnorm → class token dropped
// → local merge (conv + nearest residual, or conv only) → new-line token,
// giving [K, (S/p/2)² + 1, D]. The paper's new weights must exist (loaded
// from the checkpoint or created by InitPaperVision).
func (m *Model) PaperTokens(pixels Array, convOnly bool) (Array, error) {
	if err := m.checkPixels(pixels); err != nil {
		return Array{}, err
	}
	if m.Store.GetVariable(varPath(m.Prefix, "vision_model.token_LF")) == nil {
		return Array{}, fmt.Errorf("clip: %s has no local-merge weights; call InitPaperVision first", m.Dir)
	}
	cfg := m.Config.Vision
	e, err := m.exec(fmt.Sprintf("paper-%v", convOnly), func() (*model.Exec, error) {
		return model.NewExec(m.Backend, m.Store, func(_ *model.Scope, px *Node) *Node {
			return PaperVisionTokens(m.Scope(), cfg, px, convOnly)
		})
	})
	if err != nil {
		return Array{}, fmt.Errorf("clip: paper tokens: %w", err)
	}
	out, err := m.call("paper tokens", e, tensors.FromFlatDataAndDimensions(pixels.Data, pixels.Shape...))
	if err != nil {
		return Array{}, err
	}
	return out[0], nil
}

// TextResult holds the text tower's outputs for a batch of id sequences.
type TextResult struct {
	// LastHiddenState[i] is final_layer_norm of the last layer for row i:
	// [len(ids[i]), D].
	LastHiddenState []Array
	// PoolPositions[i] is the pooled position of row i (see PoolPosition).
	PoolPositions []int
	// Pooled is [B, D]; TextEmbeds is text_projection(Pooled), [B,
	// projection_dim], empty when the checkpoint has no projection.
	Pooled, TextEmbeds Array
}

// Text runs the text tower on a batch of token-id sequences (they may differ
// in length: rows are right-padded, which the causal mask makes invisible to
// the real positions).
func (m *Model) Text(ids [][]int) (*TextResult, error) {
	cfg := m.Config.Text
	if !m.HasText {
		return nil, fmt.Errorf("clip: %s has no text tower", m.Dir)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("clip: text: no input ids")
	}
	t := 0
	for i, row := range ids {
		if len(row) == 0 {
			return nil, fmt.Errorf("clip: text: row %d is empty", i)
		}
		if len(row) > cfg.MaxPositionEmbeddings {
			return nil, fmt.Errorf("clip: text: row %d has %d tokens, the tower has %d positions", i, len(row), cfg.MaxPositionEmbeddings)
		}
		for j, id := range row {
			if id < 0 || id >= cfg.VocabSize {
				return nil, fmt.Errorf("clip: text: row %d position %d: id %d outside the vocabulary [0, %d)", i, j, id, cfg.VocabSize)
			}
		}
		t = max(t, len(row))
	}
	flat := make([]int32, len(ids)*t)
	pos := make([]int32, len(ids))
	r := &TextResult{}
	for i, row := range ids {
		for j, id := range row {
			flat[i*t+j] = int32(id)
		}
		p := PoolPosition(cfg, row)
		pos[i] = int32(p)
		r.PoolPositions = append(r.PoolPositions, p)
	}
	e, err := m.exec("text", func() (*model.Exec, error) {
		return model.NewExec(m.Backend, m.Store, func(_ *model.Scope, idsN, posN *Node) []*Node {
			scope := m.Scope()
			states := TextHiddenStates(scope, cfg, idsN, cfg.NumHiddenLayers)
			final := TextFinal(scope, cfg, states[len(states)-1])
			pooled := TextPooled(final, posN)
			out := []*Node{final, pooled}
			if m.HasTextProjection {
				out = append(out, TextEmbeds(scope, pooled))
			}
			return out
		})
	})
	if err != nil {
		return nil, fmt.Errorf("clip: text: %w", err)
	}
	out, err := m.call("text", e, tensors.FromFlatDataAndDimensions(flat, len(ids), t), tensors.FromFlatDataAndDimensions(pos, len(ids)))
	if err != nil {
		return nil, err
	}
	d := out[0].Shape[2]
	for i, row := range ids {
		full := out[0].Row(i)
		r.LastHiddenState = append(r.LastHiddenState, Array{Shape: []int{len(row), d}, Data: full.Data[:len(row)*d]})
	}
	r.Pooled = out[1]
	if len(out) > 2 {
		r.TextEmbeds = out[2]
	}
	return r, nil
}

// MergeTokens runs the paper's local merge and new-line token on patch
// tokens outside a CLIP model (for notebooks and checks): x is [K, G·G, D]
// (class token already dropped), weight is [D, D, 3, 3] (PyTorch layout),
// lf is the new-line token [D] (or [1, 1, D]). It returns [K, (G/2)² + 1,
// D]; residual=false gives the paper's conv-only merge.
func MergeTokens(x Array, grid int, weight, lf Array, residual bool) (out Array, err error) {
	if len(x.Shape) != 3 || x.Shape[1] != grid*grid {
		return Array{}, fmt.Errorf("clip: merge: tokens shape %v, want [K, %d, D]", x.Shape, grid*grid)
	}
	d := x.Shape[2]
	if len(weight.Shape) != 4 || weight.Shape[0] != d || weight.Shape[1] != d || weight.Shape[2] != 3 || weight.Shape[3] != 3 {
		return Array{}, fmt.Errorf("clip: merge: weight shape %v, want [%d, %d, 3, 3]", weight.Shape, d, d)
	}
	if len(lf.Data) != d {
		return Array{}, fmt.Errorf("clip: merge: new-line token has %d values, want %d", len(lf.Data), d)
	}
	b, err := backend.New()
	if err != nil {
		return Array{}, fmt.Errorf("clip: merge: %w", err)
	}
	store := model.NewStore()
	store.VariableWithValue("/merge/vision_embed_merge/weight", tensors.FromFlatDataAndDimensions(weight.Data, weight.Shape...))
	store.VariableWithValue("/merge/token_LF", tensors.FromFlatDataAndDimensions(lf.Data, 1, 1, d))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("clip: merge: %v", r)
		}
	}()
	t, err := model.CallOnce(b, store, func(scope *model.Scope, xn *Node) *Node {
		s := scope.At("merge")
		return AppendNewLine(s, LocalMerge(s.At("vision_embed_merge"), xn, grid, residual))
	}, tensors.FromFlatDataAndDimensions(x.Data, x.Shape...))
	if err != nil {
		return Array{}, fmt.Errorf("clip: merge: %w", err)
	}
	return toArray(t)
}
