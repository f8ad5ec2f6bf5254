package fusion

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// DecoderConfig sizes a Llama-style decoder stack (Hugging Face LlamaModel
// semantics: pre-RMSNorm blocks, rotate-half RoPE, causal attention with an
// explicit mask, SwiGLU MLP, no biases, final RMSNorm).
type DecoderConfig struct {
	Hidden       int     `json:"hidden_size"`
	Intermediate int     `json:"intermediate_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	KVHeads      int     `json:"num_key_value_heads"`
	RopeTheta    float64 `json:"rope_theta"`
	RMSEps       float64 `json:"rms_norm_eps"`
	// InitStd is the standard deviation of freshly initialised linear
	// weights (Hugging Face's initializer_range, 0.02).
	InitStd float64 `json:"initializer_range"`
}

// Validate checks the sizes.
func (c DecoderConfig) Validate() error {
	if c.Hidden <= 0 || c.Intermediate <= 0 || c.Layers <= 0 || c.Heads <= 0 {
		return fmt.Errorf("decoder config: hidden_size, intermediate_size, num_hidden_layers and num_attention_heads must be positive: %+v", c)
	}
	if c.Hidden%c.Heads != 0 || (c.Hidden/c.Heads)%2 != 0 {
		return fmt.Errorf("decoder config: hidden_size %d must split into %d heads of even size", c.Hidden, c.Heads)
	}
	if kv := c.kvHeads(); c.Heads%kv != 0 {
		return fmt.Errorf("decoder config: %d heads is not a multiple of %d key/value heads", c.Heads, kv)
	}
	return nil
}

func (c DecoderConfig) kvHeads() int {
	if c.KVHeads <= 0 {
		return c.Heads
	}
	return c.KVHeads
}

// HeadDim is Hidden/Heads.
func (c DecoderConfig) HeadDim() int { return c.Hidden / c.Heads }

// NumParams is the closed-form parameter count of the stack (layers + final
// norm, no embeddings): per layer 2 norms, q/o (H×H), k/v (H×kv·hd) and the
// three MLP matrices.
func (c DecoderConfig) NumParams() int64 {
	h, i, kv := int64(c.Hidden), int64(c.Intermediate), int64(c.kvHeads()*c.HeadDim())
	perLayer := 2*h + 2*h*h + 2*h*kv + 3*h*i
	return int64(c.Layers)*perLayer + h
}

func (c DecoderConfig) initStd() float64 {
	if c.InitStd > 0 {
		return c.InitStd
	}
	return 0.02
}

// Linear applies a bias-free linear layer whose weight variable "weight"
// (in scope) has the Hugging Face layout [out, in]. x is [..., in].
func Linear(scope *model.Scope, x *Node, out int, std float64) *Node {
	in := x.Shape().Dim(-1)
	w := scope.WithInitializer(initializer.RandomNormalFn(scope, std)).
		VariableWithShape("weight", shapes.Make(x.DType(), out, in)).NodeValue(x.Graph())
	dims := x.Shape().Dimensions
	flat := Reshape(x, -1, in)
	y := Einsum("ni,oi->no", flat, w)
	outDims := append(append([]int{}, dims[:len(dims)-1]...), out)
	return Reshape(y, outDims...)
}

// RMSNorm is w·x/sqrt(mean(x²)+eps) over the last axis, computed in float32
// or wider; its weight variable "weight" starts at 1.
func RMSNorm(scope *model.Scope, x *Node, eps float64) *Node {
	h := x.Shape().Dim(-1)
	w := scope.WithInitializer(initializer.One).VariableWithShape("weight", shapes.Make(x.DType(), h)).NodeValue(x.Graph())
	xf := x
	if x.DType() != dtypes.Float32 && x.DType() != dtypes.Float64 {
		xf = ConvertDType(x, dtypes.Float32)
	}
	ms := ReduceAndKeep(Square(xf), ReduceMean, -1)
	y := Div(xf, Sqrt(AddScalar(ms, eps)))
	wShape := make([]int, x.Rank())
	for i := range wShape {
		wShape[i] = 1
	}
	wShape[len(wShape)-1] = h
	return Mul(ConvertDType(y, x.DType()), Reshape(w, wShape...))
}

// RoPE returns the cos and sin tables [B, T, headDim] of rotate-half rotary
// embeddings for integer positions [B, T].
func RoPE(positions *Node, headDim int, theta float64, dtype dtypes.DType) (cos, sin *Node) {
	g := positions.Graph()
	half := headDim / 2
	inv := make([]float32, half)
	for i := range half {
		inv[i] = float32(1 / math.Pow(theta, float64(2*i)/float64(headDim)))
	}
	invFreq := Const(g, inv)                                      // [half]
	pos := ConvertDType(positions, dtypes.Float32)                // [B, T]
	ang := Mul(InsertAxes(pos, -1), Reshape(invFreq, 1, 1, half)) // [B, T, half]
	emb := Concatenate([]*Node{ang, ang}, -1)                     // [B, T, hd]
	return ConvertDType(Cos(emb), dtype), ConvertDType(Sin(emb), dtype)
}

// applyRoPE rotates x [B, T, heads, hd] with cos/sin [B, T, hd].
func applyRoPE(x, cos, sin *Node) *Node {
	hd := x.Shape().Dim(-1)
	x1 := SliceAxis(x, -1, AxisRange(0, hd/2))
	x2 := SliceAxis(x, -1, AxisRange(hd/2, hd))
	rot := Concatenate([]*Node{Neg(x2), x1}, -1)
	c, s := InsertAxes(cos, 2), InsertAxes(sin, 2)
	return Add(Mul(x, c), Mul(rot, s))
}

// KV holds one layer's keys and values [B, S, kvHeads, hd].
type KV struct{ K, V *Node }

// Decoder runs the decoder stack over input embeddings x [B, T, H] at
// positions [B, T] (int32) with the boolean attention mask [B, T, S]
// (query t may attend key s). It returns the last hidden state after the
// final RMSNorm ("norm" in scope). Layers live in scope "layers/<i>" with
// Hugging Face names (input_layernorm, self_attn/{q,k,v,o}_proj,
// post_attention_layernorm, mlp/{gate,up,down}_proj).
//
// With cache == nil, keys are the T positions themselves (S = T). With a
// cache (one KV per layer, [B, S, kvHeads, hd]), the new keys/values are
// written into it where write [B, S] is true — position s takes row
// slot[b, s] of the new ones — and attention runs over all S cached
// positions; the updated cache is returned. This formulation needs no
// DynamicUpdateSlice, which the pure-Go backend lacks.
func Decoder(scope *model.Scope, cfg DecoderConfig, x, positions, mask *Node, cache []KV, write, slot *Node) (*Node, []KV) {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cos, sin := RoPE(positions, cfg.HeadDim(), cfg.RopeTheta, x.DType())
	var newCache []KV
	layers := scope.In("layers")
	for l := range cfg.Layers {
		ls := layers.In("%d", l)
		var kv *KV
		if cache != nil {
			kv = &cache[l]
		}
		var upd KV
		x, upd = decoderLayer(ls, cfg, x, cos, sin, mask, kv, write, slot)
		newCache = append(newCache, upd)
	}
	return RMSNorm(scope.In("norm"), x, cfg.RMSEps), newCache
}

func decoderLayer(scope *model.Scope, cfg DecoderConfig, x, cos, sin, mask *Node, cache *KV, write, slot *Node) (*Node, KV) {
	B, T := x.Shape().Dim(0), x.Shape().Dim(1)
	nh, kvh, hd := cfg.Heads, cfg.kvHeads(), cfg.HeadDim()
	std := cfg.initStd()
	h := RMSNorm(scope.In("input_layernorm"), x, cfg.RMSEps)
	att := scope.In("self_attn")
	q := Reshape(Linear(att.In("q_proj"), h, nh*hd, std), B, T, nh, hd)
	k := Reshape(Linear(att.In("k_proj"), h, kvh*hd, std), B, T, kvh, hd)
	v := Reshape(Linear(att.In("v_proj"), h, kvh*hd, std), B, T, kvh, hd)
	q, k = applyRoPE(q, cos, sin), applyRoPE(k, cos, sin)
	upd := KV{K: k, V: v}
	if cache != nil {
		// Gather the new rows into cache layout, then select where written.
		S := cache.K.Shape().Dim(1)
		bIdx := Iota(x.Graph(), shapes.Make(dtypes.Int32, B, S), 0)
		idx := Concatenate([]*Node{InsertAxes(bIdx, -1), InsertAxes(ConvertDType(slot, dtypes.Int32), -1)}, -1) // [B, S, 2]
		w := BroadcastToDims(Reshape(write, B, S, 1, 1), B, S, kvh, hd)
		upd.K = Where(w, Gather(k, idx), cache.K)
		upd.V = Where(w, Gather(v, idx), cache.V)
		k, v = upd.K, upd.V
	}
	if kvh != nh {
		rep := nh / kvh
		S := k.Shape().Dim(1)
		k = Reshape(BroadcastToDims(InsertAxes(k, 3), B, S, kvh, rep, hd), B, S, nh, hd)
		v = Reshape(BroadcastToDims(InsertAxes(v, 3), B, S, kvh, rep, hd), B, S, nh, hd)
	}
	scores := MulScalar(Einsum("bqhd,bkhd->bhqk", q, k), 1/math.Sqrt(float64(hd)))
	m := InsertAxes(mask, 1) // [B, 1, T, S]
	m = BroadcastToDims(m, scores.Shape().Dimensions...)
	scores = Where(m, scores, Scalar(x.Graph(), scores.DType(), -1e9))
	probs := Softmax(scores, -1)
	o := Einsum("bhqk,bkhd->bqhd", probs, v)
	o = Reshape(o, B, T, nh*hd)
	x = Add(x, Linear(att.In("o_proj"), o, cfg.Hidden, std))
	h = RMSNorm(scope.In("post_attention_layernorm"), x, cfg.RMSEps)
	mlp := scope.In("mlp")
	gate := Linear(mlp.In("gate_proj"), h, cfg.Intermediate, std)
	up := Linear(mlp.In("up_proj"), h, cfg.Intermediate, std)
	x = Add(x, Linear(mlp.In("down_proj"), Mul(Mul(gate, Sigmoid(gate)), up), cfg.Hidden, std))
	return x, upd
}

// CausalMask returns the [B, T, T] mask of a right-padded batch from its
// valid-position flags [B, T] (bool): j ≤ i and j valid; padded rows see
// only themselves.
func CausalMask(valid *Node) *Node {
	g := valid.Graph()
	B, T := valid.Shape().Dim(0), valid.Shape().Dim(1)
	rows := Iota(g, shapes.Make(dtypes.Int32, B, T, T), 1)
	cols := Iota(g, shapes.Make(dtypes.Int32, B, T, T), 2)
	causal := LessOrEqual(cols, rows)
	keyValid := BroadcastToDims(InsertAxes(valid, 1), B, T, T)
	qValid := BroadcastToDims(InsertAxes(valid, 2), B, T, T)
	return Or(And(causal, keyValid), And(LogicalNot(qValid), Equal(rows, cols)))
}

// Embed looks ids [B, T] up in the table "weight" [vocab, hidden] of scope
// (initialised N(0, std)).
func Embed(scope *model.Scope, ids *Node, vocab, hidden int, std float64, dtype dtypes.DType) *Node {
	w := scope.WithInitializer(initializer.RandomNormalFn(scope, std)).
		VariableWithShape("weight", shapes.Make(dtype, vocab, hidden)).NodeValue(ids.Graph())
	return Gather(w, InsertAxes(ConvertDType(ids, dtypes.Int32), -1))
}
