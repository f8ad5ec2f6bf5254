package clip

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
)

// DeclareVisionWeights declares, under scope/vision_model, every variable
// [VisionHiddenStates] reads — the patch embedding, class token, position
// table, pre_layrnorm and the encoder layers — for models that create
// missing weights lazily (a store whose loader serves a checkpoint, or
// random weights from configuration alone). A variable that already exists,
// or that the store's loader serves, is kept and must have the shape
// config implies (GoMLX panics otherwise). A missing one is created in
// dtype with a GoMLX initializer, drawn from the store's ParamInitialSeed
// when the first graph runs: matrices, the class token and the positions
// N(0, std²), LayerNorm weights 1, biases 0. The declaration order is fixed
// (so is the random draw for a given seed). post_layernorm is not declared:
// the paper's model drops it (docs/model.md#vision-tower-and-local-merge).
func DeclareVisionWeights(scope *model.Scope, cfg VisionConfig, dtype dtypes.DType, std float64) {
	vm := scope.At("vision_model")
	h, p, n := cfg.HiddenSize, cfg.PatchSize, cfg.NumPatches()
	normal := func(s *model.Scope, name string, dims ...int) {
		s.WithInitializer(initializer.RandomNormalFn(s, std)).VariableWithShape(name, shapes.Make(dtype, dims...))
	}
	constant := func(s *model.Scope, init model.VariableInitializer, name string, dims ...int) {
		s.WithInitializer(init).VariableWithShape(name, shapes.Make(dtype, dims...))
	}
	norm := func(s *model.Scope, d int) {
		constant(s, initializer.One, "weight", d)
		constant(s, initializer.Zero, "bias", d)
	}
	dense := func(s *model.Scope, out, in int) {
		normal(s, "weight", out, in)
		constant(s, initializer.Zero, "bias", out)
	}
	emb := vm.At("embeddings")
	normal(emb.At("patch_embedding"), "weight", h, cfg.NumChannels, p, p)
	normal(emb, "class_embedding", h)
	normal(emb.At("position_embedding"), "weight", n*n+1, h)
	norm(vm.At("pre_layrnorm"), h)
	for i := 0; i < cfg.NumHiddenLayers; i++ {
		l := vm.At("encoder").At("layers").At("%d", i)
		norm(l.At("layer_norm1"), h)
		for _, proj := range []string{"q_proj", "k_proj", "v_proj", "out_proj"} {
			dense(l.At("self_attn").At("%s", proj), h, h)
		}
		norm(l.At("layer_norm2"), h)
		dense(l.At("mlp").At("fc1"), cfg.IntermediateSize, h)
		dense(l.At("mlp").At("fc2"), h, cfg.IntermediateSize)
	}
}

// DeclarePaperVisionWeights declares the paper's new vision weights for
// hidden size d under scope/vision_model the same lazy way as
// [DeclareVisionWeights]: pos_layrnorm (weight 1, bias 0), the merge
// convolution vision_embed_merge/weight [d, d, 3, 3] and the new-line token
// token_LF [1, 1, d], both N(0, std²) (the paper's 0.02). Existing or
// loader-served values win. [InitPaperVisionWeights] is the eager
// counterpart for a [Model] (float32 values drawn in Go).
func DeclarePaperVisionWeights(scope *model.Scope, d int, dtype dtypes.DType, std float64) {
	vm := scope.At("vision_model")
	ln := vm.At("pos_layrnorm")
	ln.WithInitializer(initializer.One).VariableWithShape("weight", shapes.Make(dtype, d))
	ln.WithInitializer(initializer.Zero).VariableWithShape("bias", shapes.Make(dtype, d))
	merge := vm.At("vision_embed_merge")
	merge.WithInitializer(initializer.RandomNormalFn(merge, std)).VariableWithShape("weight", shapes.Make(dtype, d, d, 3, 3))
	vm.WithInitializer(initializer.RandomNormalFn(vm, std)).VariableWithShape("token_LF", shapes.Make(dtype, 1, 1, d))
}
