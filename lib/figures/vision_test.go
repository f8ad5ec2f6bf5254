package figures

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/plots"
)

func TestFusedTokens(t *testing.T) {
	// Spec §3.4/§3.6: N = 256, M = 8, two questions → 255 + 1 and 7 + 1 query tokens.
	for _, tc := range []struct{ n, m, k, want int }{{256, 8, 2, 264}, {256, 8, 1, 256}, {1, 1, 5, 5}, {768, 8, 10, 840}} {
		if got := fusedTokens(tc.n, tc.m, tc.k); got != tc.want {
			t.Errorf("fusedTokens(%d, %d, %d) = %d, want %d", tc.n, tc.m, tc.k, got, tc.want)
		}
	}
}

func TestVisionFigureOptions(t *testing.T) {
	for _, tc := range []struct {
		id   string
		opts []plots.Option
		ok   bool
	}{
		{"vision-views", []plots.Option{plots.Param("size", 500, 1500)}, true},
		{"vision-views", []plots.Option{plots.Param("size", 640, 480), plots.Param("hd", 16)}, true},
		{"vision-views", []plots.Option{plots.Param("size", 0, 10)}, false},
		{"vision-views", []plots.Option{plots.Param("size", 100000, 1)}, false},
		{"vision-tokens", []plots.Option{plots.Param("hd", 0)}, false},
		{"vision-tokens", []plots.Option{plots.Param("ratio", 4, 2)}, false},
		{"vision-merge", []plots.Option{plots.Param("size", 1920, 1080)}, true},
		{"vision-budget", []plots.Option{plots.Param("N", 1.5)}, false},
		{"vision-budget", []plots.Option{plots.Param("N", 256), plots.Param("M", 8), plots.Param("kmax", 4)}, true},
	} {
		_, err := Build(tc.id, tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("%s %v: err = %v, want ok=%v", tc.id, tc.opts, err, tc.ok)
		}
	}
}
