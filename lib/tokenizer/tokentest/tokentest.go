// Package tokentest loads the reference tokenizer cases
// (testdata/golden/tokenizers.json) and the real tokenizer files
// (testdata/tokenizers/) for the tests of lib/tokenizer/..., lib/chat and the
// CLI.
package tokentest

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/tokenscale/tokenscale/internal/testfiles"
)

// Case is one reference case: the text and its ids under each tokenizer.
type Case struct {
	Text   string `json:"text"`
	Llama2 []int  `json:"llama2"`
	CLIP   []int  `json:"clip"`
}

// LlamaModel is the path of the Llama-2 tokenizer.model.
func LlamaModel(t testing.TB) string {
	t.Helper()
	return testfiles.Path(t, "tokenizers", "llama2-tokenizer.model")
}

// CLIPVocab is the path of CLIP's bpe_simple_vocab_16e6.txt.gz.
func CLIPVocab(t testing.TB) string {
	t.Helper()
	return testfiles.Path(t, "tokenizers", "clip-bpe_simple_vocab_16e6.txt.gz")
}

// Cases loads the reference cases of tokenizers.json.
func Cases(t testing.TB) []Case {
	t.Helper()
	p := testfiles.Path(t, "golden", "tokenizers.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	var f struct {
		Cases []Case `json:"cases"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("parse %s: %v", p, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s holds no cases", p)
	}
	return f.Cases
}
