package train

import (
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// Which of the model's variables decay: Hugging Face Trainer's rule (no
// biases, no LayerNorm/RMSNorm weights), over the paths the toy and paper
// models use.
func TestDecays(t *testing.T) {
	for _, tc := range []struct {
		path  string
		decay bool
	}{
		// CLIP vision tower and the paper's head.
		{"/clip/vision_model/embeddings/patch_embedding/weight", true},
		{"/clip/vision_model/embeddings/class_embedding", true},
		{"/clip/vision_model/embeddings/position_embedding/weight", true},
		{"/clip/vision_model/pre_layrnorm/weight", false},
		{"/clip/vision_model/pre_layrnorm/bias", false},
		{"/clip/vision_model/encoder/layers/0/layer_norm1/weight", false},
		{"/clip/vision_model/encoder/layers/11/layer_norm2/weight", false},
		{"/clip/vision_model/encoder/layers/0/self_attn/q_proj/weight", true},
		{"/clip/vision_model/encoder/layers/0/self_attn/q_proj/bias", false},
		{"/clip/vision_model/encoder/layers/0/mlp/fc1/weight", true},
		{"/clip/vision_model/encoder/layers/0/mlp/fc2/bias", false},
		{"/clip/vision_model/post_layernorm/weight", false},
		{"/clip/vision_model/pos_layrnorm/weight", false},
		{"/clip/vision_model/pos_layrnorm/bias", false},
		{"/clip/vision_model/vision_embed_merge/weight", true},
		{"/clip/vision_model/token_LF", true},
		// CLIP text tower.
		{"/clip/text_model/embeddings/token_embedding/weight", true},
		{"/clip/text_model/final_layer_norm/weight", false},
		{"/clip/text_model/final_layer_norm/bias", false},
		{"/clip/text_projection/weight", true},
		// Fusion decoder (Llama blocks) and the heads.
		{"/fusion/embed_tokens/weight", true},
		{"/fusion/layers/0/input_layernorm/weight", false},
		{"/fusion/layers/19/post_attention_layernorm/weight", false},
		{"/fusion/layers/0/self_attn/o_proj/weight", true},
		{"/fusion/layers/0/mlp/gate_proj/weight", true},
		{"/fusion/norm/weight", false},
		{"/vlm/projection/weight", true},
		{"/vlm/stage1/imgque_projection/weight", true},
		{"/vlm/stage1/logit_scale", true},
		// Names that only look like norms.
		{"/x/normal/weight", true},
		{"/x/enorm/weight", true},
		{"/x/group_rmsnorm2/weight", false},
		{"bias", false},
	} {
		if got := Decays(tc.path); got != tc.decay {
			t.Errorf("Decays(%q) = %v, want %v", tc.path, got, tc.decay)
		}
	}
}

// One AdamW step against torch.optim.AdamW's update written out: with
// gradient c the first step is w − lr·wd·w − lr·c/(|c|+ε) (m̂ = c,
// v̂ = c²) for a decaying variable, and w − lr·c/(|c|+ε) for a norm weight
// or a bias; with a zero gradient a norm weight is unchanged bit for bit
// and a matrix shrinks by lr·wd·w exactly.
func TestAdamWStepDecaysOnlyMasked(t *testing.T) {
	const lr, wd = 0.1, 0.5
	vars := map[string][]float32{
		"/enc/layer_norm1/weight": {2, -3, 4},
		"/enc/fc1/bias":           {0.5, -0.25},
		"/enc/fc1/weight":         {1, -2, 3, -4, 5, -6},
		"/fusion/norm/weight":     {1.5, 0.5},
	}
	dims := map[string][]int{"/enc/layer_norm1/weight": {3}, "/enc/fc1/bias": {2}, "/enc/fc1/weight": {2, 3}, "/fusion/norm/weight": {2}}
	for _, tc := range []struct {
		name string
		grad float64 // the loss is grad·Σ w over every variable
	}{{"zero gradient", 0}, {"gradient 0.3", 0.3}} {
		t.Run(tc.name, func(t *testing.T) {
			be := backend.MustNew()
			store := model.NewStore()
			for p, v := range vars {
				store.VariableWithValue(p, tensors.FromFlatDataAndDimensions(append([]float32(nil), v...), dims[p]...))
			}
			optimizer.LearningRateVarWithValue(store.RootScope(), dtypes.Float32, lr)
			opt := NewAdamW(wd)
			exec, err := model.NewExec(be, store, func(scope *model.Scope, g *Graph) *Node {
				loss := ScalarZero(g, dtypes.Float32)
				for v := range scope.IterVariables() {
					if v.Trainable {
						loss = Add(loss, MulScalar(ReduceAllSum(v.NodeValue(g)), tc.grad))
					}
				}
				opt.UpdateGraphWithGradients(scope, scope.BuildTrainableVariablesGradientsGraph(loss), dtypes.Float32)
				return loss
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exec.Call(); err != nil {
				t.Fatal(err)
			}
			for p, before := range vars {
				got := tensors.MustCopyFlatData[float32](store.GetVariable(p).MustValue())
				for i, w := range before {
					want := float64(w)
					if Decays(p) {
						want -= lr * wd * float64(w)
					}
					if tc.grad != 0 {
						want -= lr * tc.grad / (math.Abs(tc.grad) + 1e-8)
					}
					if tc.grad == 0 && !Decays(p) && got[i] != w {
						t.Errorf("%s[%d]: %g → %g, want unchanged", p, i, w, got[i])
					}
					if math.Abs(float64(got[i])-want) > 1e-6*(1+math.Abs(want)) {
						t.Errorf("%s[%d]: %g → %g, want %g", p, i, w, got[i], want)
					}
				}
			}
		})
	}
}

// In a toy training step with weight decay, every trainable variable of the
// model that Decays excludes moves by its Adam step only: the step with
// decay and the step without differ exactly on the decaying variables.
func TestTrainerWeightDecayMask(t *testing.T) {
	dir := t.TempDir()
	step := func(wd float64) map[string][]float32 {
		m, ex := toySetup(t, dir+"/"+map[bool]string{true: "wd", false: "plain"}[wd > 0], 4)
		defer m.Close()
		opt := toyOptions(1)
		opt.WarmupRatio, opt.WeightDecay = 0, wd
		tr, err := NewTrainer(m, ex[:8], opt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.TrainStep(); err != nil {
			t.Fatal(err)
		}
		out := map[string][]float32{}
		for v := range m.Store.IterVariables() {
			if p := vlm.PartOf(v.Path()); p != "" && p != "llm" && v.Trainable {
				out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		return out
	}
	plain, decayed := step(0), step(0.1)
	if len(plain) == 0 || len(plain) != len(decayed) {
		t.Fatalf("%d and %d trainable variables", len(plain), len(decayed))
	}
	nDecay, nKeep := 0, 0
	for p, a := range plain {
		b := decayed[p]
		same := true
		for i := range a {
			if a[i] != b[i] {
				same = false
				break
			}
		}
		if Decays(p) {
			nDecay++
		} else {
			nKeep++
			if !same {
				t.Errorf("%s changed with weight decay, but Decays excludes it", p)
			}
		}
	}
	if nDecay == 0 || nKeep == 0 {
		t.Errorf("%d decaying and %d excluded variables: want both", nDecay, nKeep)
	}
	// A decaying matrix shrinks towards zero: b = a − lr·wd·w, and w has a's
	// sign wherever |a| exceeds the Adam step (at most lr).
	p := "/fusion/layers/0/self_attn/q_proj/weight"
	a, b := plain[p], decayed[p]
	if a == nil {
		t.Fatalf("no %s", p)
	}
	lr, checked := toyOptions(1).LR, 0
	for i := range a {
		if math.Abs(float64(a[i])) > 2*lr {
			checked++
			if !(math.Abs(float64(b[i])) < math.Abs(float64(a[i]))) {
				t.Fatalf("%s[%d]: %g without decay, %g with: not shrunk", p, i, a[i], b[i])
			}
		}
	}
	if checked == 0 {
		t.Errorf("%s: no entry above 2·lr to check", p)
	}
}
