package memplan

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/vlm"
)

func paperOptions() Options {
	return Options{Shape: Shape{Batch: 5, Views: 10, Question: 32, Text: 512}, Train: vlm.Parts, ActBytes: 4}
}

// The budget's bookkeeping: weights are the closed-form parameter counts
// (float32 for trained parts, the activation dtype for the LLM), only
// trained parts get gradients, accumulators and AdamW moments, and the
// sequence lengths are the paper's HD-9 layout.
func TestPaperBudget(t *testing.T) {
	c := vlm.PaperConfig()
	p, err := Estimate(c, paperOptions())
	if err != nil {
		t.Fatal(err)
	}
	pc := c.Params()
	if p.FusionLen != 10*145+32+256 || p.LLMLen != 512+256 {
		t.Errorf("sequence lengths %d, %d", p.FusionLen, p.LLMLen)
	}
	for _, tc := range []struct {
		part string
		n    int64
	}{{"vision", pc.Vision}, {"merge", pc.Merge}, {"fusion", pc.Fusion}, {"projection", pc.Projection}} {
		if got := p.Sum("weights", tc.part); got != 4*tc.n {
			t.Errorf("%s weights %d bytes, want %d", tc.part, got, 4*tc.n)
		}
		if got := p.Sum("adamw", tc.part); got != 8*tc.n {
			t.Errorf("%s AdamW %d bytes, want %d", tc.part, got, 8*tc.n)
		}
	}
	if got := p.Sum("weights", "llm"); got != 4*pc.LLM {
		t.Errorf("llm weights %d", got)
	}
	if p.Sum("gradients", "llm")+p.Sum("adamw", "llm") != 0 {
		t.Error("the frozen LLM has gradients or optimizer state")
	}
	if got, want := p.Sum("gradients", ""), 4*pc.Trainable(); got != want {
		t.Errorf("gradients %d, want %d", got, want)
	}
	// The figure: one fusion layer's float32 attention maps at
	// batch 5, 16 heads, ≈1.7k tokens: 5·16·T²·4 bytes per map.
	one := int64(5 * 16 * p.FusionLen * p.FusionLen * 4)
	if fa := p.Sum("activations", "fusion"); fa < 20*2*one || fa > 20*4*one {
		t.Errorf("fusion activations %d bytes: want between two and four attention maps per layer (%d each)", fa, one)
	}
}

// Checkpointing and bf16 shrink the activations the way they should (the
// attention maps stay float32), and of the weights only the frozen LLM's
// change with the dtype.
func TestOptionsEffects(t *testing.T) {
	c := vlm.PaperConfig()
	base, _ := Estimate(c, paperOptions())
	o := paperOptions()
	o.GradientCheckpointing = true
	ck, _ := Estimate(c, o)
	o.ActBytes = 2
	ckbf, _ := Estimate(c, o)
	for _, part := range []string{"vision", "fusion", "llm"} {
		a, b := base.Sum("activations", part), ck.Sum("activations", part)
		if b*5 > a {
			t.Errorf("%s: checkpointing keeps %d of %d activation bytes, want < 1/5", part, b, a)
		}
		// Everything but the float32 attention maps halves.
		if half := ckbf.Sum("activations", part); half*2 <= b || half >= b {
			t.Errorf("%s: bf16 activations %d, f32 %d: want between half and all", part, half, b)
		}
	}
	if ckbf.Sum("weights", "llm")*2 != ck.Sum("weights", "llm") || ckbf.Sum("weights", "fusion") != ck.Sum("weights", "fusion") {
		t.Error("bf16 should halve the LLM weights and keep the trained ones in float32")
	}
	if ck.Sum("activations", "loss") != ckbf.Sum("activations", "loss") {
		t.Error("the loss's logits are float32 in both")
	}
	// Training only the projection drops the other parts' optimizer state.
	o = paperOptions()
	o.Train = []string{"projection"}
	pr, _ := Estimate(c, o)
	if pr.Sum("adamw", "") != 8*c.Params().Projection {
		t.Errorf("projection-only AdamW %d bytes", pr.Sum("adamw", ""))
	}
}

func TestEstimateErrors(t *testing.T) {
	c := vlm.PaperConfig()
	for _, tc := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"batch", func(o *Options) { o.Batch = 0 }, "batch 0"},
		{"views", func(o *Options) { o.Views = 0 }, "views 0"},
		{"text", func(o *Options) { o.Text = -1 }, "text -1"},
		{"dtype", func(o *Options) { o.ActBytes = 8 }, "8 bytes"},
		{"part", func(o *Options) { o.Train = []string{"llm"} }, `part "llm"`},
	} {
		o := paperOptions()
		tc.edit(&o)
		if _, err := Estimate(c, o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	bad := c
	bad.Fusion.Hidden = 7
	if _, err := Estimate(bad, paperOptions()); err == nil {
		t.Error("an invalid configuration was accepted")
	}
}

func TestWrite(t *testing.T) {
	p, _ := Estimate(vlm.PaperConfig(), paperOptions())
	var b strings.Builder
	if err := p.Write(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, s := range []string{"part", "activations", "fusion", "llm", "loss", "all"} {
		if !strings.Contains(out, s) {
			t.Errorf("table lacks %q:\n%s", s, out)
		}
	}
}
