package sentencepiece

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

var (
	llamaOnce  sync.Once
	llamaModel *Model
	llamaErr   error
)

// llama loads the real Llama-2 tokenizer.model of testdata/ once.
func llama(t testing.TB) *Model {
	t.Helper()
	path := tokentest.LlamaModel(t)
	llamaOnce.Do(func() { llamaModel, llamaErr = Load(path) })
	if llamaErr != nil {
		t.Fatalf("Load: %v", llamaErr)
	}
	return llamaModel
}

func TestGoldenLlama2(t *testing.T) {
	m := llama(t)
	cases := tokentest.Cases(t)
	for i, c := range cases {
		got := m.Encode(c.Text)
		if !slices.Equal(got, c.Llama2) {
			t.Errorf("case %d %q:\n got %v\nwant %v\npieces %q", i, short(c.Text), got, c.Llama2, m.EncodePieces(c.Text))
			continue
		}
		back, err := m.Decode(got)
		if err != nil {
			t.Errorf("case %d: Decode: %v", i, err)
		} else if back != c.Text {
			t.Errorf("case %d: Decode(Encode(s)) = %q, want %q", i, short(back), short(c.Text))
		}
	}
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func TestModelFacts(t *testing.T) {
	m := llama(t)
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"VocabSize", m.VocabSize(), 32000},
		{"UNK", m.UNK(), 0},
		{"BOS", m.BOS(), 1},
		{"EOS", m.EOS(), 2},
		{"PAD", m.PAD(), -1},
		{"PieceToID(<0x0A>)", m.PieceToID("<0x0A>"), 13},
		{"PieceToID(▁▁)", m.PieceToID("▁▁"), 259},
		{"PieceToID(unknown)", m.PieceToID("no such piece"), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	for id, want := range map[int]string{0: "<unk>", 1: "<s>", 2: "</s>", 3: "<0x00>", 29871: "▁", -1: "", 32000: ""} {
		if got := m.IDToPiece(id); got != want {
			t.Errorf("IDToPiece(%d) = %q, want %q", id, got, want)
		}
	}
	for id, want := range map[int]PieceType{0: Unknown, 1: Control, 2: Control, 3: Byte, 29871: Normal} {
		if got := m.Type(id); got != want {
			t.Errorf("Type(%d) = %v, want %v", id, got, want)
		}
	}
	if !m.ByteFallback() {
		t.Error("Llama-2 uses byte fallback")
	}
}

// TestSmallCases checks hand-derived properties on the real model.
func TestSmallCases(t *testing.T) {
	m := llama(t)
	for _, c := range []struct {
		text   string
		pieces []string
	}{
		{"", nil},
		{" ", []string{"▁▁"}},
		{"\n", []string{"▁", "<0x0A>"}},
		{"Hello", []string{"▁Hello"}},
		{"The token is a test.", []string{"▁The", "▁token", "▁is", "▁a", "▁test", "."}},
		{"[/INST]", []string{"▁[", "/", "INST", "]"}},
	} {
		if got := m.EncodePieces(c.text); !slices.Equal(got, c.pieces) {
			t.Errorf("EncodePieces(%q) = %q, want %q", c.text, got, c.pieces)
		}
	}
	if got, want := m.Encode("The token is a test."), []int{450, 5993, 338, 263, 1243, 29889}; !slices.Equal(got, want) {
		t.Errorf("Encode(The token is a test.) = %v, want %v", got, want)
	}
	// Malformed UTF-8 reads as U+FFFD, one per byte.
	if got, want := m.Encode("a\xff\xfeb"), m.Encode("a\uFFFD\uFFFDb"); !slices.Equal(got, want) {
		t.Errorf("Encode of malformed UTF-8 = %v, want %v", got, want)
	}
}

func TestDecode(t *testing.T) {
	m := llama(t)
	for _, c := range []struct {
		ids  []int
		want string
	}{
		{nil, ""},
		{[]int{1, 15043, 2}, "Hello"},     // control pieces vanish, dummy space dropped
		{[]int{29871, 29871}, " "},        // only the first ▁ is the dummy prefix
		{[]int{0}, " ⁇ "},                 // UNK surface
		{[]int{243, 162}, "\uFFFD\uFFFD"}, // incomplete UTF-8 bytes
		{[]int{243, 162, 156, 133}, "🙂"},  // complete bytes
		{[]int{13, 15043}, "\n Hello"},    // a byte piece first: the space stays
	} {
		got, err := m.Decode(c.ids)
		if err != nil {
			t.Errorf("Decode(%v): %v", c.ids, err)
			continue
		}
		if got != c.want {
			t.Errorf("Decode(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
	if _, err := m.Decode([]int{5, 32000}); err == nil || !strings.Contains(err.Error(), "position 1") {
		t.Errorf("Decode of an out-of-range id: err = %v, want one naming position 1", err)
	}
}

func TestStreamingDecoderMatchesDecode(t *testing.T) {
	m := llama(t)
	for _, text := range []string{"emoji 🙂👍 and 東京タワー", "  two leading", "new\nline\n"} {
		ids := m.Encode(text)
		d := m.NewDecoder()
		var b strings.Builder
		for _, id := range ids {
			s, err := d.Add(id)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(s)
		}
		b.WriteString(d.Flush())
		if b.String() != text {
			t.Errorf("streamed %q, want %q", b.String(), text)
		}
	}
}

// TestLongRuns checks that long runs of one character neither panic nor take
// quadratic time, and round-trip.
func TestLongRuns(t *testing.T) {
	m := llama(t)
	for _, ch := range []string{" ", "a", "\n", "東", "🙂", "▁"} {
		text := strings.Repeat(ch, 20000)
		ids := m.Encode(text)
		if len(ids) == 0 {
			t.Fatalf("no ids for a run of %q", ch)
		}
		back, err := m.Decode(ids)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.ReplaceAll(text, "▁", " ")
		if back != want {
			t.Errorf("run of %q does not round-trip (len %d vs %d)", ch, len(back), len(want))
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.model")
	if err := os.WriteFile(garbage, []byte("this is not a protobuf\xff\xff\xff"), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.model")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, want string
	}{
		{filepath.Join(dir, "missing.model"), "no such file"},
		{garbage, "not a SentencePiece model"},
		{empty, "no pieces"},
	} {
		_, err := Load(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("Load(%s): err = %v, want one naming the file and %q", c.path, err, c.want)
		}
	}
}

// TestParseRefusesOtherModels writes small models by hand and checks the
// settings that are not supported are named.
func TestParseRefusesOtherModels(t *testing.T) {
	base := func(modelType int, charsmap string) []byte {
		b := newProto()
		b.piece("<unk>", 0, Unknown)
		b.piece("<s>", 0, Control)
		b.piece("</s>", 0, Control)
		b.piece("▁a", -1, Normal)
		b.trainer(modelType, false)
		b.normalizer(charsmap)
		return b.buf
	}
	if _, err := Parse(base(modelBPE, "")); err != nil {
		t.Fatalf("a minimal BPE model: %v", err)
	}
	for _, c := range []struct {
		data []byte
		want string
	}{
		{base(modelUnigram, ""), "UNIGRAM"},
		{base(modelBPE, "xyz"), "precompiled character map"},
	} {
		if _, err := Parse(c.data); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one naming %q", err, c.want)
		}
	}
}

// TestHandModel checks the merge order (score first, then leftmost), byte
// fallback off (UNK), user-defined pieces and unused pieces on a model written
// by hand.
func TestHandModel(t *testing.T) {
	b := newProto()
	b.piece("<unk>", 0, Unknown)   // 0
	b.piece("<s>", 0, Control)     // 1
	b.piece("</s>", 0, Control)    // 2
	b.piece("▁", -10, Normal)      // 3
	b.piece("a", -10, Normal)      // 4
	b.piece("b", -10, Normal)      // 5
	b.piece("ab", -1, Normal)      // 6
	b.piece("ba", -2, Normal)      // 7
	b.piece("▁a", -3, Normal)      // 8
	b.piece("<X>", 0, UserDefined) // 9
	b.piece("bb", -0.5, Unused)    // 10: merged, then split back
	b.piece("bbb", -0.1, Normal)   // 11: reachable only through the unused bb
	b.trainer(modelBPE, false)
	b.normalizer("")
	m, err := Parse(b.buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want []int
	}{
		{"ab", []int{3, 6}},       // ▁ab: "ab" (-1) beats "▁a" (-3)
		{"aba", []int{3, 6, 4}},   // ab (left) wins the tie with itself; then ba is gone
		{"ba", []int{3, 7}},       // ▁ba: ba (-2) beats ▁b (absent)
		{"a<X>a", []int{8, 9, 4}}, // the user-defined piece is matched whole and never merged
		{"bb", []int{3, 5, 5}},    // bb is unused: split back into b b
		{"bbb", []int{3, 11}},     // bbb is reached through bb
		{"c", []int{3, 0}},        // no byte fallback: UNK
	} {
		if got := m.Encode(c.text); !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
		}
	}
}

// protoBuilder writes a ModelProto by hand for tests.
type protoBuilder struct{ buf []byte }

func newProto() *protoBuilder { return &protoBuilder{} }

func appendTag(b []byte, num, typ int) []byte { return appendVarint(b, uint64(num<<3|typ)) }

func appendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

func appendBytes(b []byte, num int, v []byte) []byte {
	b = appendTag(b, num, 2)
	b = appendVarint(b, uint64(len(v)))
	return append(b, v...)
}

func (p *protoBuilder) piece(text string, score float32, typ PieceType) {
	var m []byte
	m = appendBytes(m, 1, []byte(text))
	m = appendTag(m, 2, 5)
	bits := math.Float32bits(score)
	m = append(m, byte(bits), byte(bits>>8), byte(bits>>16), byte(bits>>24))
	m = appendTag(m, 3, 0)
	m = appendVarint(m, uint64(typ))
	p.buf = appendBytes(p.buf, 1, m)
}

func (p *protoBuilder) trainer(modelType int, byteFallback bool) {
	var m []byte
	m = appendTag(m, 3, 0)
	m = appendVarint(m, uint64(modelType))
	if byteFallback {
		m = appendTag(m, 35, 0)
		m = appendVarint(m, 1)
	}
	m = appendTag(m, 43, 0)
	m = appendVarint(m, uint64(0xFFFFFFFFFFFFFFFF)) // pad_id = -1 as int32 varint
	p.buf = appendBytes(p.buf, 2, m)
}

func (p *protoBuilder) normalizer(charsmap string) {
	var m []byte
	m = appendBytes(m, 1, []byte("identity"))
	if charsmap != "" {
		m = appendBytes(m, 2, []byte(charsmap))
	}
	m = appendTag(m, 4, 0)
	m = appendVarint(m, 0) // remove_extra_whitespaces = false
	p.buf = appendBytes(p.buf, 3, m)
}

// FuzzEncode checks that encoding never panics, every id is in range, and
// decoding returns the text (with U+2581 read as a space and malformed UTF-8
// as U+FFFD).
func FuzzEncode(f *testing.F) {
	m := llama(f)
	for _, c := range tokentest.Cases(f) {
		f.Add(c.Text)
	}
	f.Add(strings.Repeat(" ", 300))
	f.Add(strings.Repeat("▁", 300))
	f.Add("\xff\xfe a \xc3")
	f.Fuzz(func(t *testing.T, text string) {
		ids := m.Encode(text)
		for _, id := range ids {
			if id < 0 || id >= m.VocabSize() {
				t.Fatalf("id %d out of range", id)
			}
		}
		back, err := m.Decode(ids)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.ValidString(text) {
			return // each malformed byte reads back as U+FFFD
		}
		want := strings.ReplaceAll(text, "▁", " ")
		if back != want {
			t.Fatalf("Decode(Encode(%q)) = %q", text, back)
		}
	})
}

// BenchmarkEncode measures encode throughput on the paper's text (the golden
// cases joined), in bytes of input per second.
func BenchmarkEncode(b *testing.B) {
	m := llama(b)
	var sb strings.Builder
	for _, c := range tokentest.Cases(b) {
		sb.WriteString(c.Text)
		sb.WriteString("\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		m.Encode(text)
	}
}

// BenchmarkEncodeRun measures a long run of one character (the case that
// makes naive BPE implementations quadratic).
func BenchmarkEncodeRun(b *testing.B) {
	m := llama(b)
	text := strings.Repeat(" ", 100000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		m.Encode(text)
	}
}

func BenchmarkDecode(b *testing.B) {
	m := llama(b)
	var sb strings.Builder
	for _, c := range tokentest.Cases(b) {
		sb.WriteString(c.Text)
		sb.WriteString("\n")
	}
	ids := m.Encode(sb.String())
	b.SetBytes(int64(sb.Len()))
	for b.Loop() {
		if _, err := m.Decode(ids); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCrossCheck compares with testdata/crosscheck.jsonl: 300 random strings
// (runs of the paper's words, and mixes of ASCII, whitespace, punctuation,
// accented, Greek, Cyrillic, CJK and emoji characters) encoded by an
// independent, deliberately naive Python implementation (re-scan every pair,
// merge the best-scoring leftmost one, repeat) that reads the same
// tokenizer.model and reproduces all of tokenizers.json.
func TestCrossCheck(t *testing.T) {
	m := llama(t)
	data, err := os.ReadFile(filepath.Join("testdata", "crosscheck.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 100 {
		t.Fatalf("only %d cross-check cases", len(lines))
	}
	for i, l := range lines {
		var c struct {
			Text string `json:"text"`
			IDs  []int  `json:"ids"`
		}
		if err := json.Unmarshal([]byte(l), &c); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		if got := m.Encode(c.Text); !slices.Equal(got, c.IDs) {
			t.Errorf("line %d %q:\n got %v\nwant %v", i+1, c.Text, got, c.IDs)
		}
	}
}
