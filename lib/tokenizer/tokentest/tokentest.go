// Package tokentest loads the shared tokenizer reference cases
// (../shared/golden/tokenizers.json) and the reference tokenizer files for the
// tests of lib/tokenizer/... and lib/chat.
package tokentest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Case is one reference case: the text and its ids under each tokenizer.
type Case struct {
	Text   string `json:"text"`
	Llama2 []int  `json:"llama2"`
	CLIP   []int  `json:"clip"`
}

// SharedDir returns the path of the shared reference folder (the
// repository's ../shared, found from the working directory by walking up to
// go.mod), or "" when it is absent.
func SharedDir() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if st, err := os.Stat(shared); err != nil || !st.IsDir() {
		return ""
	}
	return shared
}

// File returns the path of a file under the shared folder, skipping the test
// with a clear message when it is absent.
func File(t testing.TB, rel string) string {
	t.Helper()
	dir := SharedDir()
	if dir == "" {
		t.Skip("../shared (reference files) is absent: skipping")
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("reference file %s is absent: skipping", p)
	}
	return p
}

// LlamaModel is the path of the Llama-2 tokenizer.model (skips when absent).
func LlamaModel(t testing.TB) string { return File(t, "tokenizers/llama2-tokenizer.model") }

// CLIPVocab is the path of CLIP's bpe_simple_vocab_16e6.txt.gz (skips when absent).
func CLIPVocab(t testing.TB) string { return File(t, "tokenizers/clip-bpe_simple_vocab_16e6.txt.gz") }

// Cases loads the reference cases of tokenizers.json (skips when absent).
func Cases(t testing.TB) []Case {
	t.Helper()
	p := File(t, "golden/tokenizers.json")
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
