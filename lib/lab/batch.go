package lab

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

// Item is one question about one image, encoded for the model.
type Item struct {
	Pixels   []float32 // S·S·3, channels last, scaled to [−1, 1]
	Question []int32
	Answer   int32
	Kind     labtask.Kind
	Text     labtask.QA
}

// Encode turns samples into items, one per question, with the tokenizer.
// Questions longer than maxQuestion tokens (when maxQuestion > 0) and answers that are not one
// vocabulary word are errors.
func Encode(samples []labtask.Sample, tok *labtask.Tokenizer, maxQuestion int) ([]Item, error) {
	var out []Item
	for i, s := range samples {
		b := s.Image.Bounds()
		w, h := b.Dx(), b.Dy()
		pix := make([]float32, w*h*3)
		for y := range h {
			for x := range w {
				o := s.Image.PixOffset(b.Min.X+x, b.Min.Y+y)
				for c := range 3 {
					pix[(y*w+x)*3+c] = float32(s.Image.Pix[o+c])/127.5 - 1
				}
			}
		}
		for _, qa := range s.Questions {
			q := tok.Encode(qa.Question)
			if maxQuestion > 0 && len(q) > maxQuestion {
				return nil, fmt.Errorf("lab: sample %d: question %q has %d tokens, more than %d", i, qa.Question, len(q), maxQuestion)
			}
			a := tok.Encode(qa.Answer)
			if len(a) != 1 || a[0] == labtask.TokUnk {
				return nil, fmt.Errorf("lab: sample %d: answer %q is not one vocabulary word", i, qa.Answer)
			}
			out = append(out, Item{Pixels: pix, Question: q, Answer: a[0], Kind: qa.Kind, Text: qa})
		}
	}
	return out, nil
}

// Layout is the fusion-side layout of the lab for N queries: placeholders
// follow the word vocabulary, eos and padding are the lab's specials, and
// M follows the paper's rule (irrelevant here: one question per image).
func Layout(n int, vocab int) fusion.Layout {
	return fusion.Layout{N: n, M: fusion.MForN(n), PlaceholderBase: int32(vocab), EOS: labtask.TokEOS, Pad: labtask.TokPad}
}

// makeBatch lays items out as the graph's inputs for N queries in mode.
// noise holds B·N·noiseWidth unit normals (nil: zeros).
func makeBatch(items []Item, d dims, imageSize, vocab int, mode fusion.Mode, noise []float32, noiseWidth int) ([]*tensors.Tensor, error) {
	B := len(items)
	samples := make([]fusion.Sample, B)
	for i, it := range items {
		samples[i] = fusion.Sample{VisionTokens: d.V, Questions: [][]int32{it.Question}}
	}
	fb, err := Layout(d.N, vocab).BuildBatch(samples, mode, d.T)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	if len(fb.Fused) != B*d.N {
		return nil, fmt.Errorf("lab: %d fused positions for %d samples of N = %d", len(fb.Fused), B, d.N)
	}
	S := imageSize
	pix := make([]float32, B*S*S*3)
	fused := make([]int32, B*d.N)
	for j, f := range fb.Fused {
		fused[j] = int32(f)
	}
	lids := make([]int32, B*d.L)
	lok := make([]bool, B*d.L)
	ans := make([]int32, B)
	labels := make([]int32, B)
	for i, it := range items {
		if len(it.Pixels) != S*S*3 {
			return nil, fmt.Errorf("lab: item %d has %d pixel values, want %d", i, len(it.Pixels), S*S*3)
		}
		copy(pix[i*S*S*3:], it.Pixels)
		row := []int32{labtask.TokBOS}
		for range d.N {
			row = append(row, labtask.TokPad)
		}
		row = append(append(row, it.Question...), labtask.TokEndInst)
		if len(row) > d.L {
			return nil, fmt.Errorf("lab: item %d: LLM sequence of %d tokens, longer than %d", i, len(row), d.L)
		}
		for t, id := range row {
			lids[i*d.L+t], lok[i*d.L+t] = id, true
		}
		ans[i] = int32(len(row) - 1)
		labels[i] = it.Answer
	}
	fids := make([]int32, len(fb.IDs))
	copy(fids, fb.IDs)
	out := make([]*tensors.Tensor, numInputs)
	out[inPixels] = tensors.FromFlatDataAndDimensions(pix, B, S, S, 3)
	out[inFusionIDs] = tensors.FromFlatDataAndDimensions(fids, B, d.T)
	out[inFusionOK] = tensors.FromFlatDataAndDimensions(fb.Valid, B, d.T)
	out[inFusedIdx] = tensors.FromFlatDataAndDimensions(fused, B*d.N)
	out[inLLMIDs] = tensors.FromFlatDataAndDimensions(lids, B, d.L)
	out[inLLMOK] = tensors.FromFlatDataAndDimensions(lok, B, d.L)
	out[inAnswerPos] = tensors.FromFlatDataAndDimensions(ans, B)
	out[inLabels] = tensors.FromFlatDataAndDimensions(labels, B)
	if noise == nil {
		noise = make([]float32, B*d.N*noiseWidth)
	}
	if len(noise) != B*d.N*noiseWidth {
		return nil, fmt.Errorf("lab: %d noise values for %d×%d×%d", len(noise), B, d.N, noiseWidth)
	}
	out[inNoise] = tensors.FromFlatDataAndDimensions(noise, B*d.N, noiseWidth)
	return out, nil
}
