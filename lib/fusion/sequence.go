package fusion

import (
	"fmt"
	"strings"
)

// TokenType labels every position of the fusion input (§4.3, Figure 6).
type TokenType uint8

// Token types of the fusion input.
const (
	TypePad TokenType = iota // right padding (attention mask 0)
	TypeIMG                  // a vision token (145 per view at paper size)
	TypeQUE                  // a token of the user's question
	TypeQED                  // a learnable placeholder query <|placeholder_qed_i|>
	TypeEOS                  // the eos closing a query group (also a learnable query)
)

var typeNames = [...]string{"PAD", "IMG", "QUE", "QED", "EOS"}

// String returns the short name used in layouts ("IMG", "QED", …).
func (t TokenType) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("TokenType(%d)", int(t))
}

// IsFused reports whether the fusion output at this position becomes a fused
// token for the LLM (the paper's learnable queries: placeholders and eos).
func (t TokenType) IsFused() bool { return t == TypeQED || t == TypeEOS }

// Mode is one of the paper's three input configurations (Section 5, App. C).
type Mode int

const (
	// VisionQuestionQueries fuses the question: [vision ‖ q ‖ queries ‖ eos].
	VisionQuestionQueries Mode = iota
	// VisionQueries drops the question from the fusion input of a model
	// trained with it (same weights, no re-training).
	VisionQueries
	// VisionQueriesFT is the question-dropped input of a checkpoint that was
	// fine-tuned in that form; the sequence is the same as VisionQueries.
	VisionQueriesFT
)

// Modes lists the three configurations in the paper's order.
var Modes = []Mode{VisionQuestionQueries, VisionQueries, VisionQueriesFT}

// String returns the paper's name of the configuration.
func (m Mode) String() string {
	switch m {
	case VisionQuestionQueries:
		return "Vision Question Queries"
	case VisionQueries:
		return "Vision Queries"
	case VisionQueriesFT:
		return "Vision Queries (ft)"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// FusesQuestion reports whether the question's tokens enter the fusion input.
func (m Mode) FusesQuestion() bool { return m == VisionQuestionQueries }

// ParseMode accepts the paper's names and the short forms vqq, vq, vq-ft.
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "vqq", "vision question queries":
		return VisionQuestionQueries, nil
	case "vq", "vision queries":
		return VisionQueries, nil
	case "vq-ft", "vqft", "vq_ft", "vision queries (ft)":
		return VisionQueriesFT, nil
	}
	return 0, fmt.Errorf("fusion: unknown configuration %q (want vqq, vq or vq-ft)", s)
}

// MForN is the paper's rule for the number of queries of every question after
// the first (App. C): M = 8 when N ≥ 8, otherwise M = N.
func MForN(n int) int {
	if n >= 8 {
		return 8
	}
	return n
}

// FusedTokens is the number of fused tokens a sample with k questions gives:
// N + (k−1)·M (Section 4.3).
func FusedTokens(n, m, k int) int {
	if k <= 0 {
		return 0
	}
	return n + (k-1)*m
}

// Layout fixes the token ids and query counts of the fusion input.
type Layout struct {
	N, M int // queries (placeholders + eos) for the first and every later question
	// PlaceholderBase is the id of <|placeholder_qed_0|>; placeholder i has
	// id PlaceholderBase+i. At paper size it is the CLIP vocabulary size 49408.
	PlaceholderBase int32
	EOS             int32 // CLIP <|endoftext|> (49407) closes every group
	Pad             int32 // id written at vision and padding positions (pad = eos in the paper)
}

// Validate checks the counts.
func (l Layout) Validate() error {
	if l.N < 1 || l.M < 1 {
		return fmt.Errorf("fusion: layout needs N ≥ 1 and M ≥ 1, got N=%d M=%d", l.N, l.M)
	}
	if l.M > l.N {
		return fmt.Errorf("fusion: layout needs M ≤ N (later groups reuse the first group's placeholders), got N=%d M=%d", l.N, l.M)
	}
	return nil
}

// Sample is the fusion-side content of one record.
type Sample struct {
	VisionTokens int       // number of vision tokens of the sample's image (views·145 at paper size)
	Questions    [][]int32 // token ids of each question (CLIP tokens, no <|startoftext|>)
}

// Sequence is one sample's fusion input before padding.
type Sequence struct {
	IDs   []int32     // token ids (Pad at vision positions)
	Types []TokenType // one per position
	// Groups[k] is the position of the eos closing question k's query group.
	Groups []int
}

// Len is the number of positions.
func (s Sequence) Len() int { return len(s.IDs) }

// NumFused is the number of QED+EOS positions (= FusedTokens(N, M, k)).
func (s Sequence) NumFused() int {
	n := 0
	for _, t := range s.Types {
		if t.IsFused() {
			n++
		}
	}
	return n
}

// Build lays out one sample: vision tokens, then for each question k its
// tokens (only when mode fuses the question), N−1 (k = 1) or M−1 (k > 1)
// placeholders and the eos.
func (l Layout) Build(s Sample, mode Mode) (Sequence, error) {
	if err := l.Validate(); err != nil {
		return Sequence{}, err
	}
	if s.VisionTokens < 0 {
		return Sequence{}, fmt.Errorf("fusion: negative vision token count %d", s.VisionTokens)
	}
	var seq Sequence
	for range s.VisionTokens {
		seq.IDs = append(seq.IDs, l.Pad)
		seq.Types = append(seq.Types, TypeIMG)
	}
	for k, q := range s.Questions {
		if mode.FusesQuestion() {
			for _, id := range q {
				seq.IDs = append(seq.IDs, id)
				seq.Types = append(seq.Types, TypeQUE)
			}
		}
		n := l.N
		if k > 0 {
			n = l.M
		}
		for i := range n - 1 {
			seq.IDs = append(seq.IDs, l.PlaceholderBase+int32(i))
			seq.Types = append(seq.Types, TypeQED)
		}
		seq.Groups = append(seq.Groups, len(seq.IDs))
		seq.IDs = append(seq.IDs, l.EOS)
		seq.Types = append(seq.Types, TypeEOS)
	}
	return seq, nil
}

// Batch is a right-padded batch of fusion inputs, flattened row-major.
type Batch struct {
	B, T   int         // batch size and padded length
	IDs    []int32     // [B*T]
	Types  []TokenType // [B*T]
	Valid  []bool      // [B*T]: position holds a token (padding mask)
	Vision []int       // vision tokens of each sample (they come first)
	// Fused lists the flat indices b*T+t of QED and EOS positions in
	// row-major (batch, position) order — the order in which the fused
	// tokens are scattered into the LLM's QED slots (docs/model.md#projection-and-llm-input).
	Fused []int
	// EOSRows lists, for every question of the batch in order, its row in
	// Fused (the fusion state used by the stage-1 contrastive loss).
	EOSRows []int
	// Questions is the number of questions of each sample.
	Questions []int
}

// BuildBatch lays out samples and right-pads them to the longest one, or to
// padTo when it is larger (fixed shapes avoid re-compiling graphs).
func (l Layout) BuildBatch(samples []Sample, mode Mode, padTo int) (*Batch, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("fusion: empty batch")
	}
	seqs := make([]Sequence, len(samples))
	T := padTo
	longest := 0
	for i, s := range samples {
		seq, err := l.Build(s, mode)
		if err != nil {
			return nil, fmt.Errorf("fusion: sample %d: %w", i, err)
		}
		seqs[i] = seq
		longest = max(longest, seq.Len())
	}
	if padTo > 0 && longest > padTo {
		return nil, fmt.Errorf("fusion: a sample has %d positions, more than the padded length %d", longest, padTo)
	}
	T = max(T, longest)
	b := &Batch{B: len(samples), T: T,
		IDs: make([]int32, len(samples)*T), Types: make([]TokenType, len(samples)*T), Valid: make([]bool, len(samples)*T)}
	for i, seq := range seqs {
		b.Vision = append(b.Vision, samples[i].VisionTokens)
		b.Questions = append(b.Questions, len(samples[i].Questions))
		for t := range T {
			j := i*T + t
			if t < seq.Len() {
				b.IDs[j], b.Types[j], b.Valid[j] = seq.IDs[t], seq.Types[t], true
				if seq.Types[t].IsFused() {
					if seq.Types[t] == TypeEOS {
						b.EOSRows = append(b.EOSRows, len(b.Fused))
					}
					b.Fused = append(b.Fused, j)
				}
			} else {
				b.IDs[j], b.Types[j] = l.Pad, TypePad
			}
		}
	}
	return b, nil
}

// AttentionMask returns the [B][T][T] boolean mask of the fusion decoder,
// flattened: query position i of sample b may attend key j when j ≤ i
// (causal) and j is a valid position (right padding) — the mask lib/llama's
// decoder builds from the padding flags. Padded query rows still see the
// valid keys before them; their outputs are never used.
func (b *Batch) AttentionMask() []bool {
	m := make([]bool, b.B*b.T*b.T)
	for s := range b.B {
		for i := range b.T {
			row := m[(s*b.T+i)*b.T:]
			for j := 0; j <= i; j++ {
				row[j] = b.Valid[s*b.T+j]
			}
		}
	}
	return m
}
