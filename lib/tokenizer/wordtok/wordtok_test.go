package wordtok

import (
	"fmt"
	"reflect"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"What colour is at A1?", []string{"what", "colour", "is", "at", "a1", "?"}},
		{"row 1,column 2", []string{"row", "1", ",", "column", "2"}},
		{"  red.  ", []string{"red."}},
		{"", []string{}},
	} {
		if got := Split(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Split(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTokenizer(t *testing.T) {
	specials := []string{"<pad>", "<unk>", "<s>"}
	words := []string{"red", "blue", "?", "red"}
	for _, tc := range []struct {
		name   string
		spaces string
		in     string
		want   []int32
	}{
		{"known words; a repeated word keeps its last id", "", "Blue red?", []int32{4, 6, 5}},
		{"unknown words map to Unk", "", "green blue.", []int32{1, 1}},
		{"spaces", ".", "green blue.red", []int32{1, 4, 6}},
		{"empty", ".", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := New(Config{Specials: specials, Unk: 1, Words: words, Spaces: tc.spaces})
			if got := tok.Encode(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Encode(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
	tok := New(Config{Specials: specials, Unk: 1, Words: words})
	if tok.Size() != 7 {
		t.Errorf("Size() = %d, want 7", tok.Size())
	}
	for id, want := range map[int32]string{-1: "", 0: "", 2: "", 3: "red", 5: "?", 6: "red", 7: ""} {
		if got := tok.Word(id); got != want {
			t.Errorf("Word(%d) = %q, want %q", id, got, want)
		}
	}
	if got := tok.Decode([]int32{0, 3, 2, 4, 9, 5}); got != "red blue ?" {
		t.Errorf("Decode = %q, want %q", got, "red blue ?")
	}
}

func TestNewPanicsOnUnkOutsideSpecials(t *testing.T) {
	for _, unk := range []int32{-1, 2} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New with Unk %d of 2 specials did not panic", unk)
				}
			}()
			New(Config{Specials: []string{"<pad>", "<unk>"}, Unk: unk})
		}()
	}
}

func ExampleTokenizer() {
	tok := New(Config{
		Specials: []string{"<pad>", "<unk>"},
		Unk:      1,
		Words:    []string{"what", "colour", "is", "it", "?", "red"},
		Spaces:   ".",
	})
	ids := tok.Encode("What colour is it? Red.")
	fmt.Println(ids, tok.Decode(ids), tok.Encode("green"))
	// Output: [2 3 4 5 6 7] what colour is it ? red [1]
}
