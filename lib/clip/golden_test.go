package clip

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenscale/tokenscale/internal/testfiles"
)

// goldenDir is the tiny CLIP checkpoint with its PyTorch reference outputs.
var goldenDir = filepath.Join(testfiles.Dir(), "golden", "clip-tiny")

type goldenCase struct {
	PixelValues       [][][][]float32 `json:"pixel_values"`
	VisionLast        [][][]float32   `json:"vision_last_hidden_state"`
	VisionPenultimate [][][]float32   `json:"vision_penultimate_hidden_state"`
	ImageEmbeds       [][]float32     `json:"image_embeds"`
	Text              []struct {
		InputIDs   []int       `json:"input_ids"`
		LastHidden [][]float32 `json:"text_last_hidden_state"`
		TextEmbeds []float32   `json:"text_embeds"`
	} `json:"text"`
}

// loadGolden loads testdata/golden/clip-tiny and its reference outputs.
func loadGolden(t *testing.T) (*Model, *goldenCase) {
	t.Helper()
	m, err := Load(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(goldenDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var gc goldenCase
	if err := json.Unmarshal(data, &gc); err != nil {
		t.Fatal(err)
	}
	return m, &gc
}

func flatten(v any) (data []float32, shape []int) {
	switch x := v.(type) {
	case []float32:
		return x, []int{len(x)}
	case [][]float32:
		for _, r := range x {
			data = append(data, r...)
		}
		return data, []int{len(x), len(x[0])}
	case [][][]float32:
		for _, r := range x {
			d, s := flatten(r)
			data, shape = append(data, d...), s
		}
		return data, append([]int{len(x)}, shape...)
	case [][][][]float32:
		for _, r := range x {
			d, s := flatten(r)
			data, shape = append(data, d...), s
		}
		return data, append([]int{len(x)}, shape...)
	}
	panic("flatten: unsupported type")
}

func assertClose(t *testing.T, name string, got Array, want any, tol float64) {
	t.Helper()
	wd, ws := flatten(want)
	if len(got.Shape) != len(ws) {
		t.Errorf("%s: shape %v, want %v", name, got.Shape, ws)
		return
	}
	for i := range ws {
		if got.Shape[i] != ws[i] {
			t.Errorf("%s: shape %v, want %v", name, got.Shape, ws)
			return
		}
	}
	worst, at := 0.0, 0
	for i := range wd {
		if d := math.Abs(float64(got.Data[i] - wd[i])); d > worst || math.IsNaN(d) {
			worst, at = d, i
		}
	}
	if worst > tol || math.IsNaN(worst) {
		t.Errorf("%s: max |diff| %.3g at %d (got %g, want %g), tolerance %g", name, worst, at, got.Data[at], wd[at], tol)
	}
	t.Logf("%s: max |diff| %.3g", name, worst)
}

func TestGoldenVision(t *testing.T) {
	m, gc := loadGolden(t)
	data, shape := flatten(gc.PixelValues)
	px, err := NewArray(data, shape...)
	if err != nil {
		t.Fatal(err)
	}
	r, err := m.Vision(px)
	if err != nil {
		t.Fatal(err)
	}
	assertClose(t, "vision_last_hidden_state", r.LastHiddenState, gc.VisionLast, 1e-4)
	assertClose(t, "vision_penultimate_hidden_state", r.PenultimateHiddenState, gc.VisionPenultimate, 1e-4)
	assertClose(t, "image_embeds", r.ImageEmbeds, gc.ImageEmbeds, 1e-4)

	// Any layer by index, with Python-style negative indices.
	for _, tc := range []struct {
		layer int
		want  [][][]float32
	}{{-1, gc.VisionLast}, {-2, gc.VisionPenultimate}, {3, gc.VisionLast}, {2, gc.VisionPenultimate}} {
		got, err := m.VisionLayer(px, tc.layer)
		if err != nil {
			t.Fatal(err)
		}
		assertClose(t, "VisionLayer", got, tc.want, 1e-4)
	}
}

func TestGoldenText(t *testing.T) {
	m, gc := loadGolden(t)
	var ids [][]int
	for _, c := range gc.Text {
		ids = append(ids, c.InputIDs)
	}
	// Batched (rows of different lengths) and one row at a time.
	batched, err := m.Text(ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range gc.Text {
		single, err := m.Text([][]int{c.InputIDs})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*TextResult{batched, single} {
			row := i
			if r == single {
				row = 0
			}
			assertClose(t, "text_last_hidden_state", r.LastHiddenState[row], c.LastHidden, 1e-4)
			assertClose(t, "text_embeds", r.TextEmbeds.Row(row), c.TextEmbeds, 1e-4)
		}
	}
}
