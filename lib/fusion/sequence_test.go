package fusion

import (
	"slices"
	"strings"
	"testing"
)

func TestMForN(t *testing.T) {
	// App. C: 768(8) … 8(8), 1(1); M = N below 8.
	for _, tc := range []struct{ n, m int }{{768, 8}, {256, 8}, {8, 8}, {7, 7}, {4, 4}, {1, 1}} {
		if got := MForN(tc.n); got != tc.m {
			t.Errorf("MForN(%d) = %d, want %d", tc.n, got, tc.m)
		}
	}
}

func TestFusedTokens(t *testing.T) {
	for _, tc := range []struct{ n, m, k, want int }{
		{256, 8, 2, 264}, // Figure 6 at N = 256, M = 8: 255 QED + eos + 7 QED + eos
		{256, 8, 1, 256}, {1, 1, 5, 5}, {768, 8, 0, 0}, {64, 8, 10, 136},
	} {
		if got := FusedTokens(tc.n, tc.m, tc.k); got != tc.want {
			t.Errorf("FusedTokens(%d,%d,%d) = %d, want %d", tc.n, tc.m, tc.k, got, tc.want)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range Modes {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("ParseMode(%q) = %v, %v", m.String(), got, err)
		}
	}
	if _, err := ParseMode("vision"); err == nil {
		t.Error("ParseMode(vision): want error")
	}
}

var paperLayout = Layout{N: 256, M: 8, PlaceholderBase: 49408, EOS: 49407, Pad: 49407}

func TestBuildPaperShapes(t *testing.T) {
	// Spec §3.6: one 800×600 image (10 views → 1450 tokens), two questions.
	q1 := []int32{320, 1125, 533} // three arbitrary CLIP ids
	q2 := []int32{786, 12}
	seq, err := paperLayout.Build(Sample{VisionTokens: 1450, Questions: [][]int32{q1, q2}}, VisionQuestionQueries)
	if err != nil {
		t.Fatal(err)
	}
	if want := 1450 + 3 + 2 + 264; seq.Len() != want {
		t.Fatalf("length %d, want %d", seq.Len(), want)
	}
	if seq.NumFused() != 264 {
		t.Errorf("fused %d, want 264", seq.NumFused())
	}
	// q1 right after the vision tokens, then placeholder_qed_0..254, then eos.
	if !slices.Equal(seq.IDs[1450:1453], q1) {
		t.Errorf("q1 at %v", seq.IDs[1450:1453])
	}
	if seq.IDs[1453] != 49408 || seq.IDs[1453+254] != 49408+254 || seq.IDs[1453+255] != 49407 {
		t.Errorf("first group ids wrong: %d %d %d", seq.IDs[1453], seq.IDs[1453+254], seq.IDs[1453+255])
	}
	g2 := 1453 + 256
	if !slices.Equal(seq.IDs[g2:g2+2], q2) || seq.IDs[g2+2] != 49408 || seq.IDs[g2+8] != 49408+6 || seq.IDs[g2+9] != 49407 {
		t.Errorf("second group ids wrong: %v", seq.IDs[g2:])
	}
	if !slices.Equal(seq.Groups, []int{1453 + 255, g2 + 9}) {
		t.Errorf("groups %v", seq.Groups)
	}
}

func TestBuildModes(t *testing.T) {
	l := Layout{N: 4, M: 2, PlaceholderBase: 100, EOS: 99, Pad: 0}
	s := Sample{VisionTokens: 3, Questions: [][]int32{{7, 8}, {9}}}
	for _, tc := range []struct {
		mode Mode
		ids  []int32
	}{
		{VisionQuestionQueries, []int32{0, 0, 0, 7, 8, 100, 101, 102, 99, 9, 100, 99}},
		{VisionQueries, []int32{0, 0, 0, 100, 101, 102, 99, 100, 99}},
		{VisionQueriesFT, []int32{0, 0, 0, 100, 101, 102, 99, 100, 99}},
	} {
		seq, err := l.Build(s, tc.mode)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(seq.IDs, tc.ids) {
			t.Errorf("%v: ids %v, want %v", tc.mode, seq.IDs, tc.ids)
		}
		if seq.NumFused() != FusedTokens(4, 2, 2) {
			t.Errorf("%v: fused %d", tc.mode, seq.NumFused())
		}
	}
	// N = 1: zero placeholders, the eos alone is the query.
	one := Layout{N: 1, M: 1, PlaceholderBase: 100, EOS: 99}
	seq, _ := one.Build(Sample{VisionTokens: 1, Questions: [][]int32{{5}, {6}}}, VisionQuestionQueries)
	if !slices.Equal(seq.IDs, []int32{0, 5, 99, 6, 99}) {
		t.Errorf("N=1: %v", seq.IDs)
	}
}

func TestLayoutErrors(t *testing.T) {
	for _, l := range []Layout{{N: 0, M: 0}, {N: 4, M: 8}} {
		if _, err := l.Build(Sample{}, VisionQuestionQueries); err == nil {
			t.Errorf("%+v: want error", l)
		}
	}
	l := Layout{N: 2, M: 2}
	if _, err := l.BuildBatch([]Sample{{VisionTokens: 5, Questions: [][]int32{{1}}}}, VisionQuestionQueries, 4); err == nil {
		t.Error("padTo shorter than a sample: want error")
	}
	if _, err := l.BuildBatch(nil, VisionQuestionQueries, 0); err == nil {
		t.Error("empty batch: want error")
	}
}

func TestBatchAndMask(t *testing.T) {
	l := Layout{N: 2, M: 1, PlaceholderBase: 50, EOS: 49, Pad: 0}
	samples := []Sample{
		{VisionTokens: 2, Questions: [][]int32{{7}, {8}, {9}}}, // 2 + (1+2) + (1+1) + (1+1) = 9
		{VisionTokens: 3, Questions: [][]int32{{5}}},           // 3 + 1 + 2 = 6
	}
	b, err := l.BuildBatch(samples, VisionQuestionQueries, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b.B != 2 || b.T != 9 {
		t.Fatalf("B,T = %d,%d", b.B, b.T)
	}
	// Fused rows: sample 0 at 3,4 (qed,eos), 6 (eos), 8 (eos); sample 1 at 9+4, 9+5.
	if want := []int{3, 4, 6, 8, 13, 14}; !slices.Equal(b.Fused, want) {
		t.Errorf("Fused %v, want %v", b.Fused, want)
	}
	if want := []int{1, 2, 3, 5}; !slices.Equal(b.EOSRows, want) {
		t.Errorf("EOSRows %v, want %v", b.EOSRows, want)
	}
	if len(b.Fused) != FusedTokens(2, 1, 3)+FusedTokens(2, 1, 1) {
		t.Errorf("fused count %d", len(b.Fused))
	}
	// Right padding of sample 1.
	for t2 := 6; t2 < 9; t2++ {
		if b.Valid[9+t2] || b.Types[9+t2] != TypePad {
			t.Errorf("position %d of sample 1 not padding", t2)
		}
	}
	m := b.AttentionMask()
	at := func(s, i, j int) bool { return m[(s*b.T+i)*b.T+j] }
	for s := range 2 {
		for i := range b.T {
			for j := range b.T {
				want := j <= i && b.Valid[s*b.T+j]
				if at(s, i, j) != want {
					t.Fatalf("mask[%d][%d][%d] = %v, want %v", s, i, j, at(s, i, j), want)
				}
			}
		}
	}
	// A later group sees the earlier question (causal across groups).
	if !at(0, 8, 2) || at(0, 2, 8) {
		t.Error("causal structure across groups wrong")
	}
}

func TestDescribe(t *testing.T) {
	seq, _ := paperLayout.Build(Sample{VisionTokens: 1450, Questions: [][]int32{{1, 2, 3}, {4, 5}}}, VisionQuestionQueries)
	got := seq.Describe(nil)
	want := "[IMG ×1450] [QUE ×3] [QED ×255] [EOS] [QUE ×2] [QED ×7] [EOS]"
	if got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	dec := func(ids []int32) string { return strings.Repeat("w", len(ids)) }
	if got := seq.Describe(dec); !strings.Contains(got, "[QUE 3: www]") {
		t.Errorf("Describe with decoder = %q", got)
	}
	vq, _ := paperLayout.Build(Sample{VisionTokens: 10, Questions: [][]int32{{1}, {2}}}, VisionQueries)
	if got, want := vq.Describe(nil), "[IMG ×10] [QED ×255] [EOS] [QED ×7] [EOS]"; got != want {
		t.Errorf("VQ Describe = %q, want %q", got, want)
	}
}
