package figures

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

// The lab's Figures 11 and 12 compare local with global questions, so their
// two panels share one ΔP scale, wide enough for every bar.
func TestLabDiffPanelsShareScale(t *testing.T) {
	res := testLabResult(t)
	for _, tc := range []struct {
		id     string
		lo, hi float64 // the bars' range: both panels must cover it
	}{
		{"lab-fig11", 0, 0.30}, // local 0.20…0.30, global 0.02
		{"lab-fig12", -0.03, 0.40},
	} {
		f, err := Build(tc.id, Lab(res, "test"))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Panels) != 2 {
			t.Fatalf("%s: %d panels", tc.id, len(f.Panels))
		}
		a, b := f.Panels[0].Y, f.Panels[1].Y
		if a.Min != b.Min || a.Max != b.Max {
			t.Errorf("%s: local panel y [%g, %g], global [%g, %g]: want one scale", tc.id, a.Min, a.Max, b.Min, b.Max)
		}
		if a.Min > tc.lo+1e-9 || a.Max < tc.hi-1e-9 {
			t.Errorf("%s: y [%g, %g] does not hold the bars' range [%g, %g]", tc.id, a.Min, a.Max, tc.lo, tc.hi)
		}
		if _, err := f.Render("png"); err != nil {
			t.Errorf("%s: render: %v", tc.id, err)
		}
	}
}

// testLabResult is a three-N, one-seed sweep whose ΔP is known: local
// 0.20…0.30 and global 0.02 against VQ-ft, local 0.40 and global −0.03
// against VQ.
func testLabResult(t *testing.T) *labresult.Result {
	t.Helper()
	mk := func(cfg string, n, loc, glo int) labresult.Run {
		return labresult.Run{Config: cfg, N: n, Seed: 1, Accuracy: []labresult.KindAccuracy{
			{Kind: labtask.Local, Correct: loc, Total: 100, Accuracy: float64(loc) / 100},
			{Kind: labtask.Global, Correct: glo, Total: 100, Accuracy: float64(glo) / 100}},
			Losses: []float64{2, 1.5, 1.2, 1}}
	}
	c := labresult.Configs()
	var runs []labresult.Run
	for i, n := range []int{1, 2, 4} {
		runs = append(runs, mk(c[0], n, 80, 90), mk(c[1], n, 40, 93), mk(c[2], n, 60-5*i, 88))
	}
	res, err := labresult.Summarise(runs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
