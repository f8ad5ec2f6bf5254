package clipbpe_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/tokenizer/clipbpe"
)

// Example tokenises a question for the fusion module: the question's ids
// (no <|startoftext|>), then N−1 query placeholders and <|endoftext|>, here
// with N = 4. The vocabulary is CLIP's bpe_simple_vocab_16e6.txt.gz (or a
// Hugging Face folder); a copy is in the repository's testdata/tokenizers.
func Example() {
	tok, err := clipbpe.Load(filepath.Join(testfiles.Dir(), "tokenizers", "clip-bpe_simple_vocab_16e6.txt.gz"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(tok.EncodeWithSpecials("What is the colour?"))
	tok.AddTokens(clipbpe.PlaceholderTokens(3)...)
	ids := tok.Encode("What is the colour?<|placeholder_qed_0|><|placeholder_qed_1|><|placeholder_qed_2|><|endoftext|>")
	fmt.Println(ids)
	text, err := tok.Decode(ids)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(text)
	// Output:
	// [49406 768 533 518 4769 286 49407]
	// [768 533 518 4769 286 49408 49409 49410 49407]
	// what is the colour ? <|placeholder_qed_0|><|placeholder_qed_1|><|placeholder_qed_2|>
}
