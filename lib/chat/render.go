package chat

import (
	"fmt"
	"strings"
)

// Layout renders the sequence one segment per line, for notebooks and logs:
// the position range, the type, the number of tokens and the text. For two
// questions with N = 256, M = 8 (VisionOptions(256, 8)) and the real Llama-2
// tokenizer:
//
//	[  0,   1) BOS    1 tok  <s>
//	[  1,  47) SYS   46 tok  [INST] <<SYS>>⏎A chat between a curious user and …
//	[ 47, 303) QED  256 tok  (slots for fused vision-question tokens)
//	[303, 309) QUE    6 tok  What is in the picture?
//	[309, 313) INST   4 tok  [/INST]
//	[313, 318) ANS    5 tok  A cat. </s>
//	[318, 322) INST   4 tok  <s>[INST]
//	[322, 330) QED    8 tok  (slots for fused vision-question tokens)
//	[330, 335) QUE    5 tok  What colour is it?
//	[335, 339) INST   4 tok  [/INST]
//	total 339 tokens: INST 12, SYS 46, QUE 11, ANS 5, BOS 1, QED 264
//
// Newlines are shown as ⏎ and texts longer than width runes are cut (width
// ≤ 0: no limit).
func (s *Sequence) Layout(width int) string {
	var b strings.Builder
	w := len(fmt.Sprint(s.Len()))
	for _, g := range s.Segments {
		text := g.Text
		if g.Type == QED {
			text = "(slots for fused vision-question tokens)"
		}
		text = strings.ReplaceAll(text, "\n", "⏎")
		if r := []rune(text); width > 0 && len(r) > width {
			text = string(r[:width-1]) + "…"
		}
		fmt.Fprintf(&b, "[%*d, %*d) %-4s %*d tok  %s\n", w, g.Start, w, g.End, g.Type, w, g.End-g.Start, text)
	}
	fmt.Fprintf(&b, "total %d tokens: %s\n", s.Len(), s.summary())
	return b.String()
}

// summary counts the tokens of each type.
func (s *Sequence) summary() string {
	var parts []string
	for i, name := range typeNames {
		n := 0
		for _, t := range s.Types {
			if t&(1<<i) != 0 {
				n++
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	return strings.Join(parts, ", ")
}

// Tokens renders the sequence one token per line: position, type, id and
// piece spelling.
func (s *Sequence) Tokens(tok Tokenizer) string {
	var b strings.Builder
	w := len(fmt.Sprint(s.Len()))
	for i, id := range s.IDs {
		piece := tok.IDToPiece(id)
		if s.Types[i] == QED {
			piece = "⟨QED slot⟩"
		}
		fmt.Fprintf(&b, "%*d %-4s %6d %q\n", w, i, s.Types[i], id, piece)
	}
	return b.String()
}
