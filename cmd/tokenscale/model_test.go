package main

import (
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/vlm"
)

// The toy forward: every stage timed, the closed-form parameter count, the
// logits' shape of the built-in layout and five top ids in the vocabulary,
// the same for the same seed.
func TestModelForwardToy(t *testing.T) {
	c := vlm.ToyConfig(8)
	ex, err := c.QuestionExample(make([]float32, 3*16*16), 1)
	if err != nil {
		t.Fatal(err)
	}
	L, V := len(ex.LLMIDs), c.LLM.Vocab
	var first string
	for _, args := range [][]string{
		{"model", "forward", "--size", "toy"},
		{"model", "forward", "--size", "toy", "--n", "8", "--seed", "1", "--dtype", "bfloat16"},
		{"model", "forward", "--size", "toy", "--dtype", "float32"},
	} {
		out, errs, code := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, errs)
		}
		for _, want := range []string{"llm-weights", "vision", "fusion", "projection", "llm ", "total", "peak RSS",
			"logits      [1 " + strconv.Itoa(L) + " " + strconv.Itoa(V) + "] float32"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: no %q in\n%s", args, want, out)
			}
		}
		if !strings.Contains(errs, "llm stage") || !strings.Contains(errs, "random LLM weights") {
			t.Errorf("%v: no progress lines on stderr:\n%s", args, errs)
		}
		m := regexp.MustCompile(`parameters  (\d+) \(.*closed form (\d+)\)`).FindStringSubmatch(out)
		if m == nil || m[1] != m[2] || m[1] != strconv.FormatInt(c.Params().Total(), 10) {
			t.Errorf("%v: parameter line %v, want %d used and in closed form", args, m, c.Params().Total())
		}
		top := regexp.MustCompile(`top-5       (.*)  \(`).FindStringSubmatch(out)
		if top == nil {
			t.Fatalf("%v: no top-5 line in\n%s", args, out)
		}
		ids := regexp.MustCompile(`(\d+) \(`).FindAllStringSubmatch(top[1], -1)
		if len(ids) != 5 {
			t.Errorf("%v: top-5 %q", args, top[1])
		}
		for _, id := range ids {
			if k, _ := strconv.Atoi(id[1]); k < 0 || k >= V {
				t.Errorf("%v: id %d outside the vocabulary of %d", args, k, V)
			}
		}
		wantEmb := "BFloat16"
		if strings.Contains(strings.Join(args, " "), "float32") {
			wantEmb = "Float32"
		}
		if !strings.Contains(out, "LLM input embeddings in "+wantEmb) {
			t.Errorf("%v: embeddings not in %s:\n%s", args, wantEmb, out)
		}
		if first == "" {
			first = top[1]
		} else if strings.Contains(strings.Join(args, " "), "bfloat16") && top[1] != first {
			t.Errorf("same seed, different top-5: %q and %q", first, top[1])
		}
	}
}

func TestModelForwardImage(t *testing.T) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 30, 20))
	for i := range 30 {
		img.Set(i, i%20, color.RGBA{200, 10, 10, 255})
	}
	path := filepath.Join(dir, "red.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, errs, code := runCLI(t, "", "model", "forward", "--image", path, "--n", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, path+" 30×20") || !strings.Contains(out, "N=3 M=3") {
		t.Errorf("image or N not reported:\n%s", out)
	}

	notImage := filepath.Join(dir, "notes.txt")
	os.WriteFile(notImage, []byte("not a picture"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--image", filepath.Join(dir, "missing.png")}, 1, "missing.png"},
		{[]string{"--image", notImage}, 1, "notes.txt"},
		{[]string{"--size", "huge"}, 2, "--size"},
		{[]string{"--n", "0"}, 2, "--n"},
		{[]string{"--dtype", "float16"}, 2, "--dtype"},
		{[]string{"extra"}, 2, "extra"},
		{[]string{"--seed", "x"}, 2, "seed"},
	} {
		out, errs, code := runCLI(t, "", append([]string{"model", "forward"}, tc.args...)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errs)
		}
		if out != "" || !strings.Contains(errs, tc.want) || strings.Contains(errs, "goroutine") {
			t.Errorf("%v: stdout %q, stderr %q", tc.args, out, errs)
		}
		if tc.code == 1 && strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("%v: error is not one line: %q", tc.args, errs)
		}
	}
	_, errs, code = runCLI(t, "", "model", "forward", "--help")
	if code != 0 || !strings.Contains(errs, "Llama-2-7B") {
		t.Errorf("--help: exit %d, %q", code, errs)
	}
}
