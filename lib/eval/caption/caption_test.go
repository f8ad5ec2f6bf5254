package caption

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// Hand-computed BLEU cases (the arithmetic is in the comments).
func TestBLEUHand(t *testing.T) {
	for _, tc := range []struct {
		name string
		it   Item
		k    int // 1-based BLEU order checked
		want float64
	}{
		// identical 3-word caption: p1..p3 = 1, p4 = (0+1e-15)/(0+1e-9) = 1e-6,
		// BLEU-4 = (1e-6)^(1/4).
		{"identical-bleu4", Item{"a b c", []string{"a b c"}}, 4, math.Pow(1e-6, 0.25)},
		{"identical-bleu3", Item{"a b c", []string{"a b c"}}, 3, 1},
		// 2 candidate words, closest reference 4 words: BP = exp(1-4/2) = e^-1.
		{"brevity", Item{"a b", []string{"a b c d"}}, 1, math.Exp(-1)},
		// references of length 2 and 4 are equally close to 3: the shorter wins,
		// so L_c > L_r and BP = 1 (the longer would give exp(1-4/3)).
		{"closest-tie", Item{"a b c", []string{"a b", "a b c d"}}, 1, 1},
		// "the" ×4 clipped to its max count 2 in the reference: p1 = 2/4.
		{"clipping", Item{"the the the the", []string{"the cat the"}}, 1, 0.5},
	} {
		got, err := BLEU([]Item{tc.it})
		if err != nil {
			t.Fatal(err)
		}
		if !near(got[tc.k-1], tc.want, 1e-8) {
			t.Errorf("%s: BLEU-%d = %.12g, want %.12g", tc.name, tc.k, got[tc.k-1], tc.want)
		}
	}
}

func TestROUGELHand(t *testing.T) {
	for _, tc := range []struct {
		cand string
		refs []string
		want float64
	}{
		// LCS(a b c d, a c d e f) = 3: P = 3/4, R = 3/5, F = 2.44·0.45/(0.6+1.44·0.75).
		{"a b c d", []string{"a c d e f"}, 2.44 * 0.45 / 1.68},
		// split(" ") keeps the empty token of a double space: |c| = 3, LCS = 2.
		{"a  b", []string{"a b"}, 2.44 * (2.0 / 3) / (1 + 1.44*2.0/3)},
		// maxima of P and R are taken over references separately: P from r1 (2/2), R from r2 (1/1).
		{"x y", []string{"x y z w", "y"}, 2.44 * 1 * 1 / (1 + 1.44)},
		{"q", []string{"a b"}, 0},
	} {
		if got := ROUGEL1(tc.cand, tc.refs); !near(got, tc.want, 1e-12) {
			t.Errorf("ROUGE-L(%q, %q) = %.12g, want %.12g", tc.cand, tc.refs, got, tc.want)
		}
	}
}

func TestCIDErHand(t *testing.T) {
	// One item: log(#items) = 0 makes every weight 0.
	if got, _, _ := CIDEr([]Item{{"a b", []string{"a b"}}}); got != 0 {
		t.Errorf("single item CIDEr = %g, want 0", got)
	}
	// Two exact items: unigram and bigram cosines are 1, tri/4-grams empty:
	// 10 · (1+1+0+0)/4 = 5 each.
	exact := []Item{{"x y", []string{"x y"}}, {"p q", []string{"p q"}}}
	if got, _, _ := CIDEr(exact); !near(got, 5, 1e-12) {
		t.Errorf("exact CIDEr = %g, want 5", got)
	}
	// "x z" vs "x y": unigram cosine 1/2 (z has df 0, weight log 2), no bigram
	// match: 10·0.5/4 = 1.25; the mean with the exact item is (1.25+5)/2.
	partial := []Item{{"x z", []string{"x y"}}, {"p q", []string{"p q"}}}
	got, per, _ := CIDEr(partial)
	if !near(per[0], 1.25, 1e-12) || !near(got, 3.125, 1e-12) {
		t.Errorf("partial CIDEr = %g (items %v), want 3.125 (1.25, 5)", got, per)
	}
}

// TestAgainstReference compares with testdata/captions_expected.json, made by
// the independent Python implementation testdata/cocoeval_ref.py from
// testdata/captions.json (24 captions).
func TestAgainstReference(t *testing.T) {
	var fixture []struct {
		Candidate  string   `json:"candidate"`
		References []string `json:"references"`
	}
	readJSON(t, "testdata/captions.json", &fixture)
	var want map[string]any
	readJSON(t, "testdata/captions_expected.json", &want)
	items := make([]Item, len(fixture))
	for i, f := range fixture {
		items[i] = Item{f.Candidate, f.References}
	}
	if len(items) < 20 {
		t.Fatalf("fixture has %d captions, want at least 20", len(items))
	}
	s, err := Score(items)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range s.Percent() {
		w := want[name].(float64) * 100
		if !near(got, w, 1e-9) {
			t.Errorf("%s = %.12f, want %.12f", name, got, w)
		}
	}
	_, per, _ := CIDEr(items)
	for i, w := range want["CIDEr_per_item"].([]any) {
		if !near(per[i], w.(float64), 1e-10) {
			t.Errorf("CIDEr item %d = %.12f, want %.12f", i, per[i], w.(float64))
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := BLEU(nil); err == nil {
		t.Error("BLEU(nil): no error")
	}
	if _, err := Score([]Item{{"a", nil}}); err == nil {
		t.Error("item without references: no error")
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func ExampleScore() {
	s, _ := Score([]Item{
		{"a man riding a wave", []string{"a man riding a wave", "a surfer on a wave"}},
		{"a cat on a couch", []string{"a cat sleeping on a couch"}},
	})
	p := s.Percent()
	_ = p["CIDEr"] // the paper's ×100 scale
	fmt.Printf("BLEU-1 %.2f\n", p["BLEU-1"])
	// Output: BLEU-1 90.48
}
