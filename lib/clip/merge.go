package clip

import (
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/exceptions"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// LocalMerge is the paper's 4:1 local merge of one view's patch tokens (spec
// §3.3, step 6): x [B, G·G, D] in row-major raster order (G even; 24 for
// ViT-L/14-336) is read as a G×G map, convolved with a 3×3, stride-2,
// padding-1, bias-free convolution whose weight scope/weight is
// [D_out, D, 3, 3] (PyTorch layout), and, when residual is true, the
// nearest-neighbour downsampling of the input (the tokens at even rows and
// columns) is added, as in the authors' code; residual=false is the paper's
// conv-only description. The result is [B, (G/2)², D_out], row-major.
//
// The convolution is built from nine unstrided slices of the zero-padded map
// (read as 2×2 blocks) and one dense contraction. This is the same sum as
// the strided convolution, and its gradient needs only slices and
// concatenations, which every backend differentiates.
func LocalMerge(scope *model.Scope, x *Node, grid int, residual bool) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	if len(dims) != 3 || dims[1] != grid*grid {
		exceptions.Panicf("clip: local merge input shape %v, want [B, %d, D]", dims, grid*grid)
	}
	if grid%2 != 0 || grid < 2 {
		exceptions.Panicf("clip: local merge needs an even patch grid, got %d", grid)
	}
	b, d := dims[0], dims[2]
	w := param(scope, g, "weight")
	wd := w.Shape().Dimensions
	if len(wd) != 4 || wd[1] != d || wd[2] != 3 || wd[3] != 3 {
		exceptions.Panicf("clip: local merge weight shape %v, want [D_out, %d, 3, 3]", wd, d)
	}
	dOut := wd[0]
	ho := grid / 2
	m := Reshape(x, b, grid, grid, d)
	// Zero padding of 1 on each side: (G+2)×(G+2), then 2×2 blocks.
	zRow := Zeros(g, shapes.Make(x.DType(), b, 1, grid, d))
	m = Concatenate([]*Node{zRow, m, zRow}, 1)
	zCol := Zeros(g, shapes.Make(x.DType(), b, grid+2, 1, d))
	m = Concatenate([]*Node{zCol, m, zCol}, 2)
	hb := ho + 1
	blocks := Reshape(m, b, hb, 2, hb, 2, d)
	// Padded row 2i+k is block i+k/2, sub-row k%2.
	tap := func(k int) (start, sub int) { return k / 2, k % 2 }
	var patches []*Node
	for ky := 0; ky < 3; ky++ {
		rs, rsub := tap(ky)
		for kx := 0; kx < 3; kx++ {
			cs, csub := tap(kx)
			p := Slice(blocks, AxisRange(), AxisRange(rs, rs+ho), AxisRange(rsub, rsub+1),
				AxisRange(cs, cs+ho), AxisRange(csub, csub+1), AxisRange())
			patches = append(patches, Reshape(p, b, ho, ho, d))
		}
	}
	cols := Concatenate(patches, -1) // [B, Ho, Ho, 9·D], (ky, kx, c) order
	wMat := Reshape(TransposeAllAxes(w, 2, 3, 1, 0), 9*d, dOut)
	out := backend.Einsum("bhwk,ko->bhwo", cols, wMat)
	if residual {
		if dOut != d {
			exceptions.Panicf("clip: local merge residual needs D_out = D, got %d and %d", dOut, d)
		}
		even := Slice(Reshape(x, b, ho, 2, ho, 2, d), AxisRange(), AxisRange(), AxisRange(0, 1), AxisRange(), AxisRange(0, 1), AxisRange())
		out = Add(out, Reshape(even, b, ho, ho, d))
	}
	return Reshape(out, b, ho*ho, dOut)
}

// AppendNewLine appends the learned new-line token scope/token_LF ([1, 1, D])
// at the end of every view: [B, T, D] → [B, T+1, D] (App. C).
func AppendNewLine(scope *model.Scope, x *Node) *Node {
	g := x.Graph()
	dims := x.Shape().Dimensions
	lf := Reshape(param(scope, g, "token_LF"), 1, 1, dims[2])
	return Concatenate([]*Node{x, BroadcastToDims(lf, dims[0], 1, dims[2])}, 1)
}
