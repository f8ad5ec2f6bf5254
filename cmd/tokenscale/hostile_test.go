package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenscale/tokenscale/internal/testfiles"

	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

// maxChildRSS is the peak resident memory (bytes) a refused bad input may
// cost: each case must be turned down before anything large is allocated.
const maxChildRSS = 2 << 30

// buildCLI builds the tokenscale binary once into a temporary folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tokenscale")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// copyDir copies the regular files of src into a new temporary folder,
// editing config.json with edit when it is set.
func copyDir(t *testing.T, src string, edit func(string) string) string {
	t.Helper()
	dst := t.TempDir()
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "config.json" && edit != nil {
			b = []byte(edit(string(b)))
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// hostileCase is one bad command line: the exit status it must give, text
// its one-line message must hold, and optionally a folder that must stay
// empty (no partial output) and stdin.
type hostileCase struct {
	name  string
	args  []string
	code  int
	want  string
	stdin string
	empty string // a folder that must hold nothing afterwards
	needs string // a testdata/ file the case needs ("" for none)
}

// TestHostileInputs runs the CLI as a subprocess on inputs a careless or
// hostile user might give (issue 18) and checks: the exit status (2 for
// usage errors), a one-line message naming the flag, field or file, no
// stack trace, peak RSS under 2 GB, and no partial output.
func TestHostileInputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs about forty subprocesses: skipped with -short")
	}
	bin := buildCLI(t)
	outDir := t.TempDir() // must stay empty
	missing := filepath.Join(t.TempDir(), "no-such-model")
	records := writeFile(t, "records.jsonl", `{"image": "x.png", "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}`+"\n")
	emptyStates := writeFile(t, "empty.json", "")
	statesJSON := writeFile(t, "states.json", `{"pairs": [{"chosen": [[1, 2]], "rejected": [[1, 3]]}]}`)
	subnormal := writeFile(t, "sub.csv", "config,N,benchmark,metric,value\na,1,b,m,1e-320\na,2,b,m,2e-320\na,4,b,m,3e-320\n")
	tidy := writeFile(t, "tidy.csv", "config,N,benchmark,metric,value\na,1,b,m,0.5\na,2,b,m,0.6\na,4,b,m,0.7\n")
	img := writePNG(t, t.TempDir(), 40, 30)
	bigLine := `"` + strings.Repeat("a", 50<<20) + `"` + "\n"
	manyIDs := strings.TrimSuffix(strings.Repeat("1,", 20000), ",")
	// Benchmark files in VLMEvalKit's layout: one well formed, one whose
	// index 1 comes back on row 3 (the image cell is any base64 over 64
	// bytes; rows 2 and 3 share row 1's image).
	b64 := strings.Repeat("AAAA", 20)
	popeTSV := writeFile(t, "POPE.tsv", "index\timage\tquestion\tanswer\n1\t"+b64+"\tq?\tYes\n")
	dupTSV := writeFile(t, "POPE.tsv", "index\timage\tquestion\tanswer\n1\t"+b64+"\tq?\tYes\n2\t1\tq?\tNo\n1\t1\tq?\tNo\n")

	llamaDir, clipDir, llamaCfg := "", "", ""
	if d := testfiles.Dir(); d != "" {
		llamaDir, clipDir = filepath.Join(d, "golden", "llama-tiny"), filepath.Join(d, "golden", "clip-tiny")
		llamaCfg = filepath.Join(llamaDir, "config.json")
	}
	llamaWith := func(from, to string) string {
		if llamaDir == "" {
			return missing
		}
		return copyDir(t, llamaDir, func(s string) string { return strings.Replace(s, from, to, 1) })
	}
	cases := []hostileCase{
		// Sizes that used to crash or exhaust memory.
		{name: "generate huge max-new-tokens", args: []string{"llama", "generate", "--model", missing, "--prompt", "x", "--max-new-tokens", "999999999999"}, code: 2, want: "--max-new-tokens 999999999999 is out of range"},
		{name: "placeholders", args: []string{"tokenize", "--kind", "clip", "--tokenizer", "x", "--placeholders", "2000000000"}, code: 2, want: "--placeholders 2000000000 is out of range"},
		{name: "views cell", args: []string{"views", "--image", img, "--out", outDir, "--cell", "100000"}, code: 2, want: "--cell 100000 is out of range", empty: outDir},
		{name: "views hd", args: []string{"views", "--size", "100x100", "--hd", "100000000"}, code: 2, want: "--hd 100000000 is out of range"},
		{name: "model forward n", args: []string{"model", "forward", "--size", "toy", "--n", "1000000"}, code: 2, want: "--n 1000000 is out of range"},
		{name: "gpu check size 0", args: []string{"gpu", "check", "--size", "0"}, code: 2, want: "--size 0 is out of range"},
		{name: "gpu check size huge", args: []string{"gpu", "check", "--size", "1000000"}, code: 2, want: "--size 1000000 is out of range"},
		{name: "fit bootstrap", args: []string{"fit", "--csv", tidy, "--bootstrap", "2000000000"}, code: 2, want: "--bootstrap 2000000000 is out of range"},
		{name: "lab n", args: []string{"lab", "--n", "1,100000000", "--cache", "none"}, code: 2, want: "--n 100000000 is out of range"},
		{name: "train text positions", args: []string{"train", "run", "--model", missing, "--data", records, "--out", outDir, "--stage", "1", "--text-positions", "100000000"}, code: 2, want: "--text-positions 100000000 is out of range", empty: outDir},
		{name: "estimate workers", args: []string{"branch", "estimate", "--states", statesJSON, "--workers", "100000000"}, code: 2, want: "--workers 100000000 is out of range"},
		{name: "tokenize 50 MB line", args: []string{"tokenize", "--kind", "llama2", "--tokenizer", "TOK"}, stdin: bigLine, code: 2, want: "stdin line 1: line too long", needs: "tokenizers/llama2-tokenizer.model"},
		{name: "llama layers 1e9", args: []string{"llama", "forward", "--model", llamaWith(`"num_hidden_layers": 2`, `"num_hidden_layers": 1000000000`), "--ids", "1"}, code: 2, want: "num_hidden_layers 1000000000 is out of range", needs: "golden/llama-tiny/config.json"},
		{name: "llama layers 0", args: []string{"llama", "forward", "--model", llamaWith(`"num_hidden_layers": 2`, `"num_hidden_layers": 0`), "--ids", "1"}, code: 2, want: "num_hidden_layers 0 is out of range", needs: "golden/llama-tiny/config.json"},
		{name: "llama fewer layers", args: []string{"llama", "forward", "--model", llamaWith(`"num_hidden_layers": 2`, `"num_hidden_layers": 1`), "--ids", "1"}, code: 2, want: "holds 2 decoder layers", needs: "golden/llama-tiny/config.json"},
		{name: "llama kv heads 0", args: []string{"llama", "forward", "--model", llamaWith(`"num_key_value_heads": 4`, `"num_key_value_heads": 0`), "--ids", "1"}, code: 2, want: "num_key_value_heads 0 is out of range", needs: "golden/llama-tiny/config.json"},
		{name: "llama heads do not divide", args: []string{"llama", "forward", "--model", llamaWith(`"num_attention_heads": 4`, `"num_attention_heads": 3`), "--ids", "1"}, code: 2, want: "hidden_size 64 is not a multiple of num_attention_heads 3", needs: "golden/llama-tiny/config.json"},
		{name: "llama too many ids", args: []string{"llama", "forward", "--model", llamaDir, "--ids", manyIDs}, code: 2, want: "20000 tokens is longer than max_position_embeddings 128", needs: "golden/llama-tiny/config.json"},
		{name: "clip layers 1e9", args: []string{"clip", "vision", "--model", "CLIPLAYERS", "--pixels", "-"}, stdin: zeroPixels(28), code: 2, want: "vision_config.num_hidden_layers 1000000000 is out of range", needs: "golden/clip-tiny/config.json"},
		{name: "clip layer 99", args: []string{"clip", "vision", "--model", clipDir, "--pixels", "-", "--layer", "99"}, code: 2, want: "--layer 99 is out of range", needs: "golden/clip-tiny/config.json"},
		// Silent wrong results, now refused.
		{name: "temperature NaN", args: []string{"llama", "generate", "--model", missing, "--prompt", "x", "--temperature", "NaN"}, code: 2, want: "--temperature NaN is out of range"},
		{name: "top-p", args: []string{"llama", "generate", "--model", missing, "--prompt", "x", "--top-p", "1.5"}, code: 2, want: "--top-p 1.5 is out of range [0, 1]"},
		{name: "top-k", args: []string{"llama", "generate", "--model", missing, "--prompt", "x", "--top-k", "-1"}, code: 2, want: "--top-k -1 is out of range"},
		{name: "train toy lr Inf", args: []string{"train", "toy", "--out", outDir, "--lr", "Inf"}, code: 2, want: "--lr +Inf", empty: outDir},
		{name: "model params n huge", args: []string{"model", "params", "--n", "9000000000000000000"}, code: 2, want: "--n 9000000000000000000 is out of range"},
		{name: "model params n negative", args: []string{"model", "params", "--n", "-5"}, code: 2, want: "--n -5 is out of range"},
		{name: "lab steps", args: []string{"lab", "--steps", "-5", "--cache", "none"}, code: 2, want: "--steps -5 is out of range"},
		{name: "lab seeds", args: []string{"lab", "--seeds", "0", "--cache", "none"}, code: 2, want: "--seeds 0 is out of range"},
		{name: "lab train images", args: []string{"lab", "--train-images", "0", "--cache", "none"}, code: 2, want: "--train-images 0 is out of range"},
		{name: "convert onto its input", args: []string{"branch", "convert", "--states", statesJSON, "--out", statesJSON}, code: 2, want: "is the input --states file"},
		{name: "fit unterminated quote", args: []string{"fit", "--csv", writeFile(t, "quote.csv", "config,N,benchmark,metric,value\n\"0000000")}, code: 2, want: "quote.csv:2:"},
		{name: "fit subnormal", args: []string{"fit", "--csv", subnormal}, code: 2, want: "smallest normal float64"},
		// Messages and exit codes.
		{name: "estimate empty file", args: []string{"branch", "estimate", "--states", emptyStates}, code: 2, want: emptyStates},
		{name: "llama folder as a model", args: []string{"model", "params", "--config", llamaCfg}, code: 2, want: "this is a Llama checkpoint folder, not a tokenscale model (config.json has model_type llama)", needs: "golden/llama-tiny/config.json"},
		{name: "clip folder as a model", args: []string{"train", "run", "--model", clipDir, "--data", records, "--out", outDir}, code: 2, want: "this is a CLIP checkpoint folder, not a tokenscale model", needs: "golden/clip-tiny/config.json", empty: outDir},
		{name: "eval predictions /dev/full", args: []string{"eval", "--model", "oracle", "--bench", popeTSV, "--predictions", "/dev/full"}, code: 1, want: "predictions file /dev/full is not a regular file"},
		{name: "eval duplicate index", args: []string{"eval", "--model", "oracle", "--bench", dupTSV, "--predictions", filepath.Join(outDir, "p.jsonl")}, code: 2, want: `POPE.tsv: row 3 (line 4), column "index": index "1" already on row 1 (line 2)`, empty: outDir},
		{name: "overwrite and resume", args: []string{"train", "toy", "--out", outDir, "--resume", "--overwrite"}, code: 2, want: "--resume and --overwrite exclude each other", empty: outDir},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.needs != "" {
				testfiles.Path(t, tc.needs)
			}
			args := append([]string(nil), tc.args...)
			for i, a := range args {
				switch a {
				case "TOK":
					args[i] = tokentest.LlamaModel(t)
				case "CLIPLAYERS":
					args[i] = copyDir(t, clipDir, func(s string) string {
						return strings.Replace(s, `"num_hidden_layers": 3`, `"num_hidden_layers": 1000000000`, 1)
					})
				}
			}
			runHostile(t, bin, args, tc)
		})
	}
}

// zeroPixels is the JSON of one all-zero image [1][3][side][side].
func zeroPixels(side int) string {
	row := "[" + strings.TrimSuffix(strings.Repeat("0,", side), ",") + "]"
	ch := "[" + strings.TrimSuffix(strings.Repeat(row+",", side), ",") + "]"
	return "[[" + ch + "," + ch + "," + ch + "]]"
}

// runHostile runs one case and checks its exit status, message, stack
// trace, memory and leftovers.
func runHostile(t *testing.T, bin string, args []string, tc hostileCase) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go", "GOMLX_NO_AUTO_INSTALL=1")
	cmd.Stdin = strings.NewReader(tc.stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("run: %v", err)
		}
		code = ee.ExitCode()
	}
	msg := strings.TrimSpace(stderr.String())
	if code != tc.code || !strings.Contains(msg, tc.want) {
		t.Errorf("exit %d, stderr %q; want exit %d and a message with %q", code, msg, tc.code, tc.want)
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message has %d lines, want one:\n%s", strings.Count(msg, "\n")+1, msg)
	}
	if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic:") {
		t.Errorf("stack trace on stderr:\n%s", msg)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss*1024 > maxChildRSS {
		t.Errorf("peak RSS %d MB, want under %d MB", ru.Maxrss/1024, maxChildRSS>>20)
	}
	if tc.empty != "" {
		if ents, _ := os.ReadDir(tc.empty); len(ents) > 0 {
			t.Errorf("%s holds %d entries after the refused run (first %s), want none", tc.empty, len(ents), ents[0].Name())
		}
	}
}

// TestTrainSIGINT interrupts a training run with SIGINT: it finishes the
// step in progress, leaves a checkpoint that --resume continues from, and
// says how to resume in one line.
func TestTrainSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and trains: skipped with -short")
	}
	bin := buildCLI(t)
	out := t.TempDir()
	cmd := exec.Command(bin, "train", "toy", "--out", out, "--steps", "100000", "--examples", "32", "--batch", "8", "--save-every", "0")
	cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go", "GOMLX_NO_AUTO_INSTALL=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait for the first logged step, then interrupt.
	logPath := filepath.Join(out, "log.jsonl")
	for i := 0; ; i++ {
		if b, _ := os.ReadFile(logPath); bytes.Count(b, []byte("\n")) >= 1 {
			break
		}
		if i > 1200 {
			cmd.Process.Kill()
			t.Fatalf("no step logged after 60 s: %s", stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	last := lines[len(lines)-1]
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(last, "interrupted at step") || !strings.Contains(last, "--resume") {
		t.Fatalf("exit %v, last line %q; want exit 1 saying how to resume", err, last)
	}
	if strings.Contains(stderr.String(), "goroutine ") {
		t.Errorf("stack trace:\n%s", stderr.String())
	}
	ck, err := os.ReadFile(filepath.Join(out, "ck", "latest"))
	if err != nil {
		t.Fatalf("no checkpoint after the interrupt: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "ck", strings.TrimSpace(string(ck)), "model.safetensors")); err != nil {
		t.Errorf("checkpoint %s: %v", ck, err)
	}
}
