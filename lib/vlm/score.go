package vlm

import (
	"fmt"

	"github.com/gomlx/compute/dtypes"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// AnswersCorrect scores answers by teacher forcing, batch by batch in one
// forward pass each: answer k of example i is correct when the model's
// argmax predicts every one of its target tokens (answer words and </s>)
// from the true prefix. It is exact-match accuracy without decoding, fast
// enough for sweeps. Batches are padded to pad (zero fields: the batch's
// maxima).
func (m *Model) AnswersCorrect(ex []Example, batch int, pad Shapes) (out [][]bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("vlm: score: %v", r)
		}
	}()
	if batch <= 0 {
		return nil, fmt.Errorf("vlm: score: batch size %d", batch)
	}
	if m.argmax == nil {
		m.argmax, err = model.NewExec(m.Backend, m.Store, func(scope *model.Scope, xs []*Node) *Node {
			return ArgMax(m.Config.Forward(scope, xs).Logits, -1, dtypes.Int32)
		})
		if err != nil {
			return nil, err
		}
	}
	for start := 0; start < len(ex); start += batch {
		part := ex[start:min(start+batch, len(ex))]
		in, err := m.Config.MakeInputs(part, m.Config.FusionMode(), pad)
		if err != nil {
			return nil, err
		}
		res, err := m.argmax.Call(in.Args()...)
		if err != nil {
			return nil, fmt.Errorf("vlm: score: %w", err)
		}
		if m.Loader.Err != nil {
			return nil, m.Loader.Err
		}
		pred := tensors.MustCopyFlatData[int32](res[0])
		L := in.Shapes.L
		for i, e := range part {
			var turns []bool
			inAnswer := false
			for t := 1; t < len(e.LLMIDs); t++ {
				if !e.Target[t] {
					inAnswer = false
					continue
				}
				if !inAnswer {
					turns = append(turns, true)
					inAnswer = true
				}
				if pred[i*L+t-1] != e.LLMIDs[t] {
					turns[len(turns)-1] = false
				}
			}
			out = append(out, turns)
		}
	}
	return out, nil
}
