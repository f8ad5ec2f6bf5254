package chat_test

import (
	"fmt"
	"log"

	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

// Example builds the Section-3 form of a preference pair's positive
// sequence (no system block, no slots) and reads the answer positions, whose
// final hidden states are compared with the negative sequence's.
func Example() {
	tok, err := sentencepiece.Load("tokenizer.model") // from a Llama-2 folder
	if err != nil {
		log.Fatal(err)
	}
	conv := chat.Conversation{Turns: []chat.Turn{{User: "Hi", Assistant: "Hello."}}}
	seq, err := chat.Build(tok, conv, chat.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(seq.IDs)               // [1 518 25580 29962 6324 518 29914 25580 29962 15043 29889 29871 2]
	fmt.Println(seq.AnswerPositions()) // [9 10 11 12]
	fmt.Print(seq.Tokens(tok))
}

// Example_vision builds the vision model's input: the default system prompt
// and N = 256 fused-token slots before the first question, M = 8 before the
// second; the fusion outputs are written at QEDPositions.
func Example_vision() {
	tok, err := sentencepiece.Load("tokenizer.model")
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
	fmt.Println(len(seq.QEDPositions()), seq.QEDSpans()) // 264 [[47 303] [322 330]]
	fmt.Print(seq.Layout(50))
}
