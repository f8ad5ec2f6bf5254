package clip

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL, as its own zoo models use it
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// param returns the value in graph g of the variable at scope/name, and
// panics with a clear message when it is missing (recovered at the API
// boundary).
func param(scope *model.Scope, g *Graph, name string) *Node {
	v := scope.GetVariable(name)
	if v == nil {
		exceptions.Panicf("clip: missing weight %s/%s", scope.Scope(), name)
	}
	return v.NodeValue(g)
}

// layerNorm is torch.nn.LayerNorm over the last axis with the variables
// weight and bias of scope: (x − mean)/sqrt(var + eps)·weight + bias, with
// the biased variance. It divides by Sqrt rather than multiplying by Rsqrt
// because GoMLX v0.28 defines no gradient for Rsqrt, and the towers are
// trained in stages 1–2.
func layerNorm(scope *model.Scope, x *Node, eps float64) *Node {
	g := x.Graph()
	last := x.Rank() - 1
	mean := ReduceAndKeep(x, ReduceMean, last)
	centred := Sub(x, mean)
	variance := ReduceAndKeep(Square(centred), ReduceMean, last)
	normed := Div(centred, Sqrt(AddScalar(variance, eps)))
	return Add(Mul(normed, lead(param(scope, g, "weight"), x.Rank())), lead(param(scope, g, "bias"), x.Rank()))
}

// lead reshapes a vector to the given rank with leading axes of size 1, so
// it broadcasts over the last axis (GoMLX broadcasts only equal ranks).
func lead(v *Node, rank int) *Node {
	dims := make([]int, rank)
	for i := range dims {
		dims[i] = 1
	}
	dims[rank-1] = v.Shape().Size()
	return Reshape(v, dims...)
}

// linear is torch.nn.Linear: x·Wᵀ + b with W stored as [out, in]; the bias
// is used when the scope has one.
func linear(scope *model.Scope, x *Node) *Node {
	g := x.Graph()
	w := param(scope, g, "weight")
	dims := x.Shape().Dimensions
	in, out := dims[len(dims)-1], w.Shape().Dimensions[0]
	y := backend.Einsum("ni,oi->no", Reshape(x, x.Shape().Size()/in, in), w)
	y = Reshape(y, append(append([]int(nil), dims[:len(dims)-1]...), out)...)
	if scope.GetVariable("bias") != nil {
		y = Add(y, lead(param(scope, g, "bias"), y.Rank()))
	}
	return y
}

func knownActivation(name string) bool {
	switch name {
	case "quick_gelu", "gelu", "gelu_new", "gelu_pytorch_tanh", "relu":
		return true
	}
	return false
}

// activate applies a Hugging Face hidden_act.
func activate(name string, x *Node) *Node {
	switch name {
	case "quick_gelu": // x·σ(1.702x)
		return Mul(x, Sigmoid(MulScalar(x, 1.702)))
	case "gelu": // x·Φ(x), exact
		return Mul(x, MulScalar(AddScalar(Erf(DivScalar(x, math.Sqrt2)), 1), 0.5))
	case "gelu_new", "gelu_pytorch_tanh":
		inner := MulScalar(Add(x, MulScalar(PowScalar(x, 3), 0.044715)), math.Sqrt(2/math.Pi))
		return Mul(x, MulScalar(AddScalar(Tanh(inner), 1), 0.5))
	case "relu":
		return Max(x, ZerosLike(x))
	}
	exceptions.Panicf("clip: unknown activation %q", name)
	return nil
}

// attention is CLIPAttention: multi-head self-attention with q scaled by
// head_dim^-0.5, an optional causal mask, and out_proj.
func attention(scope *model.Scope, x *Node, heads int, causal bool) *Node {
	dims := x.Shape().Dimensions
	b, t, d := dims[0], dims[1], dims[2]
	hd := d / heads
	q := MulScalar(linear(scope.At("q_proj"), x), 1/math.Sqrt(float64(hd)))
	k := linear(scope.At("k_proj"), x)
	v := linear(scope.At("v_proj"), x)
	q = Reshape(q, b, t, heads, hd)
	k = Reshape(k, b, t, heads, hd)
	v = Reshape(v, b, t, heads, hd)
	scores := backend.Einsum("bqhd,bkhd->bhqk", q, k)
	if causal {
		g := x.Graph()
		allowed := LowerTriangular(g, t) // [t, t] booleans, true on and below the diagonal
		neg := Scalar(g, scores.DType(), -1e30)
		scores = Where(BroadcastToDims(Reshape(allowed, 1, 1, t, t), b, heads, t, t), scores, BroadcastToDims(neg, b, heads, t, t))
	}
	probs := Softmax(scores, -1)
	out := backend.Einsum("bhqk,bkhd->bqhd", probs, v)
	return linear(scope.At("out_proj"), Reshape(out, b, t, d))
}

// encoderLayer is CLIPEncoderLayer (pre-LN):
// x + attn(ln1(x)), then + mlp(ln2(·)).
func encoderLayer(scope *model.Scope, x *Node, heads int, act string, eps float64, causal bool) *Node {
	h := layerNorm(scope.At("layer_norm1"), x, eps)
	x = Add(x, attention(scope.At("self_attn"), h, heads, causal))
	h = layerNorm(scope.At("layer_norm2"), x, eps)
	h = linear(scope.At("mlp").At("fc1"), h)
	h = activate(act, h)
	h = linear(scope.At("mlp").At("fc2"), h)
	return Add(x, h)
}

// encoder runs layers 0..upTo−1 of scope/layers and returns the hidden
// states: [0] is the input, [i] the output of layer i. With ckpt, each
// layer's input is a gradient checkpoint (GoMLX's Node.Checkpoint): the
// backward pass keeps only the layer inputs and recomputes the inside of a
// layer when its gradient is needed; the last state is closed with
// Node.StopCheckpoint. The values are the same either way.
func encoder(scope *model.Scope, x *Node, upTo, heads int, act string, eps float64, causal, ckpt bool) []*Node {
	states := []*Node{x}
	for i := 0; i < upTo; i++ {
		if ckpt {
			x = x.Checkpoint()
		}
		x = encoderLayer(scope.At("layers").At("%d", i), x, heads, act, eps, causal)
		if ckpt && i == upTo-1 {
			x = x.StopCheckpoint()
		}
		states = append(states, x)
	}
	return states
}
