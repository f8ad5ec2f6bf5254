package labtask

import (
	"image/color"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// answerFromScene recomputes an answer independently of askQuestion, by
// parsing the question text.
func answerFromScene(t *testing.T, sc Scene, q string) string {
	t.Helper()
	cell := func() (int, int) {
		for r := 0; r < sc.Grid; r++ {
			for c := 0; c < sc.Grid; c++ {
				if q == CellName(sc.Grid, r, c) || strings.HasSuffix(q, " at "+CellName(sc.Grid, r, c)+"?") {
					return r, c
				}
			}
		}
		t.Fatalf("no cell named in %q", q)
		return 0, 0
	}
	switch {
	case q == "shapes": // terse: how many shapes are there
		return CountWords[len(sc.Objects)]
	case !strings.Contains(q, " "): // terse: a cell's name asks its colour
		r, c := cell()
		for _, o := range sc.Objects {
			if o.Row == r && o.Col == c {
				return o.Colour
			}
		}
		return "none"
	case strings.HasPrefix(q, "what colour"), strings.HasPrefix(q, "what shape"):
		r, c := cell()
		for _, o := range sc.Objects {
			if o.Row == r && o.Col == c {
				if strings.HasPrefix(q, "what colour") {
					return o.Colour
				}
				return o.Shape
			}
		}
		return "none"
	case strings.HasPrefix(q, "which word"):
		r, c := cell()
		if w, ok := sc.Words[r*sc.Grid+c]; ok {
			return w
		}
		return "none"
	case q == "how many shapes are there?":
		return CountWords[len(sc.Objects)]
	case q == "how many colours are there?":
		seen := map[string]bool{}
		for _, o := range sc.Objects {
			seen[o.Colour] = true
		}
		return CountWords[len(seen)]
	case strings.HasPrefix(q, "how many"):
		n := 0
		for _, o := range sc.Objects {
			if strings.Contains(q, " "+o.Shape+"s ") || strings.HasSuffix(q, " are "+o.Colour+"?") {
				n++
			}
		}
		return CountWords[n]
	case strings.HasPrefix(q, "is there"):
		for _, o := range sc.Objects {
			if strings.Contains(q, " "+o.Colour+" "+o.Shape+"?") {
				return "yes"
			}
		}
		return "no"
	}
	t.Fatalf("unknown question %q", q)
	return ""
}

func TestGenerate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  TaskConfig
	}{
		{"default", DefaultTask()},
		{"words 4x4", TaskConfig{Grid: 4, Objects: 6, ImageSize: 64, Words: true, LocalFraction: 0.7, QuestionsPerImage: 3}},
		{"all global", TaskConfig{Grid: 3, Objects: 5, ImageSize: 36, LocalFraction: 0, QuestionsPerImage: 2}},
		{"lab", LabTask()},
		{"scene questions, 1 to 6 objects", TaskConfig{Grid: 3, Objects: 6, MinObjects: 1, ImageSize: 36, LocalFraction: 0.3, SceneQuestions: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Generate(tc.cfg, 60, 7)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := Generate(tc.cfg, 60, 7)
			c, _ := Generate(tc.cfg, 60, 8)
			if !reflect.DeepEqual(a, b) {
				t.Fatal("same seed, different samples")
			}
			if reflect.DeepEqual(a, c) {
				t.Fatal("different seeds, same samples")
			}
			vocab := Vocabulary()
			kinds := map[Kind]int{}
			counts := map[int]int{}
			for _, s := range a {
				cfg := tc.cfg.WithDefaults()
				lo := cfg.Objects
				if cfg.MinObjects > 0 {
					lo = cfg.MinObjects
				}
				counts[len(s.Scene.Objects)]++
				for _, o := range s.Scene.Objects {
					if cfg.Colours > 0 && !slices.Contains(ColourNames[:cfg.Colours], o.Colour) {
						t.Fatalf("colour %q on a task of %d colours", o.Colour, cfg.Colours)
					}
				}
				if len(s.Scene.Objects) < lo || len(s.Scene.Objects) > cfg.Objects || len(s.Questions) != cfg.QuestionsPerImage {
					t.Fatalf("scene %+v", s.Scene)
				}
				if s.Image.Bounds().Dx() != cfg.ImageSize {
					t.Fatalf("image %v", s.Image.Bounds())
				}
				for _, qa := range s.Questions {
					kinds[qa.Kind]++
					if tc.cfg.SceneQuestions && !tc.cfg.Terse && qa.Kind == Global && qa.Question != "how many shapes are there?" && qa.Question != "how many colours are there?" {
						t.Errorf("scene-questions task asked %q", qa.Question)
					}
					if want := answerFromScene(t, s.Scene, qa.Question); qa.Answer != want {
						t.Errorf("%q: answer %q, scene says %q", qa.Question, qa.Answer, want)
					}
					for _, w := range append(Words(qa.Question), Words(qa.Answer)...) {
						if _, ok := slices.BinarySearch(vocab, w); !ok {
							t.Errorf("word %q of %q not in Vocabulary()", w, qa.Question)
						}
					}
				}
			}
			if tc.cfg.MinObjects > 0 && tc.cfg.MinObjects < tc.cfg.Objects && len(counts) < 2 {
				t.Errorf("object counts %v: want them to vary", counts)
			}
			if tc.cfg.LocalFraction == 0 && kinds[Local] != 0 {
				t.Errorf("all-global task asked %d local questions", kinds[Local])
			}
			if tc.cfg.LocalFraction > 0 && (kinds[Local] == 0 || kinds[Global] == 0) {
				t.Errorf("question kinds %v", kinds)
			}
		})
	}
}

func TestRenderPutsColoursInCells(t *testing.T) {
	sc := Scene{Grid: 3, Objects: []Object{
		{Row: 0, Col: 0, Shape: "square", Colour: "red"},
		{Row: 1, Col: 2, Shape: "circle", Colour: "blue"},
		{Row: 2, Col: 1, Shape: "triangle", Colour: "yellow"},
	}}
	img, err := Render(sc, 48)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y int
		want color.RGBA
	}{
		{8, 8, colourRGBA["red"]},
		{40, 24, colourRGBA["blue"]},
		{24, 42, colourRGBA["yellow"]},           // near the triangle's base
		{24, 24, color.RGBA{255, 255, 255, 255}}, // empty centre cell
		{20, 34, color.RGBA{255, 255, 255, 255}}, // beside the triangle's apex
	} {
		if got := img.RGBAAt(tc.x, tc.y); got != tc.want {
			t.Errorf("pixel (%d,%d) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  TaskConfig
		want string
	}{
		{TaskConfig{Grid: 9}, "grid 9"},
		{TaskConfig{Grid: 2, Objects: 5}, "do not fit"},
		{TaskConfig{Grid: 3, ImageSize: 8}, "too small"},
		{TaskConfig{LocalFraction: 1.5}, "outside [0, 1]"},
		{TaskConfig{Grid: 3, Objects: 2, MinObjects: 3}, "at least 3 objects but at most 2"},
	} {
		if _, err := Generate(tc.cfg, 1, 1); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"what colour is at top-left?", []string{"what", "colour", "is", "at", "top-left", "?"}},
		{"How many shapes are there?", []string{"how", "many", "shapes", "are", "there", "?"}},
		{"which word is at row 2, column 4?", []string{"which", "word", "is", "at", "row", "2", ",", "column", "4", "?"}},
	} {
		if got := Words(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Words(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every cell name of the 2×2 and 3×3 grids is one token of the vocabulary.
	tok := NewTokenizer()
	for _, g := range []int{2, 3} {
		for r := range g {
			for c := range g {
				if ids := tok.Encode(CellName(g, r, c)); len(ids) != 1 || ids[0] == TokUnk {
					t.Errorf("cell %q of grid %d encodes to %v", CellName(g, r, c), g, ids)
				}
			}
		}
	}
}
