package eval

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tinyPNG is a real 2×2 PNG, base64-encoded.
func tinyPNG(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReaderGood(t *testing.T) {
	img := tinyPNG(t)
	// A quoted cell with a tab and a newline, a shared image (row 2 refers to
	// index 10) and a list of two images.
	content := "index\timage\tquestion\tanswer\tA\tB\tC\thint\tcategory\n" +
		"10\t" + img + "\t\"What is\tthis?\nReally?\"\tB\tcat\tdog\t\t\tanimals\n" +
		"11\t10\tWhich one?\tA\tred\tblue\tgreen\tLook closely.\tcolours\n" +
		"12\t\"['" + img + "', '" + img + "']\"\tTwo images?\tA\tyes\tno\t\t\tmulti\n"
	p := writeFile(t, "mcq.tsv", content)
	items, err := ReadAll(p, mustLookup(t, "MMStar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 {
		t.Fatalf("%d items, want 3", len(items))
	}
	want, _ := base64.StdEncoding.DecodeString(img)
	if !bytes.Equal(items[0].Images[0], want) || items[0].Question != "What is\tthis?\nReally?" {
		t.Errorf("row 1: image %d bytes, question %q", len(items[0].Images[0]), items[0].Question)
	}
	if len(items[0].Options) != 2 || items[0].Options[1] != (Option{"B", "dog"}) {
		t.Errorf("row 1 options %v, want A, B only (C is empty)", items[0].Options)
	}
	if !bytes.Equal(items[1].Images[0], want) || items[1].ImageKey != "10" {
		t.Errorf("row 2: shared image not resolved (key %q)", items[1].ImageKey)
	}
	if len(items[2].Images) != 2 || items[2].Line != 5 {
		t.Errorf("row 3: %d images at line %d, want 2 at line 4", len(items[2].Images), items[2].Line)
	}
	if got, want := Prompt(mustLookup(t, "MMStar"), items[1]), "Hint: Look closely.\nQuestion: Which one?\nOptions:\nA. red\nB. blue\nC. green\nPlease select the correct answer from the options above. \n"; got != want {
		t.Errorf("MCQ prompt\n%q\nwant\n%q", got, want)
	}
}

func TestReaderErrors(t *testing.T) {
	img := tinyPNG(t)
	yn := mustLookup(t, "POPE")
	for _, tc := range []struct {
		name, content string
		bench         Benchmark
		want          []string // substrings of the error
	}{
		{"missing column", "index\timage\tanswer\n1\t" + img + "\tYes\n", yn, []string{"missing.tsv", `column "question"`}},
		{"bad base64", "index\timage\tquestion\tanswer\n1\t" + img + "\tq?\tYes\n2\t" + strings.Repeat("@", 80) + "\tq?\tNo\n", yn, []string{"bad.tsv", "row 2", "line 3", `column "image"`, "base64"}},
		{"field count", "index\timage\tquestion\tanswer\n1\t" + img + "\tq?\n", yn, []string{"fields.tsv", "row 1", "line 2", "number of fields"}},
		{"yes/no answer", "index\timage\tquestion\tanswer\n1\t" + img + "\tq?\tmaybe\n", yn, []string{"yn.tsv", "row 1", `column "answer"`, "Yes or No"}},
		{"option letter", "index\timage\tquestion\tanswer\tA\tB\n1\t" + img + "\tq?\tC\tx\ty\n", mustLookup(t, "AI2D"), []string{"letter.tsv", `column "answer"`, "option letters"}},
		{"dangling ref", "index\timage\tquestion\tanswer\n1\t7\tq?\tYes\n", yn, []string{"ref.tsv", `column "image"`, `index "7"`}},
		{"caption refs", "index\timage\tanswer\n1\t" + img + "\ta dog\n", mustLookup(t, "COCO"), []string{"cap.tsv", `column "answer"`, "Python list"}},
		{"empty", "", yn, []string{"empty.tsv", "empty file"}},
		{"duplicate index", "index\timage\tquestion\tanswer\n1\t" + img + "\tq?\tYes\n2\t1\tq?\tNo\n 1\t1\tq?\tNo\n", yn,
			[]string{"dup.tsv", "row 3", "line 4", `column "index"`, `index "1" already on row 1 (line 2)`}},
		{"empty image list", "index\timage\tquestion\tanswer\n1\t[" + strings.Repeat(" ", 70) + "]\tq?\tYes\n", yn, []string{"nolist.tsv", "row 1", `column "image"`, "empty list of images"}},
	} {
		name := map[string]string{"missing column": "missing.tsv", "bad base64": "bad.tsv", "field count": "fields.tsv", "yes/no answer": "yn.tsv",
			"option letter": "letter.tsv", "dangling ref": "ref.tsv", "caption refs": "cap.tsv", "empty": "empty.tsv", "duplicate index": "dup.tsv", "empty image list": "nolist.tsv"}[tc.name]
		_, err := ReadAll(writeFile(t, name, tc.content), tc.bench)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%s: error %T (%v), want *FormatError", tc.name, err, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tc.name, err, w)
			}
		}
	}
}

// A reference cell padded with spaces past 64 bytes is still a reference:
// the pass that finds referenced rows trims the cell as the reading does.
func TestReaderPaddedReference(t *testing.T) {
	img := tinyPNG(t)
	items, err := ReadAll(writeFile(t, "pad.tsv", "index\timage\tquestion\tanswer\n1\t"+img+"\tq?\tYes\n2\t1"+strings.Repeat(" ", 70)+"\tq?\tNo\n"), mustLookup(t, "POPE"))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || len(items[1].Images) != 1 || items[1].ImageKey != "1" {
		t.Fatalf("got %d items, the second with %d images and key %q; want 2, 1 image, key \"1\"", len(items), len(items[1].Images), items[1].ImageKey)
	}
}

func TestPrompts(t *testing.T) {
	it := &Item{Question: "What is written here?"}
	for _, tc := range []struct{ bench, want string }{
		{"TextVQA_VAL", "What is written here?\nAnswer the question using a single word or phrase."},
		{"ChartQA_TEST", "What is written here?\nAnswer the question using a single word or phrase."},
		{"OCRBench", "What is written here?"},
		{"POPE", "What is written here?"},
	} {
		if got := Prompt(mustLookup(t, tc.bench), it); got != tc.want {
			t.Errorf("%s prompt %q, want %q", tc.bench, got, tc.want)
		}
	}
	if got := Prompt(mustLookup(t, "COCO_VAL"), &Item{}); got != CaptionPrompt || !strings.HasSuffix(got, `"This image depicts". `) {
		t.Errorf("caption prompt %q", got)
	}
	mcq := &Item{Question: "Q?", Options: []Option{{"A", "x"}, {"B", "y"}}}
	if got, want := Prompt(mustLookup(t, "SEEDBench_IMG"), mcq), "Question: Q?\nOptions:\nA. x\nB. y\nPlease select the correct answer from the options above. \n"; got != want {
		t.Errorf("MCQ prompt without hint %q, want %q", got, want)
	}
}

func TestReadPredictionsErrors(t *testing.T) {
	for _, tc := range []struct{ content, want string }{
		{`{"index": 1, "prediction": "a", "answer": "a"}` + "\n" + `{"index": 2, "answer": "b"}` + "\n", `line 2: missing "prediction"`},
		{`{"index": 1, "prediction": "a", "answer": "a"}` + "\n" + `{"index": "1", "prediction": "a", "answer": "a"}` + "\n", `line 2: index "1" already on line 1`},
		{`{"prediction": "a", "answer": "a"}` + "\n", `line 1: missing "index"`},
		{`not json` + "\n", `line 1: invalid character`},
		{`{"index": [1], "prediction": "a", "answer": "a"}` + "\n", `line 1: "index" must be a string or a number`},
	} {
		_, err := ReadPredictions(writeFile(t, "p.jsonl", tc.content))
		if err == nil || !strings.Contains(err.Error(), "p.jsonl: "+tc.want) {
			t.Errorf("error %v, want it to contain %q", err, "p.jsonl: "+tc.want)
		}
	}
	preds, err := ReadPredictions(writeFile(t, "ok.jsonl", `{"index": 7, "prediction": "x", "answer": "y", "references": ["r"]}`+"\n\n"))
	if err != nil || len(preds) != 1 || preds[0].Index != "7" || preds[0].References[0] != "r" {
		t.Errorf("ReadPredictions = %+v, %v", preds, err)
	}
	// A caption line may leave "answer" out when it gives "references"; a
	// line with neither is still refused.
	preds, err = ReadPredictions(writeFile(t, "cap.jsonl", `{"index": 1, "prediction": "a dog", "references": ["a dog", "a brown dog"]}`+"\n"))
	if err != nil || len(preds) != 1 || len(preds[0].References) != 2 {
		t.Errorf("caption without answer: %+v, %v", preds, err)
	}
	if m, err := Score(mustLookup(t, "COCO"), preds); err != nil || m["BLEU-1"] <= 0 {
		t.Errorf("scoring a caption without answer: %v, %v", m, err)
	}
	if _, err := ReadPredictions(writeFile(t, "cap.jsonl", `{"index": 1, "prediction": "a dog"}`+"\n")); err == nil || !strings.Contains(err.Error(), `missing "answer"`) {
		t.Errorf("line without answer or references: err = %v", err)
	}
}

func TestReaderSkipsRowsWithoutImage(t *testing.T) {
	img := tinyPNG(t)
	// Row 2 has no image (and no answer): VLMEvalKit drops it before anything else.
	p := writeFile(t, "skip.tsv", "index\timage\tquestion\tanswer\n1\t"+img+"\tq?\tYes\n2\t\tq?\t\n3\t"+img+"\tq?\tNo\n")
	r, err := Open(p, mustLookup(t, "POPE"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got []string
	for {
		it, err := r.Next()
		if err != nil {
			break
		}
		got = append(got, it.Index)
	}
	if strings.Join(got, ",") != "1,3" || r.Skipped() != 1 {
		t.Errorf("items %v, skipped %d; want 1,3 and 1", got, r.Skipped())
	}
}
