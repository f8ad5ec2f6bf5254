package eval

import (
	"bufio"
	"encoding/base64"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Item is one row of a benchmark file.
type Item struct {
	// Row is the 1-based data row (the header is row 0); Line is the file
	// line where the row starts.
	Row, Line int
	Index     string
	// Images are the decoded image files (PNG/JPEG bytes), usually one.
	Images [][]byte
	// ImageKey names the image for grouping (MME pairs its two questions by
	// image): the image_path column if present, else the index of the row
	// whose image this is.
	ImageKey string
	Question string
	// Answer is the raw answer cell: a letter for multiple choice, "Yes"/"No",
	// a Python list literal of references/answers for captions, TextVQA and
	// OCRBench.
	Answer  string
	Hint    string
	Options []Option
	// Category and L2Category are the "category" and "l2-category" columns.
	Category, L2Category string
	// Fields holds every non-image cell by column name.
	Fields map[string]string
}

// Option is one answer option of a multiple-choice item.
type Option struct {
	Letter string // "A", "B", …
	Text   string
}

// FormatError reports a malformed benchmark or predictions file, naming the
// file, the row (1-based; 0 is the header) and the column.
type FormatError struct {
	File   string
	Row    int
	Line   int
	Column string
	Err    error
}

func (e *FormatError) Error() string {
	loc := fmt.Sprintf("row %d", e.Row)
	if e.Line > 0 {
		loc += fmt.Sprintf(" (line %d)", e.Line)
	}
	if e.Column != "" {
		loc += fmt.Sprintf(", column %q", e.Column)
	}
	return fmt.Sprintf("eval: %s: %s: %v", e.File, loc, e.Err)
}

func (e *FormatError) Unwrap() error { return e.Err }

// refMaxLen is VLMEvalKit's rule: an image cell of at most 64 characters is
// not an image but the index of the row whose image it shares.
const refMaxLen = 64

// Reader streams the rows of a benchmark file in VLMEvalKit's TSV layout:
// a header row, tab-separated, cells optionally double-quoted (pandas
// writes them so; a quoted cell may hold tabs and newlines). Columns:
// index, image (base64; or a Python list of base64 strings; or, when at most
// 64 characters, the index of an earlier row whose image it shares; rows with
// an empty image cell are skipped, as VLMEvalKit does),
// question, answer, options A…Z, hint, category, l2-category, image_path and
// any benchmark-specific columns (kept in Item.Fields).
type Reader struct {
	file  string
	bench Benchmark
	f     *os.File
	cr    *csv.Reader
	col   map[string]int
	row   int
	// shared holds the images of rows that later rows refer to.
	shared  map[string][][]byte
	need    map[string]bool
	skipped int
	total   int
}

// Total is the number of rows with an image (the items [Reader.Next] will
// return if the file is well formed), counted when the file was opened.
func (r *Reader) Total() int { return r.total }

// Open opens a benchmark file for b. It checks the header (index, image,
// answer and — except for captions — question are required) and scans the
// file once for shared-image references, so that only referenced images are
// kept in memory while streaming, and for repeated indexes, which are an
// error (a [FormatError] naming both rows): predictions are keyed by index.
func Open(path string, b Benchmark) (*Reader, error) {
	need, total, err := scanRefs(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval: open benchmark: %w", err)
	}
	r := &Reader{file: filepath.Base(path), bench: b, f: f, need: need, shared: map[string][][]byte{}, total: total}
	r.cr = newTSV(f)
	header, err := r.cr.Read()
	if err != nil {
		f.Close()
		if err == io.EOF {
			return nil, &FormatError{File: r.file, Err: errors.New("empty file (want a header row)")}
		}
		return nil, r.csvErr(err)
	}
	r.col = map[string]int{}
	for i, h := range header {
		h = strings.TrimPrefix(h, "\ufeff")
		if _, dup := r.col[h]; dup {
			f.Close()
			return nil, &FormatError{File: r.file, Line: 1, Column: h, Err: errors.New("duplicate column")}
		}
		r.col[h] = i
	}
	required := []string{"index", "image", "answer", "question"}
	if b.Kind == Caption {
		required = required[:3]
	}
	if b.Kind == MultipleChoice {
		required = append(required, "A")
	}
	for _, c := range required {
		if _, ok := r.col[c]; !ok {
			f.Close()
			return nil, &FormatError{File: r.file, Line: 1, Column: c, Err: fmt.Errorf("missing column (a %s file needs %s)", b.Name, strings.Join(required, ", "))}
		}
	}
	return r, nil
}

func newTSV(rd io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(rd, 1<<20))
	cr.Comma = '\t'
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	return cr
}

// scanRefs returns the indexes that image cells refer to and the number of
// rows with an image, and an error for the first index that appears twice.
func scanRefs(path string) (map[string]bool, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("eval: open benchmark: %w", err)
	}
	defer f.Close()
	cr := newTSV(f)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return map[string]bool{}, 0, nil // Open reports header problems
	}
	img, idx := -1, -1
	for i, h := range header {
		switch strings.TrimPrefix(h, "\ufeff") {
		case "image":
			img = i
		case "index":
			idx = i
		}
	}
	need := map[string]bool{}
	type pos struct{ row, line int }
	seen := map[string]pos{}
	total := 0
	for row := 1; img >= 0 || idx >= 0; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return need, total, nil // the streaming pass reports it with its row
		}
		if img >= 0 && img < len(rec) && strings.TrimSpace(rec[img]) != "" {
			total++
		}
		if img >= 0 && img < len(rec) {
			// As Next reads the cell: trimmed, a reference when short.
			if c := strings.TrimSpace(rec[img]); c != "" && len(c) <= refMaxLen {
				need[c] = true
			}
		}
		if idx >= 0 && idx < len(rec) {
			line, _ := cr.FieldPos(0)
			k := strings.TrimSpace(rec[idx])
			if first, dup := seen[k]; dup && k != "" {
				return nil, 0, &FormatError{File: filepath.Base(path), Row: row, Line: line, Column: "index",
					Err: fmt.Errorf("index %q already on row %d (line %d): indexes must be unique", k, first.row, first.line)}
			}
			seen[k] = pos{row, line}
		}
	}
	return need, total, nil
}

func (r *Reader) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &FormatError{File: r.file, Row: r.row, Line: pe.StartLine, Err: pe.Err}
	}
	return &FormatError{File: r.file, Row: r.row, Err: err}
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }

// Skipped returns the number of rows skipped so far because their image
// cell is empty (VLMEvalKit drops such rows too).
func (r *Reader) Skipped() int { return r.skipped }

// Next returns the next row with an image, or io.EOF after the last one.
func (r *Reader) Next() (*Item, error) {
	for {
		it, err := r.next()
		if it != nil || err != nil {
			return it, err
		}
		r.skipped++
	}
}

// next reads one row; it returns nil, nil for a row without an image.
func (r *Reader) next() (*Item, error) {
	rec, err := r.cr.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	r.row++
	if err != nil {
		return nil, r.csvErr(err)
	}
	line, _ := r.cr.FieldPos(0)
	ferr := func(col string, format string, args ...any) error {
		return &FormatError{File: r.file, Row: r.row, Line: line, Column: col, Err: fmt.Errorf(format, args...)}
	}
	get := func(c string) string {
		if i, ok := r.col[c]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	if strings.TrimSpace(get("image")) == "" {
		return nil, nil
	}
	it := &Item{Row: r.row, Line: line, Fields: map[string]string{}}
	for c, i := range r.col {
		if c != "image" && i < len(rec) {
			it.Fields[c] = rec[i]
		}
	}
	it.Index = strings.TrimSpace(get("index"))
	if it.Index == "" {
		return nil, ferr("index", "empty index")
	}
	it.Question = get("question")
	if it.Question == "" && r.bench.Kind != Caption {
		return nil, ferr("question", "empty question")
	}
	it.Answer = get("answer")
	if strings.TrimSpace(it.Answer) == "" {
		return nil, ferr("answer", "empty answer")
	}
	it.Hint = get("hint")
	it.Category = get("category")
	it.L2Category = get("l2-category")
	for l := 'A'; l <= 'Z'; l++ {
		if t := get(string(l)); t != "" && t != "nan" {
			it.Options = append(it.Options, Option{string(l), t})
		}
	}
	if r.bench.Kind == MultipleChoice {
		if len(it.Options) < 2 {
			return nil, ferr("A", "a multiple-choice row needs at least two options, found %d", len(it.Options))
		}
		if !hasOption(it.Options, strings.TrimSpace(it.Answer)) {
			return nil, ferr("answer", "answer %q is not one of the option letters", it.Answer)
		}
	}
	if r.bench.Kind == YesNo && it.Answer != "Yes" && it.Answer != "No" {
		return nil, ferr("answer", "answer %q, want Yes or No", it.Answer)
	}
	if r.bench.Kind == Caption {
		refs, ok, err := ParseStringList(it.Answer)
		if err != nil || !ok || len(refs) == 0 {
			return nil, ferr("answer", "want a Python list of reference captions, e.g. ['a dog', 'a brown dog']")
		}
	}
	// Image: base64, a list of base64 strings, or a reference to another row.
	cell := strings.TrimSpace(get("image"))
	switch {
	case len(cell) <= refMaxLen:
		imgs, ok := r.shared[cell]
		if !ok {
			return nil, ferr("image", "refers to index %q, which is not an earlier row with an image", cell)
		}
		it.Images, it.ImageKey = imgs, cell
	default:
		cells := []string{cell}
		if strings.HasPrefix(cell, "[") {
			list, ok, err := ParseStringList(cell)
			if err != nil || !ok {
				return nil, ferr("image", "malformed list of images: %v", err)
			}
			if len(list) == 0 {
				return nil, ferr("image", "empty list of images")
			}
			cells = list
		}
		for k, c := range cells {
			b, err := decodeBase64(c)
			if err != nil {
				return nil, ferr("image", "image %d: invalid base64: %v", k+1, err)
			}
			it.Images = append(it.Images, b)
		}
		it.ImageKey = it.Index
	}
	if p := get("image_path"); p != "" {
		it.ImageKey = p
	}
	if r.need[it.Index] && len(cell) > refMaxLen {
		r.shared[it.Index] = it.Images
	}
	return it, nil
}

func hasOption(opts []Option, letter string) bool {
	for _, o := range opts {
		if o.Letter == letter {
			return true
		}
	}
	return false
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// ReadAll reads every row of a benchmark file.
func ReadAll(path string, b Benchmark) ([]*Item, error) {
	r, err := Open(path, b)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var items []*Item
	for {
		it, err := r.Next()
		if err == io.EOF {
			return items, nil
		}
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
}
