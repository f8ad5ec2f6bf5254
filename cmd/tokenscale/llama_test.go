package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/safetensors"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

func TestLlamaForwardCLI(t *testing.T) {
	dir := testfiles.Path(t, "golden", "llama-tiny")
	b, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Cases []struct {
			InputIDs []int       `json:"input_ids"`
			Logits   [][]float64 `json:"logits"`
			Hidden   [][]float64 `json:"last_hidden_state"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	c := exp.Cases[0]
	var ids []string
	for _, id := range c.InputIDs {
		ids = append(ids, strconv.Itoa(id))
	}
	stdout, stderr, code := runCLI(t, "", "llama", "forward", "--model", dir, "--ids", strings.Join(ids, ","), "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Logits [][]float64 `json:"logits"`
		Hidden [][]float64 `json:"last_hidden_state"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	d := 0.0
	for i := range c.Logits {
		for j := range c.Logits[i] {
			d = math.Max(d, math.Abs(got.Logits[i][j]-c.Logits[i][j]))
		}
		for j := range c.Hidden[i] {
			d = math.Max(d, math.Abs(got.Hidden[i][j]-c.Hidden[i][j]))
		}
	}
	if len(got.Logits) != len(c.Logits) || len(got.Hidden) != len(c.Hidden) || d > 1e-4 {
		t.Errorf("CLI output differs from the golden file by %.2e (rows %d/%d)", d, len(got.Logits), len(got.Hidden))
	}

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"llama", "forward", "--model", dir}, 2, "--model and --ids are required"},
		{[]string{"llama", "forward", "--model", dir, "--ids", "1,x"}, 2, `item 2 "x"`},
		{[]string{"llama", "forward", "--model", dir, "--ids", "1,500"}, 2, "token id 500 is outside the vocabulary"},
		{[]string{"llama", "forward", "--model", t.TempDir(), "--ids", "1"}, 1, "config.json"},
		{[]string{"llama", "forward", "--model", dir, "--ids", "1", "--format", "xml"}, 2, "want json or summary"},
		{[]string{"llama", "nope"}, 2, "unknown subcommand"},
	} {
		_, stderr, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and one line with %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestLlamaGenerateCLI writes a tiny random Llama with the real Llama-2
// vocabulary, runs "llama generate", and checks the streamed text against
// the library: chat.Build + Generate + Decode.
func TestLlamaGenerateCLI(t *testing.T) {
	tp := testfiles.Path(t, "tokenizers", "llama2-tokenizer.model")
	dir := t.TempDir()
	cfg := map[string]any{"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama",
		"vocab_size": 32000, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 1,
		"num_attention_heads": 2, "rms_norm_eps": 1e-5, "bos_token_id": 1, "eos_token_id": 2}
	b, _ := json.Marshal(cfg)
	os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
	c, err := llama.ParseConfig(b)
	if err != nil {
		t.Fatal(err)
	}
	var entries []safetensors.Entry
	for i, w := range c.Weights() {
		n := 1
		for _, d := range w.Shape {
			n *= d
		}
		data := make([]byte, 4*n)
		for j := range n {
			v := float32(math.Sin(float64(j*(i+3)))) * 0.5
			if strings.HasSuffix(w.Name, "norm.weight") {
				v = 1
			}
			binary.LittleEndian.PutUint32(data[4*j:], math.Float32bits(v))
		}
		entries = append(entries, safetensors.Entry{Name: w.Name, DType: dtypes.Float32, Shape: w.Shape, Data: data})
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), entries, nil); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := runCLI(t, "", "llama", "generate", "--model", dir, "--tokenizer", tp,
		"--prompt", "Name a colour.", "--system", "Be brief.", "--max-new-tokens", "12")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	tok, err := sentencepiece.Load(tp)
	if err != nil {
		t.Fatal(err)
	}
	seq, err := chat.Build(tok, chat.Conversation{System: "Be brief.", Turns: []chat.Turn{{User: "Name a colour."}}}, chat.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := llama.Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids, err := m.Generate(seq.IDs, llama.GenerateOptions{MaxNewTokens: 12, StopTokens: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := tok.Decode(ids)
	if stdout != want+"\n" {
		t.Errorf("streamed %q, want %q (ids %v)", stdout, want, ids)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"llama", "generate", "--model", dir}, 2, "--model and --prompt are required"},
		{[]string{"llama", "generate", "--model", dir, "--prompt", "x"}, 2, "has no tokenizer.model"},
		{[]string{"llama", "generate", "--model", dir, "--prompt", "x", "--max-new-tokens", "0"}, 2, "--max-new-tokens 0 is out of range"},
		{[]string{"llama", "generate", "--model", testfiles.Path(t, "golden", "llama-tiny"), "--tokenizer", tp, "--prompt", "x"}, 1, "has 32000 pieces but the model's vocab_size is 97"},
	} {
		_, stderr, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d with %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}
