package llama

import (
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	gattn "github.com/gomlx/gomlx/ml/layers/attention"
	"k8s.io/klog/v2"
)

// The fused attention path: GoMLX's attention.Core, which on a backend that
// advertises FusedScaledDotProductAttention (xla:cuda: cuDNN flash
// attention) computes softmax(q·kᵀ/√d)·v without materialising the
// [B, H, T, S] scores in the forward or the backward pass. It is chosen
// only when the backend advertises the op and the compute dtype is half
// precision (cuDNN's flash kernels are bf16/f16); everywhere else the
// written-out path of attention (dot → mask → float32 softmax → dot) runs,
// as before. The choice is logged once per process (klog, verbosity 1:
// run with -v=1 to see it) and readable with AttentionPath.

var (
	attentionChoiceOnce sync.Once
	attentionChoice     string
	// forceCore sends attention through attention.Core whatever the
	// backend and dtype (tests: on a backend without the fused op, Core
	// runs its own decomposed version of the same formula).
	forceCore bool
)

// useFusedAttention reports whether attention takes the fused path on
// backend b for compute dtype dt, and records (and logs) the first choice.
func useFusedAttention(b compute.Backend, dt dtypes.DType) bool {
	half := dt == dtypes.BFloat16 || dt == dtypes.Float16
	advertised := b.Capabilities().Operations[compute.OpTypeFusedScaledDotProductAttention]
	fused := forceCore || (half && advertised)
	attentionChoiceOnce.Do(func() {
		attentionChoice = "plain"
		if fused {
			attentionChoice = "fused"
		}
		klog.V(1).Infof("llama: attention path %s (backend %s advertises fused attention: %v, dtype %s)",
			attentionChoice, b.Name(), advertised, dt)
	})
	return fused
}

// AttentionPath returns the attention path of the first decoder graph this
// process built: "fused" (attention.Core, the backend's fused
// scaled-dot-product attention) or "plain" (dot, mask, softmax, dot); ""
// before any.
func AttentionPath() string { return attentionChoice }

// fusedAttention is the fused path: q [B, T, NH, D] (rotated), k and v
// [B, KVH, S, D] (rotated, after the cache), mask [B, T, S] Bool; it
// returns [B, T, NH·D], the input of o_proj.
func fusedAttention(q, k, v, mask *Node) *Node {
	dims := q.Shape().Dimensions
	b, t, nh, hd := dims[0], dims[1], dims[2], dims[3]
	s := k.Shape().Dim(2)
	qh := TransposeAllDims(q, 0, 2, 1, 3) // [B, NH, T, D]
	m := Reshape(mask, b, 1, t, s)        // broadcast over the heads
	out, _ := gattn.Core(qh, k, v, gattn.LayoutBHSD, gattn.CoreOptions{AttentionMask: m})
	return Reshape(TransposeAllDims(out, 0, 2, 1, 3), b, t, nh*hd)
}
