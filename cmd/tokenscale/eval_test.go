package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/eval"
)

func TestEvalOracleAndResume(t *testing.T) {
	dir := t.TempDir()
	if _, errs, code := runCLI(t, "", "eval", "generate", "--out", dir, "--items", "12", "--name", "MMStar,COCO_VAL"); code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errs)
	}
	preds := filepath.Join(dir, "mmstar.jsonl")
	run := func() map[string]any {
		out, errs, code := runCLI(t, "", "eval", "--model", "oracle", "--bench", filepath.Join(dir, "MMStar.tsv"), "--predictions", preds, "--n", "64")
		if code != 0 {
			t.Fatalf("eval: exit %d: %s", code, errs)
		}
		var res map[string]any
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("eval output %q: %v", out, err)
		}
		return res
	}
	res := run()
	if m := res["metrics"].(map[string]any); m["Overall"] != 100.0 || res["generated"] != 12.0 {
		t.Errorf("first run: %v", res)
	}
	res = run() // everything is already in the predictions file
	if res["generated"] != 0.0 || res["resumed"] != 12.0 {
		t.Errorf("second run: generated %v resumed %v, want 0 and 12", res["generated"], res["resumed"])
	}
	// Another model may not append to these predictions.
	if _, errs, code := runCLI(t, "", "eval", "--model", "constant:A", "--bench", filepath.Join(dir, "MMStar.tsv"), "--predictions", preds, "--n", "64"); code != 1 || !strings.Contains(errs, `another run (model "oracle", this run "constant:A")`) {
		t.Errorf("mixing models: exit %d, %s", code, errs)
	}
	// Scoring the same file with `score` gives the same metrics.
	out, errs, code := runCLI(t, "", "score", "--bench", "MMStar", "--predictions", preds)
	if code != 0 || !strings.Contains(out, `"Overall": 100`) {
		t.Errorf("score: exit %d, %s %s", code, out, errs)
	}
}

func TestEvalErrors(t *testing.T) {
	dir := t.TempDir()
	runCLI(t, "", "eval", "generate", "--out", dir, "--items", "3", "--name", "POPE")
	bench := filepath.Join(dir, "POPE.tsv")
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"index\": 1, \"prediction\": \"Yes\", \"answer\": \"Yes\"}\n{\"index\": 2}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "--model", dir, "--bench", bench}, 2, "lib/vlm"},
		{[]string{"eval", "--model", "gpt-5", "--bench", bench}, 2, "constant:TEXT"},
		{[]string{"eval", "--model", "oracle"}, 2, "--bench are required"},
		{[]string{"eval", "--model", "oracle", "--bench", filepath.Join(dir, "mystery.tsv")}, 2, "--name"},
		{[]string{"eval", "--model", "oracle", "--bench", bench, "--config", "qq"}, 2, "vqq, vq or vq-ft"},
		{[]string{"eval", "--model", "oracle", "--bench", filepath.Join(dir, "none", "POPE.tsv"), "--predictions", filepath.Join(dir, "p", "x.jsonl")}, 1, "no such file"},
		{[]string{"score", "--bench", "POPE", "--predictions", bad}, 2, `bad.jsonl: line 2: missing "prediction"`},
		{[]string{"score", "--bench", "Imagenet", "--predictions", bad}, 2, "unknown benchmark"},
		{[]string{"eval", "nope"}, 2, "unknown subcommand"},
	} {
		_, errs, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.want) {
			t.Errorf("tokenscale %v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errs, tc.code, tc.want)
		}
	}
}

// scaledModel is a test model whose accuracy grows with N: it answers item i
// correctly when (7·row mod 20)/20 < 0.25 + 0.08·log2(N).
type scaledModel struct{ n int }

func (m scaledModel) Answer(ctx context.Context, req eval.Request) (string, error) {
	p := 0.25 + 0.08*math.Log2(float64(m.n))
	if float64(7*req.Item.Row%20)/20 < p {
		return eval.Oracle{}.Answer(ctx, req)
	}
	return "Z", nil
}

func TestEvalSweepThenFit(t *testing.T) {
	modelLoaders = append([]modelLoader{func(spec string, n int, _ eval.Config) (eval.Answerer, bool, error) {
		if spec == "scaled" {
			return scaledModel{n}, true, nil
		}
		return nil, false, nil
	}}, modelLoaders...)
	defer func() { modelLoaders = modelLoaders[1:] }()

	dir := t.TempDir()
	if _, errs, code := runCLI(t, "", "eval", "generate", "--out", filepath.Join(dir, "bench"), "--items", "20", "--name", "MMStar,AI2D_TEST"); code != 0 {
		t.Fatal(errs)
	}
	csvPath := filepath.Join(dir, "results.csv")
	_, errs, code := runCLI(t, "", "eval", "sweep", "--model", "scaled", "--bench", filepath.Join(dir, "bench"),
		"--n", "1,8,64,512", "--out", filepath.Join(dir, "preds"), "--csv", csvPath)
	if code != 0 {
		t.Fatalf("sweep: exit %d: %s", code, errs)
	}
	data, _ := os.ReadFile(csvPath)
	if !strings.HasPrefix(string(data), "config,N,benchmark,metric,value\n") || !strings.Contains(string(data), "Vision Question Queries,512,MMStar,Overall,") {
		t.Fatalf("tidy CSV:\n%s", data)
	}
	out, errs, code := runCLI(t, "", "fit", "--csv", csvPath, "--bootstrap", "0")
	if code != 0 {
		t.Fatalf("fit of the sweep: exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Overall@MMStar") || !strings.Contains(out, "Overall@AI2D TEST") {
		t.Errorf("fit output lacks the swept metrics:\n%s", out)
	}
}

// TestEvalToyCheckpoint trains a toy model for two steps and runs it through
// the harness: the loader, the image hand-over, N from the checkpoint and the
// configuration checks.
func TestEvalToyCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: trains a toy model")
	}
	dir := t.TempDir()
	toy := filepath.Join(dir, "toy")
	if _, errs, code := runCLI(t, "", "train", "toy", "--out", toy, "--n", "2", "--steps", "2", "--examples", "8", "--batch", "4"); code != 0 {
		t.Fatalf("train toy: exit %d: %s", code, errs)
	}
	if _, errs, code := runCLI(t, "", "eval", "generate", "--out", dir, "--items", "4", "--style", "square", "--name", "MMStar"); code != 0 {
		t.Fatal(errs)
	}
	bench := filepath.Join(dir, "MMStar.tsv")
	preds := filepath.Join(dir, "toy.jsonl")
	out, errs, code := runCLI(t, "", "eval", "--model", toy, "--bench", bench, "--predictions", preds, "--prompt", "question")
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["N"] != 2.0 || res["generated"] != 4.0 {
		t.Errorf("eval of the toy: %v (%v)", res, err)
	}
	// The VQ configuration reuses the checkpoint without the question.
	out, errs, code = runCLI(t, "", "eval", "--model", toy, "--bench", bench, "--predictions", filepath.Join(dir, "vq.jsonl"), "--prompt", "question", "--config", "vq")
	if code != 0 || !strings.Contains(out, `"config": "Vision Queries"`) {
		t.Errorf("--config vq: exit %d, %s %s", code, out, errs)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--n", "8"}, "has N = 2, the run asks for N = 8"},
		{[]string{"--config", "vq-ft"}, "needs a checkpoint fine-tuned without the question"},
		{[]string{"--prompt", "all"}, "want vlmevalkit or question"},
	} {
		args := append([]string{"eval", "--model", toy, "--bench", bench, "--predictions", filepath.Join(dir, "x.jsonl")}, tc.args...)
		if _, errs, code := runCLI(t, "", args...); code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
}
