package vlm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadConfig feeds arbitrary bytes to the tokenscale model config
// reader: it must never panic, its errors are one line, and what it accepts
// validates.
func FuzzReadConfig(f *testing.F) {
	if raw, err := json.Marshal(ToyConfig(4)); err == nil {
		f.Add(raw)
	}
	f.Add([]byte(`{"model_type": "llama", "hidden_size": 64}`))
	f.Add([]byte(`{"vision": {"hidden": -1}}`))
	f.Add([]byte(`{}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ReadConfig(p)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted a config that does not validate: %v", err)
		}
	})
}

// FuzzReadRecords feeds arbitrary JSONL to the training-record reader: it
// must never panic and its errors are one line naming the file.
func FuzzReadRecords(f *testing.F) {
	f.Add([]byte(`{"image": "a.png", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}` + "\n"))
	f.Add([]byte(`{"messages": [{"role": "user", "content": "q"}]}` + "\n\n"))
	f.Add([]byte(`{"image": 5}`))
	f.Add([]byte("\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "train.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		recs, err := ReadRecords(p)
		if err != nil {
			if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "train.jsonl") {
				t.Fatalf("error %q: want one line naming the file", err)
			}
			return
		}
		for i, r := range recs {
			if len(r.Messages) == 0 {
				t.Fatalf("accepted record %d without messages", i)
			}
		}
	})
}
