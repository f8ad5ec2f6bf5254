package fusion_test

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/fusion"
)

// The fusion input of one sample with two questions (the paper's Figure 6)
// at the base configuration N = 256, M = 8, in the three configurations.
func ExampleLayout_Build() {
	l := fusion.Layout{N: 256, M: fusion.MForN(256), PlaceholderBase: 49408, EOS: 49407, Pad: 49407}
	s := fusion.Sample{VisionTokens: 1450, Questions: [][]int32{{320, 1125, 533}, {786, 12}}}
	for _, m := range fusion.Modes {
		seq, _ := l.Build(s, m)
		fmt.Printf("%-23s %s\n", m, seq.Describe(nil))
	}
	fmt.Println("fused tokens:", fusion.FusedTokens(l.N, l.M, len(s.Questions)))
	// Output:
	// Vision Question Queries [IMG ×1450] [QUE ×3] [QED ×255] [EOS] [QUE ×2] [QED ×7] [EOS]
	// Vision Queries          [IMG ×1450] [QED ×255] [EOS] [QED ×7] [EOS]
	// Vision Queries (ft)     [IMG ×1450] [QED ×255] [EOS] [QED ×7] [EOS]
	// fused tokens: 264
}
