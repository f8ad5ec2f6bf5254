package labtask

import (
	"reflect"
	"testing"
)

// The lab's word ids, pinned from the tokenizer as it was before it moved
// onto lib/tokenizer/wordtok: lab caches and checkpoints hold these ids, so
// they must not change.
func TestTokenizerPinnedIDs(t *testing.T) {
	tok := NewTokenizer()
	if got := tok.Size(); got != 87 {
		t.Errorf("Size() = %d, want 87", got)
	}
	for _, tc := range []struct {
		in   string
		want []int32
	}{
		{"what colour is at top left?", []int32{79, 28, 42, 15, TokUnk, TokUnk, 12}},
		{"How many shapes are there?", []int32{41, 45, 62, 14, 69, 12}},
		{"red circles, Zebra. yes", []int32{56, 27, 5, TokUnk, 84}},
		{"row 1, column 2", []int32{58, 6, 5, 30, 7}},
		{"", nil},
	} {
		if got := tok.Encode(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Encode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct {
		id   int32
		want string
	}{
		{TokPad, ""}, {TokUnk, ""}, {FirstWord, ","}, {FirstWord + 1, "1"}, {40, "greens"}, {86, "zeros"}, {87, ""}, {-1, ""},
	} {
		if got := tok.Word(tc.id); got != tc.want {
			t.Errorf("Word(%d) = %q, want %q", tc.id, got, tc.want)
		}
	}
}
