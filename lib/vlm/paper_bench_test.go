package vlm

import (
	"math/rand/v2"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

// BenchmarkPaperPromptEmbeddings runs the paper-size model's own stages —
// CLIP ViT-L/14-336 on one 336-px view, the merge, the 20-layer fusion
// decoder with N = 256 and one question, the projection into Llama-2's
// 4096-wide embeddings — from configuration alone (random weights) on the
// configured backend. The frozen Llama-2-7B forward itself (27 GB in
// float32) is not run here; the whole forward with the LLM in bfloat16
// (13.5 GB) is "tokenscale model forward --size paper" (ForwardStages with
// RandomLLM). Slow on the pure-Go backend:
//
//	go test -run '^$' -bench PaperPromptEmbeddings -benchtime 1x ./lib/vlm
func BenchmarkPaperPromptEmbeddings(b *testing.B) {
	c := PaperConfig()
	c.HD = 0 // one global view
	m, err := New(c, 1)
	if err != nil {
		b.Fatal(err)
	}
	S := c.Vision.ImageSize
	r := rand.New(rand.NewPCG(1, 2))
	pix := make([]float32, 3*S*S)
	for i := range pix {
		pix[i] = float32(r.NormFloat64())
	}
	q := []int32{320, 1125, 533, 320, 1929, 269} // a CLIP-id question
	llm := []int32{1, 518, 25580, 29962}         // <s> [INST]
	slot := []bool{false, false, false, false}
	for range c.N {
		llm, slot = append(llm, 0), append(slot, true)
	}
	for range 10 {
		llm, slot = append(llm, 1724), append(slot, false)
	}
	ex := Example{Pixels: pix, Views: 1, Questions: [][]int32{q}, LLMIDs: llm, Slot: slot, Target: make([]bool, len(llm))}
	in, err := c.MakeInputs([]Example{ex}, fusion.VisionQuestionQueries, Shapes{})
	if err != nil {
		b.Fatal(err)
	}
	exec, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, xs []*Node) *Node {
		return c.PromptEmbeddings(scope, xs)
	})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	out, err := exec.Call(in.Args()[:inLabels]...) // includes variable initialisation
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("first call (init + compile + forward): %v; output %s; fusion length T=%d, fused tokens %d",
		time.Since(start), out[0].Shape(), in.Shapes.T, len(in.Fusion.Fused))
	var n int64
	for v := range m.Store.IterVariables() {
		if v.Name() != model.RNGStateVariableName {
			n += int64(v.Shape().Size())
		}
	}
	p := c.Params()
	b.Logf("variables: %d parameters (closed form without the Llama decoder/head: %d)", n, p.Total()-p.LLM+int64(c.LLM.Vocab*c.LLM.Hidden))
	b.ResetTimer()
	for range b.N {
		if _, err := exec.Call(in.Args()[:inLabels]...); err != nil {
			b.Fatal(err)
		}
	}
}
