package sentencepiece_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

// Example encodes and decodes a sentence with the Llama-2 tokenizer (the
// tokenizer.model of a Hugging Face Llama-2 folder; a copy is in the
// repository's testdata/tokenizers).
func Example() {
	m, err := sentencepiece.Load(filepath.Join(testfiles.Dir(), "tokenizers", "llama2-tokenizer.model"))
	if err != nil {
		log.Fatal(err)
	}
	ids := m.Encode("The token is a test.")
	fmt.Println(ids)
	fmt.Println(m.EncodePieces("The token is a test."))
	text, err := m.Decode(append(append([]int{m.BOS()}, ids...), m.EOS()))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)
	// Output:
	// [450 5993 338 263 1243 29889]
	// [▁The ▁token ▁is ▁a ▁test .]
	// The token is a test.
}
