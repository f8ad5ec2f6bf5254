package eval_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/eval/benchgen"
	"github.com/tokenscale/tokenscale/lib/eval/evaltest"
)

// A paper-layout checkpoint (golden tiny CLIP and Llama, a tiny fusion
// module, the real tokenizers, HD-9 views, the Llama-2 chat template)
// evaluated from the library: interrupted, resumed, scored.
func TestModelAnswererPaperLayout(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds and runs a tiny paper-layout model")
	}
	dir := t.TempDir()
	ckpt := evaltest.PaperLayoutCheckpoint(t, dir, 4)
	a, err := eval.LoadModel(ckpt, 0, eval.VQQ, false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Queries() != 4 || a.Model.Config.Tokenizer != "clip+llama2" || a.Model.Config.HD != 9 {
		t.Fatalf("loaded N %d, tokenizer %q, HD %d", a.Queries(), a.Model.Config.Tokenizer, a.Model.Config.HD)
	}
	b, _ := eval.Lookup("MMStar")
	bench := filepath.Join(dir, "MMStar.tsv")
	if err := benchgen.Write(bench, b, 3, 5); err != nil {
		t.Fatal(err)
	}
	preds := filepath.Join(dir, "p.jsonl")
	info := map[string]string{"model": ckpt}
	// Interrupted after one answer (the context is cancelled by the second).
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	stop := eval.AnswerFunc(func(c context.Context, req eval.Request) (string, error) {
		calls++
		if calls == 2 {
			cancel()
		}
		return a.Answer(c, req)
	})
	if _, err := eval.Run(ctx, b, bench, stop, eval.RunOptions{Predictions: preds, Run: info}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: err = %v", err)
	}
	var reports int
	res, err := eval.Run(context.Background(), b, bench, a, eval.RunOptions{Predictions: preds, Run: info,
		Report: func(p eval.RunProgress) {
			reports++
			if _, _, err := p.Score(); err != nil || p.Total != 3 {
				t.Errorf("progress: total %d, score error %v", p.Total, err)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Items != 3 || res.Resumed < 1 || res.Generated+res.Resumed != 3 || reports != 3 {
		t.Errorf("resumed run: items %d, resumed %d, generated %d, %d reports", res.Items, res.Resumed, res.Generated, reports)
	}
	if _, ok := res.Metrics["Overall"]; !ok {
		t.Errorf("metrics %v", res.Metrics)
	}
	data, _ := os.ReadFile(preds)
	t.Logf("predictions:\n%s", data)
	// The same image answered from its bytes and from the decoded image.
	r, err := eval.Open(bench, b)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	it, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	req := eval.Request{Bench: b, Item: it, Prompt: eval.Prompt(b, it), MaxNewTokens: 4}
	got, err := a.Answer(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	img, err := eval.DecodeImage(it.Images[0], "x")
	if err != nil {
		t.Fatal(err)
	}
	want, err := a.Model.AnswerImage(img, []string{req.Prompt}, nil, 4)
	if err != nil || strings.TrimSpace(want) != got {
		t.Errorf("answer from bytes %q, from the image %q (%v)", got, want, err)
	}
	// Configurations: VQ reuses the VQQ checkpoint, VQ-ft and another N are refused.
	if vq, err := eval.LoadModel(ckpt, 4, eval.VQ, false); err != nil {
		t.Errorf("VQ: %v", err)
	} else {
		vq.Close()
	}
	for _, c := range []struct {
		n   int
		cfg eval.Config
	}{{0, eval.VQFT}, {8, eval.VQQ}} {
		if _, err := eval.LoadModel(ckpt, c.n, c.cfg, false); !errors.Is(err, eval.ErrModelMismatch) {
			t.Errorf("LoadModel(N %d, %s): err = %v, want ErrModelMismatch", c.n, c.cfg, err)
		}
	}
}
