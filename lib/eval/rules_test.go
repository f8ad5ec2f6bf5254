package eval

import (
	"math"
	"testing"
)

// Each case below is an input on which the two rule versions disagree (plus
// a few on which they agree, to show the rule is narrow). The expected
// values are worked out by hand from the rules as read in VLMEvalKit's
// source (see the doc of [Rules]); the working is in the comments.

func bothRules(t *testing.T) (old, cur Rules) {
	t.Helper()
	old, err := ParseRules("2024-12")
	if err != nil {
		t.Fatal(err)
	}
	cur, err = ParseRules("2026-08")
	if err != nil {
		t.Fatal(err)
	}
	return old, cur
}

func TestParseRules(t *testing.T) {
	if r, err := ParseRules(""); err != nil || r.Version != DefaultRulesVersion || DefaultRulesVersion != "2024-12" {
		t.Errorf("ParseRules(\"\") = %v, %v; want the 2024-12 default", r, err)
	}
	if _, err := ParseRules("2025-01"); err == nil {
		t.Error("ParseRules(2025-01): want an error")
	}
	if (Rules{}).valid().Version != "2024-12" {
		t.Error("the zero Rules must act as the default")
	}
}

// 928a95b: the period-stripping regular expression.
func TestRulesPeriod(t *testing.T) {
	old, cur := bothRules(t)
	for _, c := range []struct{ in, old, cur string }{
		{"3.", "3", "3."},      // after a digit: removed before, kept after
		{"3.a", "3a", "3.a"},   // same, followed by a letter
		{"cat.", "cat", "cat"}, // no digit on either side: removed in both
		{"3.5", "3.5", "3.5"},  // followed by a digit: kept in both
		{".5", ".5", ".5"},
	} {
		if got := old.NormalizeVQA(c.in); got != c.old {
			t.Errorf("2024-12 NormalizeVQA(%q) = %q, want %q", c.in, got, c.old)
		}
		if got := cur.NormalizeVQA(c.in); got != c.cur {
			t.Errorf("2026-08 NormalizeVQA(%q) = %q, want %q", c.in, got, c.cur)
		}
	}
	// TextVQA: prediction "3." against four answers "3". 2024-12: "3" equals
	// the other three answers for each i, acc_i = min(1, 3/3) = 1 → 100.
	// 2026-08: "3." equals none → 0.
	preds := []Prediction{{Index: "1", Prediction: "3.", Answer: "['3', '3', '3', '3']"}}
	tv := mustLookup(t, "TextVQA")
	for _, c := range []struct {
		r    Rules
		want float64
	}{{old, 100}, {cur, 0}} {
		m, err := c.r.Score(tv, preds)
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, "TextVQA "+c.r.Version, m, map[string]float64{"Overall": c.want})
	}
}

// c3371551 and a67ace50: multiple-choice extraction.
func TestRulesChoice(t *testing.T) {
	old, cur := bothRules(t)
	opts := map[string]string{"A": "cat", "B": "dog", "C": "bird", "D": "fish"} // 3+3+4+4 = 14 characters, cap 28
	for _, c := range []struct{ answer, old, cur, why string }{
		{"B", "B", "B", "a lone letter: the last word in both"},
		{"The answer: B", "B", "B", "letter among the last four words"},
		{"B because it barks here", "B", "Z",
			"5 words, B at 0; 2026-08 needs index > 5-5 = 0; no phrase; text: 23 ≤ 28 characters but no option text → Z"},
		{"it is a dog, i am sure of it, really quite sure", "B", "Z",
			"no letter word (lower-case 'a' is not 'A'); text 'dog' → B, but 2026-08 skips text: 47 > 28 characters"},
		{"the answer is c", "Z", "C",
			"no letter word; 2026-08's phrase matches 'c' (any case) → C; 2024-12 text: no option text → Z"},
		{"My answer is bird", "C", "B",
			"2026-08's phrase takes the 'b' of 'bird' (no word boundary after the letter) → B; 2024-12 text 'bird' → C"},
	} {
		if got := old.ExtractChoice(c.answer, opts); got != c.old {
			t.Errorf("2024-12 ExtractChoice(%q) = %q, want %q (%s)", c.answer, got, c.old, c.why)
		}
		if got := cur.ExtractChoice(c.answer, opts); got != c.cur {
			t.Errorf("2026-08 ExtractChoice(%q) = %q, want %q (%s)", c.answer, got, c.cur, c.why)
		}
	}
	// Rules common to both versions.
	for _, c := range []struct{ answer, want string }{
		{"A or B", "Z"},                      // two letters, no option text → Z
		{"Z", "Z"},                           // no option letter but Z
		{"Cannot determine the answer", "Z"}, // a refusal
		{"D: fish", "D"},                     // letter D (the text agrees)
	} {
		for _, r := range []Rules{old, cur} {
			if got := r.ExtractChoice(c.answer, opts); got != c.want {
				t.Errorf("%s ExtractChoice(%q) = %q, want %q", r.Version, c.answer, got, c.want)
			}
		}
	}
	// Scored: MMStar-like items with l2-category and category. Gold answers
	// B, B, C, C for the four differing answers above. 2024-12 extracts B,
	// B, Z, C → hits 1,1,0,1; 2026-08 extracts Z, Z, C, B → hits 0,0,1,0.
	preds := []Prediction{
		{Index: "1", Prediction: "B because it barks here", Answer: "B", Options: opts, Category: "coarse_perception", L2Category: "perception"},
		{Index: "2", Prediction: "it is a dog, i am sure of it, really quite sure", Answer: "B", Options: opts, Category: "logic", L2Category: "reasoning"},
		{Index: "3", Prediction: "the answer is c", Answer: "C", Options: opts, Category: "logic", L2Category: "reasoning"},
		{Index: "4", Prediction: "My answer is bird", Answer: "C", Options: opts, Category: "coarse_perception", L2Category: "perception"},
	}
	mc := mustLookup(t, "MMStar")
	for _, c := range []struct {
		r    Rules
		want map[string]float64
	}{
		// 2024-12: perception items 1,4 → (1+1)/2; reasoning items 2,3 → (1+0)/2.
		{old, map[string]float64{"Overall": 75, "l2-category:perception": 100, "l2-category:reasoning": 50, "category:CP": 100, "category:logic": 50}},
		// 2026-08: perception items 1,4 → (0+0)/2; reasoning items 2,3 → (0+1)/2.
		{cur, map[string]float64{"Overall": 25, "l2-category:perception": 0, "l2-category:reasoning": 50, "category:CP": 0, "category:logic": 50}},
	} {
		m, err := c.r.Score(mc, preds)
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, "MMStar "+c.r.Version, m, c.want)
		if len(m) != len(c.want) {
			t.Errorf("MMStar %s: metrics %v, want exactly %v", c.r.Version, m.Names(), c.want)
		}
	}
}

// 677e30a: ChartQA's relaxed_correctness argument order.
func TestRulesRelaxed(t *testing.T) {
	old, cur := bothRules(t)
	for _, c := range []struct {
		gold, pred string
		old, cur   bool
	}{
		// 2024-12 |gold−pred|/|pred|, 2026-08 |pred−gold|/|gold|:
		{"100", "95.2", false, true},  // 4.8/95.2 = 0.0504 > 0.05; 4.8/100 = 0.048
		{"95.2", "100", true, false},  // 4.8/100 = 0.048; 4.8/95.2 = 0.0504
		{"100", "105", true, true},    // 5/105 = 0.0476; 5/100 = 0.05 (≤ 0.05)
		{"5", "0", false, false},      // 2024-12: prediction 0 → string compare "0" ≠ "5"; 2026-08: 5/5 = 1
		{"0", "5", false, false},      // the mirror image
		{"12%", "0.12", true, true},   // "12%" is 0.12
		{"1_000", "1000", true, true}, // Python's float accepts underscores between digits
		{"0x10", "16", false, false},  // but not hexadecimal: strings differ
		{"٣", "3", true, true},        // Arabic-Indic three is a decimal digit for Python's float
	} {
		if got := old.RelaxedMatch(c.gold, c.pred); got != c.old {
			t.Errorf("2024-12 RelaxedMatch(gold %q, pred %q) = %v, want %v", c.gold, c.pred, got, c.old)
		}
		if got := cur.RelaxedMatch(c.gold, c.pred); got != c.cur {
			t.Errorf("2026-08 RelaxedMatch(gold %q, pred %q) = %v, want %v", c.gold, c.pred, got, c.cur)
		}
	}
	// Scored with splits (ChartQA's human/augmented): VLMEvalKit reports
	// each split and Overall, no categories. Hits 2024-12: 0,1,1,1;
	// 2026-08: 1,0,1,1 (items 3 and 4 agree: "17" = "17", max over ['dog',
	// 'cat'] of "Cat" lower-cased = 1).
	preds := []Prediction{
		{Index: "1", Answer: "100", Prediction: "95.2", Split: "human", Category: "x"},
		{Index: "2", Answer: "95.2", Prediction: "100", Split: "augmented", Category: "x"},
		{Index: "3", Answer: "17", Prediction: " 17 ", Split: "human", Category: "x"},
		{Index: "4", Answer: "['dog', 'cat']", Prediction: "Cat", Split: "augmented", Category: "x"},
	}
	cq := mustLookup(t, "ChartQA")
	for _, c := range []struct {
		r    Rules
		want map[string]float64
	}{
		{old, map[string]float64{"Overall": 75, "split:human": 50, "split:augmented": 100}},
		{cur, map[string]float64{"Overall": 75, "split:human": 100, "split:augmented": 50}},
	} {
		m, err := c.r.Score(cq, preds)
		if err != nil {
			t.Fatal(err)
		}
		checkMetrics(t, "ChartQA "+c.r.Version, m, c.want)
		if len(m) != len(c.want) {
			t.Errorf("ChartQA %s: metrics %v, want exactly %v", c.r.Version, m.Names(), c.want)
		}
	}
	if v, ok := pyFloat(" -inf "); !ok || !math.IsInf(v, -1) {
		t.Errorf("pyFloat(-inf) = %v, %v", v, ok)
	}
	for _, bad := range []string{"1__0", "_1", "1_", "0x10", "1e", "--1", ""} {
		if _, ok := pyFloat(bad); ok {
			t.Errorf("pyFloat(%q) parsed; Python's float rejects it", bad)
		}
	}
}

// Python's str.lower in the scorers: OCRVQA's exact match and OCRBench.
func TestScorersLowerLikePython(t *testing.T) {
	// Python: "ΟΔΟΣ".lower() == "οδος" == "οδος".lower(); Go's ToLower gives "οδοσ".
	if !ExactMatch("οδος", "ΟΔΟΣ") {
		t.Error(`ExactMatch("οδος", "ΟΔΟΣ"): Python's lower() makes them equal`)
	}
	// Python: "İ".lower() is "i̇" (two code points), so "i" is a substring
	// of it and "İ" matches an answer "i"… while "i̇" does not equal "i".
	if ExactMatch("i", "İ") {
		t.Error(`ExactMatch("i", "İ"): Python's lower() gives "i\u0307" ≠ "i"`)
	}
	if !OCRBenchHit("Regular Text Recognition", "STRASSE", []string{"strasse"}) || OCRBenchHit("Regular Text Recognition", "STRAẞE", []string{"strasse"}) {
		t.Error("OCRBenchHit: 'ẞ' lower-cases to 'ß', not 'ss'")
	}
}
