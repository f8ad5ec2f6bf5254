package plots

import "testing"

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
		opts []Option
		ok   bool
	}{
		{"vision-views", []Option{Param("size", 500, 1500)}, true},
		{"vision-views", []Option{Param("size", 640, 480), Param("hd", 16)}, true},
		{"vision-views", []Option{Param("size", 0, 10)}, false},
		{"vision-views", []Option{Param("size", 100000, 1)}, false},
		{"vision-tokens", []Option{Param("hd", 0)}, false},
		{"vision-tokens", []Option{Param("ratio", 4, 2)}, false},
		{"vision-merge", []Option{Param("size", 1920, 1080)}, true},
		{"vision-budget", []Option{Param("N", 1.5)}, false},
		{"vision-budget", []Option{Param("N", 256), Param("M", 8), Param("kmax", 4)}, true},
	} {
		_, err := Build(tc.id, tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("%s %v: err = %v, want ok=%v", tc.id, tc.opts, err, tc.ok)
		}
	}
}
