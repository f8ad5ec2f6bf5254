package labtask

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

// Tokenizer maps the lab's questions and answers to word ids.
type Tokenizer struct {
	words []string
	index map[string]int32
}

// NewTokenizer indexes Vocabulary().
func NewTokenizer() *Tokenizer {
	t := &Tokenizer{words: Vocabulary(), index: map[string]int32{}}
	for i, w := range t.words {
		t.index[w] = FirstWord + int32(i)
	}
	return t
}

// Size is the number of ids (specials and words).
func (t *Tokenizer) Size() int { return int(FirstWord) + len(t.words) }

// Encode splits text with Words and maps each word (TokUnk when unknown).
func (t *Tokenizer) Encode(text string) []int32 {
	var out []int32
	for _, w := range Words(text) {
		id, ok := t.index[w]
		if !ok {
			id = TokUnk
		}
		out = append(out, id)
	}
	return out
}

// Word returns the word of an id ("" for specials and unknown ids).
func (t *Tokenizer) Word(id int32) string {
	if id >= FirstWord && int(id-FirstWord) < len(t.words) {
		return t.words[id-FirstWord]
	}
	return ""
}
