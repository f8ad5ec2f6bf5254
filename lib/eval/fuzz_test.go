package eval

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// oneLine fails t when err's message spans several lines.
func oneLine(t *testing.T, err error) {
	t.Helper()
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("multi-line error %q", err)
	}
}

// FuzzReadTSV feeds arbitrary bytes as a benchmark file of each kind to
// [Open] and [Reader.Next]: no panic, one-line errors, and every item
// accepted holds what its kind needs — a unique non-empty index, an answer,
// a question (except captions), at least one image, two options or more
// with the answer among their letters (multiple choice), Yes or No (yes/no),
// a list of references (captions) — and a file read to the end yields
// [Reader.Total] items.
func FuzzReadTSV(f *testing.F) {
	img := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 20))
	f.Add([]byte("index\timage\tquestion\tanswer\n1\t"+img+"\tq?\tYes\n2\t1\tq?\tNo\n"), uint8(0))
	f.Add([]byte("index\timage\tquestion\tanswer\tA\tB\tcategory\n7\t"+img+"\tWhich?\tB\tcat\tdog\tx\n"), uint8(1))
	f.Add([]byte("index\timage\tanswer\n1\t['"+img+"', '"+img+"']\t\"['a dog', \"\"it's red\"\"]\"\n"), uint8(2))
	f.Add([]byte("\ufeffindex\timage\tquestion\tanswer\timage_path\n1\t"+img+"\t\"multi\nline\"\t['42']\tp.png\n 1\t1\tq\t3\t\n"), uint8(3))
	f.Add([]byte("index\timage\tquestion\tanswer\n1\t\tq\tYes\n"), uint8(0))
	f.Add([]byte("index\tindex\n"), uint8(0))
	// An image cell holding an empty list; a reference padded past 64 bytes.
	f.Add([]byte("index\timage\tquestion\tanswer\n1\t["+strings.Repeat(" ", 70)+"]\tq\tYes\n"), uint8(0))
	f.Add([]byte("index\timage\tquestion\tanswer\n1\t"+img+"\tq\tYes\n2\t1"+strings.Repeat(" ", 70)+"\tq\tNo\n"), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		b := []Benchmark{benchmarks[0], benchmarks[3], benchmarks[10], benchmarks[11]}[kind%4]
		path := filepath.Join(t.TempDir(), "bench.tsv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, b)
		if err != nil {
			oneLine(t, err)
			return
		}
		defer r.Close()
		seen := map[string]bool{}
		for n := 0; ; n++ {
			it, err := r.Next()
			if err == io.EOF {
				if n != r.Total() {
					t.Fatalf("read %d items, Total() = %d", n, r.Total())
				}
				return
			}
			if err != nil {
				oneLine(t, err)
				return
			}
			checkItem(t, b, it)
			if seen[it.Index] {
				t.Fatalf("index %q accepted twice", it.Index)
			}
			seen[it.Index] = true
		}
	})
}

// checkItem fails t when an accepted item lacks what benchmark b needs.
func checkItem(t *testing.T, b Benchmark, it *Item) {
	t.Helper()
	switch {
	case it.Index == "" || it.Index != strings.TrimSpace(it.Index):
		t.Fatalf("index %q", it.Index)
	case strings.TrimSpace(it.Answer) == "":
		t.Fatalf("index %q: empty answer", it.Index)
	case it.Question == "" && b.Kind != Caption:
		t.Fatalf("index %q: empty question", it.Index)
	case len(it.Images) == 0:
		t.Fatalf("index %q: no image", it.Index)
	case it.ImageKey == "":
		t.Fatalf("index %q: no image key", it.Index)
	}
	switch b.Kind {
	case MultipleChoice:
		if len(it.Options) < 2 || !hasOption(it.Options, strings.TrimSpace(it.Answer)) {
			t.Fatalf("index %q: answer %q, options %v", it.Index, it.Answer, it.Options)
		}
	case YesNo:
		if it.Answer != "Yes" && it.Answer != "No" {
			t.Fatalf("index %q: yes/no answer %q", it.Index, it.Answer)
		}
	case Caption:
		if refs, ok, err := ParseStringList(it.Answer); !ok || err != nil || len(refs) == 0 {
			t.Fatalf("index %q: caption answer %q is not a list of references", it.Index, it.Answer)
		}
	}
}

// FuzzReadPredictions feeds arbitrary JSONL to the predictions reader, as
// `score` reads it (strict) and as a resumed run reads it (a cut-short last
// line tolerated): no panic, one-line errors, unique indexes, every record
// written back by [WritePredictions] reads back the same, and the tolerant
// reading keeps a prefix of the file that reads strictly to the same records.
func FuzzReadPredictions(f *testing.F) {
	f.Add([]byte(`{"index": 1, "prediction": "Yes", "answer": "Yes", "category": "adversarial"}` + "\n"))
	f.Add([]byte(`{"index": "a_b_c_1_2_3", "prediction": "No", "answer": "No", "l2-category": "VD"}` + "\n\n" + `{"index": 2, "prediction": "B", "answer": "B", "options": {"A": "x", "B": "y"}}`))
	f.Add([]byte(`{"index": 3, "prediction": "a dog", "references": ["a dog", "a cat"]}` + "\n" + `{"index": 4, "predic`))
	f.Add([]byte(`{"index": 1, "prediction": "x", "answer": "y"}` + "\n" + `{"index": "1", "prediction": "x", "answer": "y"}` + "\n"))
	f.Add([]byte(`{"index": null, "prediction": "x", "answer": "y"}` + "\n" + `{"index": [1]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		strict, _, serr := decodePredictions(bytes.NewReader(data), "fuzz.jsonl", false)
		if serr != nil {
			oneLine(t, serr)
		} else {
			checkPredictions(t, strict)
		}
		tol, good, err := decodePredictions(bytes.NewReader(data), "fuzz.jsonl", true)
		if err != nil {
			oneLine(t, err)
			if serr == nil {
				t.Fatalf("tolerant reading refuses what the strict one accepts: %v", err)
			}
			return
		}
		if good < 0 || good > int64(len(data)) {
			t.Fatalf("kept %d bytes of %d", good, len(data))
		}
		if serr == nil && good != int64(len(data)) {
			t.Fatalf("well-formed file cut at %d of %d bytes", good, len(data))
		}
		again, _, err := decodePredictions(bytes.NewReader(data[:good]), "fuzz.jsonl", false)
		if err != nil {
			t.Fatalf("the kept prefix does not read: %v", err)
		}
		if len(again) != len(tol) || (len(tol) > 0 && !reflect.DeepEqual(again, tol)) {
			t.Fatalf("the kept prefix reads %d records, the tolerant reading %d", len(again), len(tol))
		}
	})
}

// checkPredictions fails t unless preds have unique indexes and survive a
// write and read unchanged.
func checkPredictions(t *testing.T, preds []Prediction) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range preds {
		if seen[p.Index] {
			t.Fatalf("index %q accepted twice", p.Index)
		}
		seen[p.Index] = true
	}
	var buf bytes.Buffer
	if err := WritePredictions(&buf, preds); err != nil {
		t.Fatalf("write: %v", err)
	}
	back, _, err := decodePredictions(bytes.NewReader(buf.Bytes()), "back.jsonl", false)
	if err != nil {
		t.Fatalf("written records do not read back: %v\n%s", err, buf.Bytes())
	}
	var buf2 bytes.Buffer
	if err := WritePredictions(&buf2, back); err != nil {
		t.Fatalf("write again: %v", err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) {
		t.Fatalf("records changed on a round trip:\n%s\n%s", buf.Bytes(), buf2.Bytes())
	}
}

// FuzzRunSidecar feeds arbitrary bytes as the run description (.run.json)
// beside a predictions file that a run resumes: no panic, one-line errors,
// a sidecar that describes another run is refused, and an accepted one is
// rewritten describing this run and the rules used.
func FuzzRunSidecar(f *testing.F) {
	f.Add([]byte(`{"vlmevalkit": "2024-12", "model": "oracle", "bench": "POPE"}`))
	f.Add([]byte(`{"model": "other"}`))
	f.Add([]byte(`{"model": 5}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, side []byte) {
		preds := filepath.Join(t.TempDir(), "p.jsonl")
		if err := os.WriteFile(SidecarPath(preds), side, 0o644); err != nil {
			t.Fatal(err)
		}
		info := map[string]string{"model": "oracle", "bench": "POPE"}
		err := checkRunInfo(preds, info, DefaultRules(), true)
		if err != nil {
			oneLine(t, err)
			if after, _ := os.ReadFile(SidecarPath(preds)); !bytes.Equal(after, side) {
				t.Fatalf("a refused sidecar was changed")
			}
			return
		}
		var old map[string]string
		if err := json.Unmarshal(side, &old); err != nil {
			t.Fatalf("accepted a sidecar that is not a JSON object of strings: %v", err)
		}
		for k, v := range old {
			if k != sidecarRulesKey && info[k] != v {
				t.Fatalf("accepted a sidecar of another run: %q = %q, this run %q", k, v, info[k])
			}
		}
		var now map[string]string
		data, _ := os.ReadFile(SidecarPath(preds))
		if err := json.Unmarshal(data, &now); err != nil {
			t.Fatalf("rewritten sidecar: %v", err)
		}
		want := map[string]string{"model": "oracle", "bench": "POPE", sidecarRulesKey: DefaultRules().Version}
		if !reflect.DeepEqual(now, want) {
			t.Fatalf("rewritten sidecar %v, want %v", now, want)
		}
	})
}

// FuzzParseStringList feeds arbitrary cells to the Python list parser: no
// panic, one-line errors, ok exactly for bracketed text, and every list it
// accepts survives [FormatStringList] unchanged.
func FuzzParseStringList(f *testing.F) {
	f.Add(`['a dog', "it's red"]`)
	f.Add(`['\x41\u00e9\U0001F600', 'tab\there']`)
	f.Add(`[]`)
	f.Add(`['unterminated]`)
	f.Add(`['a' 'b']`)
	f.Add(`['\q']`)
	f.Add("['\xff\xfe', 'caf\xc3']")
	f.Fuzz(func(t *testing.T, s string) {
		list, ok, err := ParseStringList(s)
		t2 := strings.TrimSpace(s)
		if bracketed := strings.HasPrefix(t2, "[") && strings.HasSuffix(t2, "]"); ok != bracketed {
			t.Fatalf("ok = %v for %q", ok, s)
		}
		if err != nil {
			oneLine(t, err)
			return
		}
		if !ok {
			return
		}
		back, ok2, err := ParseStringList(FormatStringList(list))
		if !ok2 || err != nil || !reflect.DeepEqual(back, list) {
			t.Fatalf("%q: round trip of %q gives %q (%v, %v)", s, list, back, ok2, err)
		}
	})
}
