package analysis

import (
	"fmt"
	"math"
	"testing"

	"github.com/tokenscale/tokenscale/lib/paperdata"
	"github.com/tokenscale/tokenscale/lib/scaling"
)

// The closed form and BFGS agree on every curve of the paper.
func TestOLSAndBFGSAgreeOnPaperData(t *testing.T) {
	for _, cfg := range paperdata.Configs() {
		for _, m := range paperdata.Metrics() {
			ns, ps, err := paperdata.Curve(cfg, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			a, err1 := scaling.FitOLS(ns, ps)
			b, err2 := scaling.FitBFGS(ns, ps)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s %s: %v %v", cfg, m.ID, err1, err2)
			}
			if math.Abs(a.Alpha-b.Alpha) > 1e-7 || math.Abs(a.Beta-b.Beta) > 1e-7 || math.Abs(a.LogC-b.LogC) > 1e-6*math.Abs(a.LogC) {
				t.Errorf("%s %s: OLS (β %g, α %g) vs BFGS (β %g, α %g)", cfg, m.ID, a.Beta, a.Alpha, b.Beta, b.Alpha)
			}
		}
	}
}

// Ranges of ΔP read off the authors' own renderings of Figures 11 and 12
// (the images in their public repository).
func TestDifferences(t *testing.T) {
	for _, tc := range []struct {
		b        paperdata.Config
		metric   string
		min, max float64
	}{
		{paperdata.VQFT, "Overall@MME", -21.9, 276.1},
		{paperdata.VQFT, "Final Score@OCRBench", -54, 28},
		{paperdata.VQ, "Overall@MME", 104.5, 368.6},
	} {
		m, _ := paperdata.LookupMetric(tc.metric)
		d, err := Differences(paperdata.VQQ, tc.b, []paperdata.Metric{m})
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(d[0].Min-tc.min) > 0.05 || math.Abs(d[0].Max-tc.max) > 0.05 {
			t.Errorf("VQQ − %s %s: [%g, %g], want [%g, %g]", tc.b.Short(), tc.metric, d[0].Min, d[0].Max, tc.min, tc.max)
		}
	}
	all, err := Differences(paperdata.VQQ, paperdata.VQ, paperdata.Metrics())
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 26 {
		t.Fatalf("%d series", len(all))
	}
	for _, d := range all {
		if d.Metric.ID == "Overall@ChartQA TEST" && math.Abs(d.Max-45.0) > 0.05 {
			t.Errorf("ChartQA VQQ − VQ max %g, want 45.0", d.Max)
		}
		for i := range d.N {
			if d.Delta[i] != d.PA[i]-d.PB[i] {
				t.Errorf("%s N=%d: Δ %g ≠ %g − %g", d.Metric.ID, d.N[i], d.Delta[i], d.PA[i], d.PB[i])
			}
		}
	}
}

func TestDiffPanels(t *testing.T) {
	d, err := Differences(paperdata.VQQ, paperdata.VQFT, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(d) != 18 {
		t.Fatalf("%d series, want 18", len(d))
	}
	p := DiffPanels(d)
	if len(p) != 4 {
		t.Fatalf("%d panels", len(p))
	}
	n := 0
	for _, q := range p {
		n += len(q.Series)
	}
	if n != 18 {
		t.Errorf("%d series in panels, want 18", n)
	}
	// Figure 11 (authors' rendering): MME [−21.9, 276.1], OCRBench [−54, 28],
	// the all-positive panel up to 18.4, then the panel of mixed signs.
	for i, want := range [][2]float64{{-21.9, 276.1}, {-54, 28}} {
		if math.Abs(p[i].Min-want[0]) > 0.05 || math.Abs(p[i].Max-want[1]) > 0.05 {
			t.Errorf("panel %q: [%g, %g], want %v", p[i].Title, p[i].Min, p[i].Max, want)
		}
	}
	if p[0].Title != "MME" || p[1].Title != "OCRBench" {
		t.Errorf("large-scale panels titled %q, %q; want MME, OCRBench", p[0].Title, p[1].Title)
	}
	if p[2].Min < 0 || math.Abs(p[2].Max-18.4) > 0.05 {
		t.Errorf("panel %q: [%g, %g], want [≥0, 18.4]", p[2].Title, p[2].Min, p[2].Max)
	}
	if p[3].Min >= 0 {
		t.Errorf("panel %q: min %g, want a negative ΔP", p[3].Title, p[3].Min)
	}
}

func TestMinMax(t *testing.T) {
	for _, tc := range []struct{ in, want []float64 }{
		{[]float64{2, 4, 3}, []float64{0, 1, 0.5}},
		{[]float64{5, 5}, []float64{0, 0}},
		{[]float64{-1, 1, 0}, []float64{0, 1, 0.5}},
		{nil, []float64{}},
	} {
		got := MinMax(tc.in)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("MinMax(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// bruteForce returns the least inertia over every partition of points into
// at most k non-empty clusters.
func bruteForce(points [][]float64, k int) float64 {
	best := math.Inf(1)
	labels := make([]int, len(points))
	var rec func(i, used int)
	rec = func(i, used int) {
		if i == len(points) {
			c := means(points, labels, k)
			var s float64
			for j, p := range points {
				s += sqDist(p, c[labels[j]])
			}
			best = min(best, s)
			return
		}
		for l := 0; l < min(used+1, k); l++ {
			labels[i] = l
			rec(i+1, max(used, l+1))
		}
	}
	rec(0, 0)
	return best
}

func TestKMeansFindsOptimum(t *testing.T) {
	points := [][]float64{{0, 0}, {0.1, 0.2}, {0.9, 1}, {1, 0.8}, {0.5, 0.4}, {0.2, 0.9}, {0.15, 1}, {0.8, 0.1}, {0.55, 0.6}}
	for _, k := range []int{2, 3, 4} {
		want := bruteForce(points, k)
		for seed := uint64(0); seed < 5; seed++ {
			r, err := KMeans(points, KMeansOptions{K: k, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(r.Inertia-want) > 1e-9 {
				t.Errorf("k=%d seed=%d: inertia %g, optimum %g", k, seed, r.Inertia, want)
			}
			if r.Labels[0] != 0 {
				t.Errorf("labels not canonical: %v", r.Labels)
			}
		}
	}
	if _, err := KMeans(points, KMeansOptions{K: 20}); err == nil {
		t.Error("k > points: no error")
	}
	if _, err := KMeans([][]float64{{1}, {1, 2}}, KMeansOptions{K: 1}); err == nil {
		t.Error("ragged points: no error")
	}
	if _, err := KMeans([][]float64{{1}, {math.NaN()}}, KMeansOptions{K: 1}); err == nil {
		t.Error("NaN point: no error")
	}
}

func TestClusterCurves(t *testing.T) {
	for _, cfg := range []paperdata.Config{paperdata.VQQ, paperdata.VQFT} {
		a, err := ClusterCurves(cfg, nil, KMeansOptions{Seed: 42})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := ClusterCurves(cfg, nil, KMeansOptions{Seed: 42})
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Error("same seed, different clusters")
		}
		if len(a) != 4 {
			t.Fatalf("%d clusters", len(a))
		}
		seen := map[string]bool{}
		for _, c := range a {
			if len(c.Members) == 0 {
				t.Errorf("empty cluster %d", c.Index)
			}
			for _, m := range c.Members {
				seen[m.Metric.ID] = true
				// Lloyd's fixed point: no member is closer to another centroid.
				own := sqDist(m.Norm, c.Centroid)
				for _, o := range a {
					if d := sqDist(m.Norm, o.Centroid); d < own-1e-12 {
						t.Errorf("%s in cluster %d is closer to %d", m.Metric.ID, c.Index, o.Index)
					}
				}
				lo, hi := minMax(m.Norm)
				if lo != 0 || hi != 1 {
					t.Errorf("%s: normalised range [%g, %g]", m.Metric.ID, lo, hi)
				}
			}
		}
		if len(seen) != 18 {
			t.Errorf("%d metrics clustered, want 18", len(seen))
		}
	}
}

// With the default restarts the partition does not depend on the seed.
func TestClusterCurvesSeedFree(t *testing.T) {
	for _, cfg := range []paperdata.Config{paperdata.VQQ, paperdata.VQFT} {
		var first string
		for seed := uint64(0); seed < 20; seed++ {
			cs, err := ClusterCurves(cfg, nil, KMeansOptions{Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprint(cs)
			if seed == 0 {
				first = got
			} else if got != first {
				t.Errorf("%s: seed %d gives another partition", cfg.Short(), seed)
			}
		}
	}
}

func TestCompareBaselines(t *testing.T) {
	cmp, err := CompareBaselines(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(cmp) != 18 {
		t.Fatalf("%d comparisons", len(cmp))
	}
	for _, c := range cmp {
		if c.Metric.ID != "Overall@POPE" {
			continue
		}
		// POPE Overall: LLaVA-v1.5-7B 86.1, mPLUG-Owl2 84.6, InstructBLIP-7B
		// 86.1, OpenFlamingo v2 52.6; VQQ 58.113 at N = 1, 86.977 at 768.
		beaten := c.Beaten(paperdata.VQQ)
		if beaten[0] != 1 || beaten[9] != 4 {
			t.Errorf("POPE beaten = %v", beaten)
		}
		if n, v := c.Best(paperdata.VQQ); n != 768 || v != 86.977 {
			t.Errorf("POPE best = %g at %g", v, n)
		}
	}
	if _, err := CompareBaselines(nil, nil, []string{"GPT-9"}); err == nil {
		t.Error("unknown model: no error")
	}
}

func ExampleDifferences() {
	m, _ := paperdata.LookupMetric("Final Score@OCRBench")
	d, _ := Differences(paperdata.VQQ, paperdata.VQFT, []paperdata.Metric{m})
	fmt.Println(d[0].N)
	fmt.Println(d[0].Delta)
	// Output:
	// [1 8 16 32 64 128 256 384 512 768]
	// [7 -5 -4 6 -8 -18 -54 -51 -11 28]
}

func ExampleFitCurve() {
	m, _ := paperdata.LookupMetric("Overall@MME")
	c, _ := FitCurve(paperdata.VQQ, m, nil)
	f := c.Fit
	fmt.Printf("%s: c = %.4e, alpha = %.4f\n", m.ID, f.C, f.Alpha) // Table 1: 1.9911e-59, -0.0516
	// Output:
	// Overall@MME: c = 1.9911e-59, alpha = -0.0516
}
