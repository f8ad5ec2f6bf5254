package eval_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/eval/benchgen"
)

// TrainToy trains, saves and reuses a toy model that the harness then
// evaluates on a generated square-style benchmark.
func TestTrainToyEvaluated(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: trains a toy model")
	}
	dir := t.TempDir()
	ck, err := eval.TrainToy(filepath.Join(dir, "toy"), 2, eval.ToyOptions{Steps: 3, Examples: 16, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	again, err := eval.TrainToy(filepath.Join(dir, "toy"), 2, eval.ToyOptions{Steps: 3, Examples: 16, Batch: 4})
	if err != nil || again != ck {
		t.Fatalf("second call: %q, %v; want the same checkpoint %q", again, err, ck)
	}
	b, _ := eval.Lookup("TextVQA")
	bench := filepath.Join(dir, "TextVQA_VAL.tsv")
	if err := benchgen.WriteOptions(bench, b, 4, 1, benchgen.Options{Style: benchgen.StyleSquare}); err != nil {
		t.Fatal(err)
	}
	a, err := eval.LoadModel(ck, 2, eval.VQQ, true)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	res, err := eval.Run(context.Background(), b, bench, a, eval.RunOptions{Predictions: filepath.Join(dir, "p.jsonl")})
	if err != nil || res.Generated != 4 {
		t.Fatalf("run: %+v, %v", res, err)
	}
	if _, err := eval.TrainToy(dir, 0, eval.ToyOptions{}); err == nil {
		t.Error("N = 0: want an error")
	}
}
