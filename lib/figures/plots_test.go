package figures

import (
	"bytes"
	"image/png"
	"math"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/train/trainlog"
)

func TestShapeH(t *testing.T) {
	for _, tc := range []struct {
		n, g, want float64
	}{
		{1, 0.3, 1},                       // no cross terms at n = 1
		{100, 0, 10},                      // g = 0: sqrt(n)
		{100, 1, 100},                     // g = 1: n
		{10, 0.1, math.Sqrt(10 + 90*0.1)}, // the definition
		{1e6, 0.01, math.Sqrt(1e6 + 1e6*(1e6-1)*0.01)},
	} {
		if got := ShapeH(tc.n, tc.g); math.Abs(got-tc.want) > 1e-9*tc.want {
			t.Errorf("ShapeH(%g, %g) = %g, want %g", tc.n, tc.g, got, tc.want)
		}
	}
	// Both regimes: h/sqrt(n) -> 1 for n << 1/g, h/(n sqrt g) -> 1 for n >> 1/g.
	g := 1e-4
	if r := ShapeH(10, g) / math.Sqrt(10); math.Abs(r-1) > 1e-3 {
		t.Errorf("short-branch regime: h/sqrt(n) = %g", r)
	}
	if r := ShapeH(1e8, g) / (1e8 * math.Sqrt(g)); math.Abs(r-1) > 1e-3 {
		t.Errorf("long-branch regime: h/(n sqrt g) = %g", r)
	}
}

// testData hands every kind of data a figure may need: a small lab sweep,
// two Section-3 estimates, a training run and a token layout.
func testData(t *testing.T) []plots.Option {
	return []plots.Option{Lab(testLabResult(t), "test"), Branch(constCurve(t, "A", 20), constCurve(t, "B", 30)),
		Training(TrainingRun{Label: "a", Log: []trainlog.StepLog{{Step: 1, Loss: 3, GradNorm: 2, LR: 1e-3}, {Step: 2, Loss: 2, GradNorm: 1, LR: 1e-3}}}),
		Layout("test", []string{"IMG", "QUE", "QED", "EOS"}, []string{"TXT", "FUSED", "ANS"})}
}

// TestEveryFigureRenders builds every registered figure with default options
// (and test data where it draws data) and renders it to PNG and SVG.
func TestEveryFigureRenders(t *testing.T) {
	if len(IDs()) == 0 {
		t.Fatal("no figures registered")
	}
	data := testData(t)
	for _, id := range IDs() {
		t.Run(id, func(t *testing.T) {
			f, err := Build(id, data...)
			if err != nil {
				t.Fatalf("Build(%s): %v", id, err)
			}
			if f.ID != id {
				t.Errorf("default options: ID %q, want %q", f.ID, id)
			}
			b, err := f.Render("png")
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if img.Bounds().Dx() < 300 || img.Bounds().Dy() < 200 {
				t.Errorf("%s renders at %v, too small to read", id, img.Bounds())
			}
			s, err := f.Render("svg")
			if err != nil || !bytes.Contains(s, []byte("<svg")) {
				t.Errorf("%s: SVG render: %v", id, err)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	if _, ok := Lookup("fig2"); !ok {
		t.Fatal("fig2 not registered")
	}
	if _, err := Build("nope"); err == nil || !strings.Contains(err.Error(), "fig2") {
		t.Errorf("Build(nope) error %v should list the known ids", err)
	}
	for _, bad := range []Spec{{ID: "fig2", Build: buildFig2}, {ID: "", Build: buildFig2}, {ID: "a b", Build: buildFig2}, {ID: "x"}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", bad.ID)
				}
			}()
			Register(bad)
		}()
	}
	ids := IDs()
	for i := 1; i < len(ids); i++ {
		if naturalLess(ids[i], ids[i-1]) {
			t.Errorf("IDs not in natural order: %v", ids)
		}
	}
}

func TestNaturalLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"fig2", "fig11", true}, {"fig11", "fig2", false}, {"fig3a", "fig3b", true},
		{"fig3", "fig3a", true}, {"fig9", "lab-sweep", true}, {"fig2", "fig2", false},
	} {
		if got := naturalLess(tc.a, tc.b); got != tc.want {
			t.Errorf("naturalLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}
