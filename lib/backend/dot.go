package backend

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/gomlx/core/graph"
)

// DotGeneral is graph.DotGeneral with one safeguard for the pure-Go backend:
// half-precision operands (bfloat16, float16) are converted to float32 for
// the product and the result converted back to their dtype.
//
// Why: built with GOEXPERIMENT=simd, the pure-Go backend picks AVX-512 or
// AVX2 matmul kernels at run time. Its small AVX2 kernel for half-precision
// inputs with the right operand's contracting axis last (the layout of every
// x·Wᵀ linear layer and of q·kᵀ) adds up only half of the products: on a CPU
// with AVX2 but no AVX-512 (or with GOMLX_SIMD_AVX512=false) a bfloat16
// linear layer returned about half its true value (TestDotMatchesFloat64).
// The float32 kernels are right on every path and faster than the half ones
// on a CPU, and the half-precision kernels accumulate in float32 anyway, so
// the result differs from theirs only in the order of the float32 sums.
// Other backends (XLA) get graph.DotGeneral unchanged.
func DotGeneral(lhs *graph.Node, lhsContractingAxes, lhsBatchAxes []int,
	rhs *graph.Node, rhsContractingAxes, rhsBatchAxes []int) *graph.Node {
	if half := lhs.DType(); needsFloat32(lhs.Graph(), half) {
		out := graph.DotGeneral(graph.ConvertDType(lhs, dtypes.Float32), lhsContractingAxes, lhsBatchAxes,
			graph.ConvertDType(rhs, dtypes.Float32), rhsContractingAxes, rhsBatchAxes)
		return graph.ConvertDType(out, half)
	}
	return graph.DotGeneral(lhs, lhsContractingAxes, lhsBatchAxes, rhs, rhsContractingAxes, rhsBatchAxes)
}

// Einsum is graph.Einsum with the safeguard of DotGeneral: on the pure-Go
// backend, half-precision operands are multiplied in float32.
func Einsum(equation string, lhs, rhs *graph.Node) *graph.Node {
	if half := lhs.DType(); needsFloat32(lhs.Graph(), half) {
		out := graph.Einsum(equation, graph.ConvertDType(lhs, dtypes.Float32), graph.ConvertDType(rhs, dtypes.Float32))
		return graph.ConvertDType(out, half)
	}
	return graph.Einsum(equation, lhs, rhs)
}

// needsFloat32 reports whether a product in dtype on g's backend goes
// through float32 (half precision on the pure-Go backend).
func needsFloat32(g *graph.Graph, dtype dtypes.DType) bool {
	return dtype.IsHalfPrecision() && g.Backend().String() == gobackend.BackendName
}
