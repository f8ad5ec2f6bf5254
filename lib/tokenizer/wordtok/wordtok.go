// Package wordtok is the word-level tokenizer of the project's two toy
// worlds: the toy VLM of lib/vlm (the paper's model of Section 4 at a size
// that trains in minutes) and the scaling lab's synthetic task of
// lib/lab/labtask (Section 5). It stands in for the paper's CLIP BPE and
// Llama-2 SentencePiece tokenizers (lib/tokenizer/clipbpe, sentencepiece)
// when the vocabulary is a short fixed list of words.
//
// Text is lower-cased, "?" and "," become words of their own, and the
// result is split at whitespace (Split). A vocabulary is a caller's special
// tokens, ids 0 … len(Specials)−1, followed by its words; each user names its
// own specials, so the two toy worlds keep their own ids.
package wordtok

import "strings"

// Config describes a vocabulary.
type Config struct {
	// Specials names the special tokens in id order: Specials[i] has id i.
	// The first word has id len(Specials).
	Specials []string
	// Unk is the id that words outside Words map to; it must index Specials.
	Unk int32
	// Words are the vocabulary's words in id order. A word listed twice
	// keeps the id of its last occurrence.
	Words []string
	// Spaces lists characters read as spaces before splitting (the toy VLM
	// reads "." as one); empty keeps every character.
	Spaces string
}

// Tokenizer maps text to the ids of a Config's vocabulary and back.
type Tokenizer struct {
	words  []string
	first  int32
	unk    int32
	spaces string
	index  map[string]int32
}

// New indexes c's words. It panics when c.Unk does not name one of
// c.Specials: special tokens are constants of the calling package, never
// user input.
func New(c Config) *Tokenizer {
	if c.Unk < 0 || int(c.Unk) >= len(c.Specials) {
		panic("wordtok: Unk id outside the special tokens")
	}
	t := &Tokenizer{words: c.Words, first: int32(len(c.Specials)), unk: c.Unk, spaces: c.Spaces, index: map[string]int32{}}
	for i, w := range c.Words {
		t.index[w] = t.first + int32(i)
	}
	return t
}

// Split lower-cases s, makes "?" and "," words of their own and splits the
// result at whitespace.
func Split(s string) []string {
	return strings.Fields(punctuation.Replace(strings.ToLower(s)))
}

var punctuation = strings.NewReplacer("?", " ? ", ",", " , ")

// Size is the number of ids: specials and words.
func (t *Tokenizer) Size() int { return int(t.first) + len(t.words) }

// Encode splits text (Split, after reading the Config's Spaces as spaces)
// and maps each word to its id, words outside the vocabulary to Unk.
func (t *Tokenizer) Encode(text string) []int32 {
	if t.spaces != "" {
		text = strings.Map(func(r rune) rune {
			if strings.ContainsRune(t.spaces, r) {
				return ' '
			}
			return r
		}, text)
	}
	var out []int32
	for _, w := range Split(text) {
		id, ok := t.index[w]
		if !ok {
			id = t.unk
		}
		out = append(out, id)
	}
	return out
}

// Word returns the word of an id: "" for special tokens and ids outside
// the vocabulary.
func (t *Tokenizer) Word(id int32) string {
	if id >= t.first && int(id-t.first) < len(t.words) {
		return t.words[id-t.first]
	}
	return ""
}

// Decode joins the words of ids with single spaces, skipping special tokens
// and ids outside the vocabulary.
func (t *Tokenizer) Decode(ids []int32) string {
	var ws []string
	for _, id := range ids {
		if id >= t.first && int(id-t.first) < len(t.words) {
			ws = append(ws, t.words[id-t.first])
		}
	}
	return strings.Join(ws, " ")
}
