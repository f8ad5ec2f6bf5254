// Package benchgen writes small benchmark files in VLMEvalKit's TSV layout
// for each of the paper's 15 benchmarks, with images drawn by code (the
// shape-grid scenes of package lab, and bar charts), so that the evaluation
// harness can be exercised, tested and demonstrated anywhere without
// downloading the real benchmarks. The questions imitate each benchmark's
// format (yes/no pairs for MME, set/figure/question ids for HallusionBench,
// lettered options for the multiple-choice sets, five reference captions for
// COCO, ten human answers for TextVQA, numbers for ChartQA, OCRBench's
// categories); the content is synthetic and the scores are not comparable
// with the paper's. Where a benchmark allows it the questions are phrased as
// package lab phrases its questions ("Is there a red circle?", "Which word is
// in the top-left cell?", "How many circles are there?"), so a toy model
// trained on the lab task can be evaluated on them: its one-word answers are
// matched as option text (multiple choice), yes/no words, or normalised VQA
// answers ("four" = "4").
package benchgen

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
	"github.com/tokenscale/tokenscale/lib/vlm/toysquare"
)

// ImageSize is the default side of the generated images in pixels.
const ImageSize = 96

// MaxImageSize and MaxItems bound what Write accepts: a 1024-pixel side is
// beyond any model input of the paper (336 pixels per view) and keeps one
// image's pixels at 4 MB; 100 000 items is more than any of the paper's
// benchmarks (SEEDBench_IMG has about 14 000). Checked before anything is
// drawn.
const (
	MaxImageSize = 1024
	MaxItems     = 100000
)

// Options change what Write draws.
type Options struct {
	// ImageSize is the side of the images in pixels (default ImageSize; at
	// least 24, or 16 for StyleSquare). Set it to a model's input size to
	// evaluate it without resampling.
	ImageSize int
	// Style picks the images and questions: StyleGrid (default) or
	// StyleSquare.
	Style string
}

// Styles of generated benchmarks.
const (
	// StyleGrid draws the scaling lab's shape grids (package lab) and, for
	// ChartQA, bar charts; every benchmark is supported.
	StyleGrid = "grid"
	// StyleSquare draws the toy task of package vlm (vlm.WriteToyDataset):
	// one coloured square in a quadrant of a white image, asked "what colour
	// is the square?" or "where is the square?", so that a toy model trained
	// by `tokenscale train toy` can be evaluated. Multiple-choice, caption
	// and open-VQA benchmarks only (the toy vocabulary has no yes/no).
	StyleSquare = "square"
)

// Write writes a benchmark file of b with about n items (MME and
// HallusionBench round up to whole image pairs/sets), deterministic in seed.
func Write(path string, b eval.Benchmark, n int, seed uint64) error {
	return WriteOptions(path, b, n, seed, Options{})
}

// WriteOptions is Write with options.
func WriteOptions(path string, b eval.Benchmark, n int, seed uint64, o Options) error {
	if n < 1 || n > MaxItems {
		return fmt.Errorf("benchgen: %d items, want 1 to %d", n, MaxItems)
	}
	if o.ImageSize < 0 || o.ImageSize > MaxImageSize {
		return fmt.Errorf("benchgen: image size %d, want at most %d", o.ImageSize, MaxImageSize)
	}
	size := o.ImageSize
	var rows []row
	var header []string
	var err error
	switch o.Style {
	case "", StyleGrid:
		if size == 0 {
			size = ImageSize
		}
		if size < 24 {
			return fmt.Errorf("benchgen: image size %d, want at least 24", size)
		}
		rows, header, err = build(b, n, seed, size)
	case StyleSquare:
		if size == 0 {
			size = 16
		}
		if size < 16 || size%2 != 0 {
			return fmt.Errorf("benchgen: image size %d, want an even size of at least 16", size)
		}
		rows, header, err = buildSquare(b, n, seed, size)
	default:
		return fmt.Errorf("benchgen: unknown style %q (want %q or %q)", o.Style, StyleGrid, StyleSquare)
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("benchgen: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("benchgen: %w", err)
	}
	w := csv.NewWriter(f)
	w.Comma = '\t'
	_ = w.Write(header)
	for _, r := range rows {
		rec := make([]string, len(header))
		for i, h := range header {
			rec[i] = r[h]
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("benchgen: write %s: %w", path, err)
	}
	return f.Close()
}

// WriteAll writes one file per benchmark of [eval.Benchmarks] into dir, named
// <Name>.tsv, and returns them.
func WriteAll(dir string, n int, seed uint64) ([]eval.BenchFile, error) {
	var out []eval.BenchFile
	for i, b := range eval.Benchmarks() {
		p := filepath.Join(dir, b.Name+".tsv")
		if err := Write(p, b, n, seed+uint64(i)*7919); err != nil {
			return nil, err
		}
		out = append(out, eval.BenchFile{Bench: b, Path: p})
	}
	return out, nil
}

type row map[string]string

func pngBase64(img image.Image) (string, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// scene draws one lab scene (3×3 grid, with words) and returns it with its
// base64 PNG.
func drawScene(rng *rand.Rand, size int) (labtask.Scene, string, error) {
	cfg := labtask.DefaultTask()
	cfg.Words = true
	cfg.ImageSize = size
	s, err := labtask.Generate(cfg, 1, rng.Uint64())
	if err != nil {
		return labtask.Scene{}, "", err
	}
	b64, err := pngBase64(s[0].Image)
	return s[0].Scene, b64, err
}

func has(sc labtask.Scene, colour, shape string) bool {
	for _, o := range sc.Objects {
		if o.Colour == colour && o.Shape == shape {
			return true
		}
	}
	return false
}

func yn(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// pickPair returns a (colour, shape) present in the scene when want is true,
// absent otherwise.
func pickPair(sc labtask.Scene, rng *rand.Rand, want bool) (string, string) {
	if want {
		o := sc.Objects[rng.IntN(len(sc.Objects))]
		return o.Colour, o.Shape
	}
	for {
		c := labtask.ColourNames[rng.IntN(len(labtask.ColourNames))]
		s := labtask.ShapeNames[rng.IntN(len(labtask.ShapeNames))]
		if !has(sc, c, s) {
			return c, s
		}
	}
}

// columns is the TSV header of a question benchmark: index, image,
// question, answer, category, then the benchmark's own extra columns.
func columns(extra ...string) []string {
	return append([]string{"index", "image", "question", "answer", "category"}, extra...)
}

// build draws n rows of benchmark b (the TSV header with them) from one
// random stream seeded by seed and the benchmark's name.
func build(b eval.Benchmark, n int, seed uint64, size int) ([]row, []string, error) {
	rng := rand.New(rand.NewPCG(seed, uint64(len(b.Name))))
	switch {
	case b.Name == "POPE":
		return buildPOPE(rng, n, size)
	case b.Name == "MME":
		return buildMME(rng, n, size)
	case b.Name == "HallusionBench":
		return buildHallusion(rng, n, size)
	case b.Kind == eval.MultipleChoice:
		return buildMultipleChoice(b.Name, rng, n, size)
	case b.Kind == eval.Caption:
		return buildCaptions(rng, n, size)
	case b.Name == "ChartQA_TEST":
		return buildChartQA(rng, n, size)
	default: // TextVQA, OCRVQA, OCRBench: read a word or count shapes
		return buildReading(b.Name, rng, n, size)
	}
}

// buildPOPE asks whether a (colour, shape) is in the scene: present in
// every other row, in POPE's three categories by turn.
func buildPOPE(rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	cats := []string{"random", "popular", "adversarial"}
	for i := 0; i < n; i++ {
		sc, img, err := drawScene(rng, size)
		if err != nil {
			return nil, nil, err
		}
		want := i%2 == 0
		c, s := pickPair(sc, rng, want)
		rows = append(rows, row{"index": strconv.Itoa(i), "image": img, "category": cats[i%3],
			"question": fmt.Sprintf("Is there a %s %s?", c, s), "answer": yn(want)})
	}
	return rows, columns(), nil
}

// buildMME asks MME's pairs of questions, one yes and one no, about each
// scene (the second row refers to the first's image, as VLMEvalKit does),
// in four categories by turn.
func buildMME(rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	header := columns("image_path")
	cats := []string{"existence", "count", "color", "position"}
	for i := 0; len(rows) < n; i++ {
		sc, img, err := drawScene(rng, size)
		if err != nil {
			return nil, nil, err
		}
		cat := cats[i%len(cats)]
		first := strconv.Itoa(len(rows))
		for k, want := range []bool{true, false} {
			q := mmeQuestion(cat, sc, rng, want)
			r := row{"index": strconv.Itoa(len(rows)), "image": img, "category": cat, "image_path": fmt.Sprintf("%s/%03d.png", cat, i),
				"question": q + " Please answer yes or no.", "answer": yn(want)}
			if k == 1 {
				r["image"] = first // VLMEvalKit's shared-image reference
			}
			rows = append(rows, r)
		}
	}
	return rows, header, nil
}

// buildHallusion draws sets of two figures and asks the same two questions
// about both, the answers taken from the first figure's objects.
func buildHallusion(rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	header := columns("l2-category", "set_id", "figure_id", "question_id")
	for set := 0; len(rows) < n; set++ {
		l2 := []string{"chart", "map", "table"}[set%3]
		var scenes []labtask.Scene
		var imgs []string
		for fig := 0; fig < 2; fig++ {
			sc, img, err := drawScene(rng, size)
			if err != nil {
				return nil, nil, err
			}
			scenes, imgs = append(scenes, sc), append(imgs, img)
		}
		o := scenes[0].Objects[0]
		questions := []string{
			fmt.Sprintf("Is there a %s %s?", o.Colour, o.Shape),
			fmt.Sprintf("Are there exactly %d shapes in the image?", len(scenes[0].Objects)),
		}
		for fig := 0; fig < 2; fig++ {
			for q, text := range questions {
				var ans bool
				if q == 0 {
					ans = has(scenes[fig], o.Colour, o.Shape)
				} else {
					ans = len(scenes[fig].Objects) == len(scenes[0].Objects)
				}
				rows = append(rows, row{
					"index": fmt.Sprintf("VS_%s_synth_%d_%d_%d", l2, set, fig, q), "image": imgs[fig],
					"category": "VS", "l2-category": l2, "set_id": strconv.Itoa(set), "figure_id": strconv.Itoa(fig), "question_id": strconv.Itoa(q),
					"question": text, "answer": yn(ans)})
			}
		}
	}
	return rows, header, nil
}

// buildMultipleChoice asks, by turn, the colour of a cell (options: every
// colour) and how many of a shape there are (four count words around the
// answer), the options shuffled into A–D.
func buildMultipleChoice(name string, rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	header := columns("A", "B", "C", "D", "hint")
	for i := 0; i < n; i++ {
		sc, img, err := drawScene(rng, size)
		if err != nil {
			return nil, nil, err
		}
		o := sc.Objects[rng.IntN(len(sc.Objects))]
		where := labtask.CellName(sc.Grid, o.Row, o.Col)
		var q, ans, cat string
		var opts []string
		if i%2 == 0 {
			q, ans, cat, opts = fmt.Sprintf("What colour is the shape in the %s cell?", where), o.Colour, "colour", append([]string(nil), labtask.ColourNames...)
		} else {
			shape := labtask.ShapeNames[rng.IntN(len(labtask.ShapeNames))]
			k := count(sc, shape)
			q, ans, cat = fmt.Sprintf("How many %ss are there?", shape), labtask.CountWords[k], "count"
			for j := max(0, k-rng.IntN(4)); len(opts) < 4; j++ {
				opts = append(opts, labtask.CountWords[j])
			}
		}
		rng.Shuffle(len(opts), func(a, c int) { opts[a], opts[c] = opts[c], opts[a] })
		r := row{"index": strconv.Itoa(i), "image": img, "question": q, "category": cat}
		for k, t := range opts {
			l := string(rune('A' + k))
			r[l] = t
			if t == ans {
				r["answer"] = l
			}
		}
		if name == "ScienceQA_TEST" {
			r["hint"] = "The image is a 3 by 3 grid of cells."
		}
		rows = append(rows, r)
	}
	return rows, header, nil
}

// buildCaptions pairs each scene with its reference captions.
func buildCaptions(rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	for i := 0; i < n; i++ {
		sc, img, err := drawScene(rng, size)
		if err != nil {
			return nil, nil, err
		}
		rows = append(rows, row{"index": strconv.Itoa(i), "image": img, "answer": eval.FormatStringList(captions(sc))})
	}
	return rows, []string{"index", "image", "answer"}, nil
}

// buildChartQA draws bar charts of random values, one bar per colour, and
// asks the value of one bar.
func buildChartQA(rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	for i := 0; i < n; i++ {
		vals := make([]int, len(labtask.ColourNames))
		for k := range vals {
			vals[k] = 10 + rng.IntN(81)
		}
		img, err := pngBase64(barChart(vals, size))
		if err != nil {
			return nil, nil, err
		}
		k := rng.IntN(len(vals))
		rows = append(rows, row{"index": strconv.Itoa(i), "image": img, "category": "human",
			"question": fmt.Sprintf("What is the value of the %s bar?", labtask.ColourNames[k]), "answer": strconv.Itoa(vals[k])})
	}
	return rows, columns(), nil
}

// buildReading asks to read the scene's first word (TextVQA_VAL,
// OCRVQA_TESTCORE, OCRBench) or, for TextVQA's other rows, to count a
// shape; OCRVQA and OCRBench skip scenes without a word.
func buildReading(name string, rng *rand.Rand, n, size int) ([]row, []string, error) {
	var rows []row
	for i := 0; len(rows) < n; i++ {
		sc, img, err := drawScene(rng, size)
		if err != nil {
			return nil, nil, err
		}
		word, cell := firstWord(sc)
		whichWord := func() string {
			return fmt.Sprintf("Which word is in the %s cell?", labtask.CellName(sc.Grid, cell/sc.Grid, cell%sc.Grid))
		}
		r := row{"index": strconv.Itoa(len(rows)), "image": img}
		switch name {
		case "TextVQA_VAL":
			if word != "" && i%2 == 0 {
				r["question"] = whichWord()
				r["answer"] = eval.FormatStringList(tenAnswers(word, "the "+word, rng))
			} else {
				shape := labtask.ShapeNames[rng.IntN(len(labtask.ShapeNames))]
				k := count(sc, shape)
				r["question"] = fmt.Sprintf("How many %ss are there?", shape)
				r["answer"] = eval.FormatStringList(tenAnswers(labtask.CountWords[k], strconv.Itoa(k), rng))
			}
			r["category"] = "synthetic"
		case "OCRVQA_TESTCORE":
			if word == "" {
				continue
			}
			r["question"] = whichWord()
			r["answer"] = word
			r["category"] = "title"
		default: // OCRBench
			if word == "" {
				continue
			}
			if i%2 == 0 {
				r["question"], r["category"] = "what is written in the image?", "Regular Text Recognition"
			} else {
				r["question"], r["category"] = whichWord(), "Scene Text-centric VQA"
			}
			r["answer"] = eval.FormatStringList([]string{word})
		}
		rows = append(rows, r)
	}
	return rows, columns(), nil
}

// firstWord returns the word of the scene's first cell (in row-major
// order) that holds one, and that cell; "" and −1 when none does.
func firstWord(sc labtask.Scene) (string, int) {
	for c := 0; c < sc.Grid*sc.Grid; c++ {
		if w, ok := sc.Words[c]; ok {
			return w, c
		}
	}
	return "", -1
}

func mmeQuestion(cat string, sc labtask.Scene, rng *rand.Rand, want bool) string {
	switch cat {
	case "count":
		k := len(sc.Objects)
		if !want {
			k += 1 + rng.IntN(2)
		}
		return fmt.Sprintf("Are there %d shapes in the image?", k)
	case "color":
		o := sc.Objects[rng.IntN(len(sc.Objects))]
		c := o.Colour
		for !want && c == o.Colour {
			c = labtask.ColourNames[rng.IntN(len(labtask.ColourNames))]
		}
		return fmt.Sprintf("Is the %s in the %s cell %s?", o.Shape, labtask.CellName(sc.Grid, o.Row, o.Col), c)
	case "position":
		o := sc.Objects[rng.IntN(len(sc.Objects))]
		r, c := o.Row, o.Col
		if !want { // claim another row whose cell does not hold the same shape
			for tries := 0; tries < sc.Grid; tries++ {
				r = (r + 1) % sc.Grid
				if r != o.Row && !sameAt(sc, o, r, c) {
					break
				}
			}
		}
		return fmt.Sprintf("Is there a %s %s in the %s cell?", o.Colour, o.Shape, labtask.CellName(sc.Grid, r, c))
	}
	c, s := pickPair(sc, rng, want)
	return fmt.Sprintf("Is there a %s %s?", c, s)
}

func count(sc labtask.Scene, shape string) int {
	n := 0
	for _, o := range sc.Objects {
		if o.Shape == shape {
			n++
		}
	}
	return n
}

func sameAt(sc labtask.Scene, o labtask.Object, r, c int) bool {
	for _, p := range sc.Objects {
		if p.Row == r && p.Col == c && p.Shape == o.Shape && p.Colour == o.Colour {
			return true
		}
	}
	return false
}

// captions returns five reference captions of a scene.
func captions(sc labtask.Scene) []string {
	var parts []string
	for _, o := range sc.Objects {
		parts = append(parts, "a "+o.Colour+" "+o.Shape)
	}
	list := strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	n := len(sc.Objects)
	return []string{
		"A grid with " + list + ".",
		fmt.Sprintf("%s shapes on a white grid.", strings.ToUpper(labtask.CountWords[n][:1])+labtask.CountWords[n][1:]),
		"There is " + list + " in the grid.",
		fmt.Sprintf("A white background with %d coloured shapes.", n),
		"Coloured shapes: " + list,
	}
}

// tenAnswers imitates TextVQA's ten human answers: mostly a, some b.
func tenAnswers(a, b string, rng *rand.Rand) []string {
	out := make([]string, 10)
	for i := range out {
		out[i] = a
		if rng.IntN(4) == 0 {
			out[i] = b
		}
	}
	return out
}

// barChart draws vertical bars (values 0–100) in the lab's colours.
func barChart(vals []int, size int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	axis := color.RGBA{60, 60, 60, 255}
	base := size - 8
	draw.Draw(img, image.Rect(4, base, size-4, base+1), &image.Uniform{axis}, image.Point{}, draw.Src)
	w := (size - 8) / len(vals)
	for k, v := range vals {
		h := v * (base - 4) / 100
		x0 := 4 + k*w + 2
		c := labtask.ColourRGBA(labtask.ColourNames[k%len(labtask.ColourNames)])
		draw.Draw(img, image.Rect(x0, base-h, x0+w-4, base), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	return img
}

// drawSquare is toysquare.Draw as a base64 PNG.
func drawSquare(col string, q, size int) (string, error) {
	return pngBase64(toysquare.Draw(col, q, size))
}

func buildSquare(b eval.Benchmark, n int, seed uint64, size int) ([]row, []string, error) {
	if b.Kind == eval.YesNo {
		return nil, nil, fmt.Errorf("benchgen: style %q has no yes/no questions (%s)", StyleSquare, b.Name)
	}
	rng := rand.New(rand.NewPCG(seed, 0x5917))
	header := columns()
	if b.Kind == eval.MultipleChoice {
		header = columns("A", "B", "C", "D")
	}
	if b.Kind == eval.Caption {
		header = []string{"index", "image", "answer"}
	}
	var rows []row
	for i := 0; i < n; i++ {
		col, q := toysquare.ColourNames[rng.IntN(4)], rng.IntN(4)
		img, err := drawSquare(col, q, size)
		if err != nil {
			return nil, nil, err
		}
		r := row{"index": strconv.Itoa(i), "image": img}
		question, ans, cat, opts := "what colour is the square?", col, "colour", toysquare.ColourNames
		if i%2 == 1 {
			question, ans, cat, opts = "where is the square?", toysquare.Places[q], "position", toysquare.Places
		}
		switch {
		case b.Kind == eval.Caption:
			r["answer"] = eval.FormatStringList([]string{
				"a " + col + " square in the " + toysquare.Places[q], "A " + col + " square on a white background.",
				"the square is " + col, "a small " + col + " square at the " + toysquare.Places[q] + ".",
			})
		case b.Kind == eval.MultipleChoice:
			perm := rng.Perm(4)
			for k, j := range perm {
				l := string(rune('A' + k))
				r[l] = opts[j]
				if opts[j] == ans {
					r["answer"] = l
				}
			}
			r["question"], r["category"] = question, cat
		case b.Name == "TextVQA_VAL":
			r["question"], r["category"] = question, cat
			r["answer"] = eval.FormatStringList(tenAnswers(ans, "the "+ans, rng))
		case b.Name == "OCRBench":
			r["question"], r["category"] = question, "Scene Text-centric VQA"
			r["answer"] = eval.FormatStringList([]string{ans})
		default: // ChartQA, OCRVQA: one answer
			r["question"], r["category"], r["answer"] = question, cat, ans
		}
		rows = append(rows, r)
	}
	return rows, header, nil
}
