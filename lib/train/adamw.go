package train

import (
	"strings"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// Decays reports whether AdamW's decoupled weight decay applies to the
// variable at path. The rule is Hugging Face Trainer's default (its
// get_decay_parameter_names), which the authors' training scripts use
// (Hugging Face Trainer's AdamW): biases and the weights of LayerNorm and
// RMSNorm layers do not decay; every other trainable variable does —
// matrices, the embedding tables (placeholder rows included), CLIP's class
// embedding and positions, the new-line token token_LF and the stage-1
// logit scale, as nn.Parameters outside norm layers decay there.
//
// On paths: the last element is the variable's name and the one before it
// its layer. A variable named "bias" does not decay; nor does one whose
// layer, without a trailing number, is "norm", ends in "_norm" (layer_norm1,
// final_layer_norm) or contains "layernorm", "layrnorm" (CLIP's spelling:
// pre_layrnorm, the paper's pos_layrnorm) or "rmsnorm" (input_layernorm,
// post_attention_layernorm and the final norm of the fusion decoder).
func Decays(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if parts[len(parts)-1] == "bias" {
		return false
	}
	if len(parts) < 2 {
		return true
	}
	layer := strings.ToLower(strings.TrimRight(parts[len(parts)-2], "0123456789"))
	switch {
	case layer == "norm", strings.HasSuffix(layer, "_norm"),
		strings.Contains(layer, "layernorm"), strings.Contains(layer, "layrnorm"), strings.Contains(layer, "rmsnorm"):
		return false
	}
	return true
}

// AdamW is Adam (β₁ 0.9, β₂ 0.999, ε 1e-8, bias-corrected; GoMLX's
// optimizer.Adam, whose moments live under its default scope) with
// decoupled weight decay as torch.optim.AdamW applies it: each variable
// that Mask selects moves by −lr·WeightDecay·w (w before the step) on top
// of the Adam step; the others get the Adam step only. The learning rate is
// the optimizer's learning-rate variable (see optimizer.LearningRateVar).
type AdamW struct {
	WeightDecay float64
	Mask        func(path string) bool // nil: Decays
	adam        gradOptimizer
}

// NewAdamW returns AdamW with decay weightDecay on the variables Decays
// selects.
func NewAdamW(weightDecay float64) *AdamW {
	return &AdamW{
		WeightDecay: weightDecay,
		adam:        optimizer.Adam().Betas(0.9, 0.999).Epsilon(1e-8).WeightDecay(0).Done().(gradOptimizer),
	}
}

// UpdateGraphWithGradients adds the update of every trainable variable in
// use by the graph, in the order of grads (as
// scope.BuildTrainableVariablesGradientsGraph returns them).
func (o *AdamW) UpdateGraphWithGradients(scope *model.Scope, grads []*Node, lossDType dtypes.DType) {
	mask := o.Mask
	if mask == nil {
		mask = Decays
	}
	type decayed struct {
		v   *model.Variable
		old *Node
	}
	var decay []decayed
	if len(grads) > 0 && o.WeightDecay != 0 {
		g := grads[0].Graph()
		for v := range scope.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) && mask(v.Path()) {
				decay = append(decay, decayed{v, v.NodeValue(g)})
			}
		}
	}
	o.adam.UpdateGraphWithGradients(scope, grads, lossDType)
	if len(decay) == 0 {
		return
	}
	g := grads[0].Graph()
	lr := optimizer.LearningRateVar(scope, lossDType, 0).NodeValue(g)
	for _, d := range decay {
		step := MulScalar(Mul(ConvertDType(lr, d.old.DType()), d.old), o.WeightDecay)
		d.v.SetNodeValue(Sub(d.v.NodeValue(g), step))
	}
}
