package train_test

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/train"
)

// The learning rate of the paper's stage-2 schedule (cosine, warm-up 3%)
// over a 1000-step run.
func ExampleLearningRate() {
	for _, step := range []int{0, 15, 30, 515, 999} {
		fmt.Printf("step %4d: %.3g\n", step, train.LearningRate(step, 1000, 0.03, 2e-5))
	}
	// Output:
	// step    0: 0
	// step   15: 1e-05
	// step   30: 2e-05
	// step  515: 1e-05
	// step  999: 5.24e-11
}

// Which variables AdamW's weight decay applies to: Hugging Face Trainer's
// rule, no biases and no LayerNorm/RMSNorm weights.
func ExampleDecays() {
	for _, p := range []string{
		"/clip/vision_model/encoder/layers/0/self_attn/q_proj/weight",
		"/clip/vision_model/encoder/layers/0/self_attn/q_proj/bias",
		"/clip/vision_model/pos_layrnorm/weight",
		"/fusion/layers/0/input_layernorm/weight",
		"/fusion/embed_tokens/weight",
	} {
		fmt.Println(train.Decays(p), p)
	}
	// Output:
	// true /clip/vision_model/encoder/layers/0/self_attn/q_proj/weight
	// false /clip/vision_model/encoder/layers/0/self_attn/q_proj/bias
	// false /clip/vision_model/pos_layrnorm/weight
	// false /fusion/layers/0/input_layernorm/weight
	// true /fusion/embed_tokens/weight
}
