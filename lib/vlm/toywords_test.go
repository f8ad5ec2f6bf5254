package vlm

import (
	"reflect"
	"testing"
)

// The toy word ids, pinned from the tokenizer as it was before it moved
// onto lib/tokenizer/wordtok: toy checkpoints hold these ids, so they must
// not change. The toy tokenizer drops "." and splits off "?" and ",".
func TestWordTokenizerPinnedIDs(t *testing.T) {
	tok := NewWordTokenizer(ToyWords)
	for _, tc := range []struct {
		in   string
		want []int32
	}{
		{"What colour is the square?", []int32{6, 7, 8, 9, 10, 12}},
		{"where is the square. top, left", []int32{11, 8, 9, 10, 17, WordUnk, 19}},
		{"Red zebra?blue", []int32{13, WordUnk, 12, 15}},
		{"", nil},
	} {
		if got := tok.Encode(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Encode(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	if got, want := tok.Decode([]int32{WordPad, WordBOS, WordUnk, 6, 7, 12, 20, 21, 22, 99, -1}), "what colour ? right"; got != want {
		t.Errorf("Decode = %q, want %q", got, want)
	}
	ids, slot, target := ToyChat(tok, 2, 1, []string{"what colour is the square?", "where?"}, []string{"red"})
	wantIDs := []int32{1, 3, 0, 0, 6, 7, 8, 9, 10, 12, 4, 13, 2, 1, 3, 0, 11, 12, 4}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("ToyChat ids = %v, want %v", ids, wantIDs)
	}
	var slots, targets []int
	for i := range ids {
		if slot[i] {
			slots = append(slots, i)
		}
		if target[i] {
			targets = append(targets, i)
		}
	}
	if !reflect.DeepEqual(slots, []int{2, 3, 15}) || !reflect.DeepEqual(targets, []int{11, 12}) {
		t.Errorf("ToyChat slots at %v, targets at %v; want [2 3 15], [11 12]", slots, targets)
	}
}
