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
	"github.com/tokenscale/tokenscale/lib/eval/evaltest"
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
		{[]string{"score", "--bench", "POPE", "--predictions", bad, "--vlmevalkit", "2025"}, 2, `--vlmevalkit "2025": want 2024-12 or 2026-08`},
		{[]string{"eval", "--model", "oracle", "--bench", bench, "--vlmevalkit", "latest"}, 2, "want 2024-12 or 2026-08"},
		{[]string{"eval", "generate", "--out", dir, "--size", "100000"}, 2, "--size 100000: want 16 to 1024"},
		{[]string{"eval", "generate", "--out", dir, "--items", "100000000"}, 2, "--items 100000000: want 1 to 100000"},
		{[]string{"eval", "--model", "oracle", "--bench", bench, "--predictions", dir}, 1, "is not a regular file"},
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
	if !strings.HasPrefix(string(data), "# vlmevalkit: 2024-12\nconfig,N,benchmark,metric,value\n") || !strings.Contains(string(data), "Vision Question Queries,512,MMStar,Overall,") {
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

// The same predictions scored under both rule versions (ChartQA: gold 100,
// prediction 95.2 is within 5% of the gold but not of the prediction).
func TestScoreRuleVersions(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "chartqa.jsonl")
	os.WriteFile(p, []byte(`{"index": 1, "prediction": "95.2", "answer": "100", "split": "human"}`+"\n"+
		`{"index": 2, "prediction": "7", "answer": "7", "split": "augmented"}`+"\n"), 0o644)
	for _, tc := range []struct {
		flag []string
		want string
	}{
		{nil, `"Overall": 50`},
		{[]string{"--vlmevalkit", "2024-12"}, `"split:human": 0`},
		{[]string{"--vlmevalkit", "2026-08"}, `"Overall": 100`},
	} {
		out, errs, code := runCLI(t, "", append([]string{"score", "--bench", "ChartQA", "--predictions", p}, tc.flag...)...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("score %v: exit %d, %s %s; want %s", tc.flag, code, out, errs, tc.want)
		}
	}
	// eval resumes only with its sidecar, and records the rules in it.
	runCLI(t, "", "eval", "generate", "--out", dir, "--items", "3", "--name", "ChartQA")
	preds := filepath.Join(dir, "run.jsonl")
	if _, errs, code := runCLI(t, "", "eval", "--model", "oracle", "--bench", filepath.Join(dir, "ChartQA_TEST.tsv"), "--predictions", preds, "--vlmevalkit", "2026-08"); code != 0 {
		t.Fatalf("eval: %s", errs)
	}
	if side, _ := os.ReadFile(preds + ".run.json"); !strings.Contains(string(side), `"vlmevalkit": "2026-08"`) {
		t.Errorf("sidecar %s", side)
	}
	os.Remove(preds + ".run.json")
	if _, errs, code := runCLI(t, "", "eval", "--model", "oracle", "--bench", filepath.Join(dir, "ChartQA_TEST.tsv"), "--predictions", preds); code == 0 || !strings.Contains(errs, "run.jsonl.run.json is missing") {
		t.Errorf("resume without sidecar: exit %d, %s", code, errs)
	}
}

// `tokenscale eval --model` on a paper-layout checkpoint (golden tiny CLIP
// and Llama, tiny fusion module, real tokenizers, HD-9): runs, resumes
// after an interruption (a cut-short predictions file), and scores.
func TestEvalPaperLayoutCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds and runs a tiny paper-layout model")
	}
	dir := t.TempDir()
	ckpt := evaltest.PaperLayoutCheckpoint(t, dir, 4)
	if _, errs, code := runCLI(t, "", "eval", "generate", "--out", dir, "--items", "3", "--name", "TextVQA"); code != 0 {
		t.Fatal(errs)
	}
	bench := filepath.Join(dir, "TextVQA_VAL.tsv")
	preds := filepath.Join(dir, "p.jsonl")
	args := []string{"eval", "--model", ckpt, "--bench", bench, "--predictions", preds}
	out, errs, code := runCLI(t, "", append(args, "--limit", "2")...)
	if code != 0 {
		t.Fatalf("eval: exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "items/s") || !strings.Contains(errs, "Overall") {
		t.Errorf("no progress bar with items/s and the running score on stderr: %q", errs)
	}
	// An interruption in the middle of writing the third answer.
	f, _ := os.OpenFile(preds, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"index":"2","predic`)
	f.Close()
	out, errs, code = runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("resumed eval: exit %d: %s", code, errs)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil || res["N"] != 4.0 || res["resumed"] != 2.0 || res["generated"] != 1.0 || res["vlmevalkit"] != "2024-12" {
		t.Errorf("resumed eval: %v (%v)", res, err)
	}
	if _, ok := res["metrics"].(map[string]any)["Overall"]; !ok {
		t.Errorf("no Overall: %v", res)
	}
}
