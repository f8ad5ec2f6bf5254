package clipbpe

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

var (
	clipOnce sync.Once
	clipTok  *Tokenizer
	clipErr  error
)

// clip loads the real CLIP vocabulary of testdata/ once.
// Tests that add tokens load their own copy.
func clip(t testing.TB) *Tokenizer {
	t.Helper()
	path := tokentest.CLIPVocab(t)
	clipOnce.Do(func() { clipTok, clipErr = Load(path) })
	if clipErr != nil {
		t.Fatalf("Load: %v", clipErr)
	}
	return clipTok
}

func TestGoldenCLIP(t *testing.T) {
	tok := clip(t)
	for i, c := range tokentest.Cases(t) {
		got := tok.EncodeWithSpecials(c.Text)
		if !slices.Equal(got, c.CLIP) {
			t.Errorf("case %d %q:\n got %v\nwant %v", i, short(c.Text), got, c.CLIP)
			continue
		}
		// Decoding and encoding again gives the same ids.
		back, err := tok.Decode(got)
		if err != nil {
			t.Errorf("case %d: Decode: %v", i, err)
		} else if again := tok.EncodeWithSpecials(back); !slices.Equal(again, got) {
			t.Errorf("case %d: Encode(Decode(ids)) = %v, want %v (decoded %q)", i, again, got, short(back))
		}
	}
}

func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

func TestVocabFacts(t *testing.T) {
	tok := clip(t)
	if got := tok.VocabSize(); got != 49408 {
		t.Errorf("VocabSize = %d, want 49408", got)
	}
	if tok.SOT() != 49406 || tok.EOT() != 49407 {
		t.Errorf("SOT, EOT = %d, %d, want 49406, 49407", tok.SOT(), tok.EOT())
	}
	// The first 256 tokens are the byte characters in CLIP's order: '!' first.
	for id, want := range map[int]string{0: "!", 77: "n", 256: "!</w>", 512: "in", 49406: StartOfText, 49408: ""} {
		if got := tok.IDToToken(id); got != want {
			t.Errorf("IDToToken(%d) = %q, want %q", id, got, want)
		}
	}
	if id, ok := tok.TokenToID("the</w>"); !ok || tok.IDToToken(id) != "the</w>" {
		t.Errorf("TokenToID(the</w>) = %d, %v", id, ok)
	}
}

func TestBytesToUnicode(t *testing.T) {
	order, chars := bytesToUnicode()
	if len(order) != 256 {
		t.Fatalf("%d bytes in the order", len(order))
	}
	seen := map[rune]bool{}
	for b, r := range chars {
		if seen[r] {
			t.Fatalf("byte %d maps to %q twice", b, r)
		}
		seen[r] = true
	}
	for b, want := range map[int]rune{'A': 'A', ' ': 'Ġ', 0: 'Ā', '\n': 'Ċ', 0xAD: 'Ń', 0xFF: 'ÿ'} {
		if chars[b] != want {
			t.Errorf("byte %#x → %q, want %q", b, chars[b], want)
		}
	}
}

func TestNormalizeAndPretokenize(t *testing.T) {
	for _, c := range []struct {
		text string
		want []string
	}{
		{"  Hello,   World!! ", []string{"hello", ",", "world", "!!"}},
		{"don't it's I'LL", []string{"don", "'t", "it", "'s", "i", "'ll"}},
		{"x^2+y_1=3.14", []string{"x", "^", "2", "+", "y", "_", "1", "=", "3", ".", "1", "4"}},
		{"a<|endoftext|>b", []string{"a", EndOfText, "b"}},
		{"!<|endoftext|>", []string{"!<|", "endoftext", "|>"}},
		{"&amp;lt; &lt;b&gt;", []string{"<", "<", "b", ">"}},
		{"tab\there\u00a0nbsp", []string{"tab", "here", "nbsp"}},
		{"ΣΑΣ ΟΔΟΣ.", []string{"σα\u03c2", "οδο\u03c2", "."}}, // final sigma
		{"'sam", []string{"'s", "am"}},
		{"''", []string{"''"}},
		{"İ", []string{"i", "\u0307"}}, // i + a combining dot, which is not a letter
	} {
		var got []string
		pretokenize(Normalize(c.text), func(s string) { got = append(got, s) })
		if !slices.Equal(got, c.want) {
			t.Errorf("pretokenize(Normalize(%q)) = %q, want %q", c.text, got, c.want)
		}
	}
}

// TestMergeOrder checks CLIP's merge semantics on a hand-written vocabulary:
// the lowest rank first, every occurrence of it left to right, even when a
// pair created on the way has a lower rank.
func TestMergeOrder(t *testing.T) {
	dir := t.TempDir()
	// Rank 0: (ab, a), a pair that only the merge of rank 1, (a, b), can
	// create; rank 2: (b, a).
	writeHF(t, dir, []string{"ab a", "a b", "b a"}, nil)
	tok, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text string
		want []string
	}{
		// a b a b x</w>: every (a, b) is merged before (ab, a) is looked at.
		{"ababx", []string{"ab", "ab", "x</w>"}},
		// a b a b</w>: (a, b) once → ab a b</w>; then (ab, a) → aba b</w>.
		{"abab", []string{"aba", "b</w>"}},
		// b a b</w>: (a, b</w>) is not a merge; (b, a) → ba b</w>.
		{"bab", []string{"ba", "b</w>"}},
		{"aaa", []string{"a", "a", "a</w>"}},
		{"a", []string{"a</w>"}},
	} {
		if got := tok.Tokens(c.text); !slices.Equal(got, c.want) {
			t.Errorf("Tokens(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

// writeHF writes a Hugging Face style folder with the byte vocabulary, the
// given merges and optional added tokens.
func writeHF(t *testing.T, dir string, merges []string, added map[string]int) {
	t.Helper()
	order, chars := bytesToUnicode()
	vocab := map[string]int{}
	for _, b := range order {
		vocab[string(chars[b])] = len(vocab)
	}
	for _, b := range order {
		vocab[string(chars[b])+endOfWord] = len(vocab)
	}
	for _, m := range merges {
		a, b, _ := strings.Cut(m, " ")
		if _, ok := vocab[a+b]; !ok {
			vocab[a+b] = len(vocab)
		}
	}
	vocab[StartOfText] = len(vocab)
	vocab[EndOfText] = len(vocab)
	data, _ := json.Marshal(vocab)
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), []byte("#version: 0.2\n"+strings.Join(merges, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if added != nil {
		data, _ := json.Marshal(added)
		if err := os.WriteFile(filepath.Join(dir, "added_tokens.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestHFFolderMatchesSimpleVocab rewrites the real vocabulary as a Hugging
// Face folder and checks both give the same ids.
func TestHFFolderMatchesSimpleVocab(t *testing.T) {
	ref := clip(t)
	dir := t.TempDir()
	vocab := map[string]int{}
	for id := range ref.VocabSize() {
		vocab[ref.IDToToken(id)] = id
	}
	data, _ := json.Marshal(vocab)
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(tokentest.CLIPVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	buf := make([]byte, 1<<16)
	for {
		n, err := gz.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	lines := strings.Split(sb.String(), "\n")[:1+simpleVocabMerges]
	lines[0] = "#version: 0.2"
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hf, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tokentest.Cases(t) {
		if got, want := hf.EncodeWithSpecials(c.Text), c.CLIP; !slices.Equal(got, want) {
			t.Fatalf("HF folder: %q: got %v, want %v", short(c.Text), got, want)
		}
	}
}

func TestAddedTokens(t *testing.T) {
	tok, err := Load(tokentest.CLIPVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	names := PlaceholderTokens(3)
	ids := tok.AddTokens(names...)
	if !slices.Equal(ids, []int{49408, 49409, 49410}) {
		t.Fatalf("AddTokens ids = %v", ids)
	}
	if tok.VocabSize() != 49411 {
		t.Errorf("VocabSize = %d, want 49411", tok.VocabSize())
	}
	if again := tok.AddTokens("<|placeholder_qed_1|>", "<|endoftext|>"); !slices.Equal(again, []int{49409, 49407}) {
		t.Errorf("adding existing tokens gave %v", again)
	}
	if got := tok.AddedTokens(); !slices.Equal(got, names) {
		t.Errorf("AddedTokens = %q", got)
	}
	what := tok.Encode("What is it?")
	text := "What is it?<|placeholder_qed_0|><|placeholder_qed_1|> <|placeholder_qed_2|><|endoftext|>"
	want := append(slices.Clone(what), 49408, 49409, 49410, 49407)
	if got := tok.Encode(text); !slices.Equal(got, want) {
		t.Errorf("Encode(%q) = %v, want %v", text, got, want)
	}
	// A longer added token wins over a shorter one at the same place.
	tok.AddTokens("<|placeholder_qed_1|>x")
	if got := tok.Encode("<|placeholder_qed_1|>x"); !slices.Equal(got, []int{49411}) {
		t.Errorf("longest match: %v", got)
	}
	back, err := tok.Decode(want)
	if err != nil {
		t.Fatal(err)
	}
	if back != "what is it ? <|placeholder_qed_0|><|placeholder_qed_1|><|placeholder_qed_2|>" {
		t.Errorf("Decode = %q", back)
	}
	// The original tokenizer is not changed.
	if clip(t).VocabSize() != 49408 {
		t.Error("adding tokens to one tokenizer changed another")
	}
}

func TestHFAddedTokensFile(t *testing.T) {
	dir := t.TempDir()
	// 512 byte tokens, then ab</w> (512), <|startoftext|> (513), <|endoftext|> (514).
	writeHF(t, dir, []string{"a b</w>"}, map[string]int{"<|placeholder_qed_0|>": 515})
	tok, err := LoadHF(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("ab<|placeholder_qed_0|>"); !slices.Equal(got, []int{512, 515}) {
		t.Errorf("Encode = %v, want [512 515]", got)
	}
	dir2 := t.TempDir()
	writeHF(t, dir2, []string{"a b</w>"}, map[string]int{"<|placeholder_qed_0|>": 600})
	if _, err := LoadHF(dir2); err == nil || !strings.Contains(err.Error(), "want the next id 515") {
		t.Errorf("a gap in added ids: err = %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.txt")
	if err := os.WriteFile(bad, []byte("#version: 0.2\ni n\nthis line has three\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte("#version: 0.2\ni n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badGz := filepath.Join(dir, "bad.gz")
	if err := os.WriteFile(badGz, []byte{0x1f, 0x8b, 0, 1, 2}, 0o644); err != nil {
		t.Fatal(err)
	}
	emptyDir := t.TempDir()
	for _, c := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.gz"), "no such file"},
		{bad, "line 3"},
		{short, "only 1 merges"},
		{badGz, "bad.gz"},
		{emptyDir, "vocab.json"},
	} {
		_, err := Load(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Load(%s): err = %v, want one containing %q", c.path, err, c.want)
		}
	}
}

func TestLongWords(t *testing.T) {
	tok := clip(t)
	for _, text := range []string{strings.Repeat("a", 50000), strings.Repeat("ab", 25000), strings.Repeat("東", 20000), strings.Repeat("!", 50000)} {
		ids := tok.Encode(text)
		back, err := tok.Decode(ids)
		if err != nil {
			t.Fatal(err)
		}
		if back != text {
			t.Errorf("long word of %q does not read back (%d ids)", text[:3], len(ids))
		}
	}
}

// FuzzEncode checks that encoding never panics, ids are in range, and
// decoding then encoding again gives the same ids (for text without HTML
// entities or special-token names, which decoding cannot reproduce).
func FuzzEncode(f *testing.F) {
	tok := clip(f)
	for _, c := range tokentest.Cases(f) {
		f.Add(c.Text)
	}
	f.Add(strings.Repeat("a", 500))
	f.Add("ΣΑΣ İ \x1c x \xff")
	f.Fuzz(func(t *testing.T, text string) {
		ids := tok.Encode(text)
		for _, id := range ids {
			if id < 0 || id >= tok.VocabSize() {
				t.Fatalf("id %d out of range", id)
			}
		}
		if strings.ContainsAny(text, "&") || strings.Contains(text, "<|") {
			return
		}
		back, err := tok.Decode(ids)
		if err != nil {
			t.Fatal(err)
		}
		if again := tok.Encode(back); !slices.Equal(again, ids) {
			t.Fatalf("Encode(Decode(Encode(%q))) = %v, want %v (decoded %q)", text, again, ids, back)
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	tok := clip(b)
	var sb strings.Builder
	for _, c := range tokentest.Cases(b) {
		sb.WriteString(c.Text)
		sb.WriteString("\n")
	}
	text := sb.String()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.Encode(text)
	}
}

// BenchmarkEncodeUncached measures the BPE merges themselves (no cache hits).
func BenchmarkEncodeUncached(b *testing.B) {
	tok := clip(b)
	var words []string
	for i := range 2000 {
		words = append(words, fmt.Sprintf("word%dxq", i))
	}
	text := strings.Join(words, " ")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.cacheMu.Lock()
		clear(tok.cache)
		tok.cacheMu.Unlock()
		tok.Encode(text)
	}
}

func BenchmarkEncodeLongWord(b *testing.B) {
	tok := clip(b)
	text := strings.Repeat("abcdefghij", 10000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.cacheMu.Lock()
		clear(tok.cache)
		tok.cacheMu.Unlock()
		tok.Encode(text)
	}
}

// TestExampleValues checks the values that Example's comment shows.
func TestExampleValues(t *testing.T) {
	tok, err := Load(tokentest.CLIPVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	var words []int
	for _, w := range []string{"what</w>", "is</w>", "the</w>", "colour</w>", "?</w>"} {
		id, ok := tok.TokenToID(w)
		if !ok {
			t.Fatalf("%q is not in the vocabulary", w)
		}
		words = append(words, id)
	}
	if !slices.Equal(words, []int{768, 533, 518, 4769, 286}) {
		t.Errorf("word ids %v differ from the example's", words)
	}
	if got, want := tok.EncodeWithSpecials("What is the colour?"), append(append([]int{49406}, words...), 49407); !slices.Equal(got, want) {
		t.Errorf("EncodeWithSpecials = %v, want %v", got, want)
	}
	tok.AddTokens(PlaceholderTokens(3)...)
	ids := tok.Encode("What is the colour?<|placeholder_qed_0|><|placeholder_qed_1|><|placeholder_qed_2|><|endoftext|>")
	if want := append(slices.Clone(words), 49408, 49409, 49410, 49407); !slices.Equal(ids, want) {
		t.Errorf("Encode = %v, want %v", ids, want)
	}
	if text, _ := tok.Decode(ids); text != "what is the colour ? <|placeholder_qed_0|><|placeholder_qed_1|><|placeholder_qed_2|>" {
		t.Errorf("Decode = %q", text)
	}
}

// TestCrossCheck compares with testdata/crosscheck.jsonl: 400 random strings
// (letters, digits, Unicode whitespace and punctuation, combining marks,
// emoji, HTML entities, special-token names) encoded by an independent
// Python implementation of CLIP's SimpleTokenizer (html.unescape twice,
// regex-module pattern, no ftfy) over the same vocabulary.
func TestCrossCheck(t *testing.T) {
	tok := clip(t)
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
		if got := tok.EncodeWithSpecials(c.Text); !slices.Equal(got, c.IDs) {
			t.Errorf("line %d %q:\n got %v\nwant %v", i+1, c.Text, got, c.IDs)
		}
	}
}

// TestPyUnescape checks Python's html.unescape rules, including those where
// Go's html.UnescapeString differs.
func TestPyUnescape(t *testing.T) {
	for in, want := range map[string]string{
		"":                       "",
		"plain":                  "plain",
		"&":                      "&",
		"a & b":                  "a & b",
		"&amp;amp;":              "&amp;",
		"&amp":                   "&",
		"&ampx":                  "&x",
		"&notit;":                "¬it;",
		"&notin;":                "∉",
		"&lt;b&gt;":              "<b>",
		"&#9":                    "\t", // one digit, no ';' (Go keeps it)
		"&#65x":                  "Ax",
		"&#x41;":                 "A",
		"&#X41":                  "A",
		"&#x;":                   "&#x;",
		"&#;":                    "&#;",
		"&#0;":                   "\uFFFD",
		"&#13;":                  "\r",
		"&#1;":                   "", // forbidden code point (Go keeps it)
		"&#x7f;":                 "",
		"&#xFFFE;":               "",
		"&#x10FFFF;":             "",
		"&#x80;":                 "€",
		"&#x81;":                 "\u0081",
		"&#150;":                 "–",
		"&#xD800;":               "\uFFFD",
		"&#1234567890123456789;": "\uFFFD", // no overflow
		"&#x1F642;":              "🙂",
		"&Tab;x":                 "\tx",
	} {
		if got := pyUnescape(in); got != want {
			t.Errorf("pyUnescape(%q) = %q, want %q", in, got, want)
		}
	}
}
