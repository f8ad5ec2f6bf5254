package vlm

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

func TestToyTokenLayout(t *testing.T) {
	for _, tc := range []struct {
		n, vision int
		mode      fusion.Mode
		fused     int // FUSED slots of the LLM input: N + M
		ok        bool
	}{
		{8, 5, fusion.VisionQuestionQueries, 8 + toyM(8), true},
		{1, 0, fusion.VisionQueries, 1 + toyM(1), true},
		{16, 0, fusion.VisionQueriesFT, 16 + toyM(16), true},
		{0, 5, fusion.VisionQuestionQueries, 0, false},
		{65, 5, fusion.VisionQuestionQueries, 0, false},
		{8, -1, fusion.VisionQuestionQueries, 0, false},
	} {
		l, err := ToyTokenLayout(tc.n, tc.vision, tc.mode)
		if (err == nil) != tc.ok {
			t.Errorf("ToyTokenLayout(%d, %d, %s): err %v, want ok %v", tc.n, tc.vision, tc.mode, err, tc.ok)
			continue
		}
		if !tc.ok {
			continue
		}
		count := func(labels []string, want string) int {
			k := 0
			for _, s := range labels {
				if s == want {
					k++
				}
			}
			return k
		}
		if got := count(l.Fusion, "IMG"); got != tc.vision {
			t.Errorf("N=%d: %d IMG tokens, want %d", tc.n, got, tc.vision)
		}
		if got := count(l.LLM, "FUSED"); got != tc.fused {
			t.Errorf("N=%d: %d FUSED slots, want %d", tc.n, got, tc.fused)
		}
		if got := count(l.Fusion, "QUE") > 0; got != tc.mode.FusesQuestion() {
			t.Errorf("%s: question tokens in the fusion input: %v", tc.mode, got)
		}
	}
}

// toyM is M of the toy configuration for N queries.
func toyM(n int) int { return ToyConfig(n).M }
