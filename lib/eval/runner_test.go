package eval_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/eval/benchgen"
)

// TestOracleEveryBenchmark generates a file of every benchmark, answers it
// with the ground truth and checks each scorer reaches its maximum.
func TestOracleEveryBenchmark(t *testing.T) {
	dir := t.TempDir()
	files, err := benchgen.WriteAll(dir, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		items, err := eval.ReadAll(f.Path, f.Bench)
		if err != nil {
			t.Fatalf("%s: %v", f.Bench.Name, err)
		}
		if len(items) < 8 {
			t.Errorf("%s: %d items, want ≥ 8", f.Bench.Name, len(items))
		}
		res, err := eval.Run(context.Background(), f.Bench, f.Path, eval.Oracle{}, eval.RunOptions{Predictions: filepath.Join(dir, f.Bench.Name+".jsonl")})
		if err != nil {
			t.Fatalf("%s: %v", f.Bench.Name, err)
		}
		m := res.Metrics
		want := map[string]float64{f.Bench.Primary: 100}
		switch f.Bench.Name {
		case "MME":
			want = map[string]float64{"Overall": 800, "Perception": 800} // 4 perception categories × 200
			if _, ok := m["Cognition"]; ok {
				t.Errorf("MME: Cognition reported without cognition items")
			}
		case "OCRBench":
			want = map[string]float64{"Final Score": float64(len(items))}
		case "POPE":
			want = map[string]float64{"Overall": 100, "acc": 100, "precision": 100, "recall": 100}
		case "HallusionBench":
			want = map[string]float64{"aAcc": 100, "fAcc": 100, "qAcc": 100, "Overall": 100}
		case "COCO_VAL":
			want = map[string]float64{"BLEU-1": 100, "BLEU-4": 100, "ROUGE-L": 100}
		}
		for k, w := range want {
			if math.Abs(m[k]-w) > 1e-4 {
				t.Errorf("%s: oracle %s = %g, want %g", f.Bench.Name, k, m[k], w)
			}
		}
	}
}

// failAfter answers with the ground truth and fails after k calls.
type failAfter struct {
	k, calls int
}

func (f *failAfter) Answer(ctx context.Context, req eval.Request) (string, error) {
	f.calls++
	if f.k >= 0 && f.calls > f.k {
		return "", errors.New("device lost")
	}
	return eval.Oracle{}.Answer(ctx, req)
}

func TestRunResumes(t *testing.T) {
	dir := t.TempDir()
	b, _ := eval.Lookup("POPE")
	bench := filepath.Join(dir, "pope.tsv")
	if err := benchgen.Write(bench, b, 10, 3); err != nil {
		t.Fatal(err)
	}
	pred := filepath.Join(dir, "out", "pope.jsonl")

	// 1. Interrupted after 4 items.
	if _, err := eval.Run(context.Background(), b, bench, &failAfter{k: 4}, eval.RunOptions{Predictions: pred}); err == nil || !strings.Contains(err.Error(), "device lost") {
		t.Fatalf("interrupted run: err = %v", err)
	}
	if got := lines(t, pred); got != 4 {
		t.Fatalf("after interruption %d lines, want 4", got)
	}
	// 2. A write cut short in the middle of item 5.
	f, _ := os.OpenFile(pred, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"index":"4","predic`)
	f.Close()

	m := &failAfter{k: -1}
	res, err := eval.Run(context.Background(), b, bench, m, eval.RunOptions{Predictions: pred})
	if err != nil {
		t.Fatal(err)
	}
	if m.calls != 6 || res.Generated != 6 || res.Resumed != 4 || res.Items != 10 {
		t.Errorf("resume: %d calls, generated %d, resumed %d, items %d; want 6, 6, 4, 10", m.calls, res.Generated, res.Resumed, res.Items)
	}
	if res.Metrics["Overall"] != 100 {
		t.Errorf("resumed run Overall = %g, want 100", res.Metrics["Overall"])
	}
	preds, err := eval.ReadPredictions(pred)
	if err != nil || len(preds) != 10 {
		t.Fatalf("predictions after resume: %d, %v", len(preds), err)
	}
	// 3. Nothing left to do.
	m = &failAfter{k: -1}
	if _, err := eval.Run(context.Background(), b, bench, m, eval.RunOptions{Predictions: pred}); err != nil || m.calls != 0 {
		t.Errorf("complete run: %d calls, %v", m.calls, err)
	}
	// 4. --limit: only the first 3 items are scored.
	res, err = eval.Run(context.Background(), b, bench, eval.Constant("No"), eval.RunOptions{Predictions: filepath.Join(dir, "lim.jsonl"), Limit: 3})
	if err != nil || res.Items != 3 {
		t.Errorf("limit 3: %v items, %v", res, err)
	}
	// 5. The predictions of another benchmark are refused.
	other := filepath.Join(dir, "other.jsonl")
	os.WriteFile(other, []byte(`{"index":"zz","prediction":"Yes","answer":"Yes"}`+"\n"), 0o644)
	// 5a. …and without its sidecar first of all: it cannot be told who wrote it.
	if _, err := eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: other}); err == nil || !strings.Contains(err.Error(), eval.SidecarPath(other)) {
		t.Errorf("predictions without sidecar: err = %v, want one naming %s", err, eval.SidecarPath(other))
	}
	os.WriteFile(eval.SidecarPath(other), []byte(`{"vlmevalkit":"2024-12"}`), 0o644)
	if _, err := eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: other}); err == nil || !strings.Contains(err.Error(), `"zz"`) {
		t.Errorf("foreign predictions: err = %v", err)
	}
	// 6. A cancelled context stops the run.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := eval.Run(ctx, b, bench, eval.Oracle{}, eval.RunOptions{Predictions: filepath.Join(dir, "c.jsonl")}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
}

func lines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

func TestSweepTidy(t *testing.T) {
	dir := t.TempDir()
	var files []eval.BenchFile
	for _, name := range []string{"COCO_VAL", "MMStar"} {
		b, _ := eval.Lookup(name)
		p := filepath.Join(dir, name+".tsv")
		if err := benchgen.Write(p, b, 5, 9); err != nil {
			t.Fatal(err)
		}
		files = append(files, eval.BenchFile{Bench: b, Path: p})
	}
	var asked []int
	results, err := eval.Sweep(context.Background(), eval.SweepOptions{
		Config: eval.VQQ, Ns: []int{1, 8}, Files: files, Dir: filepath.Join(dir, "preds"),
		Model: func(n int) (eval.Answerer, error) {
			asked = append(asked, n)
			return eval.Constant(fmt.Sprintf("A grid with shapes N%d", n)), nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 4 || fmt.Sprint(asked) != "[1 8]" {
		t.Fatalf("%d results for models %v", len(results), asked)
	}
	var buf bytes.Buffer
	if err := eval.WriteTidy(&buf, results, true); err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(buf.String(), "\n")
	if first != "# vlmevalkit: 2024-12" {
		t.Errorf("first line %q, want the rules comment", first)
	}
	cr := csv.NewReader(&buf)
	cr.Comment = '#'
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "config,N,benchmark,metric,value" {
		t.Errorf("header %v", rows[0])
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		seen[r[0]+"|"+r[1]+"|"+r[2]+"|"+r[3]] = true
		if strings.HasPrefix(r[3], "category:") {
			t.Errorf("category split in tidy output: %v", r)
		}
	}
	for _, k := range []string{"Vision Question Queries|1|COCO VAL|CIDEr", "Vision Question Queries|8|COCO VAL|BLEU-4", "Vision Question Queries|8|MMStar|Overall"} {
		if !seen[k] {
			t.Errorf("tidy output lacks %s", k)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "preds", "vqq_N8_MMStar.jsonl")); err != nil {
		t.Errorf("predictions file: %v", err)
	}
}

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "eval")
	defer os.RemoveAll(dir)
	b, _ := eval.Lookup("POPE")
	bench := filepath.Join(dir, "POPE.tsv")
	_ = benchgen.Write(bench, b, 6, 1) // 3 "Yes" and 3 "No" items
	// The always-yes baseline: precision 50, recall 100, F1 66.7.
	res, err := eval.Run(context.Background(), b, bench, eval.Constant("Yes"),
		eval.RunOptions{Predictions: filepath.Join(dir, "pope.jsonl")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("Overall %.1f acc %.1f precision %.1f recall %.1f\n",
		res.Metrics["Overall"], res.Metrics["acc"], res.Metrics["precision"], res.Metrics["recall"])
	// Output: Overall 66.7 acc 50.0 precision 50.0 recall 100.0
}

func TestRunInfoGuardsResume(t *testing.T) {
	dir := t.TempDir()
	b, _ := eval.Lookup("POPE")
	bench := filepath.Join(dir, "pope.tsv")
	if err := benchgen.Write(bench, b, 4, 3); err != nil {
		t.Fatal(err)
	}
	pred := filepath.Join(dir, "p.jsonl")
	run := func(model string) error {
		_, err := eval.Run(context.Background(), b, bench, eval.Constant("Yes"), eval.RunOptions{Predictions: pred, Run: map[string]string{"model": model, "N": "8"}})
		return err
	}
	if err := run("a"); err != nil {
		t.Fatal(err)
	}
	if err := run("a"); err != nil {
		t.Errorf("same run resumed: %v", err)
	}
	if err := run("b"); err == nil || !strings.Contains(err.Error(), `model "a", this run "b"`) {
		t.Errorf("other model on the same file: err = %v", err)
	}
}

// The sidecar records the rules; a resumed run may rescore with other rules
// but not mix models.
func TestRunSidecar(t *testing.T) {
	dir := t.TempDir()
	b, _ := eval.Lookup("ChartQA")
	bench := filepath.Join(dir, "ChartQA_TEST.tsv")
	if err := benchgen.Write(bench, b, 4, 2); err != nil {
		t.Fatal(err)
	}
	pred := filepath.Join(dir, "p.jsonl")
	cur, _ := eval.ParseRules("2026-08")
	info := map[string]string{"model": "m1"}
	res, err := eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: pred, Run: info, Rules: cur})
	if err != nil || res.Rules != "2026-08" {
		t.Fatalf("run: %v, rules %q", err, res.Rules)
	}
	side, _ := os.ReadFile(eval.SidecarPath(pred))
	if !strings.Contains(string(side), `"vlmevalkit": "2026-08"`) || !strings.Contains(string(side), `"model": "m1"`) {
		t.Errorf("sidecar %s", side)
	}
	// Rescoring with the default rules is a resume: allowed, recorded.
	res, err = eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: pred, Run: info})
	if err != nil || res.Generated != 0 || res.Rules != "2024-12" {
		t.Fatalf("rescore: %v, generated %d, rules %q", err, res.Generated, res.Rules)
	}
	if side, _ := os.ReadFile(eval.SidecarPath(pred)); !strings.Contains(string(side), `"vlmevalkit": "2024-12"`) {
		t.Errorf("sidecar after rescoring %s", side)
	}
	// Another model is refused.
	if _, err := eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: pred, Run: map[string]string{"model": "m2"}}); err == nil || !strings.Contains(err.Error(), "another run") {
		t.Errorf("other model: err = %v", err)
	}
	// A predictions path that is not a regular file is refused before reading.
	if _, err := os.Stat("/dev/full"); err == nil {
		if _, err := eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: "/dev/full"}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("/dev/full: err = %v", err)
		}
	}
	if _, err := eval.Run(context.Background(), b, bench, eval.Oracle{}, eval.RunOptions{Predictions: dir}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory as predictions: err = %v", err)
	}
}
