package chat

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

var (
	llamaOnce sync.Once
	llamaTok  *sentencepiece.Model
	llamaErr  error
)

func llama(t testing.TB) *sentencepiece.Model {
	t.Helper()
	path := tokentest.LlamaModel(t)
	llamaOnce.Do(func() { llamaTok, llamaErr = sentencepiece.Load(path) })
	if llamaErr != nil {
		t.Fatal(llamaErr)
	}
	return llamaTok
}

// ids spells a sequence by its pieces (hand-written), checking each exists.
func ids(t *testing.T, tok *sentencepiece.Model, pieces ...string) []int {
	t.Helper()
	out := make([]int, len(pieces))
	for i, p := range pieces {
		id := tok.PieceToID(p)
		if id == tok.UNK() && p != "<unk>" {
			t.Fatalf("piece %q is not in the vocabulary", p)
		}
		out[i] = id
	}
	return out
}

// TestHandChecked spells out a one-turn conversation without a system prompt
// piece by piece.
func TestHandChecked(t *testing.T) {
	tok := llama(t)
	s, err := Build(tok, Conversation{Turns: []Turn{{User: " Hi ", Assistant: "Hello.\n"}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := ids(t, tok,
		"<s>",             // BOS
		"▁[", "INST", "]", // [INST]
		"▁Hi",                  // question (trimmed)
		"▁[", "/", "INST", "]", // [/INST]
		"▁Hello", ".", "▁", "</s>", // answer (trimmed) + " </s>"
	)
	if !slices.Equal(s.IDs, want) {
		t.Fatalf("IDs = %v, want %v\n%s", s.IDs, want, s.Tokens(tok))
	}
	wantTypes := []TokenType{BOS, INST, INST, INST, QUE, INST, INST, INST, INST, ANS, ANS, ANS, ANS}
	if !slices.Equal(s.Types, wantTypes) {
		t.Errorf("Types = %v, want %v", s.Types, wantTypes)
	}
	if got := s.AnswerPositions(); !slices.Equal(got, []int{9, 10, 11, 12}) {
		t.Errorf("AnswerPositions = %v", got)
	}
	if got := s.AnswerSpans(); !slices.Equal(got, [][2]int{{9, 13}}) {
		t.Errorf("AnswerSpans = %v", got)
	}
	if got := s.QEDPositions(); len(got) != 0 {
		t.Errorf("QEDPositions = %v, want none", got)
	}
	if got := s.Positions(QUE | BOS); !slices.Equal(got, []int{0, 4}) {
		t.Errorf("Positions(QUE|BOS) = %v", got)
	}
}

// TestTextOnlyMatchesMetaReference: without a system prompt every segment
// join falls on a space, so the segment-wise sequence equals Meta's reference
// chat encoding, BOS + encode("[INST] {q} [/INST] {a} ") + EOS per turn.
func TestTextOnlyMatchesMetaReference(t *testing.T) {
	tok := llama(t)
	conv := Conversation{Turns: []Turn{
		{User: "What is 2+2?", Assistant: "It is 4."},
		{User: "And 3+3?", Assistant: "It is 6, of course."},
		{User: "Thanks!"},
	}}
	s, err := Build(tok, conv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	for k, turn := range conv.Turns {
		want = append(want, tok.BOS())
		if turn.Assistant == "" {
			want = append(want, tok.Encode("[INST] "+turn.User+" [/INST]")...)
			if k != len(conv.Turns)-1 {
				t.Fatal("bad test")
			}
			continue
		}
		want = append(want, tok.Encode("[INST] "+turn.User+" [/INST] "+turn.Assistant+" ")...)
		want = append(want, tok.EOS())
	}
	if !slices.Equal(s.IDs, want) {
		t.Fatalf("IDs differ from the reference:\n got %v\nwant %v", s.IDs, want)
	}
	// The prompt ends with [/INST] and the answers are the two closed turns.
	if got := tok.IDToPiece(s.IDs[len(s.IDs)-1]); got != "]" {
		t.Errorf("last piece %q, want ]", got)
	}
	spans := s.AnswerSpans()
	if len(spans) != 2 {
		t.Fatalf("AnswerSpans = %v", spans)
	}
	for k, sp := range spans {
		text, err := tok.Decode(s.IDs[sp[0]:sp[1]])
		if err != nil {
			t.Fatal(err)
		}
		if want := conv.Turns[k].Assistant + " "; text != want {
			t.Errorf("answer %d decodes to %q, want %q", k, text, want)
		}
		if s.IDs[sp[1]-1] != tok.EOS() {
			t.Errorf("answer %d does not end with </s>", k)
		}
	}
}

// TestSystemBlock: with a system prompt the block is one SYS segment, and the
// question that follows it is tokenised on its own (with its dummy-prefix
// space), unlike whole-string tokenisation (see docs/model.md#projection-and-llm-input).
func TestSystemBlock(t *testing.T) {
	tok := llama(t)
	conv := Conversation{System: "Be brief.", Turns: []Turn{{User: "Hi", Assistant: "Hello."}}}
	s, err := Build(tok, conv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sys := tok.Encode("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n")
	want := append([]int{tok.BOS()}, sys...)
	want = append(want, ids(t, tok, "▁Hi", "▁[", "/", "INST", "]", "▁Hello", ".", "▁", "</s>")...)
	if !slices.Equal(s.IDs, want) {
		t.Fatalf("IDs = %v, want %v", s.IDs, want)
	}
	if got := s.Positions(SYS); len(got) != len(sys) || got[0] != 1 {
		t.Errorf("SYS positions = %v", got)
	}
	// Whole-string tokenisation joins "\n\nHi" without the ▁.
	whole := tok.Encode("[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]")
	if slices.Equal(whole, s.IDs[1:len(s.IDs)-4]) {
		t.Error("segment-wise and whole-string tokenisation should differ at the join")
	}
	// The default system prompt applies only when the conversation has none.
	s2, err := Build(tok, Conversation{Turns: conv.Turns}, Options{DefaultSystem: "Be brief."})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s2.IDs, s.IDs) {
		t.Error("DefaultSystem was not used for a conversation without a system prompt")
	}
	s3, err := Build(tok, conv, Options{DefaultSystem: "Something else."})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s3.IDs, s.IDs) {
		t.Error("DefaultSystem replaced the conversation's own system prompt")
	}
}

// TestVisionPlacement checks the llama-2-vision placement: N slots right
// before the first question, M before each later one, filled with EOS.
func TestVisionPlacement(t *testing.T) {
	tok := llama(t)
	const n, m = 5, 2
	conv := Conversation{Turns: []Turn{
		{User: "What is in the picture?", Assistant: "A cat."},
		{User: "What colour is it?", Assistant: "Black."},
		{User: "Is it asleep?"},
	}}
	s, err := Build(tok, conv, VisionOptions(n, m))
	if err != nil {
		t.Fatal(err)
	}
	sys := tok.Encode("[INST] <<SYS>>\n" + DefaultVisionSystem + "\n<</SYS>>\n\n")
	q1 := tok.Encode("What is in the picture?")
	close := tok.Encode("[/INST]")
	a1 := append(tok.Encode("A cat. "), tok.EOS())
	open := append([]int{tok.BOS()}, tok.Encode("[INST]")...)
	q2 := tok.Encode("What colour is it?")

	// Position of the first slot group: after <s> and the system block.
	first := 1 + len(sys)
	second := first + n + len(q1) + len(close) + len(a1) + len(open)
	third := second + m + len(q2) + len(close) + len(tok.Encode("Black. ")) + 1 + len(open)
	wantSpans := [][2]int{{first, first + n}, {second, second + m}, {third, third + m}}
	if got := s.QEDSpans(); !slices.Equal(got, wantSpans) {
		t.Fatalf("QEDSpans = %v, want %v\n%s", got, wantSpans, s.Layout(60))
	}
	pos := s.QEDPositions()
	if len(pos) != n+2*m {
		t.Errorf("%d QED slots, want N + (k−1)M = %d", len(pos), n+2*m)
	}
	for _, p := range pos {
		if s.IDs[p] != tok.EOS() || s.Types[p] != QED {
			t.Errorf("slot %d holds id %d type %v", p, s.IDs[p], s.Types[p])
		}
	}
	// Each slot group is followed by its question.
	if got := s.IDs[first+n : first+n+len(q1)]; !slices.Equal(got, q1) || s.Types[first+n] != QUE {
		t.Errorf("question 1 does not follow the first slots: %v", got)
	}
	if got := s.IDs[second+m : second+m+len(q2)]; !slices.Equal(got, q2) {
		t.Errorf("question 2 does not follow the second slots: %v", got)
	}
	// The later turns open with <s>[INST] typed INST, not BOS.
	if s.IDs[second-len(open)] != tok.BOS() || s.Types[second-len(open)] != INST {
		t.Errorf("turn 2 opens with id %d type %v", s.IDs[second-len(open)], s.Types[second-len(open)])
	}
	if got := s.Positions(BOS); !slices.Equal(got, []int{0}) {
		t.Errorf("BOS positions = %v, want [0]", got)
	}
	// The open last turn: ends with [/INST].
	if !slices.Equal(s.IDs[len(s.IDs)-len(close):], close) {
		t.Error("the prompt does not end with [/INST]")
	}
	layout := s.Layout(40)
	for _, want := range []string{"QED", "(slots for fused vision-question tokens)", "[INST] <<SYS>>⏎A chat", "QED 9"} {
		if !strings.Contains(layout, want) {
			t.Errorf("Layout lacks %q:\n%s", want, layout)
		}
	}
	if !strings.Contains(s.Tokens(tok), "⟨QED slot⟩") {
		t.Error("Tokens does not mark the slots")
	}
}

func TestBuildErrors(t *testing.T) {
	tok := llama(t)
	for _, c := range []struct {
		conv Conversation
		opt  Options
		want string
	}{
		{Conversation{}, Options{}, "no turns"},
		{Conversation{Turns: []Turn{{User: "a"}, {User: "b", Assistant: "c"}}}, Options{}, "turn 1 has no answer"},
		{Conversation{Turns: []Turn{{User: "a"}}}, Options{QEDFirst: -1}, "negative"},
	} {
		if _, err := Build(tok, c.conv, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Build(%+v): err = %v, want %q", c.conv, err, c.want)
		}
	}
}

func TestFromMessages(t *testing.T) {
	c, err := FromMessages([]Message{
		{"system", "S"}, {"user", "Q1"}, {"assistant", "A1"}, {"user", "Q2"}, {"assistant", ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Conversation{System: "S", Turns: []Turn{{"Q1", "A1"}, {"Q2", ""}}}
	if c.System != want.System || !slices.Equal(c.Turns, want.Turns) {
		t.Errorf("FromMessages = %+v, want %+v", c, want)
	}
	for _, msgs := range [][]Message{
		nil,
		{{"system", "S"}},
		{{"assistant", "A"}},
		{{"user", "Q"}, {"user", "Q"}},
		{{"user", "Q"}, {"system", "S"}},
	} {
		if _, err := FromMessages(msgs); err == nil {
			t.Errorf("FromMessages(%v) accepted", msgs)
		}
	}
}

func TestBatch(t *testing.T) {
	a := &Sequence{IDs: []int{1, 5, 6}, Types: []TokenType{BOS, QUE, ANS}}
	b := &Sequence{IDs: []int{1}, Types: []TokenType{BOS}}
	ids, types, mask := Batch([]*Sequence{a, b}, 0)
	if !slices.Equal(ids[1], []int{1, 0, 0}) || !slices.Equal(types[1], []TokenType{BOS, PAD, PAD}) || !slices.Equal(mask[1], []bool{true, false, false}) {
		t.Errorf("Batch row 1 = %v %v %v", ids[1], types[1], mask[1])
	}
	if !slices.Equal(ids[0], a.IDs) || !slices.Equal(mask[0], []bool{true, true, true}) {
		t.Errorf("Batch row 0 = %v %v", ids[0], mask[0])
	}
}

func TestTokenTypeString(t *testing.T) {
	for typ, want := range map[TokenType]string{
		PAD: "PAD", ANS: "ANS", QED | EOS: "EOS|QED", TXT: "TXT", 0: "0", 1 << 12: "0x1000",
	} {
		if got := typ.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint16(typ), got, want)
		}
	}
	// The values are the paper code's flags.
	for typ, want := range map[TokenType]int{PAD: 1, INST: 2, SYS: 4, IMG: 8, QUE: 16, ANS: 32, BOS: 64, EOS: 128, QED: 256, TXT: 512} {
		if int(typ) != want {
			t.Errorf("%v = %d, want %d", typ, int(typ), want)
		}
	}
}

// FuzzBuild checks the invariants of Build on arbitrary texts: segments tile
// the sequence, types match segments, slot counts are N + (k−1)M, answers
// end with </s>, and questions decode back to their trimmed text.
func FuzzBuild(f *testing.F) {
	tok := llama(f)
	f.Add("", "What is it?", "A cat.", "And now?", uint8(4), uint8(2))
	f.Add("Be brief.", "  ", "\n", "", uint8(0), uint8(0))
	f.Add(strings.Repeat(" ", 50), "[INST] </s>", "<s>", "▁", uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, system, q1, a1, q2 string, n, m uint8) {
		a1 = strings.TrimSpace(a1)
		if a1 == "" {
			a1 = "ok"
		}
		conv := Conversation{System: system, Turns: []Turn{{User: q1, Assistant: a1}, {User: q2}}}
		s, err := Build(tok, conv, Options{QEDFirst: int(n), QEDLater: int(m)})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Types) != len(s.IDs) || s.IDs[0] != tok.BOS() || s.Types[0] != BOS {
			t.Fatalf("bad start or lengths: %d ids, %d types", len(s.IDs), len(s.Types))
		}
		pos := 0
		for _, g := range s.Segments {
			if g.Start != pos || g.End < g.Start {
				t.Fatalf("segments do not tile: %+v at %d", g, pos)
			}
			for i := g.Start; i < g.End; i++ {
				if s.Types[i] != g.Type {
					t.Fatalf("position %d has type %v in a %v segment", i, s.Types[i], g.Type)
				}
			}
			pos = g.End
			if g.Type == QUE && utf8.ValidString(g.Text) && !strings.Contains(g.Text, "▁") {
				text, err := tok.Decode(s.IDs[g.Start:g.End])
				if err != nil || text != g.Text {
					t.Fatalf("question %q decodes to %q (%v)", g.Text, text, err)
				}
			}
		}
		if pos != s.Len() {
			t.Fatalf("segments end at %d of %d", pos, s.Len())
		}
		if got := len(s.QEDPositions()); got != int(n)+int(m) {
			t.Fatalf("%d QED slots, want %d", got, int(n)+int(m))
		}
		for _, sp := range s.AnswerSpans() {
			if s.IDs[sp[1]-1] != tok.EOS() {
				t.Fatal("an answer does not end with </s>")
			}
		}
	})
}
