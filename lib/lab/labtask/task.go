package labtask

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"math/rand/v2"
	"sort"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/tokenscale/tokenscale/lib/tokenizer/wordtok"
)

// Kind says whether a question points at one region of the image (Local) or
// needs the whole image (Global).
type Kind int

const (
	// Local questions point at one cell of the grid.
	Local Kind = iota
	// Global questions need every cell.
	Global
)

// String returns "local" or "global", the spelling of the lab's CSV output.
func (k Kind) String() string {
	if k == Local {
		return "local"
	}
	return "global"
}

// Shapes, colours and words the task draws from. Answers are always one of
// these words, a count word, or "none"/"yes"/"no".
var (
	ShapeNames  = []string{"circle", "square", "triangle"}
	ColourNames = []string{"red", "green", "blue", "yellow"}
	WordList    = []string{"cat", "dog", "sun", "map", "box", "key"}
	CountWords  = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	colourRGBA  = map[string]color.RGBA{
		"red":    {220, 40, 40, 255},
		"green":  {40, 170, 60, 255},
		"blue":   {40, 80, 220, 255},
		"yellow": {230, 200, 30, 255},
	}
)

// ColourRGBA is the colour a scene draws for a name of ColourNames
// (transparent black for any other name); benchgen's bar charts use the
// same colours.
func ColourRGBA(name string) color.RGBA { return colourRGBA[name] }

// TaskConfig holds the difficulty knobs of the task.
type TaskConfig struct {
	// Grid is the number of rows and columns of cells (default 3).
	Grid int
	// Objects is the number of shapes per image (default 4; at most Grid²).
	Objects int
	// MinObjects, when set, makes the number of shapes vary: each image
	// draws it uniformly from [MinObjects, Objects], so counting questions
	// have more than one answer. 0 means always Objects.
	MinObjects int
	// ImageSize is the side of the square image in pixels (default 48).
	ImageSize int
	// Words, when true, writes a short word in some empty cells and adds
	// "which word is in row r?" questions (local).
	Words bool
	// LocalFraction is the share of local questions, used as given (0 makes
	// every question global); DefaultTask sets 0.5.
	LocalFraction float64
	// QuestionsPerImage is the number of questions per image (default 1).
	QuestionsPerImage int
	// Shapes is the number of distinct shapes drawn, the first of
	// ShapeNames (0: all three). With 1 every object is a circle, so shape
	// questions ask only whether a cell is occupied and the task is mostly
	// about colours, which a toy model learns much faster.
	Shapes int
	// SceneQuestions, when true, limits global questions to ones about the
	// whole scene that name no colour or shape ("how many shapes are
	// there?", "how many colours are there?"), so what the image tokens must
	// carry for them does not depend on the question.
	SceneQuestions bool
	// Colours is the number of distinct colours drawn, the first of
	// ColourNames (0: all four).
	Colours int
	// Terse, when true, asks every question in one word: a local question
	// is the name of a cell ("top-left": what colour is there, or "none"),
	// the global one is "shapes" (how many shapes are there).
	Terse bool
}

// WithDefaults fills zero sizes from DefaultTask (not LocalFraction, which
// is used as given).
func (c TaskConfig) WithDefaults() TaskConfig {
	if c.Grid == 0 {
		c.Grid = 3
	}
	if c.Objects == 0 {
		c.Objects = 4
	}
	if c.ImageSize == 0 {
		c.ImageSize = 48
	}
	if c.QuestionsPerImage == 0 {
		c.QuestionsPerImage = 1
	}
	if c.Shapes == 0 {
		c.Shapes = len(ShapeNames)
	}
	return c
}

// DefaultTask is the lab's standard task: a 3×3 grid, 4 shapes, 48-pixel
// images, half the questions local, one question per image.
func DefaultTask() TaskConfig {
	return TaskConfig{Grid: 3, Objects: 4, ImageSize: 48, LocalFraction: 0.5, QuestionsPerImage: 1}
}

// LabTask is the task the scaling lab trains on: a 2×2 grid with one to
// three circles of two colours, drawn at 16 pixels (8 per cell), asked
// tersely: three questions in four are local, a cell's name ("top-left":
// which colour is there, or "none"), the rest global, "shapes" (how many
// are there). It is small because a toy model on two CPU cores must learn
// it in a few hundred steps: on the 3×3 task with three shapes and long
// questions the lab's model had not left the answer prior after 1000
// steps. Local questions are the slow ones to learn (the model must look a
// cell up by its name), hence their larger share: with half the questions
// local, the question-fused model did not learn them on two of three seeds.
func LabTask() TaskConfig {
	return TaskConfig{Grid: 2, Objects: 3, MinObjects: 1, ImageSize: 16, LocalFraction: 0.75, QuestionsPerImage: 1, Shapes: 1, Colours: 2, SceneQuestions: true, Terse: true}
}

// Validate reports a configuration that cannot produce a task.
func (c TaskConfig) Validate() error {
	c = c.WithDefaults()
	switch {
	case c.Grid < 1 || c.Grid > 6:
		return fmt.Errorf("lab: grid %d out of range [1, 6]", c.Grid)
	case c.Objects < 1 || c.Objects > c.Grid*c.Grid:
		return fmt.Errorf("lab: %d objects do not fit a %d×%d grid", c.Objects, c.Grid, c.Grid)
	case c.MinObjects < 0 || c.MinObjects > c.Objects:
		return fmt.Errorf("lab: at least %d objects but at most %d", c.MinObjects, c.Objects)
	case c.ImageSize < 4*c.Grid:
		return fmt.Errorf("lab: image size %d too small for a %d×%d grid (need ≥ %d)", c.ImageSize, c.Grid, c.Grid, 4*c.Grid)
	case c.LocalFraction < 0 || c.LocalFraction > 1:
		return fmt.Errorf("lab: local fraction %g outside [0, 1]", c.LocalFraction)
	case c.Colours < 0 || c.Colours > len(ColourNames):
		return fmt.Errorf("lab: %d colours, want 1 to %d", c.Colours, len(ColourNames))
	case c.Shapes < 0 || c.Shapes > len(ShapeNames):
		return fmt.Errorf("lab: %d shapes, want 1 to %d", c.Shapes, len(ShapeNames))
	case c.QuestionsPerImage < 1:
		return fmt.Errorf("lab: %d questions per image", c.QuestionsPerImage)
	}
	return nil
}

// Object is one shape in one cell.
type Object struct {
	Row, Col int
	Shape    string
	Colour   string
}

// Scene is what an image shows: shapes and words by cell.
type Scene struct {
	Grid    int
	Objects []Object
	// Words maps a cell index (row*Grid+col) to the word written there.
	Words map[int]string
}

// QA is one question with its exact answer.
type QA struct {
	Question string
	Answer   string
	Kind     Kind
}

// Sample is one image with its scene and questions.
type Sample struct {
	Image     *image.RGBA
	Scene     Scene
	Questions []QA
}

// Generate returns n samples, deterministic in (cfg, seed).
func Generate(cfg TaskConfig, n int, seed uint64) ([]Sample, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	rng := rand.New(rand.NewPCG(seed, 0x5ca1ab1e))
	out := make([]Sample, n)
	for i := range out {
		sc := randomScene(cfg, rng)
		img, err := Render(sc, cfg.ImageSize)
		if err != nil {
			return nil, err
		}
		qs := make([]QA, cfg.QuestionsPerImage)
		for q := range qs {
			qs[q] = askQuestion(cfg, sc, rng)
		}
		out[i] = Sample{Image: img, Scene: sc, Questions: qs}
	}
	return out, nil
}

func randomScene(cfg TaskConfig, rng *rand.Rand) Scene {
	cells := rng.Perm(cfg.Grid * cfg.Grid)
	sc := Scene{Grid: cfg.Grid, Words: map[int]string{}}
	n := cfg.Objects
	if cfg.MinObjects > 0 {
		n = cfg.MinObjects + rng.IntN(cfg.Objects-cfg.MinObjects+1)
	}
	for _, c := range cells[:n] {
		sc.Objects = append(sc.Objects, Object{
			Row: c / cfg.Grid, Col: c % cfg.Grid,
			Shape:  ShapeNames[rng.IntN(cfg.Shapes)],
			Colour: ColourNames[rng.IntN(cfg.colours())],
		})
	}
	sort.Slice(sc.Objects, func(a, b int) bool {
		return sc.Objects[a].Row*cfg.Grid+sc.Objects[a].Col < sc.Objects[b].Row*cfg.Grid+sc.Objects[b].Col
	})
	if cfg.Words {
		for _, c := range cells[n:] {
			if rng.IntN(2) == 0 {
				sc.Words[c] = WordList[rng.IntN(len(WordList))]
			}
		}
	}
	return sc
}

func (c TaskConfig) colours() int {
	if c.Colours > 0 {
		return c.Colours
	}
	return len(ColourNames)
}

// objectAt returns the object in a cell, if any.
func (s Scene) objectAt(r, c int) (Object, bool) {
	for _, o := range s.Objects {
		if o.Row == r && o.Col == c {
			return o, true
		}
	}
	return Object{}, false
}

// CellName names a cell the way questions do, as one word token on the
// grids of 2 and 3: "top-left", "bottom-right" (2×2); "top-left", "centre",
// "middle-right" (3×3). Other grids use "row 2, column 4".
func CellName(grid, r, c int) string {
	switch grid {
	case 2:
		return []string{"top", "bottom"}[r] + "-" + []string{"left", "right"}[c]
	case 3:
		rows := []string{"top", "middle", "bottom"}
		cols := []string{"left", "centre", "right"}
		if r == 1 && c == 1 {
			return "centre"
		}
		return rows[r] + "-" + cols[c]
	}
	return fmt.Sprintf("row %d, column %d", r+1, c+1)
}

func askQuestion(cfg TaskConfig, sc Scene, rng *rand.Rand) QA {
	local := rng.Float64() < cfg.LocalFraction
	if cfg.Terse {
		if !local {
			return QA{Question: "shapes", Answer: CountWords[len(sc.Objects)], Kind: Global}
		}
		r, c := rng.IntN(cfg.Grid), rng.IntN(cfg.Grid)
		ans := "none"
		if o, ok := sc.objectAt(r, c); ok {
			ans = o.Colour
		}
		return QA{Question: CellName(cfg.Grid, r, c), Answer: ans, Kind: Local}
	}
	if local {
		r, c := rng.IntN(cfg.Grid), rng.IntN(cfg.Grid)
		// Point at an occupied cell most of the time, so "none" does not dominate.
		if rng.IntN(4) != 0 {
			o := sc.Objects[rng.IntN(len(sc.Objects))]
			r, c = o.Row, o.Col
		}
		where := CellName(cfg.Grid, r, c)
		o, ok := sc.objectAt(r, c)
		choice := rng.IntN(2)
		if cfg.Words && rng.IntN(3) == 0 {
			w, has := sc.Words[r*cfg.Grid+c]
			if !has {
				w = "none"
			}
			return QA{Question: fmt.Sprintf("which word is at %s?", where), Answer: w, Kind: Local}
		}
		ans := "none"
		if choice == 0 {
			if ok {
				ans = o.Colour
			}
			return QA{Question: fmt.Sprintf("what colour is at %s?", where), Answer: ans, Kind: Local}
		}
		if ok {
			ans = o.Shape
		}
		return QA{Question: fmt.Sprintf("what shape is at %s?", where), Answer: ans, Kind: Local}
	}
	if cfg.SceneQuestions {
		if rng.IntN(2) == 0 {
			return QA{Question: "how many shapes are there?", Answer: CountWords[len(sc.Objects)], Kind: Global}
		}
		seen := map[string]bool{}
		for _, o := range sc.Objects {
			seen[o.Colour] = true
		}
		return QA{Question: "how many colours are there?", Answer: CountWords[len(seen)], Kind: Global}
	}
	switch rng.IntN(3) {
	case 0:
		shape := ShapeNames[rng.IntN(cfg.Shapes)]
		n := 0
		for _, o := range sc.Objects {
			if o.Shape == shape {
				n++
			}
		}
		return QA{Question: fmt.Sprintf("how many %ss are there?", shape), Answer: CountWords[n], Kind: Global}
	case 1:
		col := ColourNames[rng.IntN(len(ColourNames))]
		n := 0
		for _, o := range sc.Objects {
			if o.Colour == col {
				n++
			}
		}
		return QA{Question: fmt.Sprintf("how many are %s?", col), Answer: CountWords[n], Kind: Global}
	default:
		col := ColourNames[rng.IntN(len(ColourNames))]
		shape := ShapeNames[rng.IntN(cfg.Shapes)]
		ans := "no"
		for _, o := range sc.Objects {
			if o.Colour == col && o.Shape == shape {
				ans = "yes"
			}
		}
		return QA{Question: fmt.Sprintf("is there a %s %s?", col, shape), Answer: ans, Kind: Global}
	}
}

// Vocabulary returns every word that can appear in a question or an answer,
// sorted, for building a toy word-level tokenizer.
func Vocabulary() []string {
	set := map[string]bool{}
	add := func(s string) {
		for _, w := range Words(s) {
			set[w] = true
		}
	}
	for _, w := range append(append(append(append([]string{}, ShapeNames...), ColourNames...), WordList...), CountWords...) {
		add(w)
		add(w + "s")
	}
	for _, s := range []string{
		"what colour is at ?", "what shape is at ?", "which word is at ?",
		"how many are there ?", "how many shapes are there ?", "how many colours are there ?", "is there a ?", "none yes no",
		"row column ,",
	} {
		add(s)
	}
	for _, g := range []int{2, 3} {
		for r := range g {
			for c := range g {
				add(CellName(g, r, c))
			}
		}
	}
	for i := 1; i <= 6; i++ {
		add(fmt.Sprint(i))
	}
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	sort.Strings(out)
	return out
}

// Words splits a question or answer into the lab's word tokens: lower case,
// with punctuation ("?", ",") split off; a hyphenated cell name such as
// "top-left" stays one token (wordtok.Split).
func Words(s string) []string { return wordtok.Split(s) }

var (
	faceOnce sync.Once
	fontData *opentype.Font
	fontErr  error
)

// Render draws a scene on a white square of side size.
func Render(sc Scene, size int) (*image.RGBA, error) {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	cell := float64(size) / float64(sc.Grid)
	// Light grid lines help a reader; they carry no answer.
	gridCol := color.RGBA{225, 225, 225, 255}
	for i := 1; i < sc.Grid; i++ {
		p := int(math.Round(float64(i) * cell))
		for t := 0; t < size; t++ {
			img.SetRGBA(p, t, gridCol)
			img.SetRGBA(t, p, gridCol)
		}
	}
	for _, o := range sc.Objects {
		x0, y0 := float64(o.Col)*cell, float64(o.Row)*cell
		drawShape(img, o.Shape, colourRGBA[o.Colour], x0, y0, cell)
	}
	if len(sc.Words) > 0 {
		faceOnce.Do(func() { fontData, fontErr = opentype.Parse(gomonobold.TTF) })
		if fontErr != nil {
			return nil, fmt.Errorf("lab: parse Go mono bold font: %w", fontErr)
		}
		face, err := opentype.NewFace(fontData, &opentype.FaceOptions{Size: cell * 0.42, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return nil, fmt.Errorf("lab: font face: %w", err)
		}
		defer face.Close()
		for c, w := range sc.Words {
			r, col := c/sc.Grid, c%sc.Grid
			d := font.Drawer{Dst: img, Src: image.Black, Face: face}
			adv := d.MeasureString(w)
			x := float64(col)*cell + (cell-float64(adv)/64)/2
			y := float64(r)*cell + cell*0.62
			d.Dot = fixed.Point26_6{X: fixed.Int26_6(x * 64), Y: fixed.Int26_6(y * 64)}
			d.DrawString(w)
		}
	}
	return img, nil
}

// drawShape fills a shape inside the cell at (x0, y0) of side cell, with a
// margin, testing each pixel centre.
func drawShape(img *image.RGBA, shape string, col color.RGBA, x0, y0, cell float64) {
	m := cell * 0.18
	l, t, s := x0+m, y0+m, cell-2*m
	cx, cy := l+s/2, t+s/2
	for py := int(t); py <= int(t+s)+1; py++ {
		for px := int(l); px <= int(l+s)+1; px++ {
			x, y := float64(px)+0.5, float64(py)+0.5
			var in bool
			switch shape {
			case "circle":
				in = math.Hypot(x-cx, y-cy) <= s/2
			case "square":
				in = x >= l && x <= l+s && y >= t && y <= t+s
			case "triangle":
				// Apex at top centre, base at the bottom.
				if y >= t && y <= t+s {
					half := (y - t) / s * s / 2
					in = math.Abs(x-cx) <= half
				}
			}
			if in && image.Pt(px, py).In(img.Bounds()) {
				img.SetRGBA(px, py, col)
			}
		}
	}
}
