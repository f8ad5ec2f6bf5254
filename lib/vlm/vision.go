package vlm

import (
	"fmt"
	"math"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

// VisionConfig is the CLIP vision tower (Hugging Face CLIPVisionConfig names).
type VisionConfig struct {
	ImageSize    int     `json:"image_size"`
	PatchSize    int     `json:"patch_size"`
	Hidden       int     `json:"hidden_size"`
	Intermediate int     `json:"intermediate_size"`
	Layers       int     `json:"num_hidden_layers"`
	Heads        int     `json:"num_attention_heads"`
	Act          string  `json:"hidden_act"`
	LayerNormEps float64 `json:"layer_norm_eps"`
}

// Grid is the number of patches per side.
func (c VisionConfig) Grid() int { return c.ImageSize / c.PatchSize }

// TokensPerView is the number of vision tokens a view gives after the local
// merge and the new-line token: (⌈grid/2⌉)² + 1 (145 at paper size).
func (c VisionConfig) TokensPerView() int {
	m := (c.Grid() + 1) / 2
	return m*m + 1
}

// Validate checks the sizes.
func (c VisionConfig) Validate() error {
	if c.ImageSize <= 0 || c.PatchSize <= 0 || c.ImageSize%c.PatchSize != 0 {
		return fmt.Errorf("vision config: image_size %d must be a positive multiple of patch_size %d", c.ImageSize, c.PatchSize)
	}
	if c.Hidden <= 0 || c.Heads <= 0 || c.Hidden%c.Heads != 0 || c.Layers <= 0 || c.Intermediate <= 0 {
		return fmt.Errorf("vision config: bad sizes %+v", c)
	}
	if c.Grid()%2 != 0 {
		return fmt.Errorf("vision config: the local merge needs an even patch grid, got %d", c.Grid())
	}
	switch c.Act {
	case "quick_gelu", "gelu", "":
	default:
		return fmt.Errorf("vision config: hidden_act %q not supported (quick_gelu or gelu)", c.Act)
	}
	return nil
}

// NumParams counts the tower's parameters without the post_layernorm, which
// the paper's model drops (spec §3.3).
func (c VisionConfig) NumParams() int64 {
	h, i, p, g := int64(c.Hidden), int64(c.Intermediate), int64(c.PatchSize), int64(c.Grid())
	emb := 3*p*p*h + h + (g*g+1)*h
	layer := 4*(h*h+h) + 4*h + (h*i + i) + (i*h + h)
	return emb + 2*h + int64(c.Layers)*layer
}

func linearBias(scope *model.Scope, x *Node, out int) *Node {
	y := fusion.Linear(scope, x, out, 0.02)
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("bias", shapes.Make(x.DType(), out)).NodeValue(x.Graph())
	return Add(y, ExpandLeftToRank(b, y.Rank()))
}

// LayerNorm normalises the last axis with weight "weight" (init 1) and bias
// "bias" (init 0).
func LayerNorm(scope *model.Scope, x *Node, eps float64) *Node {
	h := x.Shape().Dim(-1)
	w := scope.WithInitializer(initializer.One).VariableWithShape("weight", shapes.Make(x.DType(), h)).NodeValue(x.Graph())
	b := scope.WithInitializer(initializer.Zero).VariableWithShape("bias", shapes.Make(x.DType(), h)).NodeValue(x.Graph())
	mean := ReduceAndKeep(x, ReduceMean, -1)
	xc := Sub(x, mean)
	v := ReduceAndKeep(Square(xc), ReduceMean, -1)
	y := Div(xc, Sqrt(AddScalar(v, eps)))
	return Add(Mul(y, ExpandLeftToRank(w, y.Rank())), ExpandLeftToRank(b, y.Rank()))
}

func activation(act string, x *Node) *Node {
	if act == "gelu" {
		return Mul(MulScalar(x, 0.5), OnePlus(Erf(MulScalar(x, 1/math.Sqrt2))))
	}
	return Mul(x, Sigmoid(MulScalar(x, 1.702)))
}

// VisionTower runs CLIP's vision transformer (scope = ".../vision_model")
// over normalised pixels [N, 3, S, S] and returns the output of the last
// encoder layer [N, 1+grid², hidden] (before post_layernorm, spec §3.3).
func VisionTower(scope *model.Scope, c VisionConfig, pixels *Node) *Node {
	N := pixels.Shape().Dim(0)
	p, g, h := c.PatchSize, c.Grid(), c.Hidden
	emb := scope.In("embeddings")
	// Patch conv with stride = kernel is a reshape + dense.
	w := emb.In("patch_embedding").WithInitializer(initializer.RandomNormalFn(scope, 0.02)).
		VariableWithShape("weight", shapes.Make(pixels.DType(), h, 3, p, p)).NodeValue(pixels.Graph())
	x := Reshape(pixels, N, 3, g, p, g, p)
	x = TransposeAllAxes(x, 0, 2, 4, 1, 3, 5) // [N, g, g, 3, p, p]
	x = Reshape(x, N*g*g, 3*p*p)
	x = Reshape(Einsum("nk,hk->nh", x, Reshape(w, h, 3*p*p)), N, g*g, h)
	cls := emb.WithInitializer(initializer.RandomNormalFn(scope, 0.02)).
		VariableWithShape("class_embedding", shapes.Make(pixels.DType(), h)).NodeValue(pixels.Graph())
	x = Concatenate([]*Node{BroadcastToDims(Reshape(cls, 1, 1, h), N, 1, h), x}, 1)
	pos := emb.In("position_embedding").WithInitializer(initializer.RandomNormalFn(scope, 0.02)).
		VariableWithShape("weight", shapes.Make(pixels.DType(), g*g+1, h)).NodeValue(pixels.Graph())
	x = Add(x, InsertAxes(pos, 0))
	x = LayerNorm(scope.In("pre_layrnorm"), x, c.LayerNormEps)
	layers := scope.In("encoder").In("layers")
	T := g*g + 1
	nh, hd := c.Heads, h/c.Heads
	for l := range c.Layers {
		ls := layers.In("%d", l)
		r := LayerNorm(ls.In("layer_norm1"), x, c.LayerNormEps)
		att := ls.In("self_attn")
		q := Reshape(MulScalar(linearBias(att.In("q_proj"), r, h), 1/math.Sqrt(float64(hd))), N, T, nh, hd)
		k := Reshape(linearBias(att.In("k_proj"), r, h), N, T, nh, hd)
		v := Reshape(linearBias(att.In("v_proj"), r, h), N, T, nh, hd)
		probs := Softmax(Einsum("bqhd,bkhd->bhqk", q, k), -1)
		o := Reshape(Einsum("bhqk,bkhd->bqhd", probs, v), N, T, h)
		x = Add(x, linearBias(att.In("out_proj"), o, h))
		r = LayerNorm(ls.In("layer_norm2"), x, c.LayerNormEps)
		mlp := ls.In("mlp")
		x = Add(x, linearBias(mlp.In("fc2"), activation(c.Act, linearBias(mlp.In("fc1"), r, c.Intermediate)), h))
	}
	return x
}

// MergeViews is the paper's step after the tower (spec §3.3): a new
// LayerNorm ("pos_layrnorm"), drop the class token, the local merge — a
// bias-free 3×3 stride-2 padding-1 convolution ("vision_embed_merge/weight",
// [H, H, 3, 3], init N(0, 0.02)) plus the nearest-neighbour residual
// x[2i, 2j] — and the learned new-line token ("token_LF", [1, 1, H]) appended
// to each view. The names are the authors' (and lib/clip's), under the
// vision_model scope. states are [N, 1+g², H]; the result is [N, (g/2)²+1, H].
func MergeViews(scope *model.Scope, c VisionConfig, states *Node) *Node {
	N, g, h := states.Shape().Dim(0), c.Grid(), c.Hidden
	x := LayerNorm(scope.In("pos_layrnorm"), states, c.LayerNormEps)
	x = Reshape(SliceAxis(x, 1, AxisRangeToEnd(1)), N, g, g, h) // channels last, row-major raster
	m := g / 2
	// im2col: pad by one on both spatial sides, then 9 strided views.
	zr := Zeros(x.Graph(), shapes.Make(x.DType(), N, 1, g, h))
	xp := Concatenate([]*Node{zr, x, zr}, 1)
	zc := Zeros(x.Graph(), shapes.Make(x.DType(), N, g+2, 1, h))
	xp = Concatenate([]*Node{zc, xp, zc}, 2) // [N, g+2, g+2, H]
	var cols []*Node
	for ky := range 3 {
		for kx := range 3 {
			cols = append(cols, Slice(xp, AxisRange(), AxisRange(ky, ky+2*m-1).Stride(2), AxisRange(kx, kx+2*m-1).Stride(2)))
		}
	}
	patches := Reshape(Concatenate(cols, -1), N*m*m, 9*h) // channel index (ky·3+kx)·H + c
	w := scope.In("vision_embed_merge").WithInitializer(initializer.RandomNormalFn(scope, 0.02)).
		VariableWithShape("weight", shapes.Make(x.DType(), h, h, 3, 3)).NodeValue(x.Graph())
	wk := Reshape(TransposeAllAxes(w, 0, 2, 3, 1), h, 9*h) // [out, ky, kx, in]
	conv := Reshape(Einsum("nk,ok->no", patches, wk), N, m, m, h)
	nearest := Slice(x, AxisRange(), AxisRange().Stride(2), AxisRange().Stride(2))
	merged := Reshape(Add(conv, nearest), N, m*m, h)
	lf := scope.WithInitializer(initializer.RandomNormalFn(scope, 0.02)).
		VariableWithShape("token_LF", shapes.Make(x.DType(), 1, 1, h)).NodeValue(x.Graph())
	return Concatenate([]*Node{merged, BroadcastToDims(Reshape(lf, 1, 1, h), N, 1, h)}, 1)
}
