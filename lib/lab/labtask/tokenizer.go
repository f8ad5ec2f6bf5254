package labtask

import "github.com/tokenscale/tokenscale/lib/tokenizer/wordtok"

// Special ids of the lab's word vocabulary, shared by the fusion side and
// the toy LLM. Words of Vocabulary() follow from FirstWord; the fusion
// table appends the N−1 placeholder queries after the last word.
const (
	TokPad     int32 = 0 // padding, and the filler of the LLM's fused-token slots
	TokBOS     int32 = 1 // <s>
	TokEOS     int32 = 2 // closes a fusion query group (the paper's CLIP eos)
	TokEndInst int32 = 3 // [/INST]: the LLM predicts the answer word here
	TokUnk     int32 = 4
	FirstWord  int32 = 5
)

// specials names the special ids in id order (FirstWord of them).
var specials = []string{TokPad: "<pad>", TokBOS: "<s>", TokEOS: "</s>", TokEndInst: "[/INST]", TokUnk: "<unk>"}

// Tokenizer maps the lab's questions and answers to word ids: Size, Encode
// (words outside the vocabulary map to TokUnk) and Word (an id's word, ""
// for specials).
type Tokenizer = wordtok.Tokenizer

// NewTokenizer indexes Vocabulary() after the lab's special ids.
func NewTokenizer() *Tokenizer {
	return wordtok.New(wordtok.Config{Specials: specials, Unk: TokUnk, Words: Vocabulary()})
}
