package eval

import (
	"regexp"
	"strings"
	"unicode"
)

// Answer normalisation of the VQA evaluation (Antol et al.'s official VQA
// script), which VLMEvalKit uses for TextVQA and for yes/no extraction.

// vqaPunct are the characters the punctuation step removes or turns into a
// space (apostrophes, colons and periods are not among them).
const vqaPunct = ";/[]\"{}()=+\\_-><@`,?!"

var digitCommaDigit = regexp.MustCompile(`\d,\d`)

// processPunctuation applies the VQA punctuation rule: each punctuation mark
// is deleted when the ORIGINAL text has it next to a space or contains a
// digit-comma-digit group, and replaced by a space otherwise; then periods
// are deleted: under the 2024-12 rules every period not followed by a digit
// ("3." → "3", "3.5" kept), under 2026-08 only a period with no digit on
// either side ("3." kept). Digits are Unicode decimal digits, as Python's
// \d. (The reference script passes re.UNICODE where re.sub expects its
// count, so at most 32 periods are deleted.)
func (r Rules) processPunctuation(in string) string {
	out := in
	glued := digitCommaDigit.MatchString(in)
	for _, p := range vqaPunct {
		ps := string(p)
		if glued || strings.Contains(in, ps+" ") || strings.Contains(in, " "+ps) {
			out = strings.ReplaceAll(out, ps, "")
		} else {
			out = strings.ReplaceAll(out, ps, " ")
		}
	}
	rs := []rune(out)
	var b strings.Builder
	removed := 0
	for i, c := range rs {
		if c == '.' && removed < 32 && (i+1 == len(rs) || !unicode.IsDigit(rs[i+1])) &&
			(!r.periodNeedsNonDigitBefore || i == 0 || !unicode.IsDigit(rs[i-1])) {
			removed++
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// numberWords are the number words the VQA script maps to digits.
var numberWords = map[string]string{
	"none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
	"five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}

// contractionTable lists "written form → canonical form" pairs of the VQA
// script's contraction map, one pair per line. Entries whose key has an
// upper-case letter are left out: the script lower-cases first, so they can
// never match. (The script also maps "somebody'd" to "somebodyd"; kept.)
const contractionTable = `aint ain't
arent aren't
cant can't
couldve could've
couldnt couldn't
couldn'tve couldn't've
couldnt've couldn't've
didnt didn't
doesnt doesn't
dont don't
hadnt hadn't
hadnt've hadn't've
hadn'tve hadn't've
hasnt hasn't
havent haven't
hed he'd
hed've he'd've
he'dve he'd've
hes he's
howd how'd
howll how'll
hows how's
isnt isn't
itd it'd
itd've it'd've
it'dve it'd've
itll it'll
let's let's
maam ma'am
mightnt mightn't
mightnt've mightn't've
mightn'tve mightn't've
mightve might've
mustnt mustn't
mustve must've
neednt needn't
notve not've
oclock o'clock
oughtnt oughtn't
ow's'at 'ow's'at
'ows'at 'ow's'at
'ow'sat 'ow's'at
shant shan't
shed've she'd've
she'dve she'd've
she's she's
shouldve should've
shouldnt shouldn't
shouldnt've shouldn't've
shouldn'tve shouldn't've
somebody'd somebodyd
somebodyd've somebody'd've
somebody'dve somebody'd've
somebodyll somebody'll
somebodys somebody's
someoned someone'd
someoned've someone'd've
someone'dve someone'd've
someonell someone'll
someones someone's
somethingd something'd
somethingd've something'd've
something'dve something'd've
somethingll something'll
thats that's
thered there'd
thered've there'd've
there'dve there'd've
therere there're
theres there's
theyd they'd
theyd've they'd've
they'dve they'd've
theyll they'll
theyre they're
theyve they've
twas 'twas
wasnt wasn't
wed've we'd've
we'dve we'd've
weve we've
werent weren't
whatll what'll
whatre what're
whats what's
whatve what've
whens when's
whered where'd
wheres where's
whereve where've
whod who'd
whod've who'd've
who'dve who'd've
wholl who'll
whos who's
whove who've
whyll why'll
whyre why're
whys why's
wont won't
wouldve would've
wouldnt wouldn't
wouldnt've wouldn't've
wouldn'tve wouldn't've
yall y'all
yall'll y'all'll
y'allll y'all'll
yall'd've y'all'd've
y'alld've y'all'd've
y'all'dve y'all'd've
youd you'd
youd've you'd've
you'dve you'd've
youll you'll
youre you're
youve you've`

var contractions = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(contractionTable, "\n") {
		k, v, _ := strings.Cut(line, " ")
		m[k] = v
	}
	return m
}()

// processDigitArticle lower-cases and splits on white space as Python does
// ([pyLower], [pyFields]), maps number words
// to digits, drops the articles a/an/the, canonicalises contractions and
// joins with single spaces.
func processDigitArticle(in string) string {
	var out []string
	for _, w := range pyFields(pyLower(in)) {
		if d, ok := numberWords[w]; ok {
			w = d
		}
		if w == "a" || w == "an" || w == "the" {
			continue
		}
		if c, ok := contractions[w]; ok {
			w = c
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// NormalizeVQA is the answer normalisation of the VQA evaluation as
// VLMEvalKit applies it (process_answer) under the default rules; see
// [Rules.NormalizeVQA].
func NormalizeVQA(s string) string { return DefaultRules().NormalizeVQA(s) }

// NormalizeVQA is the answer normalisation of the VQA evaluation
// (process_answer): newlines and tabs become spaces, the text is trimmed,
// punctuation is processed (the period rule depends on the version), then
// digits, articles and contractions.
func (r Rules) NormalizeVQA(s string) string {
	s = strings.NewReplacer("\n", " ", "\t", " ").Replace(s)
	return processDigitArticle(r.valid().processPunctuation(pyStrip(s)))
}
