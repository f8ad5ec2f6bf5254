package eval

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/eval/caption"
)

// Metrics maps metric names to values on the paper's scale (percentages,
// MME's summed scores, OCRBench's count). Main metrics have the names
// Appendix D uses ("Overall", "acc", "Perception", "aAcc", "BLEU-1",
// "Final Score", …); per-category splits are named "category:<name>".
type Metrics map[string]float64

// Names returns the metric names sorted, main metrics before categories.
func (m Metrics) Names() []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		ci, cj := strings.HasPrefix(names[i], "category:"), strings.HasPrefix(names[j], "category:")
		if ci != cj {
			return !ci
		}
		return names[i] < names[j]
	})
	return names
}

// Score scores the predictions of benchmark b the way VLMEvalKit does with
// exact matching (no LLM judge); see the scorer of each kind for its
// formula.
func Score(b Benchmark, preds []Prediction) (Metrics, error) {
	if len(preds) == 0 {
		return nil, errors.New("eval: no predictions to score")
	}
	var m Metrics
	var err error
	switch {
	case b.Name == "POPE":
		m, err = ScorePOPE(preds)
	case b.Name == "MME":
		m, err = ScoreMME(preds)
	case b.Name == "HallusionBench":
		m, err = ScoreHallusion(preds)
	case b.Kind == YesNo:
		m, err = scoreYesNoPlain(preds)
	case b.Kind == MultipleChoice:
		m, err = ScoreMultipleChoice(preds)
	case b.Kind == Caption:
		m, err = ScoreCaption(preds)
	case b.Name == "OCRBench":
		m, err = ScoreOCRBench(preds)
	case b.Name == "ChartQA_TEST":
		m = scoreVQA(preds, RelaxedMatch, maxOf)
	case b.Name == "OCRVQA_TESTCORE":
		m = scoreVQA(preds, ExactMatch, maxOf)
	default: // TextVQA and any other open VQA: VQA accuracy
		m = scoreVQA(preds, nil, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("eval: score %s: %w", b.Name, err)
	}
	return m, nil
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// sortedKeys returns the keys of a map in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// ---- yes/no ----

// ExtractYesNo maps a free-text answer to "Yes", "No" or "Unknown" as
// VLMEvalKit's YOrN_Extraction does: lower-case, apply the VQA punctuation
// rule, split into words; "yes" without "no" is Yes, "no" without "yes" is No,
// anything else Unknown.
func ExtractYesNo(s string) string {
	words := strings.Fields(processPunctuation(strings.ToLower(s)))
	var yes, no bool
	for _, w := range words {
		yes = yes || w == "yes"
		no = no || w == "no"
	}
	switch {
	case yes && !no:
		return "Yes"
	case no && !yes:
		return "No"
	}
	return "Unknown"
}

func scoreYesNoPlain(preds []Prediction) (Metrics, error) {
	var hits []float64
	for _, p := range preds {
		hits = append(hits, b2f(ExtractYesNo(p.Prediction) == p.Answer))
	}
	return Metrics{"Overall": 100 * mean(hits)}, nil
}

// prf returns F1, precision and recall of "Yes" as the positive class
// (0 where a denominator is 0).
func prf(answers, extracted []string) (f1, prec, rec float64) {
	var tp, fp, fn float64
	for i := range answers {
		t, p := answers[i] == "Yes", extracted[i] == "Yes"
		switch {
		case t && p:
			tp++
		case !t && p:
			fp++
		case t && !p:
			fn++
		}
	}
	if tp+fp > 0 {
		prec = tp / (tp + fp)
	}
	if tp+fn > 0 {
		rec = tp / (tp + fn)
	}
	if prec+rec > 0 {
		f1 = 2 * prec * rec / (prec + rec)
	}
	return
}

// ScorePOPE computes POPE's metrics as VLMEvalKit's POPE_rating does. Each
// prediction is first repeated once per comma-separated category (so
// "Overall" counts an item once per category it belongs to). With "Yes" the
// positive class and the extracted answer as the prediction ("Unknown" counts
// as No): precision = TP/(TP+FP), recall = TP/(TP+FN), Overall = F1 =
// 2PR/(P+R), acc = mean(extracted == answer); all ×100, also per category
// ("category:<c>/Overall", …).
func ScorePOPE(preds []Prediction) (Metrics, error) {
	type row struct{ ans, ext, cat string }
	var rows []row
	for _, p := range preds {
		for _, c := range strings.Split(p.Category, ",") {
			rows = append(rows, row{p.Answer, ExtractYesNo(p.Prediction), c})
		}
	}
	m := Metrics{}
	put := func(prefix string, rs []row) {
		var ans, ext []string
		var hits []float64
		for _, r := range rs {
			ans, ext = append(ans, r.ans), append(ext, r.ext)
			hits = append(hits, b2f(r.ans == r.ext))
		}
		f1, p, r := prf(ans, ext)
		m[prefix+"Overall"], m[prefix+"acc"], m[prefix+"precision"], m[prefix+"recall"] = 100*f1, 100*mean(hits), 100*p, 100*r
	}
	put("", rows)
	byCat := map[string][]row{}
	for _, r := range rows {
		if r.cat != "" {
			byCat[r.cat] = append(byCat[r.cat], r)
		}
	}
	for c, rs := range byCat {
		put("category:"+c+"/", rs)
	}
	return m, nil
}

// MME's categories, by the two super-categories the paper reports.
var (
	MMEPerception = []string{"OCR", "artwork", "celebrity", "color", "count", "existence", "landmark", "position", "posters", "scene"}
	MMECognition  = []string{"code_reasoning", "commonsense_reasoning", "numerical_calculation", "text_translation"}
)

// ScoreMME computes MME's scores as VLMEvalKit's MME_rating does. Per
// category c: acc = 100·mean(correct) over its questions, acc+ = 100·mean
// over its images of [both of the image's first two questions correct]
// (questions are paired by image_key); score(c) = acc + acc+ (max 200).
// Perception = Σ score over the 10 perception categories, Cognition = Σ over
// the 4 cognition categories, Overall = Perception + Cognition (max 2800).
// Categories absent from the predictions contribute nothing, and a
// super-category none of whose categories is present is not reported
// (VLMEvalKit requires all 14; a partial file is accepted here so that small
// generated benchmarks can be scored).
func ScoreMME(preds []Prediction) (Metrics, error) {
	type group struct{ hits []bool }
	cats := map[string]map[string]*group{}
	catOrder := map[string][]string{}
	for _, p := range preds {
		if p.Category == "" {
			return nil, fmt.Errorf("index %q: MME needs a category", p.Index)
		}
		key := p.ImageKey
		if key == "" {
			return nil, fmt.Errorf("index %q: MME needs image_key to pair the questions of an image", p.Index)
		}
		if cats[p.Category] == nil {
			cats[p.Category] = map[string]*group{}
		}
		g := cats[p.Category][key]
		if g == nil {
			g = &group{}
			cats[p.Category][key] = g
			catOrder[p.Category] = append(catOrder[p.Category], key)
		}
		g.hits = append(g.hits, ExtractYesNo(p.Prediction) == p.Answer)
	}
	m := Metrics{}
	for c, groups := range cats {
		var all, plus []float64
		for _, key := range catOrder[c] {
			g := groups[key]
			if len(g.hits) < 2 {
				return nil, fmt.Errorf("category %q, image %q: MME pairs two questions per image, found %d", c, key, len(g.hits))
			}
			for _, h := range g.hits {
				all = append(all, b2f(h))
			}
			plus = append(plus, b2f(g.hits[0] && g.hits[1]))
		}
		m["category:"+c] = 100*mean(all) + 100*mean(plus)
	}
	sum := func(names []string) float64 {
		var s float64
		for _, c := range names {
			s += m["category:"+c]
		}
		return s
	}
	// A super-category with none of its categories present is left out
	// rather than reported as 0.
	var overall float64
	for _, sc := range []struct {
		name string
		cats []string
	}{{"Perception", MMEPerception}, {"Cognition", MMECognition}} {
		present := false
		for _, c := range sc.cats {
			_, ok := cats[c]
			present = present || ok
		}
		if present {
			m[sc.name] = sum(sc.cats)
			overall += m[sc.name]
		}
	}
	m["Overall"] = overall
	return m, nil
}

// ScoreHallusion computes HallusionBench's accuracies as VLMEvalKit's
// Hallusion_rating does: aAcc = 100·mean(correct) over questions; fAcc =
// 100·mean over figures (l2-category, set, figure) of [all its questions
// correct]; qAcc = 100·mean over questions (l2-category, set, question) of
// [correct on all its figures]; Overall = (aAcc+fAcc+qAcc)/3, the mean that
// Table 1 fits. The three accuracies are also reported per category and per
// l2-category ("category:<c>/aAcc", …).
func ScoreHallusion(preds []Prediction) (Metrics, error) {
	type row struct {
		p           Prediction
		set, fig, q string
		ok          bool
	}
	rows := make([]row, len(preds))
	for i, p := range preds {
		set, f, q, err := p.hallusionIDs()
		if err != nil {
			return nil, err
		}
		rows[i] = row{p, set, f, q, ExtractYesNo(p.Prediction) == p.Answer}
	}
	accs := func(rs []row) (a, f, q float64) {
		fig, que := map[string]bool{}, map[string]bool{}
		var hits []float64
		and := func(m map[string]bool, k string, ok bool) {
			if prev, seen := m[k]; seen {
				m[k] = prev && ok
			} else {
				m[k] = ok
			}
		}
		for _, r := range rs {
			hits = append(hits, b2f(r.ok))
			and(fig, r.p.L2Category+"_"+r.set+"_"+r.fig, r.ok)
			and(que, r.p.L2Category+"_"+r.set+"_"+r.q, r.ok)
		}
		frac := func(m map[string]bool) float64 {
			var n float64
			for _, v := range m {
				n += b2f(v)
			}
			return 100 * n / float64(len(m))
		}
		return 100 * mean(hits), frac(fig), frac(que)
	}
	a, f, q := accs(rows)
	m := Metrics{"aAcc": a, "fAcc": f, "qAcc": q, "Overall": (a + f + q) / 3}
	split := map[string][]row{}
	for _, r := range rows {
		if r.p.Category != "" {
			split[r.p.Category] = append(split[r.p.Category], r)
		}
		if r.p.L2Category != "" && r.p.L2Category != r.p.Category {
			split[r.p.L2Category] = append(split[r.p.L2Category], r)
		}
	}
	for c, rs := range split {
		a, f, q := accs(rs)
		m["category:"+c+"/aAcc"], m["category:"+c+"/fAcc"], m["category:"+c+"/qAcc"] = a, f, q
	}
	return m, nil
}

// ---- multiple choice ----

// refusals are answers VLMEvalKit maps to the failure option "Z".
var refusals = []string{
	"Sorry, I can't help with images of people yet.",
	"I can't process this file.",
	"I'm sorry, but without the image provided",
	"Cannot determine the answer",
}

// ExtractChoice finds the option a free-text answer picks, as VLMEvalKit's
// can_infer does under exact matching:
//  1. a known refusal gives "Z";
//  2. option letters: the characters .()[],:;!*#{} become spaces and the text
//     is split into words; if exactly one option letter occurs as a word,
//     that letter; if none does but "Z" does, "Z";
//  3. option text: if exactly one option's text (lower-cased) is a substring
//     of the lower-cased answer, that option;
//  4. otherwise "Z" (no option; never equal to the answer).
//
// This is the rule of VLMEvalKit's matching utilities as of 2024, when the
// paper was evaluated. Their "A might be an article" check (a lone "A" in an
// answer of more than three words) runs only with VERBOSE set, so it is not
// applied. Later versions (2025) add two rules not applied here: the letter
// must not sit in the last five words, and text matching is skipped for
// answers longer than twice the options' total length.
func ExtractChoice(answer string, options map[string]string) string {
	for _, r := range refusals {
		if strings.Contains(answer, r) {
			return "Z"
		}
	}
	mod := strings.Map(func(r rune) rune {
		if strings.ContainsRune(".()[],:;!*#{}", r) {
			return ' '
		}
		return r
	}, answer)
	words := map[string]bool{}
	for _, w := range strings.Fields(mod) {
		words[w] = true
	}
	var found []string
	for _, l := range sortedKeys(options) {
		if words[l] {
			found = append(found, l)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	if len(found) == 0 && words["Z"] {
		return "Z"
	}
	low := strings.ToLower(answer)
	found = found[:0]
	for _, l := range sortedKeys(options) {
		if strings.Contains(low, strings.ToLower(options[l])) {
			found = append(found, l)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return "Z"
}

// ScoreMultipleChoice computes accuracy: Overall = 100·mean([ExtractChoice
// (prediction) == answer]), also per category. Without "options" only the
// letters A–D (those named by answers) can be extracted.
func ScoreMultipleChoice(preds []Prediction) (Metrics, error) {
	var hits []float64
	byCat := map[string][]float64{}
	for _, p := range preds {
		opts := p.Options
		if len(opts) == 0 {
			opts = map[string]string{}
			for _, l := range []string{"A", "B", "C", "D"} {
				opts[l] = "\x00" + l // letters only: text never matches
			}
		}
		h := b2f(ExtractChoice(p.Prediction, opts) == strings.TrimSpace(p.Answer))
		hits = append(hits, h)
		if p.Category != "" {
			byCat[p.Category] = append(byCat[p.Category], h)
		}
	}
	m := Metrics{"Overall": 100 * mean(hits)}
	for c, hs := range byCat {
		m["category:"+c] = 100 * mean(hs)
	}
	return m, nil
}

// ---- captions ----

// ScoreCaption computes COCO's BLEU-1…4, ROUGE-L and CIDEr ×100 with package
// caption over all predictions together (raw strings, as VLMEvalKit).
func ScoreCaption(preds []Prediction) (Metrics, error) {
	items := make([]caption.Item, len(preds))
	for i, p := range preds {
		refs := p.References
		if len(refs) == 0 {
			list, ok, err := ParseStringList(p.Answer)
			if !ok || err != nil || len(list) == 0 {
				return nil, fmt.Errorf("index %q: a caption needs \"references\" or an answer holding a Python list of references", p.Index)
			}
			refs = list
		}
		items[i] = caption.Item{Candidate: p.Prediction, References: refs}
	}
	s, err := caption.Score(items)
	if err != nil {
		return nil, err
	}
	return Metrics(s.Percent()), nil
}

// ---- open VQA ----

// VQAAccuracy is the VQA accuracy of one prediction against the human
// answers, as VLMEvalKit computes it for TextVQA: after [NormalizeVQA] of
// all strings, for each answer i, acc_i = min(1, #{j ≠ i : answer_j ==
// prediction}/3); the result is the mean of acc_i.
func VQAAccuracy(prediction string, answers []string) float64 {
	pred := NormalizeVQA(prediction)
	norm := make([]string, len(answers))
	for i, a := range answers {
		norm[i] = NormalizeVQA(a)
	}
	var total float64
	for i := range norm {
		var n float64
		for j := range norm {
			if j != i && norm[j] == pred {
				n++
			}
		}
		total += math.Min(1, n/3)
	}
	return total / float64(len(norm))
}

// pyFloat parses a number the way Python's float() does for the common
// cases (surrounding white space allowed, "inf"/"nan" accepted).
func pyFloat(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// RelaxedMatch is ChartQA's relaxed correctness (Methani et al.; pix2struct):
// the prediction is trimmed; when both parse as numbers ("x%" is x/100) and
// the target is not 0, |pred − target|/|target| ≤ 0.05; otherwise the
// lower-cased strings must be equal.
func RelaxedMatch(target, prediction string) bool {
	prediction = strings.TrimSpace(prediction)
	toF := func(s string) (float64, bool) {
		if strings.HasSuffix(s, "%") {
			v, ok := pyFloat(strings.TrimSuffix(s, "%"))
			return v / 100, ok
		}
		return pyFloat(s)
	}
	p, pok := toF(prediction)
	t, tok := toF(target)
	if pok && tok && t != 0 {
		return math.Abs(p-t)/math.Abs(t) <= 0.05
	}
	return strings.ToLower(prediction) == strings.ToLower(target)
}

// ExactMatch is OCRVQA's accuracy: the trimmed, lower-cased strings are equal.
func ExactMatch(target, prediction string) bool {
	return strings.ToLower(strings.TrimSpace(target)) == strings.ToLower(strings.TrimSpace(prediction))
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = math.Max(m, x)
	}
	return m
}

// scoreVQA scores open answers: with match == nil the VQA accuracy
// (TextVQA), else reduce(match(answer_i, prediction)) over the answers
// (ChartQA and OCRVQA take the max). Overall = 100·mean, also per category.
func scoreVQA(preds []Prediction, match func(target, pred string) bool, reduce func([]float64) float64) Metrics {
	var hits []float64
	byCat := map[string][]float64{}
	for _, p := range preds {
		var h float64
		if match == nil {
			h = VQAAccuracy(p.Prediction, p.answers())
		} else {
			var ms []float64
			for _, a := range p.answers() {
				ms = append(ms, b2f(match(a, p.Prediction)))
			}
			h = reduce(ms)
		}
		hits = append(hits, h)
		if p.Category != "" {
			byCat[p.Category] = append(byCat[p.Category], h)
		}
	}
	m := Metrics{"Overall": 100 * mean(hits)}
	for c, hs := range byCat {
		m["category:"+c] = 100 * mean(hs)
	}
	return m
}

// OCRBenchGroups are OCRBench's five reported groups and the categories
// each sums.
var OCRBenchGroups = []struct {
	Name       string
	Categories []string
}{
	{"Text Recognition", []string{"Regular Text Recognition", "Irregular Text Recognition", "Artistic Text Recognition", "Handwriting Recognition", "Digit String Recognition", "Non-Semantic Text Recognition"}},
	{"Scene Text-centric VQA", []string{"Scene Text-centric VQA"}},
	{"Doc-oriented VQA", []string{"Doc-oriented VQA"}},
	{"Key Information Extraction", []string{"Key Information Extraction"}},
	{"Handwritten Mathematical Expression Recognition", []string{"Handwritten Mathematical Expression Recognition"}},
}

// OCRBenchHit reports whether an OCRBench prediction counts: some answer,
// trimmed and lower-cased with newlines as spaces, is a substring of the
// prediction treated the same way; for "Handwritten Mathematical Expression
// Recognition" all spaces and newlines are removed instead and case is kept.
func OCRBenchHit(category, prediction string, answers []string) bool {
	norm := func(s string) string {
		if category == "Handwritten Mathematical Expression Recognition" {
			return strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(s), "\n", " "), " ", "")
		}
		return strings.ReplaceAll(strings.TrimSpace(strings.ToLower(s)), "\n", " ")
	}
	pred := norm(prediction)
	for _, a := range answers {
		if strings.Contains(pred, norm(a)) {
			return true
		}
	}
	return false
}

// ScoreOCRBench counts hits ([OCRBenchHit]) per category and reports the
// groups of [OCRBenchGroups] that have items, "Final Score" = their sum (the number of
// correct items, out of 1000 on the full benchmark) and "Final Score Norm" =
// Final Score/10.
func ScoreOCRBench(preds []Prediction) (Metrics, error) {
	known := map[string]bool{}
	for _, g := range OCRBenchGroups {
		for _, c := range g.Categories {
			known[c] = true
		}
	}
	count := map[string]float64{}
	for _, p := range preds {
		if !known[p.Category] {
			return nil, fmt.Errorf("index %q: unknown OCRBench category %q", p.Index, p.Category)
		}
		count[p.Category] += b2f(OCRBenchHit(p.Category, p.Prediction, p.answers())) // also marks the category present
	}
	m := Metrics{}
	var total float64
	for _, g := range OCRBenchGroups {
		var s float64
		present := false
		for _, c := range g.Categories {
			s += count[c]
			_, ok := count[c]
			present = present || ok
		}
		if present { // groups without items are not reported as 0
			m[g.Name] = s
		}
		total += s
	}
	m["Final Score"], m["Final Score Norm"] = total, total/10
	return m, nil
}
