package sentencepiece_test

import (
	"fmt"
	"log"

	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

// Example encodes and decodes a sentence with the Llama-2 tokenizer. With the
// model of ../shared/tokenizers it prints
//
//	[450 5993 338 263 1243 29889]
//	[▁The ▁token ▁is ▁a ▁test .]
//	The token is a test.
//
// (TestSmallCases checks these values.)
func Example() {
	m, err := sentencepiece.Load("tokenizer.model") // a Hugging Face Llama-2 folder's file
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
}
