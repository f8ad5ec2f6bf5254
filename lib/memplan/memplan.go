// Package memplan estimates the memory of one training step of the paper's
// model (Figure 5; stages 2–3 of App. C: the CLIP vision tower, the local
// merge, the fusion decoder and the projection trained, Llama frozen) from
// its configuration alone, so that a user knows what accelerator a run
// needs before starting it.
//
// The budget has five kinds of entries:
//
//   - weights of every part (the frozen LLM in the compute dtype, the
//     trained parts in float32);
//   - gradients of the trained parts and lib/train's accumulators of them
//     (one copy each, float32);
//   - AdamW's two moments of the trained parts (float32);
//   - activations the backward pass keeps, per module: without gradient
//     checkpointing every layer's inside (its inputs, projections,
//     attention probabilities, MLP activations); with it (lib/llama,
//     lib/fusion, lib/clip GradientCheckpointing) the input of every layer
//     plus the inside of one layer, recomputed while its gradient is taken.
//     The LLM is frozen but its activations count: the gradient reaches the
//     projection through every LLM layer.
//   - the backward pass's workspace: the gradients of one layer's
//     activations while that layer is differentiated (one layer of the
//     largest stack).
//
// The per-layer counts follow the graphs of lib/llama and lib/clip: which
// tensors each operation's gradient reads (see layerActivations). They are
// an estimate of what an executor that frees every buffer after its last
// use holds at the start of the backward pass, the peak of a step; an
// executor's own workspace, compiled code and runtime are not in it.
package memplan

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/tokenscale/tokenscale/lib/vlm"
)

// Shape is one micro-batch: Batch examples of Views image views, Question
// fusion-side question tokens and Text LLM-side text tokens per example
// (the N fused tokens come on top of both).
type Shape struct {
	Batch, Views, Question, Text int
}

// Options are what Estimate needs besides the model configuration.
type Options struct {
	Shape
	// Train lists the trained parts (some of vlm.Parts); the LLM is always
	// frozen.
	Train []string
	// GradientCheckpointing keeps only layer inputs (see the package doc).
	GradientCheckpointing bool
	// ActBytes is the size of one activation element and of one frozen LLM
	// weight: 4 (float32) or 2 (bfloat16).
	ActBytes int
}

// Entry is one line of the budget.
type Entry struct {
	Part  string // vision, merge, fusion, projection, llm, loss or backward (the workspace of one layer's backward pass)
	Kind  string // weights, gradients, accumulators, adamw, activations
	Bytes int64
}

// Plan is the budget of one training step.
type Plan struct {
	Options Options
	// FusionLen and LLMLen are the sequence lengths the estimate used.
	FusionLen, LLMLen int
	Entries           []Entry
}

// Total is the sum of all entries.
func (p Plan) Total() int64 {
	var s int64
	for _, e := range p.Entries {
		s += e.Bytes
	}
	return s
}

// Sum adds the entries of one kind ("" for all kinds) and one part ("" for
// all parts).
func (p Plan) Sum(kind, part string) int64 {
	var s int64
	for _, e := range p.Entries {
		if (kind == "" || e.Kind == kind) && (part == "" || e.Part == part) {
			s += e.Bytes
		}
	}
	return s
}

// SeqLens returns the fusion and LLM sequence lengths of one example: the
// vision tokens of every view, the question, and the N fused tokens (the
// question's first token, N−1 placeholders and eos) on the fusion side; the
// text and the N fused tokens on the LLM side.
func SeqLens(c vlm.Config, s Shape) (fusionLen, llmLen int) {
	return s.Views*c.Vision.TokensPerView() + s.Question + c.N, s.Text + c.N
}

// Estimate computes the plan of one micro-batch training step of c.
func Estimate(c vlm.Config, o Options) (Plan, error) {
	if err := c.Validate(); err != nil {
		return Plan{}, fmt.Errorf("memplan: %w", err)
	}
	if o.Batch <= 0 || o.Views <= 0 || o.Question < 0 || o.Text < 0 {
		return Plan{}, fmt.Errorf("memplan: batch %d and views %d must be positive, question %d and text %d not negative",
			o.Batch, o.Views, o.Question, o.Text)
	}
	if o.ActBytes != 2 && o.ActBytes != 4 {
		return Plan{}, fmt.Errorf("memplan: activation element size %d bytes: want 2 (bf16) or 4 (f32)", o.ActBytes)
	}
	for _, part := range o.Train {
		if !slices.Contains(vlm.Parts, part) {
			return Plan{}, fmt.Errorf("memplan: part %q cannot be trained (want some of %s)", part, strings.Join(vlm.Parts, ", "))
		}
	}
	p := Plan{Options: o}
	p.FusionLen, p.LLMLen = SeqLens(c, o.Shape)
	pc := c.Params()
	params := []struct {
		part string
		n    int64
	}{{"vision", pc.Vision}, {"merge", pc.Merge}, {"fusion", pc.Fusion}, {"projection", pc.Projection}, {"llm", pc.LLM}}
	for _, q := range params {
		if q.part == "llm" {
			p.add(q.part, "weights", q.n*int64(o.ActBytes))
			continue
		}
		p.add(q.part, "weights", 4*q.n)
		if slices.Contains(o.Train, q.part) {
			p.add(q.part, "gradients", 4*q.n)
			p.add(q.part, "accumulators", 4*q.n)
			p.add(q.part, "adamw", 8*q.n)
		}
	}
	e := int64(o.ActBytes)
	b := int64(o.Batch)
	v := c.Vision
	views := b * int64(o.Views)
	grid := int64(v.Grid())
	tv := grid*grid + 1
	// Vision: the patch embedding's input and output, then the encoder.
	p.add("vision", "activations", views*(3*int64(v.ImageSize)*int64(v.ImageSize)+tv*int64(v.Hidden))*e+
		stackActivations(clipLayer, views, tv, int64(v.Hidden), int64(v.Intermediate), int64(v.Heads), int64(v.Layers), e, o.GradientCheckpointing))
	visionLayer := views * layerActivations(clipLayer, tv, int64(v.Hidden), int64(v.Intermediate), int64(v.Heads), e)
	// Merge: pos_layrnorm (3 tensors of the view), the nine taps
	// concatenated (9·D per merged token), the merged tokens.
	merged := (grid/2)*(grid/2) + 1
	p.add("merge", "activations", views*(3*tv*int64(v.Hidden)+9*merged*int64(v.Hidden)+merged*int64(v.Hidden))*e)
	f := c.Fusion
	tf := int64(p.FusionLen)
	p.add("fusion", "activations", 2*b*tf*int64(f.Hidden)*e+
		stackActivations(llamaLayer, b, tf, int64(f.Hidden), int64(f.Intermediate), int64(f.Heads), int64(f.Layers), e, o.GradientCheckpointing))
	fusionLayer := b * layerActivations(llamaLayer, tf, int64(f.Hidden), int64(f.Intermediate), int64(f.Heads), e)
	nf := b * int64(c.N)
	p.add("projection", "activations", nf*(int64(f.Hidden)+int64(c.LLM.Hidden))*e)
	l := c.LLM
	tl := int64(p.LLMLen)
	p.add("llm", "activations", 2*b*tl*int64(l.Hidden)*e+
		stackActivations(llamaLayer, b, tl, int64(l.Hidden), int64(l.Intermediate), int64(l.Heads), int64(l.Layers), e, o.GradientCheckpointing))
	llmLayer := b * layerActivations(llamaLayer, tl, int64(l.Hidden), int64(l.Intermediate), int64(l.Heads), e)
	// The backward pass of one layer at a time holds gradients of the sizes
	// of that layer's activations: one layer of the largest stack.
	p.add("backward", "activations", max(visionLayer, fusionLayer, llmLayer))
	// The loss: float32 logits and their softmax over the vocabulary.
	p.add("loss", "activations", 2*b*tl*int64(l.Vocab)*4)
	return p, nil
}

func (p *Plan) add(part, kind string, bytes int64) {
	p.Entries = append(p.Entries, Entry{Part: part, Kind: kind, Bytes: bytes})
}

// layerKind selects a block type for layerActivations.
type layerKind int

const (
	llamaLayer layerKind = iota // lib/llama: RMSNorm, RoPE, SwiGLU
	clipLayer                   // lib/clip: LayerNorm, quick-GELU MLP
)

// layerActivations counts the elements one layer keeps for its backward
// pass, per sequence of t tokens, as multiples of t·h (hidden-sized
// tensors), t·i (MLP-sized) and heads·t² (attention-sized, float32):
//
//   - lib/llama: the layer input and the two RMSNorms (input, normalised,
//     scaled: 3 each), q/k/v and the two rotated halves for RoPE (5), the
//     transposed q/k/v the attention reads (3), the attention output (1);
//     SwiGLU's gate, sigmoid, gate·sigmoid, up and product (5·t·i); the
//     softmax's exponentials and probabilities (2 float32 maps);
//   - lib/clip: the layer input and the two LayerNorms (input, centred,
//     normalised, scaled: 4 each), q/k/v (3), the attention output (1); the
//     MLP's fc1 output, its quick-GELU sigmoid and product (3·t·i); the
//     softmax's two maps.
func layerActivations(kind layerKind, t, h, i, heads, e int64) int64 {
	var nh, ni int64
	switch kind {
	case llamaLayer:
		nh, ni = 1+6+5+3+1, 5
	case clipLayer:
		nh, ni = 1+8+3+1, 3
	}
	return (nh*t*h+ni*t*i)*e + 2*heads*t*t*4
}

// stackActivations is the activation memory of n layers over b sequences:
// every layer's inside, or with checkpointing every layer's input and one
// layer's inside.
func stackActivations(kind layerKind, b, t, h, i, heads, n, e int64, ckpt bool) int64 {
	one := b * layerActivations(kind, t, h, i, heads, e)
	if !ckpt {
		return n * one
	}
	return n*b*t*h*e + one
}

// Write prints the plan as a table per part and kind with totals, in GiB.
func (p Plan) Write(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	kinds := []string{"weights", "gradients", "accumulators", "adamw", "activations"}
	fmt.Fprint(tw, "part\t")
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t", k)
	}
	fmt.Fprint(tw, "total\t\n")
	for _, part := range []string{"vision", "merge", "fusion", "projection", "llm", "loss", "backward"} {
		fmt.Fprintf(tw, "%s\t", part)
		for _, k := range kinds {
			fmt.Fprintf(tw, "%s\t", gib(p.Sum(k, part)))
		}
		fmt.Fprintf(tw, "%s\t\n", gib(p.Sum("", part)))
	}
	fmt.Fprint(tw, "all\t")
	for _, k := range kinds {
		fmt.Fprintf(tw, "%s\t", gib(p.Sum(k, "")))
	}
	fmt.Fprintf(tw, "%s\t\n", gib(p.Total()))
	return tw.Flush()
}

// gib formats bytes in GiB with three decimals ("-" for zero).
func gib(b int64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", float64(b)/(1<<30))
}
