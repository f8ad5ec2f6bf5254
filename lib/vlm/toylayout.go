package vlm

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

// TokenLayout is the token layout of one toy sample with two questions:
// the kind of every position of the fusion input ("IMG", "QUE", "QED",
// "EOS") and of the LLM input ("FUSED", "ANS", "TXT"), with a title naming
// the configuration and sizes. It is the data of the paper's Figure 6
// (figures.Layout draws it).
type TokenLayout struct {
	Title       string
	Fusion, LLM []string
}

// ToyTokenLayout lays out a toy sample (ToyConfig(n): N = n queries for the
// first question, M by the paper's rule) with the given number of vision
// tokens, in configuration mode.
func ToyTokenLayout(n, vision int, mode fusion.Mode) (TokenLayout, error) {
	if n < 1 || n > 64 {
		return TokenLayout{}, fmt.Errorf("vlm: token layout: N = %d, want an integer in [1, 64] (drawn token by token)", n)
	}
	if vision < 0 || vision > 200 {
		return TokenLayout{}, fmt.Errorf("vlm: token layout: %d vision tokens, want an integer in [0, 200]", vision)
	}
	c := ToyConfig(n)
	tok := NewWordTokenizer(c.Words)
	qs, as := []string{"where is the square?", "what colour is it?"}, []string{"top left", "red"}
	seq, err := toySequence(c, tok, mode, vision, qs)
	if err != nil {
		return TokenLayout{}, fmt.Errorf("vlm: token layout: %w", err)
	}
	l := TokenLayout{Title: fmt.Sprintf("%s, N = %d, M = %d, two questions", mode, c.N, c.M), Fusion: make([]string, seq.Len())}
	for i, t := range seq.Types {
		l.Fusion[i] = t.String()
	}
	_, slot, target := ToyChat(tok, c.N, c.M, qs, as)
	l.LLM = llmLabels(slot, target)
	return l, nil
}
