package clip_test

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/clip"
)

// Load a Hugging Face CLIPModel folder and embed two token sequences (ids
// from lib/tokenizer/clipbpe). Compiled, not run: it needs a checkpoint.
func ExampleModel_Text() {
	m, err := clip.Load("../shared/golden/clip-tiny")
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := m.Text([][]int{{118, 5, 9, 33, 119}, {118, 64, 119}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.TextEmbeds.Shape) // [2 24]
}

// The paper's vision tokens of K views: 145 per view for ViT-L/14-336.
func ExampleModel_PaperTokens() {
	m, err := clip.Load("openai-clip-vit-large-patch14-336")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.InitPaperVision(1); err != nil { // new LayerNorm, merge conv, new-line token
		fmt.Println(err)
		return
	}
	pixels := clip.Array{Shape: []int{10, 3, 336, 336}, Data: make([]float32, 10*3*336*336)} // e.g. lib/vision's Pixels
	tokens, err := m.PaperTokens(pixels, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tokens.Shape) // [10 145 1024]
}
