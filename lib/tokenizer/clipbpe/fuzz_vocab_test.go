package clipbpe

import (
	"bytes"
	"testing"
)

// FuzzParseSimpleVocab feeds arbitrary text to the merges-file parser: it
// must never panic, and a tokenizer it accepts must encode text with ids
// inside its vocabulary.
func FuzzParseSimpleVocab(f *testing.F) {
	f.Add([]byte("#version: 0.2\ni n\nt h\nth e</w>\n"))
	f.Add([]byte("#version: 0.2\n"))
	f.Add([]byte("no version line\na b c\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		tk, err := ParseSimpleVocab(bytes.NewReader(data))
		if err != nil {
			return
		}
		n := tk.VocabSize()
		for _, id := range tk.EncodeWithSpecials("the cat's 2 hats!") {
			if id < 0 || id >= n {
				t.Fatalf("id %d outside the vocabulary of %d", id, n)
			}
		}
	})
}
