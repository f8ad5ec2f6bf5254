// Package pytext holds Python's str methods that scorers and tokenizers
// reimplemented from Python code must match: str.lower (with its full
// mapping of 'İ' and the final-sigma rule), str.strip, str.split and
// str.isspace. Go's strings.ToLower, TrimSpace and Fields differ from them
// on a few characters, which changes tokens and scores on non-ASCII text.
package pytext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsSpace reports whether Python's str.isspace holds for r (the set its
// str.strip, str.split and the regular expression class \s use): Go's
// unicode.IsSpace plus the four separators U+001C…U+001F.
func IsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// Strip is Python's str.strip() with no argument.
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

// Fields is Python's str.split() with no argument.
func Fields(s string) []string { return strings.FieldsFunc(s, IsSpace) }

// cased is Unicode's Cased property (Lowercase, Uppercase or Titlecase
// letter, including Other_Lowercase and Other_Uppercase).
func cased(r rune) bool {
	return unicode.IsLower(r) || unicode.IsUpper(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable is Unicode's Case_Ignorable property: general categories
// Mn, Me, Cf, Lm, Sk and the Word_Break classes MidLetter, MidNumLet and
// Single_Quote.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0xb7, 0x387, 0x55f, 0x5f4, 0x2018, 0x2019, 0x2024, 0x2027,
		0xfe13, 0xfe52, 0xfe55, 0xff07, 0xff0e, 0xff1a:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}

// Lower is Python's str.lower(): the default full lower-case mapping of
// each character, which differs from Go's strings.ToLower in two places:
//   - U+0130 'İ' (capital I with dot above) becomes the two code points
//     "i\u0307" (SpecialCasing's unconditional mapping), not "i";
//   - U+03A3 'Σ' becomes the final sigma 'ς' when it ends a word (a cased
//     letter precedes it, skipping case-ignorable characters, and none
//     follows it), else 'σ' (Unicode's Final_Sigma condition, which CPython
//     applies in str.lower).
func Lower(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	rs := []rune(s)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range rs {
		switch r {
		case 0x130:
			b.WriteString("i\u0307")
		case 0x3a3:
			if finalSigma(rs, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma reports whether rs[i] is in the Final_Sigma context: a cased
// character before it (skipping case-ignorable ones) and no cased
// character after it (skipping case-ignorable ones).
func finalSigma(rs []rune, i int) bool {
	j := i - 1
	for j >= 0 && caseIgnorable(rs[j]) {
		j--
	}
	if j < 0 || !cased(rs[j]) {
		return false
	}
	j = i + 1
	for j < len(rs) && caseIgnorable(rs[j]) {
		j++
	}
	return j == len(rs) || !cased(rs[j])
}
