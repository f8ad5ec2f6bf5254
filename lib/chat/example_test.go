package chat_test

import (
	"fmt"
	"log"
	"path/filepath"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

// llama2Tokenizer is the real Llama-2 tokenizer.model kept in testdata/.
var llama2Tokenizer = filepath.Join(testfiles.Dir(), "tokenizers", "llama2-tokenizer.model")

// Example builds the Section-3 form of a preference pair's positive
// sequence (no system block, no slots) and reads the answer positions, whose
// final hidden states are compared with the negative sequence's.
func Example() {
	tok, err := sentencepiece.Load(llama2Tokenizer) // tokenizer.model of a Llama-2 folder
	if err != nil {
		log.Fatal(err)
	}
	conv := chat.Conversation{Turns: []chat.Turn{{User: "Hi", Assistant: "Hello."}}}
	seq, err := chat.Build(tok, conv, chat.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(seq.IDs)
	fmt.Println(seq.AnswerPositions())
	fmt.Print(seq.Tokens(tok))
	// Output:
	// [1 518 25580 29962 6324 518 29914 25580 29962 15043 29889 29871 2]
	// [9 10 11 12]
	//  0 BOS       1 "<s>"
	//  1 INST    518 "▁["
	//  2 INST  25580 "INST"
	//  3 INST  29962 "]"
	//  4 QUE    6324 "▁Hi"
	//  5 INST    518 "▁["
	//  6 INST  29914 "/"
	//  7 INST  25580 "INST"
	//  8 INST  29962 "]"
	//  9 ANS   15043 "▁Hello"
	// 10 ANS   29889 "."
	// 11 ANS   29871 "▁"
	// 12 ANS       2 "</s>"
}

// Example_vision builds the vision model's input: the default system prompt
// and N = 256 fused-token slots before the first question, M = 8 before the
// second; the fusion outputs are written at QEDPositions.
func Example_vision() {
	tok, err := sentencepiece.Load(llama2Tokenizer)
	if err != nil {
		log.Fatal(err)
	}
	conv := chat.Conversation{Turns: []chat.Turn{
		{User: "What is in the picture?", Assistant: "A cat."},
		{User: "What colour is it?"}, // open: the model answers
	}}
	seq, err := chat.Build(tok, conv, chat.VisionOptions(256, 8))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(seq.QEDPositions()), seq.QEDSpans())
	fmt.Print(seq.Layout(50))
	// Output:
	// 264 [[47 303] [322 330]]
	// [  0,   1) BOS    1 tok  <s>
	// [  1,  47) SYS   46 tok  [INST] <<SYS>>⏎A chat between a curious user and …
	// [ 47, 303) QED  256 tok  (slots for fused vision-question tokens)
	// [303, 309) QUE    6 tok  What is in the picture?
	// [309, 313) INST   4 tok  [/INST]
	// [313, 318) ANS    5 tok  A cat. </s>
	// [318, 322) INST   4 tok  <s>[INST]
	// [322, 330) QED    8 tok  (slots for fused vision-question tokens)
	// [330, 335) QUE    5 tok  What colour is it?
	// [335, 339) INST   4 tok  [/INST]
	// total 339 tokens: INST 12, SYS 46, QUE 11, ANS 5, BOS 1, QED 264
}
