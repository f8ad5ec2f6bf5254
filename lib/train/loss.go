package train

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

// LogitScaleInit is CLIP's initial logit scale, log(1/0.07), as the authors' code starts it.
const LogitScaleInit = 2.6592

// ContrastiveLoss is the stage-1 symmetric CLIP loss of Eq. 19 (§4.4):
// with v_i the L2-normalised fused eos states (already projected to the text
// width) and t_j the L2-normalised answer embeddings, S = v tᵀ and s =
// exp(logitScale),
//
//	L = ½ [ CE(s·S, arange K) + CE(s·Sᵀ, arange K) ],
//
// both cross-entropies averaged over the K question–answer pairs.
// fused and text are [K, D]; logitScale is a scalar.
func ContrastiveLoss(fused, text, logitScale *Node) *Node {
	if fused.Rank() != 2 || !fused.Shape().Equal(text.Shape()) {
		panic(fmt.Errorf("train: contrastive loss needs two [K, D] inputs of one shape, got %s and %s", fused.Shape(), text.Shape()))
	}
	v := L2Normalize(fused, -1)
	t := L2Normalize(text, -1)
	s := Mul(MatMul(v, Transpose(t, 0, 1)), Exp(logitScale)) // [K, K]
	k := fused.Shape().Dim(0)
	diag := Diagonal(fused.Graph(), k)
	ceRows := crossEntropyDiag(s, diag, 1)
	ceCols := crossEntropyDiag(s, diag, 0)
	return MulScalar(Add(ceRows, ceCols), 0.5)
}

// crossEntropyDiag is mean_i −log softmax(s)[i, i] along axis (1: rows are
// the logits of the i-th fused token; 0: columns, i.e. CE of Sᵀ).
func crossEntropyDiag(s, diag *Node, axis int) *Node {
	ls := LogSoftmax(s, axis)
	picked := ReduceSum(Where(diag, ls, ZerosLike(ls)), axis)
	return Neg(ReduceAllMean(picked))
}

// MaskTextOutliers is the authors' code-only step before the contrastive loss
// (docs/model.md#losses): every entry of the whole [K, D] matrix outside mean ± 1·std
// (over all entries) is set to 0.
func MaskTextOutliers(text *Node) *Node {
	mean := ReduceAllMean(text)
	std := Sqrt(ReduceAllMean(Square(Sub(text, mean))))
	keep := And(GreaterOrEqual(text, Sub(mean, std)), LessOrEqual(text, Add(mean, std)))
	return Where(keep, text, ZerosLike(text))
}

// IdentityLoss is the orthogonality term of Eq. 19: with Q the rows of q
// ([K′, D]) L2-normalised, mean_{a,b} ((QQᵀ − I)²_{ab}) = ‖QQᵀ − I‖²_F / K′².
func IdentityLoss(q *Node) *Node {
	if q.Rank() != 2 {
		panic(fmt.Errorf("train: identity loss needs [K′, D], got %s", q.Shape()))
	}
	n := L2Normalize(q, -1)
	gram := MatMul(n, Transpose(n, 0, 1))
	eye := ConvertDType(Diagonal(q.Graph(), q.Shape().Dim(0)), q.DType())
	return ReduceAllMean(Square(Sub(gram, eye)))
}

// IdentityRows selects which fused rows enter the identity loss.
type IdentityRows int

const (
	// IdentityCode uses every placeholder and eos row, as the authors' code does.
	IdentityCode IdentityRows = iota
	// IdentityPaper uses the non-eos placeholder rows only, as Eq. 19 says.
	IdentityPaper
)

// String names the variant ("code" or "paper").
func (v IdentityRows) String() string {
	if v == IdentityPaper {
		return "paper"
	}
	return "code"
}

// ParseIdentityRows accepts "code" and "paper".
func ParseIdentityRows(s string) (IdentityRows, error) {
	switch s {
	case "code", "":
		return IdentityCode, nil
	case "paper":
		return IdentityPaper, nil
	}
	return 0, fmt.Errorf("train: unknown identity-loss variant %q (want code or paper)", s)
}

// Rows returns the indices into b.Fused of the rows that enter the identity
// loss under this variant.
func (v IdentityRows) Rows(b *fusion.Batch) []int {
	out := make([]int, 0, len(b.Fused))
	for i, flat := range b.Fused {
		if v == IdentityPaper && b.Types[flat] == fusion.TypeEOS {
			continue
		}
		out = append(out, i)
	}
	return out
}

// GenerationLoss is Eq. 20 (§4.4): the mean over kept positions of
// −log softmax(logits)[label]. logits are [B, L, V]; labels [B, L] hold the
// next token of every position (already shifted by the caller, see
// ShiftTargets) and weights [B, L] are 1 where that next token is an answer
// or eos token and 0 elsewhere.
func GenerationLoss(logits, labels, weights *Node) *Node {
	if logits.Rank() != 3 {
		panic(fmt.Errorf("train: generation loss needs logits [B, L, V], got %s", logits.Shape()))
	}
	v := logits.Shape().Dim(2)
	ls := LogSoftmax(logits, -1)
	oh := OneHot(labels, v, ls.DType())
	nll := Neg(ReduceSum(Mul(ls, oh), -1)) // [B, L]
	w := ConvertDType(weights, ls.DType())
	total := ReduceAllSum(Mul(nll, w))
	count := Max(ReduceAllSum(w), ScalarOne(logits.Graph(), ls.DType()))
	return Div(total, count)
}
