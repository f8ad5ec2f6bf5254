package fusion

import (
	"fmt"
	"strings"
)

// Run is a stretch of consecutive positions with the same label.
type Run struct {
	Label      string
	Start, End int // positions [Start, End)
}

// Runs groups consecutive equal labels. Every EOS stays its own run, so the
// query groups of consecutive questions remain visible.
func Runs(labels []string) []Run {
	var out []Run
	for i, l := range labels {
		if n := len(out); n > 0 && out[n-1].Label == l && l != TypeEOS.String() {
			out[n-1].End = i + 1
			continue
		}
		out = append(out, Run{Label: l, Start: i, End: i + 1})
	}
	return out
}

// FormatRuns writes one bracket per run: "[QED ×255]", or "[QUE 7: what is
// in the image?]" when text returns a decoding of the run's tokens.
func FormatRuns(runs []Run, text func(start, end int) string) string {
	var sb strings.Builder
	for i, r := range runs {
		if i > 0 {
			sb.WriteByte(' ')
		}
		n := r.End - r.Start
		s := ""
		if text != nil {
			s = text(r.Start, r.End)
		}
		switch {
		case s != "":
			fmt.Fprintf(&sb, "[%s %d: %s]", r.Label, n, s)
		case n == 1:
			fmt.Fprintf(&sb, "[%s]", r.Label)
		default:
			fmt.Fprintf(&sb, "[%s ×%d]", r.Label, n)
		}
	}
	return sb.String()
}

// Describe prints the fusion input of one sample as in the paper's Figure 6:
// vision tokens, each question (decoded with decode when given), its
// placeholder queries and eos. decode may be nil.
func (s Sequence) Describe(decode func(ids []int32) string) string {
	labels := make([]string, len(s.Types))
	for i, t := range s.Types {
		labels[i] = t.String()
	}
	var text func(a, b int) string
	if decode != nil {
		text = func(a, b int) string {
			if s.Types[a] == TypeQUE {
				return decode(s.IDs[a:b])
			}
			return ""
		}
	}
	return FormatRuns(Runs(labels), text)
}
