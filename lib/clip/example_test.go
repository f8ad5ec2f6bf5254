package clip_test

import (
	"fmt"
	"path/filepath"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/clip"
)

// Load a Hugging Face CLIPModel folder (here the tiny golden checkpoint of
// the repository's testdata/) and embed two token sequences (ids from
// lib/tokenizer/clipbpe; this checkpoint's vocabulary has 120 ids).
func ExampleModel_Text() {
	m, err := clip.Load(filepath.Join(testfiles.Dir(), "golden", "clip-tiny"))
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := m.Text([][]int{{118, 5, 9, 33, 119}, {118, 64, 119}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.TextEmbeds.Shape)
	// Output: [2 24]
}

// The paper's vision tokens of K views. With the paper's tower,
// openai/clip-vit-large-patch14-336 (24×24 patches of width 1024), each view
// gives 12×12 merged tokens and the new-line token: 145 per view, so
// [10 145 1024] for the 10 views of HD-9. The tiny golden tower used here
// sees 4×4 patches of width 48: 2×2 merged tokens and the new-line token.
func ExampleModel_PaperTokens() {
	m, err := clip.Load(filepath.Join(testfiles.Dir(), "golden", "clip-tiny"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := m.InitPaperVision(1); err != nil { // new LayerNorm, merge conv, new-line token
		fmt.Println(err)
		return
	}
	size := m.Config.Vision.ImageSize
	pixels := clip.Array{Shape: []int{10, 3, size, size}, Data: make([]float32, 10*3*size*size)} // e.g. lib/vision's Pixels
	tokens, err := m.PaperTokens(pixels, false)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tokens.Shape)
	// Output: [10 5 48]
}
