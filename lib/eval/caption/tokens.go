package caption

import (
	"strings"
	"unicode"
)

// pyFields splits s like Python's str.split() with no argument: on runs of
// Unicode white space (Python also counts U+001C…U+001F as white space).
func pyFields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
	})
}

// ngramCounts counts the k-grams of words for k = 1…n; the key joins the
// words with a single space (words never contain white space).
func ngramCounts(words []string, n int) map[string]int {
	counts := make(map[string]int)
	for k := 1; k <= n; k++ {
		for i := 0; i+k <= len(words); i++ {
			counts[strings.Join(words[i:i+k], " ")]++
		}
	}
	return counts
}

// ngramOrder returns the length (in words) of an n-gram key made by ngramCounts.
func ngramOrder(key string) int { return strings.Count(key, " ") + 1 }
