package paperdata

import (
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

func TestCounts(t *testing.T) {
	if got := len(Results()); got != 780 {
		t.Errorf("Results: %d, want 780", got)
	}
	if got := len(Metrics()); got != 26 {
		t.Errorf("Metrics: %d, want 26", got)
	}
	if got := len(Table1Metrics()); got != 18 {
		t.Errorf("Table1Metrics: %d, want 18", got)
	}
	n := 0
	for _, m := range Metrics() {
		if m.InTable1 {
			n++
		}
	}
	if n != 18 {
		t.Errorf("%d metrics marked InTable1, want 18", n)
	}
	if got := len(Table1()); got != 36 {
		t.Errorf("Table1: %d entries, want 36", got)
	}
	if got := len(BaselineModels()); got != 12 {
		t.Errorf("BaselineModels: %d, want 12", got)
	}
	if got := len(Baselines()); got != 12*26 {
		t.Errorf("Baselines: %d, want %d", got, 12*26)
	}
}

// Identities the printed numbers must satisfy, checked cell by cell: they
// catch a value put in the wrong column or mistyped.
func TestArithmeticIdentities(t *testing.T) {
	for _, cfg := range Configs() {
		for _, n := range Ns() {
			v := func(id string) float64 {
				x, ok := Value(cfg, n, id)
				if !ok {
					t.Fatalf("missing %s N=%d %s", cfg, n, id)
				}
				return x
			}
			// MME Overall = Perception + Cognition (three-decimal rounding).
			if d := v("Overall@MME") - v("Perception@MME") - v("Cognition@MME"); math.Abs(d) > 0.0015 {
				t.Errorf("%s N=%d: MME Overall − Perception − Cognition = %g", cfg, n, d)
			}
			// HallusionBench Overall = mean(aAcc, fAcc, qAcc).
			mean := (v("aAcc@HallusionBench") + v("fAcc@HallusionBench") + v("qAcc@HallusionBench")) / 3
			if d := v("Overall@HallusionBench") - mean; math.Abs(d) > 0.0015 {
				t.Errorf("%s N=%d: HallusionBench Overall − mean = %g", cfg, n, d)
			}
			// Scores are percentages, OCRBench a count out of 1000, MME out of 2800.
			for _, m := range Metrics() {
				x := v(m.ID)
				hi := 100.0
				switch m.Benchmark {
				case "OCRBench":
					hi = 1000
				case "MME":
					hi = 2800
				}
				if x < 0 || x > hi {
					t.Errorf("%s N=%d %s = %g outside [0, %g]", cfg, n, m.ID, x, hi)
				}
			}
		}
	}
	for _, model := range BaselineModels() {
		o, ok1 := BaselineValue(model, "Overall@MME")
		p, ok2 := BaselineValue(model, "Perception@MME")
		c, ok3 := BaselineValue(model, "Cognition@MME")
		if ok1 && ok2 && ok3 && math.Abs(o-p-c) > 0.15 {
			t.Errorf("%s: MME Overall %g ≠ %g + %g", model, o, p, c)
		}
		a, ok1 := BaselineValue(model, "aAcc@HallusionBench")
		f, ok2 := BaselineValue(model, "fAcc@HallusionBench")
		q, ok3 := BaselineValue(model, "qAcc@HallusionBench")
		h, ok4 := BaselineValue(model, "Overall@HallusionBench")
		if ok1 && ok2 && ok3 && ok4 && math.Abs(h-(a+f+q)/3) > 0.1 {
			t.Errorf("%s: HallusionBench Overall %g ≠ mean(%g, %g, %g)", model, h, a, f, q)
		}
	}
}

func TestCurveAndLookup(t *testing.T) {
	ns, ps, err := Curve(VQQ, "Overall@MME")
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 10 || ns[0] != 1 || ns[9] != 768 || ps[9] != 1461.206 || ps[0] != 992.141 {
		t.Errorf("Curve(VQQ, Overall@MME) = %v, %v", ns, ps)
	}
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Overall@MME", "Overall@MME", true},
		{"bleu-1@coco_val", "BLEU-1@COCO VAL", true},
		{"Final Score@OCRBench", "Final Score@OCRBench", true},
		{"Overall", "", false},
	} {
		m, ok := LookupMetric(tc.in)
		if ok != tc.ok || m.ID != tc.want {
			t.Errorf("LookupMetric(%q) = %q, %v; want %q, %v", tc.in, m.ID, ok, tc.want, tc.ok)
		}
	}
	if _, _, err := Curve(VQQ, "nope"); err == nil {
		t.Error("Curve with an unknown metric: no error")
	}
	for _, s := range []string{"vqq", "Vision Queries (ft)", "vq-ft", "VQ"} {
		if _, err := ParseConfig(s); err != nil {
			t.Errorf("ParseConfig(%q): %v", s, err)
		}
	}
	if _, err := ParseConfig("other"); err == nil {
		t.Error("ParseConfig(other): no error")
	}
}

func TestBaselinesAndAmbiguity(t *testing.T) {
	// Tables A and B are complete for every baseline; table C only has
	// OCRBench certain.
	unknown := 0
	for _, b := range Baselines() {
		if !b.Known {
			unknown++
			if b.Metric.Table != "C" || b.Metric.Benchmark == "OCRBench" {
				t.Errorf("%s %s unknown, but its table is unambiguous", b.Model, b.Metric.ID)
			}
		}
	}
	amb := Ambiguous()
	total := 0
	for _, a := range amb {
		total += len(a.Unknown)
		if len(a.Candidates) != len(a.Printed) {
			t.Errorf("%s: %d candidate sets for %d printed values", a.Model, len(a.Candidates), len(a.Printed))
		}
	}
	if total != unknown {
		t.Errorf("Ambiguous lists %d unknown cells, Baselines has %d", total, unknown)
	}
	if v, ok := BaselineValue("LLaVA-v1.5-7B", "Overall@POPE"); !ok || v != 86.1 {
		t.Errorf("LLaVA-v1.5-7B POPE = %v, %v", v, ok)
	}
	if v, ok := BaselineValue("OpenFlamingo v2", "Final Score@OCRBench"); !ok || v != 149 {
		t.Errorf("OpenFlamingo v2 OCRBench = %v, %v", v, ok)
	}
	if _, ok := BaselineValue("LLaVA-v1.5-7B", "Overall@ChartQA TEST"); ok {
		t.Error("LLaVA-v1.5-7B ChartQA should be unknown")
	}
}

func TestTable1RealWorldQA(t *testing.T) {
	for _, e := range Table1() {
		if e.Metric.ID != "Overall@RealWorldQA" {
			if !e.Printed || e.Note != "" {
				t.Errorf("%s %s: printed=%v note=%q", e.Metric.ID, e.Config, e.Printed, e.Note)
			}
			continue
		}
		switch e.Config {
		case VQQ:
			if e.Printed || e.Note == "" {
				t.Errorf("RealWorldQA VQQ should be blank with a note: %+v", e)
			}
		case VQFT:
			if !e.Printed || e.CText != "7.5513e+49" || e.Alpha != 0.0335 {
				t.Errorf("RealWorldQA VQFT = %+v", e)
			}
		}
	}
}

func ExampleCurve() {
	ns, ps, _ := Curve(VQQ, "Final Score@OCRBench")
	for i := range ns {
		fmt.Printf("N=%g: %g\n", ns[i], ps[i])
	}
	// Output:
	// N=1: 24
	// N=8: 221
	// N=16: 268
	// N=32: 320
	// N=64: 386
	// N=128: 438
	// N=256: 448
	// N=384: 445
	// N=512: 472
	// N=768: 493
}

// data/README.md lists every ambiguous baseline row with all its printed
// numbers.
func TestReadmeListsUnknownCells(t *testing.T) {
	b, err := os.ReadFile("../../data/README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, a := range Ambiguous() {
		prefix := fmt.Sprintf("| %s | %d of 11 | ", a.Model, len(a.Printed))
		i := strings.Index(readme, prefix)
		if i < 0 {
			t.Errorf("README has no row %q", prefix)
			continue
		}
		line := readme[i : i+strings.Index(readme[i:], "\n")]
		for j, v := range a.Printed {
			c := a.Candidates[j]
			want := v + " → " + c[0].Benchmark
			if len(c) > 1 {
				want += " … " + c[len(c)-1].Benchmark
			}
			if !strings.Contains(line, want) {
				t.Errorf("README row of %s lacks %q", a.Model, want)
			}
		}
	}
	if !strings.Contains(readme, "(120 cells)") || countUnknown() != 120 {
		t.Errorf("README states 120 unknown cells; data has %d", countUnknown())
	}
}

func countUnknown() int {
	n := 0
	for _, b := range Baselines() {
		if !b.Known {
			n++
		}
	}
	return n
}
