package testfiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindWalksUpToGoMod(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := find(deep); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("without go.mod: err = %v, want one naming go.mod", err)
	}
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := find(deep); err == nil || !strings.Contains(err.Error(), "no testdata/") {
		t.Errorf("without testdata/: err = %v, want one naming testdata/", err)
	}
	if err := os.Mkdir(filepath.Join(root, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, start := range []string{root, deep} {
		got, err := find(start)
		if err != nil || got != filepath.Join(root, "testdata") {
			t.Errorf("find(%s) = %q, %v; want %s", start, got, err, filepath.Join(root, "testdata"))
		}
	}
}

func TestPathFindsRepositoryFiles(t *testing.T) {
	for _, parts := range [][]string{
		{"golden", "llama-tiny", "model.safetensors"},
		{"golden", "clip-tiny", "expected.json"},
		{"golden", "tokenizers.json"},
		{"tokenizers", "llama2-tokenizer.model"},
		{"tokenizers", "clip-bpe_simple_vocab_16e6.txt.gz"},
		{"data", "orca_dpo_pairs_sample.jsonl"},
		{"paper", "appendix-d.txt"},
	} {
		p := Path(t, parts...)
		if !filepath.IsAbs(p) {
			t.Errorf("Path(%v) = %q, want an absolute path", parts, p)
		}
	}
}
