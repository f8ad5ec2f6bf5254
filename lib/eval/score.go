package eval

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tokenscale/tokenscale/lib/eval/caption"
)

// Metrics maps metric names to values on the paper's scale (percentages,
// MME's summed scores, OCRBench's count). Main metrics have the names
// VLMEvalKit prints and Appendix D uses ("Overall", "acc", "Perception",
// "aAcc", "BLEU-1", "Final Score", …). Splits, which VLMEvalKit prints as
// extra columns or rows named by the split's value, carry a prefix here so
// that they cannot collide with a main metric:
//
//   - "category:<c>" for a value c of the "category" column (VLMEvalKit: a
//     column named c; for multiple choice MMBench's long names are
//     abbreviated as VLMEvalKit does, e.g. "coarse_perception" → "CP");
//   - "l2-category:<c>" for a value of the "l2-category" column;
//   - "split:<s>" for a value of the "split" column (VQA: VLMEvalKit's
//     column s; multiple choice: VLMEvalKit's row s, here
//     "split:<s>/Overall", "split:<s>/category:<c>", …);
//   - POPE and HallusionBench report per category as "category:<c>/<metric>".
type Metrics map[string]float64

// Names returns the metric names sorted, main metrics before categories.
func (m Metrics) Names() []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		ci, cj := IsSplitMetric(names[i]), IsSplitMetric(names[j])
		if ci != cj {
			return !ci
		}
		return names[i] < names[j]
	})
	return names
}

// IsSplitMetric reports whether a metric name is a per-category or
// per-split score ("category:…", "l2-category:…", "split:…") rather than a
// main metric.
func IsSplitMetric(name string) bool {
	return strings.HasPrefix(name, "category:") || strings.HasPrefix(name, "l2-category:") || strings.HasPrefix(name, "split:")
}

// Score scores the predictions of benchmark b with the default rules
// ([DefaultRules]); see [Rules.Score].
func Score(b Benchmark, preds []Prediction) (Metrics, error) { return DefaultRules().Score(b, preds) }

// Score scores the predictions of benchmark b the way VLMEvalKit of
// version r does with exact matching (no LLM judge); see the scorer of each
// kind for its formula.
func (r Rules) Score(b Benchmark, preds []Prediction) (Metrics, error) {
	r = r.valid()
	if len(preds) == 0 {
		return nil, errors.New("eval: no predictions to score")
	}
	var m Metrics
	var err error
	switch {
	case b.Name == "POPE":
		m, err = r.scorePOPE(preds)
	case b.Name == "MME":
		m, err = r.scoreMME(preds)
	case b.Name == "HallusionBench":
		m, err = r.scoreHallusion(preds)
	case b.Kind == YesNo:
		m, err = r.scoreYesNoPlain(preds)
	case b.Kind == MultipleChoice:
		m, err = r.scoreMultipleChoice(preds)
	case b.Kind == Caption:
		m, err = ScoreCaption(preds)
	case b.Name == "OCRBench":
		m, err = ScoreOCRBench(preds)
	case b.Name == "ChartQA_TEST":
		m = scoreVQA(preds, nil, func(gold, pred string) float64 { return b2f(r.RelaxedMatch(gold, pred)) }, maxOf)
	case b.Name == "OCRVQA_TESTCORE":
		m = scoreVQA(preds, nil, func(gold, pred string) float64 { return b2f(ExactMatch(gold, pred)) }, maxOf)
	default: // TextVQA and any other open VQA: VQA accuracy
		m = scoreVQA(preds, r.VQAAccuracy, nil, nil)
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

// ExtractYesNo is [Rules.ExtractYesNo] under the default rules.
func ExtractYesNo(s string) string { return DefaultRules().ExtractYesNo(s) }

// ExtractYesNo maps a free-text answer to "Yes", "No" or "Unknown" as
// VLMEvalKit's YOrN_Extraction does: lower-case, apply the VQA punctuation
// rule of the version, split into words; "yes" without "no" is Yes, "no"
// without "yes" is No, anything else Unknown.
func (r Rules) ExtractYesNo(s string) string {
	words := pyFields(r.valid().processPunctuation(pyLower(s)))
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

func (r Rules) scoreYesNoPlain(preds []Prediction) (Metrics, error) {
	var hits []float64
	for _, p := range preds {
		hits = append(hits, b2f(r.ExtractYesNo(p.Prediction) == p.Answer))
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
func ScorePOPE(preds []Prediction) (Metrics, error) { return DefaultRules().scorePOPE(preds) }

func (r Rules) scorePOPE(preds []Prediction) (Metrics, error) {
	type row struct{ ans, ext, cat string }
	var rows []row
	for _, p := range preds {
		for _, c := range strings.Split(p.Category, ",") {
			rows = append(rows, row{p.Answer, r.ExtractYesNo(p.Prediction), c})
		}
	}
	m := Metrics{}
	put := func(prefix string, rs []row) {
		var ans, ext []string
		var hits []float64
		for _, x := range rs {
			ans, ext = append(ans, x.ans), append(ext, x.ext)
			hits = append(hits, b2f(x.ans == x.ext))
		}
		f1, p, r := prf(ans, ext)
		m[prefix+"Overall"], m[prefix+"acc"], m[prefix+"precision"], m[prefix+"recall"] = 100*f1, 100*mean(hits), 100*p, 100*r
	}
	put("", rows)
	byCat := map[string][]row{}
	for _, x := range rows {
		if x.cat != "" {
			byCat[x.cat] = append(byCat[x.cat], x)
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
func ScoreMME(preds []Prediction) (Metrics, error) { return DefaultRules().scoreMME(preds) }

func (r Rules) scoreMME(preds []Prediction) (Metrics, error) {
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
		g.hits = append(g.hits, r.ExtractYesNo(p.Prediction) == p.Answer)
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
func ScoreHallusion(preds []Prediction) (Metrics, error) { return DefaultRules().scoreHallusion(preds) }

func (r Rules) scoreHallusion(preds []Prediction) (Metrics, error) {
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
		rows[i] = row{p, set, f, q, r.ExtractYesNo(p.Prediction) == p.Answer}
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
		for _, x := range rs {
			hits = append(hits, b2f(x.ok))
			and(fig, x.p.L2Category+"_"+x.set+"_"+x.fig, x.ok)
			and(que, x.p.L2Category+"_"+x.set+"_"+x.q, x.ok)
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
	for _, x := range rows {
		if x.p.Category != "" {
			split[x.p.Category] = append(split[x.p.Category], x)
		}
		if x.p.L2Category != "" && x.p.L2Category != x.p.Category {
			split[x.p.L2Category] = append(split[x.p.L2Category], x)
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

// apiFailure is the text VLMEvalKit's option matching gives up on (it then
// tries the option texts).
const apiFailure = "Failed to obtain answer via API"

// answerIsPhrase is the 2026-08 fallback: "answer is X" or "correct answer
// is **X**", any case, X one of A–D; white space is Python's \s.
var answerIsPhrase = regexp.MustCompile(`(?i)(?:correct` + pySpaceClass + `+)?answer` + pySpaceClass + `+is` + pySpaceClass + `+\**([ABCD])`)

// pySpaceClass is a regular-expression class of the characters Python's \s
// matches in a str pattern (those of pytext.IsSpace).
const pySpaceClass = `[\t\n\v\f\r\x{1c}-\x{1f} \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]`

// ExtractChoice is [Rules.ExtractChoice] under the default rules.
func ExtractChoice(answer string, options map[string]string) string {
	return DefaultRules().ExtractChoice(answer, options)
}

// ExtractChoice finds the option a free-text answer picks, as VLMEvalKit's
// can_infer does under exact matching (the option is then compared with the
// answer letter):
//  1. letters (can_infer_option). An answer containing "Failed to obtain
//     answer via API" skips to step 2. A known refusal gives "Z". The
//     characters .()[],:;!*#{} become spaces and the text is split into
//     words. If exactly one option letter occurs as a word, that letter —
//     under 2026-08 only if its first occurrence is among the last four
//     words. If no option letter occurs but "Z" does, "Z". Under 2026-08, if
//     neither rule decided, an "answer is X" phrase ([Rules] lists it) gives
//     X when X is an option.
//  2. option text (can_infer_text): if exactly one option's text
//     (lower-cased) is a substring of the lower-cased answer, that option.
//     Under 2026-08 this step is skipped when the lower-cased answer has
//     more than twice as many characters as all option texts together.
//  3. otherwise "Z" (no option; never equal to the answer).
//
// Lower-casing, splitting and lengths follow Python's str.lower, str.split
// and len (code points). VLMEvalKit's "A might be an article" check (a lone
// "A" in an answer of more than three words) runs only with its VERBOSE
// variable set, so it is not applied in either version.
func (r Rules) ExtractChoice(answer string, options map[string]string) string {
	r = r.valid()
	if l, ok := r.inferLetter(answer, options); ok {
		return l
	}
	if l, ok := r.inferText(answer, options); ok {
		return l
	}
	return "Z"
}

// inferLetter is step 1 of [Rules.ExtractChoice].
func (r Rules) inferLetter(answer string, options map[string]string) (string, bool) {
	if strings.Contains(answer, apiFailure) {
		return "", false
	}
	for _, x := range refusals {
		if strings.Contains(answer, x) {
			return "Z", true
		}
	}
	mod := strings.Map(func(c rune) rune {
		if strings.ContainsRune(".()[],:;!*#{}", c) {
			return ' '
		}
		return c
	}, answer)
	words := pyFields(mod)
	first := map[string]int{}
	for i, w := range words {
		if _, ok := first[w]; !ok {
			first[w] = i
		}
	}
	var found []string
	for _, l := range sortedKeys(options) {
		if _, ok := first[l]; ok {
			found = append(found, l)
		}
	}
	switch {
	case len(found) == 1:
		if !r.letterInLastFourWords || first[found[0]] > len(words)-5 {
			return found[0], true
		}
	case len(found) == 0:
		if _, ok := first["Z"]; ok {
			return "Z", true
		}
	}
	if r.answerIsPhrase {
		if m := answerIsPhrase.FindStringSubmatch(answer); m != nil {
			l := strings.ToUpper(m[1])
			if _, ok := options[l]; ok {
				return l, true
			}
		}
	}
	return "", false
}

// inferText is step 2 of [Rules.ExtractChoice].
func (r Rules) inferText(answer string, options map[string]string) (string, bool) {
	low := pyLower(answer)
	if r.textLengthCap {
		total := 0
		for _, t := range options {
			total += utf8.RuneCountInString(t)
		}
		if utf8.RuneCountInString(low) > 2*total {
			return "", false
		}
	}
	var found []string
	for _, l := range sortedKeys(options) {
		if strings.Contains(low, pyLower(options[l])) {
			found = append(found, l)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return "", false
}

// MMBench's long category names, which VLMEvalKit's report abbreviates.
var mmbAbbrev = map[string]string{
	"coarse_perception":                       "CP",
	"finegrained_perception (instance-level)": "FP-S",
	"finegrained_perception (cross-instance)": "FP-C",
	"logic_reasoning":                         "LR",
	"relation_reasoning":                      "RR",
	"attribute_reasoning":                     "AR",
}

// ScoreMultipleChoice is [Rules.Score] of a multiple-choice benchmark under
// the default rules.
func ScoreMultipleChoice(preds []Prediction) (Metrics, error) {
	return DefaultRules().scoreMultipleChoice(preds)
}

// scoreMultipleChoice computes accuracy as VLMEvalKit's report_acc does:
// hit = [ExtractChoice(prediction) == answer]; Overall = 100·mean(hit), and
// the same per "l2-category" and per "category" value ("l2-category:<c>",
// "category:<c>", MMBench's names abbreviated). Items carrying a split
// report each of these per split too ("split:<s>/Overall", …). Without
// "options" only the letters A–D (those named by answers) can be extracted.
func (r Rules) scoreMultipleChoice(preds []Prediction) (Metrics, error) {
	hits := make([]float64, len(preds))
	for i, p := range preds {
		opts := p.Options
		if len(opts) == 0 {
			opts = map[string]string{}
			for _, l := range []string{"A", "B", "C", "D"} {
				opts[l] = "\x00" + l // letters only: text never matches
			}
		}
		hits[i] = b2f(r.ExtractChoice(p.Prediction, opts) == strings.TrimSpace(p.Answer))
	}
	m := Metrics{}
	report := func(prefix string, keep func(Prediction) bool) {
		var all []float64
		groups := map[string][]float64{}
		for i, p := range preds {
			if !keep(p) {
				continue
			}
			all = append(all, hits[i])
			if p.L2Category != "" {
				groups["l2-category:"+p.L2Category] = append(groups["l2-category:"+p.L2Category], hits[i])
			}
			if p.Category != "" {
				c := p.Category
				if a, ok := mmbAbbrev[c]; ok {
					c = a
				}
				groups["category:"+c] = append(groups["category:"+c], hits[i])
			}
		}
		m[prefix+"Overall"] = 100 * mean(all)
		for k, hs := range groups {
			m[prefix+k] = 100 * mean(hs)
		}
	}
	report("", func(Prediction) bool { return true })
	for _, sp := range splitsOf(preds) {
		report("split:"+sp+"/", func(p Prediction) bool { return p.Split == sp })
	}
	return m, nil
}

// splitsOf returns the split values of preds, sorted, or nil when no item
// carries one.
func splitsOf(preds []Prediction) []string {
	seen := map[string]bool{}
	for _, p := range preds {
		if p.Split != "" {
			seen[p.Split] = true
		}
	}
	return sortedKeys(seen)
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

// VQAAccuracy is [Rules.VQAAccuracy] under the default rules.
func VQAAccuracy(prediction string, answers []string) float64 {
	return DefaultRules().VQAAccuracy(prediction, answers)
}

// VQAAccuracy is the VQA accuracy of one prediction against the human
// answers, as VLMEvalKit computes it for TextVQA: after [Rules.NormalizeVQA]
// of all strings, for each answer i, acc_i = min(1, #{j ≠ i : answer_j ==
// prediction}/3); the result is the mean of acc_i.
func (r Rules) VQAAccuracy(prediction string, answers []string) float64 {
	pred := r.NormalizeVQA(prediction)
	norm := make([]string, len(answers))
	for i, a := range answers {
		norm[i] = r.NormalizeVQA(a)
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

// pyFloatSyntax is the decimal syntax Python's float() accepts after
// stripping white space (digits already mapped to ASCII): an optional sign,
// digits with single underscores between them, an optional fraction and
// exponent. "inf", "infinity" and "nan" are handled apart.
var pyFloatSyntax = regexp.MustCompile(`^[+-]?(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$`)

// pyFloat parses a number the way Python's float() does: surrounding white
// space (Python's str.isspace) is ignored, any Unicode decimal digit counts as its
// value, underscores may separate digits, "inf"/"infinity"/"nan" (any
// case, optional sign) are accepted, hexadecimal is not.
func pyFloat(s string) (float64, bool) {
	t := []rune(pyStrip(s))
	for i, c := range t {
		if c > 0x7f && unicode.IsDigit(c) {
			start := c // decimal digits come in runs of ten starting at 0
			for unicode.IsDigit(start - 1) {
				start--
			}
			t[i] = '0' + (c-start)%10
		}
	}
	str := string(t)
	body := strings.TrimLeft(str, "+-")
	if len(str)-len(body) <= 1 {
		switch strings.ToLower(body) {
		case "inf", "infinity":
			if strings.HasPrefix(str, "-") {
				return math.Inf(-1), true
			}
			return math.Inf(1), true
		case "nan":
			return math.NaN(), true
		}
	}
	if !pyFloatSyntax.MatchString(str) {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(str, "_", ""), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, false
	}
	return v, true
}

// relaxedCorrectness is pix2struct's relaxed_correctness(target,
// prediction) as VLMEvalKit copies it: both are parsed as numbers (a
// trailing "%" — all trailing "%" — divides by 100); when both parse and
// the target is not 0, correct iff |prediction − target|/|target| ≤ 0.05;
// otherwise the lower-cased strings must be equal.
func relaxedCorrectness(target, prediction string) bool {
	toF := func(s string) (float64, bool) {
		if strings.HasSuffix(s, "%") {
			v, ok := pyFloat(strings.TrimRight(s, "%"))
			return v / 100, ok
		}
		return pyFloat(s)
	}
	p, pok := toF(prediction)
	t, tok := toF(target)
	if pok && tok && t != 0 {
		return math.Abs(p-t)/math.Abs(t) <= 0.05
	}
	return pyLower(prediction) == pyLower(target)
}

// RelaxedMatch is [Rules.RelaxedMatch] under the default rules.
func RelaxedMatch(gold, prediction string) bool { return DefaultRules().RelaxedMatch(gold, prediction) }

// RelaxedMatch is ChartQA's relaxed accuracy of a prediction (trimmed)
// against one gold answer. Under 2026-08 it is relaxed_correctness(gold,
// prediction): |prediction − gold|/|gold| ≤ 0.05 for numbers, gold ≠ 0.
// Under 2024-12 VLMEvalKit passed the arguments swapped, so the tolerance
// is relative to the prediction: |gold − prediction|/|prediction| ≤ 0.05,
// prediction ≠ 0 (gold 100, prediction 95.2: 4.8/95.2 = 0.0504 fails under
// 2024-12, 4.8/100 = 0.048 passes under 2026-08). Non-numbers compare
// lower-cased in both.
func (r Rules) RelaxedMatch(gold, prediction string) bool {
	prediction = pyStrip(prediction)
	if r.valid().relaxedToleranceOfGold {
		return relaxedCorrectness(gold, prediction)
	}
	return relaxedCorrectness(prediction, gold)
}

// ExactMatch is OCRVQA's accuracy: the trimmed, lower-cased strings are
// equal (Python's str.strip and str.lower).
func ExactMatch(gold, prediction string) bool {
	return pyLower(pyStrip(gold)) == pyLower(pyStrip(prediction))
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs[1:] {
		m = math.Max(m, x)
	}
	return m
}

// scoreVQA scores open answers as VLMEvalKit's ImageVQADataset does: with
// whole != nil the item's score is whole(prediction, answers) (TextVQA's VQA
// accuracy); else reduce(match(answer_i, prediction)) over the answers
// (ChartQA and OCRVQA take the max). Overall = 100·mean. When items carry a
// split, VLMEvalKit reports each split ("split:<s>") and Overall and no
// categories; otherwise Overall and each category ("category:<c>").
func scoreVQA(preds []Prediction, whole func(pred string, golds []string) float64, match func(gold, pred string) float64, reduce func([]float64) float64) Metrics {
	hits := make([]float64, len(preds))
	for i, p := range preds {
		if whole != nil {
			hits[i] = whole(p.Prediction, p.answers())
			continue
		}
		var ms []float64
		for _, a := range p.answers() {
			ms = append(ms, match(a, p.Prediction))
		}
		hits[i] = reduce(ms)
	}
	m := Metrics{"Overall": 100 * mean(hits)}
	key, group := "category:", func(p Prediction) string { return p.Category }
	if len(splitsOf(preds)) > 0 {
		key, group = "split:", func(p Prediction) string { return p.Split }
	}
	by := map[string][]float64{}
	for i, p := range preds {
		if g := group(p); g != "" {
			by[g] = append(by[g], hits[i])
		}
	}
	for g, hs := range by {
		m[key+g] = 100 * mean(hs)
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
// lower-cased and trimmed (Python's str.lower, str.strip) with newlines as
// spaces, is a substring of the prediction treated the same way; for
// "Handwritten Mathematical Expression Recognition" all spaces and newlines
// are removed instead and case is kept.
func OCRBenchHit(category, prediction string, answers []string) bool {
	norm := func(s string) string {
		if category == "Handwritten Mathematical Expression Recognition" {
			return strings.ReplaceAll(strings.ReplaceAll(pyStrip(s), "\n", " "), " ", "")
		}
		return strings.ReplaceAll(pyStrip(pyLower(s)), "\n", " ")
	}
	pred := norm(prediction)
	for _, a := range answers {
		if strings.Contains(pred, norm(a)) {
			return true
		}
	}
	return false
}

// ScoreOCRBench counts hits ([OCRBenchHit]) per category and reports, as
// VLMEvalKit does, each group of [OCRBenchGroups] (0 when it has no items),
// "Final Score" = their sum (the number of correct items, out of 1000 on the
// full benchmark) and "Final Score Norm" = Final Score/10.
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
		for _, c := range g.Categories {
			s += count[c]
		}
		m[g.Name] = s
		total += s
	}
	m["Final Score"], m["Final Score Norm"] = total, total/10
	return m, nil
}
