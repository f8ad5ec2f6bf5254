package sentencepiece

import (
	"os"
	"testing"

	"github.com/tokenscale/tokenscale/internal/testfiles"
)

// FuzzParse feeds arbitrary bytes to the tokenizer.model parser: it must
// never panic, and a model it accepts must encode and decode text without
// panicking and with ids inside its vocabulary.
func FuzzParse(f *testing.F) {
	if dir := testfiles.Dir(); dir != "" {
		if b, err := os.ReadFile(dir + "/tokenizers/llama2-tokenizer.model"); err == nil {
			f.Add(b[:min(len(b), 4096)]) // a truncated real model
		}
	}
	f.Add([]byte{0x0a, 0x05, 0x0a, 0x01, 'a', 0x15, 0, 0, 0x80, 0x3f})
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		for _, id := range m.Encode("Hello wörld  12") {
			if id < 0 || id >= m.VocabSize() {
				t.Fatalf("id %d outside the vocabulary of %d", id, m.VocabSize())
			}
		}
	})
}
