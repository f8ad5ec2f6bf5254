package vlm_test

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/vlm"
)

// The paper-size model's parameters, from its configuration alone.
func ExampleConfig_Params() {
	p := vlm.PaperConfig().Params()
	fmt.Printf("vision %d, merge %d, fusion %d, projection %d, LLM %d\n", p.Vision, p.Merge, p.Fusion, p.Projection, p.LLM)
	fmt.Printf("trainable %.1fM of %.2fB\n", float64(p.Trainable())/1e6, float64(p.Total())/1e9)
	// Output:
	// vision 303505408, merge 9440256, fusion 386965504, projection 4194304, LLM 6738415616
	// trainable 704.1M of 7.44B
}

// A toy model, its layout for one record, and its size.
func ExampleToyLayout() {
	c := vlm.ToyConfig(4)
	f, l, _ := vlm.ToyLayout(c, c.FusionMode(), c.Vision.TokensPerView(), []string{"where is the square?"}, []string{"top left"})
	fmt.Println(f)
	fmt.Println(l)
	// Output:
	// [IMG ×5] [QUE 5: where is the square ?] [QED ×3] [EOS]
	// [TXT 2: <s> [INST]] [FUSED ×4] [TXT 6: where is the square ? [/INST]] [ANS 3: top left </s>]
}
