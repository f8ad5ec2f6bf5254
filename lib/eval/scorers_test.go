package eval

import (
	"math"
	"strings"
	"testing"
)

func approx(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func checkMetrics(t *testing.T, name string, got Metrics, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: metric %q missing (have %v)", name, k, got.Names())
			continue
		}
		if !approx(g, w) {
			t.Errorf("%s: %s = %.10g, want %.10g", name, k, g, w)
		}
	}
}

func TestNormalizeVQA(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"The Cat.", "cat"},
		{"two dogs", "2 dogs"},
		{"dont know", "don't know"},
		{"1,000", "1000"},           // digit,digit: commas are deleted
		{"a-b", "b"},                // "a-b" → "a b" (hyphen to space), then the article "a" is dropped
		{"x-ray", "x ray"},          // punctuation not next to a space becomes a space
		{"yes, it is", "yes it is"}, // ", " present: the comma is deleted
		{"3.5 m", "3.5 m"},          // a period before a digit stays
		{"  Ten\tApples\n", "10 apples"},
		{"An orange", "orange"},
	} {
		if got := NormalizeVQA(tc.in); got != tc.want {
			t.Errorf("NormalizeVQA(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExtractYesNo(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Yes, there is.", "Yes"},
		{"No.", "No"},
		{"NO", "No"},
		{"yes and no", "Unknown"},
		{"Yesterday", "Unknown"},
		{"I think so", "Unknown"},
		{"(yes)", "Yes"},
	} {
		if got := ExtractYesNo(tc.in); got != tc.want {
			t.Errorf("ExtractYesNo(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestPOPE(t *testing.T) {
	// Four items: TP, FN, FP, TN → P = R = F1 = acc = 0.5.
	preds := []Prediction{
		{Index: "1", Answer: "Yes", Prediction: "Yes", Category: "random"},
		{Index: "2", Answer: "Yes", Prediction: "no", Category: "random"},
		{Index: "3", Answer: "No", Prediction: "yes.", Category: "random"},
		{Index: "4", Answer: "No", Prediction: "No", Category: "random"},
	}
	m, err := ScorePOPE(preds)
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "balanced", m, map[string]float64{"Overall": 50, "acc": 50, "precision": 50, "recall": 50, "category:random/Overall": 50})

	// Multi-category items are counted once per category, also in Overall:
	// rows (Y,Y,a) (N,Y,a) (N,Y,b): TP 1, FP 2, FN 0 → P 1/3, R 1, F1 1/2, acc 1/3.
	// Category a: P 1/2, R 1, F1 2/3, acc 1/2; category b: P = R = F1 = 0, acc 0.
	preds = []Prediction{
		{Index: "1", Answer: "Yes", Prediction: "yes", Category: "a"},
		{Index: "2", Answer: "No", Prediction: "yes", Category: "a,b"},
	}
	m, _ = ScorePOPE(preds)
	checkMetrics(t, "exploded", m, map[string]float64{
		"Overall": 50, "acc": 100.0 / 3, "precision": 100.0 / 3, "recall": 100,
		"category:a/Overall": 200.0 / 3, "category:a/acc": 50, "category:b/Overall": 0, "category:b/recall": 0,
	})
}

func TestMME(t *testing.T) {
	preds := []Prediction{
		// color: 3 of 4 right (75), one of two images fully right (50) → 125.
		{Index: "1", Category: "color", ImageKey: "i1", Answer: "Yes", Prediction: "Yes"},
		{Index: "2", Category: "color", ImageKey: "i1", Answer: "No", Prediction: "No"},
		{Index: "3", Category: "color", ImageKey: "i2", Answer: "Yes", Prediction: "Yes"},
		{Index: "4", Category: "color", ImageKey: "i2", Answer: "No", Prediction: "Yes"},
		// code_reasoning: 1 of 2 (50), no image fully right (0) → 50.
		{Index: "5", Category: "code_reasoning", ImageKey: "i3", Answer: "Yes", Prediction: "No"},
		{Index: "6", Category: "code_reasoning", ImageKey: "i3", Answer: "No", Prediction: "No"},
	}
	m, err := ScoreMME(preds)
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "MME", m, map[string]float64{"category:color": 125, "category:code_reasoning": 50, "Perception": 125, "Cognition": 50, "Overall": 175})
	if _, err := ScoreMME(preds[:5]); err == nil || !strings.Contains(err.Error(), "i3") {
		t.Errorf("an image with one question: err = %v, want one naming image i3", err)
	}
}

func TestHallusion(t *testing.T) {
	preds := []Prediction{
		{Index: "VS_chart_x_0_0_0", L2Category: "chart", Answer: "Yes", Prediction: "Yes"},
		{Index: "VS_chart_x_0_0_1", L2Category: "chart", Answer: "No", Prediction: "No"},
		{Index: "VS_chart_x_0_1_0", L2Category: "chart", Answer: "No", Prediction: "No"},
		{Index: "VS_chart_x_0_1_1", L2Category: "chart", Answer: "Yes", Prediction: "No"},
	}
	// aAcc 3/4; figures: fig 0 all right, fig 1 not → 1/2; questions: q0 right
	// on both figures, q1 not → 1/2; Overall = (75+50+50)/3.
	m, err := ScoreHallusion(preds)
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "Hallusion", m, map[string]float64{"aAcc": 75, "fAcc": 50, "qAcc": 50, "Overall": 175.0 / 3,
		"category:chart/aAcc": 75, "category:chart/qAcc": 50})
	if _, err := ScoreHallusion([]Prediction{{Index: "7", Answer: "Yes", Prediction: "Yes"}}); err == nil {
		t.Error("index without ids: no error")
	}
}

func TestExtractChoice(t *testing.T) {
	opts := map[string]string{"A": "dog", "B": "cat", "C": "blue whale", "D": "owl"}
	for _, tc := range []struct{ in, want string }{
		{"B", "B"},
		{"The answer is (C).", "C"},
		{"B. cat", "B"},
		{"It is a blue whale", "C"},          // no letter word; option text found
		{"I choose B and C", "Z"},            // two letters; no option text → failure
		{"cat or dog", "Z"},                  // two option texts → failure
		{"Z", "Z"},                           // VLMEvalKit's explicit failure letter
		{"Cannot determine the answer", "Z"}, // refusal
		{"b", "Z"},                           // letters are case-sensitive; "b" is no option text
	} {
		if got := ExtractChoice(tc.in, opts); got != tc.want {
			t.Errorf("ExtractChoice(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMultipleChoice(t *testing.T) {
	opts := map[string]string{"A": "red", "B": "green"}
	preds := []Prediction{
		{Index: "1", Answer: "A", Prediction: "A", Options: opts, Category: "x"},
		{Index: "2", Answer: "B", Prediction: "It is green.", Options: opts, Category: "x"},
		{Index: "3", Answer: "B", Prediction: "A", Options: opts, Category: "y"},
	}
	m, _ := ScoreMultipleChoice(preds)
	checkMetrics(t, "MCQ", m, map[string]float64{"Overall": 200.0 / 3, "category:x": 100, "category:y": 0})
}

func TestVQAAccuracy(t *testing.T) {
	ans := append(strings.Split(strings.Repeat("cat,", 3), ",")[:3], strings.Split(strings.Repeat("dog,", 7), ",")[:7]...)
	for _, tc := range []struct {
		pred string
		ans  []string
		want float64
	}{
		// "cat": 3 leave-one-out sets with 2 other cats (2/3) and 7 with 3 (1) → 0.9.
		{"cat", ans, (3*2.0/3 + 7) / 10},
		{"Dog.", ans, 1},
		{"bird", ans, 0},
		{"Two", []string{"2", "2", "2", "2"}, 1},
		// one matching answer among four: 3 sets contain it (1/3), one does not → 0.25.
		{"x", []string{"x", "y", "y", "y"}, 0.25},
	} {
		if got := VQAAccuracy(tc.pred, tc.ans); !approx(got, tc.want) {
			t.Errorf("VQAAccuracy(%q) = %g, want %g", tc.pred, got, tc.want)
		}
	}
}

func TestRelaxedAndExact(t *testing.T) {
	for _, tc := range []struct {
		target, pred string
		want         bool
	}{
		{"100", "104", true},
		{"100", "106", false},
		{"100", "95", false}, // 2024-12: tolerance relative to the prediction, 5/95 = 0.0526 > 0.05
		{"12%", "0.12", true},
		{"0", "0", true}, // target 0: string comparison
		{"0", "0.0", false},
		{"Yes", " yes ", true},
		{"5", "5.2", true},
		{"Paris", "paris.", false},
	} {
		if got := RelaxedMatch(tc.target, tc.pred); got != tc.want {
			t.Errorf("RelaxedMatch(%q, %q) = %v, want %v", tc.target, tc.pred, got, tc.want)
		}
	}
	if !ExactMatch("The Hobbit", " the hobbit ") || ExactMatch("The Hobbit", "Hobbit") {
		t.Error("ExactMatch: wrong result")
	}
	// ChartQA takes the max over answers; the mean is ×100.
	m, _ := Score(mustLookup(t, "ChartQA"), []Prediction{
		{Index: "1", Answer: "17", Prediction: "17.5"},
		{Index: "2", Answer: "['3', '4']", Prediction: "4"},
		{Index: "3", Answer: "dog", Prediction: "cat"},
		{Index: "4", Answer: "50", Prediction: "60"},
	})
	checkMetrics(t, "ChartQA", m, map[string]float64{"Overall": 50})
}

func TestOCRBench(t *testing.T) {
	preds := []Prediction{
		{Index: "1", Category: "Regular Text Recognition", Answer: "['cat']", Prediction: "The word is CAT"},
		{Index: "2", Category: "Digit String Recognition", Answer: "['123', '0123']", Prediction: "12 3"},
		{Index: "3", Category: "Handwritten Mathematical Expression Recognition", Answer: "['x^{2}+1']", Prediction: "x ^ { 2 } + 1"},
		{Index: "4", Category: "Handwritten Mathematical Expression Recognition", Answer: "['X']", Prediction: "x"}, // case kept
		{Index: "5", Category: "Key Information Extraction", Answer: "['ACME LTD']", Prediction: "acme ltd."},
	}
	m, err := ScoreOCRBench(preds)
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, "OCRBench", m, map[string]float64{
		"Text Recognition": 1, "Handwritten Mathematical Expression Recognition": 1, "Key Information Extraction": 1,
		"Final Score": 3, "Final Score Norm": 0.3,
	})
	if _, err := ScoreOCRBench([]Prediction{{Index: "9", Category: "Poetry", Answer: "['a']"}}); err == nil {
		t.Error("unknown category: no error")
	}
}

func TestCaptionScore(t *testing.T) {
	m, err := Score(mustLookup(t, "COCO_VAL"), []Prediction{
		{Index: "1", Prediction: "a b c d", Answer: "['a c d e f']"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// ROUGE-L: LCS 3, P 3/4, R 3/5 → 100·2.44·0.45/1.68.
	checkMetrics(t, "caption", m, map[string]float64{"ROUGE-L": 100 * 2.44 * 0.45 / 1.68, "CIDEr": 0})
	if _, err := Score(mustLookup(t, "COCO_VAL"), []Prediction{{Index: "1", Prediction: "x", Answer: "x"}}); err == nil {
		t.Error("caption without references: no error")
	}
}

func TestParseStringList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{`['a', "b's", 'c\'d']`, []string{"a", "b's", "c'd"}, true},
		{`[]`, []string{}, true},
		{` ['x\ny'] `, []string{"x\ny"}, true},
		{`['caf\xe9']`, []string{"café"}, true},
		{`plain answer`, nil, false},
	} {
		got, ok, err := ParseStringList(tc.in)
		if ok != tc.ok || err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("ParseStringList(%q) = %q, %v, %v; want %q, %v", tc.in, got, ok, err, tc.want, tc.ok)
		}
	}
	for _, bad := range []string{`['a' 'b']`, `['a]`, `[1, 2]`} {
		if _, ok, err := ParseStringList(bad); !ok || err == nil {
			t.Errorf("ParseStringList(%q): want an error", bad)
		}
	}
	list := []string{"it's", `back\slash`, "new\nline"}
	if got, _, _ := ParseStringList(FormatStringList(list)); strings.Join(got, "|") != strings.Join(list, "|") {
		t.Errorf("round trip: %q", got)
	}
}

func TestLookup(t *testing.T) {
	for in, want := range map[string]string{"SEEDBench IMG": "SEEDBench_IMG", "seedbench2_plus": "SEEDBench2_Plus", "COCO VAL": "COCO_VAL", "textvqa": "TextVQA_VAL", "POPE": "POPE"} {
		if b, err := Lookup(in); err != nil || b.Name != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", in, b.Name, err, want)
		}
	}
	if _, err := Lookup("ImageNet"); err == nil {
		t.Error("Lookup(ImageNet): no error")
	}
	if len(Benchmarks()) != 15 {
		t.Errorf("%d benchmarks, want 15", len(Benchmarks()))
	}
	for _, tc := range []struct {
		name string
		tok  int
	}{{"MMStar", 32}, {"POPE", 32}, {"COCO_VAL", 32}, {"TextVQA_VAL", 10}, {"ChartQA_TEST", 100}, {"OCRVQA_TESTCORE", 100}, {"OCRBench", 512}} {
		if b := mustLookup(t, tc.name); b.MaxNewTokens != tc.tok {
			t.Errorf("%s: max_new_tokens %d, want %d (docs/evaluation.md)", tc.name, b.MaxNewTokens, tc.tok)
		}
	}
}

func mustLookup(t *testing.T, name string) Benchmark {
	t.Helper()
	b, err := Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
