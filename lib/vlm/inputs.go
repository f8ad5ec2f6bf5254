package vlm

import (
	"fmt"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

// Example is one chat record after tokenisation: the image's views, the
// question ids for the fusion side, and the LLM-side sequence with its QED
// slots and loss targets (§4.3, Figure 6).
type Example struct {
	Pixels    []float32 // Views × 3 × S × S, CLIP-normalised
	Views     int
	Questions [][]int32 // fusion-side ids of each question (no BOS)
	LLMIDs    []int32   // the Llama chat sequence
	Slot      []bool    // positions whose embedding is replaced by a fused token (type QED)
	Target    []bool    // positions of type ANS or EOS (the loss of Eq. 20 predicts them)
	// Answers holds each answer as CLIP-text ids ending with eos, for the
	// stage-1 contrastive loss (Eq. 19).
	Answers [][]int32
}

// Shapes fixes the padded sizes of a batch so that one compiled graph serves
// every step: Views per sample, fusion length T, LLM length L and the number
// of fused rows F. Zero means "the batch's own maximum".
type Shapes struct{ Views, T, L, F int }

// Inputs are the tensors of one batch, in the order the model's graph
// functions take them.
type Inputs struct {
	B      int
	Shapes Shapes
	Fusion *fusion.Batch
	List   []*tensors.Tensor
}

// Input positions in Inputs.List.
const (
	inPixels = iota
	inFusionIDs
	inFusionValid
	inIsVision
	inVisionIdx
	inFusedIdx
	inLLMIDs
	inLLMValid
	inSlotIdx
	inLabels
	inWeights
	numInputs
)

// MakeInputs lays a batch out: the fusion sequences of Figure 6 in mode,
// the gather maps that put vision tokens into the fusion input and fused
// outputs into the LLM's QED slots (in row-major order, docs/model.md), and the
// shifted labels/weights of Eq. 20.
func (c Config) MakeInputs(ex []Example, mode fusion.Mode, pad Shapes) (*Inputs, error) {
	if len(ex) == 0 {
		return nil, fmt.Errorf("vlm: empty batch")
	}
	B := len(ex)
	S := c.Vision.ImageSize
	tpv := c.Vision.TokensPerView()
	V, L := pad.Views, pad.L
	samples := make([]fusion.Sample, B)
	for i, e := range ex {
		if e.Views <= 0 || len(e.Pixels) != e.Views*3*S*S {
			return nil, fmt.Errorf("vlm: example %d: %d pixel values for %d views of %d×%d", i, len(e.Pixels), e.Views, S, S)
		}
		if len(e.Slot) != len(e.LLMIDs) || len(e.Target) != len(e.LLMIDs) {
			return nil, fmt.Errorf("vlm: example %d: ids, slots and targets differ in length", i)
		}
		slots := 0
		for _, s := range e.Slot {
			if s {
				slots++
			}
		}
		if want := fusion.FusedTokens(c.N, c.M, len(e.Questions)); slots != want {
			return nil, fmt.Errorf("vlm: example %d: the LLM sequence has %d QED slots, %d questions need N+(k−1)M = %d", i, slots, len(e.Questions), want)
		}
		if pad.Views == 0 {
			V = max(V, e.Views)
		} else if e.Views > pad.Views {
			return nil, fmt.Errorf("vlm: example %d has %d views, more than %d", i, e.Views, pad.Views)
		}
		if pad.L == 0 {
			L = max(L, len(e.LLMIDs))
		} else if len(e.LLMIDs) > pad.L {
			return nil, fmt.Errorf("vlm: example %d: LLM sequence of %d tokens, longer than %d", i, len(e.LLMIDs), pad.L)
		}
		samples[i] = fusion.Sample{VisionTokens: e.Views * tpv, Questions: e.Questions}
	}
	fb, err := c.Layout().BuildBatch(samples, mode, pad.T)
	if err != nil {
		return nil, fmt.Errorf("vlm: %w", err)
	}
	T := fb.T
	F := max(pad.F, len(fb.Fused))
	if pad.F > 0 && len(fb.Fused) > pad.F {
		return nil, fmt.Errorf("vlm: batch has %d fused tokens, more than %d", len(fb.Fused), pad.F)
	}
	pix := make([]float32, B*V*3*S*S)
	isVis := make([]bool, B*T)
	visIdx := make([]int32, B*T)
	for i, e := range ex {
		copy(pix[i*V*3*S*S:], e.Pixels)
		for t := range e.Views * tpv {
			isVis[i*T+t] = true
			visIdx[i*T+t] = int32(i*V*tpv + t)
		}
	}
	fusedIdx := make([]int32, F)
	for j, f := range fb.Fused {
		fusedIdx[j] = int32(f)
	}
	llmIDs := make([]int32, B*L)
	llmValid := make([]bool, B*L)
	slotIdx := make([]int32, B*L)
	isTarget := make([]bool, B*L)
	next := 0 // next fused row, row-major over the batch
	for i, e := range ex {
		for t := range L {
			j := i*L + t
			slotIdx[j] = int32(j)
			if t >= len(e.LLMIDs) {
				continue
			}
			llmIDs[j], llmValid[j], isTarget[j] = e.LLMIDs[t], true, e.Target[t]
			if e.Slot[t] {
				slotIdx[j] = int32(B*L + next)
				next++
			}
		}
	}
	labels, weights := ShiftTargets(llmIDs, isTarget, B, L)
	fids := make([]int32, B*T)
	copy(fids, fb.IDs)
	in := &Inputs{B: B, Shapes: Shapes{Views: V, T: T, L: L, F: F}, Fusion: fb}
	in.List = make([]*tensors.Tensor, numInputs)
	in.List[inPixels] = tensors.FromFlatDataAndDimensions(pix, B*V, 3, S, S)
	in.List[inFusionIDs] = tensors.FromFlatDataAndDimensions(fids, B, T)
	in.List[inFusionValid] = tensors.FromFlatDataAndDimensions(fb.Valid, B, T)
	in.List[inIsVision] = tensors.FromFlatDataAndDimensions(isVis, B, T)
	in.List[inVisionIdx] = tensors.FromFlatDataAndDimensions(visIdx, B, T)
	in.List[inFusedIdx] = tensors.FromFlatDataAndDimensions(fusedIdx, F)
	in.List[inLLMIDs] = tensors.FromFlatDataAndDimensions(llmIDs, B, L)
	in.List[inLLMValid] = tensors.FromFlatDataAndDimensions(llmValid, B, L)
	in.List[inSlotIdx] = tensors.FromFlatDataAndDimensions(slotIdx, B, L)
	in.List[inLabels] = tensors.FromFlatDataAndDimensions(labels, B, L)
	in.List[inWeights] = tensors.FromFlatDataAndDimensions(weights, B, L)
	return in, nil
}

// ShiftTargets turns LLM ids [b*l] and per-position "is a target" flags
// (types ANS or EOS, §4.4) into the labels and weights of Eq. 20:
// position t predicts ids[t+1] and counts when that token is a target; the
// last position of each row never counts.
func ShiftTargets(ids []int32, isTarget []bool, b, l int) ([]int32, []float32) {
	labels := make([]int32, b*l)
	weights := make([]float32, b*l)
	for r := range b {
		for t := range l - 1 {
			labels[r*l+t] = ids[r*l+t+1]
			if isTarget[r*l+t+1] {
				weights[r*l+t] = 1
			}
		}
	}
	return labels, weights
}

// Args returns the tensors as the variadic arguments of an Exec call.
func (in *Inputs) Args() []any {
	out := make([]any, len(in.List))
	for i, t := range in.List {
		out[i] = t
	}
	return out
}
