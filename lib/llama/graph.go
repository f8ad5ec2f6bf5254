package llama

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// Variable layout: the scope path of every weight is its Hugging Face name
// with "." replaced by "/", so "model.layers.0.mlp.up_proj.weight" lives at
// "<root>/model/layers/0/mlp/up_proj" as variable "weight". Decoder's scope
// is the "model" level; Embed and LMHead take the root.

// DecoderOptions are the optional inputs of Decoder.
type DecoderOptions struct {
	// Positions [batch, seq] (any integer dtype) are the rotary positions of
	// the inputs. Nil means 0, 1, ..., seq-1 in every row (or Cache.Offset +
	// 0, 1, ... with a cache).
	Positions *Node
	// Padding [batch, seq] Bool is true for real inputs and false for
	// padding. Queries attend only to real keys at or before them. Nil means
	// every input is real. Ignored when Cache is set (use Cache.Valid).
	Padding *Node
	// Cache, when set, makes Decoder append this chunk's keys and values to
	// the cache and attend over it.
	Cache *Cache
	// GradientCheckpointing keeps only each decoder layer's input for the
	// backward pass and recomputes the layer's inside (attention scores,
	// probabilities, MLP activations) when its gradient is needed: GoMLX's
	// Node.Checkpoint at every layer input and Node.StopCheckpoint after
	// the last layer. The forward values are unchanged; a training step
	// trades one more forward pass per layer for activation memory. Off by
	// default; it only matters for graphs that take gradients.
	GradientCheckpointing bool
}

// Cache is the graph-side state of a fixed-size KV cache with S slots.
type Cache struct {
	// K and V hold one [batch, NumKVHeads, S, HeadDim] node per layer, in
	// the compute dtype. Decoder replaces them with the updated caches.
	K, V []*Node
	// Valid [batch, S] Bool marks the slots that may be attended once this
	// chunk is written (earlier real tokens and this chunk's real tokens).
	Valid *Node
	// Offset is the scalar integer slot of the chunk's first token; the
	// chunk occupies slots Offset ... Offset+seq-1, and a query at slot s
	// attends to valid slots ≤ s.
	Offset *Node
}

// linear applies a bias-free Hugging Face Linear: x[..., in] · W[out, in]ᵀ.
func linear(scope *model.Scope, x *Node, out int) *Node {
	in := x.Shape().Dim(-1)
	w := scope.VariableWithShape("weight", shapes.Make(x.DType(), out, in)).NodeValue(x.Graph())
	return backend.DotGeneral(x, []int{x.Rank() - 1}, nil, w, []int{1}, nil)
}

// rmsNorm is w · x / sqrt(mean(x²) + eps), the normalisation computed in
// float32 and cast back before the weight, as Hugging Face's LlamaRMSNorm.
func rmsNorm(scope *model.Scope, x *Node, eps float64) *Node {
	dtype := x.DType()
	w := scope.WithInitializer(initializer.One).
		VariableWithShape("weight", shapes.Make(dtype, x.Shape().Dim(-1))).NodeValue(x.Graph())
	xf := ConvertDType(x, dtypes.Float32)
	ms := ReduceAndKeep(Square(xf), ReduceMean, -1)
	xf = Div(xf, Sqrt(AddScalar(ms, eps))) // Div, not Rsqrt: GoMLX has no Rsqrt gradient
	wdims := make([]int, x.Rank())
	for i := range wdims {
		wdims[i] = 1
	}
	wdims[len(wdims)-1] = x.Shape().Dim(-1)
	return Mul(ConvertDType(xf, dtype), Reshape(w, wdims...))
}

// ropeCosSin returns cos and sin [batch, seq, 1, headDim] of the rotary
// angles pos · θ^(-2i/d), duplicated over both halves (rotate-half layout).
func ropeCosSin(positions *Node, headDim int, theta float64, dtype dtypes.DType) (cos, sin *Node) {
	g := positions.Graph()
	half := headDim / 2
	inv := make([]float32, headDim)
	for i := range half {
		f := float32(1 / math.Pow(theta, float64(2*i)/float64(headDim)))
		inv[i], inv[i+half] = f, f
	}
	angles := Mul(ExpandAxes(ConvertDType(positions, dtypes.Float32), -1), Reshape(Const(g, inv), 1, 1, headDim)) // [B, T, D]
	angles = ExpandAxes(angles, 2)                                                                                // [B, T, 1, D]
	return ConvertDType(Cos(angles), dtype), ConvertDType(Sin(angles), dtype)
}

// applyRope rotates x [batch, seq, heads, headDim]: x·cos + rotate_half(x)·sin
// with rotate_half(x) = (-x₂, x₁).
func applyRope(x, cos, sin *Node) *Node {
	d := x.Shape().Dim(-1)
	x1 := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(0, d/2))
	x2 := Slice(x, AxisRange(), AxisRange(), AxisRange(), AxisRange(d/2, d))
	rot := Concatenate([]*Node{Neg(x2), x1}, -1)
	return Add(Mul(x, cos), Mul(rot, sin))
}

// writeSlots writes chunk [B, H, C, D] into cache [B, H, S, D] at slots
// offset ... offset+C-1 without DynamicUpdateSlice: Where over an iota mask
// (C = 1) or a one-hot product (C > 1), both exact.
func writeSlots(cache, chunk, offset *Node) *Node {
	g := cache.Graph()
	dims := cache.Shape().Dimensions
	s, c := dims[2], chunk.Shape().Dim(2)
	offset = ConvertDType(offset, dtypes.Int32)
	slot := Iota(g, shapes.Make(dtypes.Int32, s), 0) // [S]
	if c == 1 {
		hit := Equal(slot, offset)
		hit = BroadcastToDims(Reshape(hit, 1, 1, s, 1), dims...)
		return Where(hit, BroadcastToDims(chunk, dims...), cache)
	}
	// sel[s, c] = (s == offset + c)
	pos := Iota(g, shapes.Make(dtypes.Int32, 1, c), 1)
	sel := Equal(Iota(g, shapes.Make(dtypes.Int32, s, c), 0), Add(pos, offset))
	written := backend.DotGeneral(ConvertDType(sel, chunk.DType()), []int{1}, nil, chunk, []int{2}, nil) // [S, B, H, D]
	written = TransposeAllDims(written, 1, 2, 0, 3)
	inChunk := LogicalAnd(GreaterOrEqual(slot, offset), LessThan(slot, AddScalar(offset, c)))
	inChunk = BroadcastToDims(Reshape(inChunk, 1, 1, s, 1), dims...)
	return Where(inChunk, written, cache)
}

// attention is Llama self-attention with grouped-query heads. mask
// [B, T, S] Bool says which keys each query sees.
func attention(scope *model.Scope, cfg *Config, x, cos, sin, mask *Node, layer int, cache *Cache) *Node {
	dims := x.Shape().Dimensions
	b, t := dims[0], dims[1]
	nh, kvh, hd := cfg.NumHeads, cfg.NumKVHeads, cfg.HeadDim
	q := Reshape(linear(scope.At("q_proj"), x, nh*hd), b, t, nh, hd)
	k := Reshape(linear(scope.At("k_proj"), x, kvh*hd), b, t, kvh, hd)
	v := Reshape(linear(scope.At("v_proj"), x, kvh*hd), b, t, kvh, hd)
	q, k = applyRope(q, cos, sin), applyRope(k, cos, sin)
	k = TransposeAllDims(k, 0, 2, 1, 3) // [B, KVH, T, D]
	v = TransposeAllDims(v, 0, 2, 1, 3)
	if cache != nil {
		k = writeSlots(cache.K[layer], k, cache.Offset)
		v = writeSlots(cache.V[layer], v, cache.Offset)
		cache.K[layer], cache.V[layer] = k, v
	}
	if useFusedAttention(x.Graph().Backend(), x.DType()) {
		return linear(scope.At("o_proj"), fusedAttention(q, k, v, mask), cfg.HiddenSize)
	}
	s := k.Shape().Dim(2)
	grp := nh / kvh
	// q: [B, T, NH, D] -> [B, KVH, G, T, D]; head h uses kv head h / G.
	qg := TransposeAllDims(Reshape(q, b, t, kvh, grp, hd), 0, 2, 3, 1, 4)
	scores := backend.DotGeneral(qg, []int{4}, []int{0, 1}, k, []int{3}, []int{0, 1}) // [B, KVH, G, T, S]
	scores = ConvertDType(MulScalar(scores, 1/math.Sqrt(float64(hd))), dtypes.Float32)
	m := BroadcastToDims(Reshape(mask, b, 1, 1, t, s), b, kvh, grp, t, s)
	scores = Where(m, scores, Scalar(x.Graph(), dtypes.Float32, -math.MaxFloat32))
	probs := ConvertDType(Softmax(scores, -1), x.DType())
	out := backend.DotGeneral(probs, []int{4}, []int{0, 1}, v, []int{2}, []int{0, 1}) // [B, KVH, G, T, D]
	out = Reshape(TransposeAllDims(out, 0, 3, 1, 2, 4), b, t, nh*hd)
	return linear(scope.At("o_proj"), out, cfg.HiddenSize)
}

// mlp is the SwiGLU feed-forward block down(silu(gate(x)) · up(x)).
func mlp(scope *model.Scope, cfg *Config, x *Node) *Node {
	gate := linear(scope.At("gate_proj"), x, cfg.IntermediateSize)
	up := linear(scope.At("up_proj"), x, cfg.IntermediateSize)
	return linear(scope.At("down_proj"), Mul(Mul(gate, Sigmoid(gate)), up), cfg.HiddenSize)
}

// Decoder runs the cfg.NumLayers Llama decoder layers and the final RMSNorm
// over input embeddings x [batch, seq, HiddenSize] (any float dtype; it is
// cast to cfg.DType). Weights live under scope ("layers/<i>/...",
// "norm/weight"); fresh variables get the scope's initializer (norm weights
// start at one), so the same function builds a trainable decoder from
// scratch (the fusion module) or runs a loaded frozen one.
//
// It returns the final hidden states (after the last RMSNorm: the states the
// LM head reads) and the output of every layer (before the final norm).
// The attention is causal and never attends to padding (opts.Padding) or,
// with a cache, to invalid slots (opts.Cache.Valid).
func Decoder(scope *model.Scope, cfg *Config, x *Node, opts DecoderOptions) (hidden *Node, layers []*Node) {
	g := x.Graph()
	dims := x.Shape().Dimensions
	b, t := dims[0], dims[1]
	x = ConvertDType(x, cfg.DType)
	positions := opts.Positions
	var mask *Node
	qIdx := Iota(g, shapes.Make(dtypes.Int32, t, 1), 0)
	if opts.Cache == nil {
		if positions == nil {
			positions = BroadcastToDims(Iota(g, shapes.Make(dtypes.Int32, 1, t), 1), b, t)
		}
		causal := GreaterOrEqual(qIdx, Iota(g, shapes.Make(dtypes.Int32, 1, t), 1)) // [T, T]: key <= query
		mask = BroadcastToDims(Reshape(causal, 1, t, t), b, t, t)
		if opts.Padding != nil {
			mask = LogicalAnd(mask, BroadcastToDims(Reshape(opts.Padding, b, 1, t), b, t, t))
		}
	} else {
		c := opts.Cache
		s := c.Valid.Shape().Dim(1)
		off := ConvertDType(c.Offset, dtypes.Int32)
		if positions == nil {
			positions = BroadcastToDims(Add(Iota(g, shapes.Make(dtypes.Int32, 1, t), 1), off), b, t)
		}
		qSlot := Add(qIdx, off)                                                   // [T, 1]
		causal := LessOrEqual(Iota(g, shapes.Make(dtypes.Int32, 1, s), 1), qSlot) // [T, S]
		mask = LogicalAnd(BroadcastToDims(Reshape(causal, 1, t, s), b, t, s),
			BroadcastToDims(Reshape(c.Valid, b, 1, s), b, t, s))
	}
	cos, sin := ropeCosSin(positions, cfg.HeadDim, cfg.RopeTheta, cfg.DType)
	for l := range cfg.NumLayers {
		if opts.GradientCheckpointing {
			x = x.Checkpoint()
		}
		ls := scope.At("layers").At("%d", l)
		h := rmsNorm(ls.At("input_layernorm"), x, cfg.RMSNormEps)
		x = Add(x, attention(ls.At("self_attn"), cfg, h, cos, sin, mask, l, opts.Cache))
		h = rmsNorm(ls.At("post_attention_layernorm"), x, cfg.RMSNormEps)
		x = Add(x, mlp(ls.At("mlp"), cfg, h))
		layers = append(layers, x)
	}
	if opts.GradientCheckpointing && cfg.NumLayers > 0 {
		x = x.StopCheckpoint()
	}
	return rmsNorm(scope.At("norm"), x, cfg.RMSNormEps), layers
}

// Embed looks token ids [batch, seq] up in the embedding table at
// root/model/embed_tokens and returns [batch, seq, HiddenSize] embeddings.
func Embed(root *model.Scope, cfg *Config, ids *Node) *Node {
	table := root.At("model").At("embed_tokens").
		VariableWithShape("weight", shapes.Make(cfg.DType, cfg.VocabSize, cfg.HiddenSize)).NodeValue(ids.Graph())
	return Gather(table, ExpandAxes(ConvertDType(ids, dtypes.Int32), -1))
}

// LMHead maps hidden states [batch, seq, HiddenSize] (after the final norm)
// to logits [batch, seq, VocabSize] with root/lm_head, or with the
// embedding table when the embeddings are tied.
func LMHead(root *model.Scope, cfg *Config, hidden *Node) *Node {
	if cfg.TieWordEmbeddings {
		w := root.At("model").At("embed_tokens").
			VariableWithShape("weight", shapes.Make(cfg.DType, cfg.VocabSize, cfg.HiddenSize)).NodeValue(hidden.Graph())
		return backend.DotGeneral(hidden, []int{hidden.Rank() - 1}, nil, w, []int{1}, nil)
	}
	return linear(root.At("lm_head"), hidden, cfg.VocabSize)
}

// CausalLM runs Embed (when ids is given) or takes embeddings, then Decoder
// and LMHead; it returns float32 logits and the final hidden states.
func CausalLM(root *model.Scope, cfg *Config, ids, embeddings *Node, opts DecoderOptions) (logits, hidden *Node) {
	x := embeddings
	if ids != nil {
		x = Embed(root, cfg, ids)
	}
	hidden, _ = Decoder(root.At("model"), cfg, x, opts)
	return ConvertDType(LMHead(root, cfg, hidden), dtypes.Float32), hidden
}
