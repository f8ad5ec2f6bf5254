package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

// TestTokenizeGolden feeds every reference text through the command and
// compares each printed array with tokenizers.json.
func TestTokenizeGolden(t *testing.T) {
	cases := tokentest.Cases(t)
	var in strings.Builder
	for _, c := range cases {
		line, _ := json.Marshal(c.Text)
		in.Write(line)
		in.WriteByte('\n')
	}
	for _, kind := range []struct {
		name, file string
		want       func(tokentest.Case) []int
	}{
		{"llama2", tokentest.LlamaModel(t), func(c tokentest.Case) []int { return c.Llama2 }},
		{"clip", tokentest.CLIPVocab(t), func(c tokentest.Case) []int { return c.CLIP }},
	} {
		out, errOut, code := runCLI(t, in.String(), "tokenize", "--kind", kind.name, "--tokenizer", kind.file)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", kind.name, code, errOut)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(cases) {
			t.Fatalf("%s: %d output lines for %d inputs", kind.name, len(lines), len(cases))
		}
		for i, c := range cases {
			var got []int
			if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
				t.Fatalf("%s: line %d %q is not a JSON array: %v", kind.name, i+1, lines[i], err)
			}
			if !slices.Equal(got, kind.want(c)) {
				t.Errorf("%s: case %d: got %v, want %v", kind.name, i, got, kind.want(c))
			}
		}
	}
}

func TestTokenizeDecodeAndOptions(t *testing.T) {
	llama := tokentest.LlamaModel(t)
	clip := tokentest.CLIPVocab(t)
	for _, c := range []struct {
		name string
		in   string
		args []string
		want string
	}{
		{"help example", `"Hello world"` + "\n", []string{"--kind", "llama2", "--tokenizer", llama}, "[15043,3186]\n"},
		{"empty text", `""` + "\n", []string{"--kind", "llama2", "--tokenizer", llama}, "[]\n"},
		{"no final newline", `"Hello world"`, []string{"--kind", "llama2", "--tokenizer", llama}, "[15043,3186]\n"},
		{"CRLF", "\"Hello world\"\r\n", []string{"--kind", "llama2", "--tokenizer", llama}, "[15043,3186]\n"},
		{"decode", "[1,15043,3186,2]\n[]\n", []string{"--kind", "llama2", "--tokenizer", llama, "--decode"}, "\"Hello world\"\n\"\"\n"},
		{"clip wrapped", `"a photo"` + "\n", []string{"--kind", "clip", "--tokenizer", clip}, "[49406,320,1125,49407]\n"},
		{"clip no specials", `"a photo"` + "\n", []string{"--kind", "clip", "--tokenizer", clip, "--no-specials"}, "[320,1125]\n"},
		{"clip placeholders", `"a<|placeholder_qed_1|><|endoftext|>"` + "\n", []string{"--kind", "clip", "--tokenizer", clip, "--placeholders", "2", "--no-specials"}, "[320,49409,49407]\n"},
		{"clip decode", "[49406,320,1125,49407]\n", []string{"--kind", "clip", "--tokenizer", clip, "--decode"}, "\"a photo\"\n"},
	} {
		out, errOut, code := runCLI(t, c.in, append([]string{"tokenize"}, c.args...)...)
		if code != 0 || out != c.want {
			t.Errorf("%s: exit %d, out %q, want %q (stderr %q)", c.name, code, out, c.want, errOut)
		}
	}
}

func TestTokenizeErrors(t *testing.T) {
	llama := tokentest.LlamaModel(t)
	dir := t.TempDir()
	notModel := filepath.Join(dir, "not.model")
	if err := os.WriteFile(notModel, []byte("plain text, not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.model")
	for _, c := range []struct {
		name    string
		in      string
		args    []string
		code    int
		out     string
		errWant []string
	}{
		{"bad line", "\"ok\"\nnot json\n\"never\"\n", []string{"--kind", "llama2", "--tokenizer", llama}, 1, "[3431]\n", []string{"line 2", "want a JSON string", `"not json"`}},
		{"number line", "42\n", []string{"--kind", "llama2", "--tokenizer", llama}, 1, "", []string{"line 1", "want a JSON string"}},
		{"blank line", "\"ok\"\n\n", []string{"--kind", "llama2", "--tokenizer", llama}, 1, "[3431]\n", []string{"line 2"}},
		{"bad decode line", "[1,\"x\"]\n", []string{"--kind", "llama2", "--tokenizer", llama, "--decode"}, 1, "", []string{"line 1", "JSON array of ids"}},
		{"id out of range", "[32000]\n", []string{"--kind", "llama2", "--tokenizer", llama, "--decode"}, 1, "", []string{"line 1", "32000"}},
		{"missing file", "", []string{"--kind", "llama2", "--tokenizer", missing}, 1, "", []string{missing, "no such file"}},
		{"not a model", "", []string{"--kind", "llama2", "--tokenizer", notModel}, 1, "", []string{notModel}},
		{"missing clip file", "", []string{"--kind", "clip", "--tokenizer", missing}, 1, "", []string{missing}},
		{"no kind", "", []string{"--tokenizer", llama}, 2, "", []string{"--kind is required"}},
		{"bad kind", "", []string{"--kind", "bert", "--tokenizer", llama}, 2, "", []string{`"bert"`}},
		{"no tokenizer", "", []string{"--kind", "llama2"}, 2, "", []string{"--tokenizer FILE is required"}},
		{"clip flag on llama", "", []string{"--kind", "llama2", "--tokenizer", llama, "--no-specials"}, 2, "", []string{"clip only"}},
		{"stray argument", "", []string{"--kind", "llama2", "--tokenizer", llama, "hello"}, 2, "", []string{"stdin"}},
	} {
		out, errOut, code := runCLI(t, c.in, append([]string{"tokenize"}, c.args...)...)
		if code != c.code || out != c.out {
			t.Errorf("%s: exit %d, out %q; want exit %d, out %q (stderr %q)", c.name, code, out, c.code, c.out, errOut)
		}
		for _, w := range c.errWant {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr %q lacks %q", c.name, errOut, w)
			}
		}
		if strings.Count(strings.TrimSpace(errOut), "\n") > 0 {
			t.Errorf("%s: the error is not one line: %q", c.name, errOut)
		}
	}
}

func TestTokenizeHelp(t *testing.T) {
	_, errOut, code := runCLI(t, "", "tokenize", "--help")
	if code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"49406", "49407", "no <s>", "--kind", "--tokenizer"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
}
