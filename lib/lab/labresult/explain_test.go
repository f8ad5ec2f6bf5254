package labresult

import (
	"strings"
	"testing"
)

// points builds a result from VQQ and VQ-ft local accuracies at N = 1, 2,
// 4, 8 (global accuracy 0.8 for both, VQ 0.4 local and 0.7 global).
func points(vqq, ft [4]float64) *Result {
	var pts []Point
	for i, n := range []int{1, 2, 4, 8} {
		for _, c := range []struct {
			cfg      string
			loc, glo float64
		}{{VQQ, vqq[i], 0.8}, {VQ, 0.4, 0.7}, {VQFT, ft[i], 0.8}} {
			pts = append(pts, Point{Config: c.cfg, N: n, Kind: "local", Accuracy: c.loc},
				Point{Config: c.cfg, N: n, Kind: "global", Accuracy: c.glo},
				Point{Config: c.cfg, N: n, Kind: "all", Accuracy: (c.loc + c.glo) / 2})
		}
	}
	return FromPoints(pts)
}

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vqq, ft [4]float64
		want    []string
		notWant []string
	}{
		{"all hold", [4]float64{0.6, 0.64, 0.68, 0.72}, [4]float64{0.5, 0.55, 0.6, 0.65},
			[]string{"**Finding 1.**", "from 0.700 at N = 1 to 0.760 at N = 8", "+0.085 on local questions", "it holds"}, []string{"does **not** hold"}},
		{"no gain", [4]float64{0.6, 0.64, 0.68, 0.72}, [4]float64{0.62, 0.66, 0.70, 0.74},
			[]string{"-0.020 on local questions", "does **not** hold"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := points(tc.vqq, tc.ft).Explain()
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("Explain lacks %q:\n%s", w, s)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(s, w) {
					t.Errorf("Explain has %q:\n%s", w, s)
				}
			}
		})
	}
}
