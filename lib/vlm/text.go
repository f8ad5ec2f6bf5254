package vlm

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/clip"
)

// ExtendTextPositions grows the CLIP text tower's learned position table
// (/clip/text_model/embeddings/position_embedding/weight, read from the CLIP
// folder or the checkpoint when not in the store yet) to n rows for stage 1,
// whose answers are longer than CLIP's 77 tokens: the old rows are kept and
// each new entry is drawn from N(mean, std) of the old table, deterministic
// in seed, as the authors' update_text_model_position_embedding does
// (App. C: 512; the authors' released stage-1 checkpoint: 1024).
// Config.Text.MaxPositionEmbeddings becomes n, so a saved checkpoint holds
// the grown table and the count. n ≤ the current count changes nothing.
// Call it before building any training graph.
func (m *Model) ExtendTextPositions(n int, seed uint64) error {
	if m.Config.Text == nil {
		return fmt.Errorf("vlm: the model config has no CLIP text tower (text)")
	}
	if n <= m.Config.Text.MaxPositionEmbeddings {
		return nil
	}
	if err := clip.ExtendTextPositionsIn(m.Store, "/"+ScopeCLIP, n, seed); err != nil {
		return fmt.Errorf("vlm: extend text positions: %w", err)
	}
	if m.Loader.Err != nil {
		return fmt.Errorf("vlm: extend text positions: %w", m.Loader.Err)
	}
	t := *m.Config.Text
	t.MaxPositionEmbeddings = n
	m.Config.Text = &t
	return nil
}
