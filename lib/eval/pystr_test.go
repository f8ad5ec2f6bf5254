package eval

import (
	"reflect"
	"strings"
	"testing"
)

// Expected values are Python 3.11's str.lower / str.split / str.strip of the
// same inputs (computed once with /usr/bin/python3 and written here).
func TestPyLower(t *testing.T) {
	cases := []struct{ in, want, goLower string }{
		{"ΣΑΣ", "σας", "σασ"},                // word-final capital sigma → ς (Final_Sigma)
		{"ΑΣ Β", "ας β", "ασ β"},             // final before a space
		{"ΑΣ.", "ας.", "ασ."},                // '.' is case-ignorable, then the end
		{"Α.Σ", "α.ς", "α.σ"},                // a case-ignorable between the letter and Σ
		{"ΑΣ\u0301", "ας\u0301", "ασ\u0301"}, // a combining accent after Σ is skipped
		{"Σ", "σ", "σ"},                      // alone: no cased letter before it
		{"Σ.Α", "σ.α", "σ.α"},                // a cased letter follows
		{"ΟΔΟΣ ΟΔΟΣ", "οδος οδος", "οδοσ οδοσ"},
		{"İstanbul", "i\u0307stanbul", "istanbul"}, // Turkish dotted capital I: two code points
		{"ISTANBUL", "istanbul", "istanbul"},
		{"Straße", "straße", "straße"}, // ß is already lower case
		{"ẞ", "ß", "ß"},                // capital sharp s
		{"ǅ", "ǆ", "ǆ"},                // title-case digraph
		{"\u212a", "k", "k"},           // Kelvin sign
		{"Yes", "yes", "yes"},
	}
	for _, c := range cases {
		if got := pyLower(c.in); got != c.want {
			t.Errorf("pyLower(%q) = %q, want %q", c.in, got, c.want)
		}
		if got := strings.ToLower(c.in); got != c.goLower {
			t.Errorf("strings.ToLower(%q) = %q, table says %q", c.in, got, c.goLower)
		}
	}
}

func TestPySplitStrip(t *testing.T) {
	in := "x\x1cyes\x1f"
	if got, want := pyFields(in), []string{"x", "yes"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pyFields(%q) = %q, want %q (Python splits on U+001C…U+001F)", in, got, want)
	}
	if got, want := pyStrip(in), "x\x1cyes"; got != want {
		t.Errorf("pyStrip(%q) = %q, want %q", in, got, want)
	}
	if got := strings.Fields(in); len(got) != 1 {
		t.Errorf("strings.Fields(%q) = %q: expected Go to differ from Python here", in, got)
	}
}
