package clipbpe

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Names of CLIP's special tokens.
const (
	StartOfText = "<|startoftext|>"
	EndOfText   = "<|endoftext|>"
)

// endOfWord marks the last symbol of a pre-token.
const endOfWord = "</w>"

// simpleVocabMerges is the number of merges CLIP reads from
// bpe_simple_vocab_16e6.txt.gz (49152 − 256 − 2); the file holds more lines.
const simpleVocabMerges = 49152 - 256 - 2

// merge is the rank of a pair and the id of the token it makes.
type merge struct {
	rank   int32
	result int32
}

// Tokenizer is a CLIP BPE tokenizer. Encoding is safe for concurrent use;
// AddTokens must not run concurrently with encoding.
type Tokenizer struct {
	encoder map[string]int
	decoder []string
	merges  map[uint64]merge

	byteTok    [256]int32 // id of the byte's character
	byteTokEnd [256]int32 // id of the byte's character + </w>
	byteChar   [256]rune  // bytes-to-unicode map
	charByte   map[rune]byte

	sot, eot int

	// added tokens, longest first for matching.
	added      map[string]int
	addedOrder []string

	cacheMu sync.Mutex
	cache   map[string][]int
}

// bytesToUnicode is CLIP's (and GPT-2's) reversible map from bytes to
// printable characters: printable Latin-1 bytes map to themselves, the rest
// to U+0100 onwards. It returns the bytes in the order CLIP lists them.
func bytesToUnicode() (order []byte, chars [256]rune) {
	printable := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	for b := range 256 {
		if printable(b) {
			order = append(order, byte(b))
			chars[b] = rune(b)
		}
	}
	n := 0
	for b := range 256 {
		if !printable(b) {
			order = append(order, byte(b))
			chars[b] = rune(256 + n)
			n++
		}
	}
	return order, chars
}

// Load reads a tokenizer from OpenAI's bpe_simple_vocab_16e6.txt.gz (or the
// same file uncompressed), or from a Hugging Face folder holding vocab.json
// and merges.txt.
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", path, err)
	}
	if st.IsDir() {
		return LoadHF(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("clipbpe: load %s: %w", path, err)
		}
		r = gz
	}
	t, err := ParseSimpleVocab(r)
	if err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", path, err)
	}
	return t, nil
}

// ParseSimpleVocab reads the (decompressed) text of bpe_simple_vocab_16e6.txt:
// a version line, then one merge "a b" per line. The vocabulary is built as
// CLIP builds it: the 256 byte characters, the same with </w>, one token per
// merge, then <|startoftext|> and <|endoftext|>.
func ParseSimpleVocab(r io.Reader) (*Tokenizer, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	line := 0
	var merges [][2]string
	for sc.Scan() && len(merges) < simpleVocabMerges {
		line++
		if line == 1 {
			continue // version line
		}
		a, b, ok := splitMerge(sc.Text())
		if !ok {
			return nil, fmt.Errorf("line %d: want a merge \"a b\", got %q", line, sc.Text())
		}
		merges = append(merges, [2]string{a, b})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if len(merges) < simpleVocabMerges {
		return nil, fmt.Errorf("only %d merges (CLIP's vocabulary needs %d)", len(merges), simpleVocabMerges)
	}
	order, chars := bytesToUnicode()
	vocab := make([]string, 0, 2*256+len(merges)+2)
	for _, b := range order {
		vocab = append(vocab, string(chars[b]))
	}
	for _, b := range order {
		vocab = append(vocab, string(chars[b])+endOfWord)
	}
	for _, m := range merges {
		vocab = append(vocab, m[0]+m[1])
	}
	vocab = append(vocab, StartOfText, EndOfText)
	encoder := make(map[string]int, len(vocab))
	for i, v := range vocab {
		if _, dup := encoder[v]; dup {
			return nil, fmt.Errorf("token %q appears twice", v)
		}
		encoder[v] = i
	}
	return build(encoder, merges)
}

func splitMerge(s string) (string, string, bool) {
	a, b, ok := strings.Cut(s, " ")
	if !ok || a == "" || b == "" || strings.Contains(b, " ") {
		return "", "", false
	}
	return a, b, true
}

// LoadHF reads a Hugging Face CLIP tokenizer folder: vocab.json (token → id),
// merges.txt ("#version" line, then "a b" per line) and, when present,
// added_tokens.json (token → id).
func LoadHF(dir string) (*Tokenizer, error) {
	vocabPath := filepath.Join(dir, "vocab.json")
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", vocabPath, err)
	}
	var encoder map[string]int
	if err := json.Unmarshal(data, &encoder); err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", vocabPath, err)
	}
	mergesPath := filepath.Join(dir, "merges.txt")
	data, err = os.ReadFile(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", mergesPath, err)
	}
	var merges [][2]string
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		l = strings.TrimRight(l, "\r")
		if (i == 0 && strings.HasPrefix(l, "#version")) || l == "" {
			continue
		}
		a, b, ok := splitMerge(l)
		if !ok {
			return nil, fmt.Errorf("clipbpe: load %s: line %d: want a merge \"a b\", got %q", mergesPath, i+1, l)
		}
		merges = append(merges, [2]string{a, b})
	}
	t, err := build(encoder, merges)
	if err != nil {
		return nil, fmt.Errorf("clipbpe: load %s: %w", dir, err)
	}
	addedPath := filepath.Join(dir, "added_tokens.json")
	if data, err := os.ReadFile(addedPath); err == nil {
		var added map[string]int
		if err := json.Unmarshal(data, &added); err != nil {
			return nil, fmt.Errorf("clipbpe: load %s: %w", addedPath, err)
		}
		names := make([]string, 0, len(added))
		for name := range added {
			names = append(names, name)
		}
		sort.Slice(names, func(i, j int) bool { return added[names[i]] < added[names[j]] })
		for _, name := range names {
			if _, ok := t.encoder[name]; ok {
				continue // a special token already in the vocabulary
			}
			if added[name] != len(t.decoder) {
				return nil, fmt.Errorf("clipbpe: load %s: token %q has id %d, want the next id %d", addedPath, name, added[name], len(t.decoder))
			}
			t.AddTokens(name)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("clipbpe: load %s: %w", addedPath, err)
	}
	return t, nil
}

// build checks the vocabulary and merges and indexes them.
func build(encoder map[string]int, merges [][2]string) (*Tokenizer, error) {
	n := len(encoder)
	t := &Tokenizer{
		encoder:  encoder,
		decoder:  make([]string, n),
		merges:   make(map[uint64]merge, len(merges)),
		charByte: make(map[rune]byte, 256),
		added:    map[string]int{},
		cache:    map[string][]int{},
	}
	for tok, id := range encoder {
		if id < 0 || id >= n || t.decoder[id] != "" {
			return nil, fmt.Errorf("vocabulary ids are not 0..%d, each once (token %q has id %d)", n-1, tok, id)
		}
		t.decoder[id] = tok
	}
	_, chars := bytesToUnicode()
	t.byteChar = chars
	for b := range 256 {
		c := string(chars[b])
		id, ok1 := encoder[c]
		idEnd, ok2 := encoder[c+endOfWord]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("the vocabulary lacks the byte token %q or %q", c, c+endOfWord)
		}
		t.byteTok[b], t.byteTokEnd[b] = int32(id), int32(idEnd)
		t.charByte[chars[b]] = byte(b)
	}
	for i, m := range merges {
		a, ok1 := encoder[m[0]]
		b, ok2 := encoder[m[1]]
		r, ok3 := encoder[m[0]+m[1]]
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("merge %d %q %q: a token is not in the vocabulary", i+1, m[0], m[1])
		}
		key := pairKey(int32(a), int32(b))
		if _, dup := t.merges[key]; dup {
			continue // CLIP keeps the first rank of a repeated merge
		}
		t.merges[key] = merge{rank: int32(i), result: int32(r)}
	}
	var ok bool
	if t.sot, ok = encoder[StartOfText]; !ok {
		return nil, fmt.Errorf("the vocabulary lacks %s", StartOfText)
	}
	if t.eot, ok = encoder[EndOfText]; !ok {
		return nil, fmt.Errorf("the vocabulary lacks %s", EndOfText)
	}
	return t, nil
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// AddTokens adds tokens to the vocabulary (non-special, as Hugging Face's
// add_tokens does): each gets the next id, and Encode recognises it in text
// before any other processing, the longest first. Tokens already in the
// vocabulary keep their id. It returns the ids of all the given tokens.
func (t *Tokenizer) AddTokens(tokens ...string) []int {
	ids := make([]int, len(tokens))
	for i, tok := range tokens {
		if id, ok := t.encoder[tok]; ok {
			ids[i] = id
			continue
		}
		if tok == "" {
			ids[i] = -1
			continue
		}
		id := len(t.decoder)
		t.encoder[tok] = id
		t.decoder = append(t.decoder, tok)
		t.added[tok] = id
		t.addedOrder = append(t.addedOrder, tok)
		ids[i] = id
	}
	sort.SliceStable(t.addedOrder, func(i, j int) bool { return len(t.addedOrder[i]) > len(t.addedOrder[j]) })
	return ids
}

// AddedTokens returns the added tokens in id order.
func (t *Tokenizer) AddedTokens() []string {
	out := make([]string, 0, len(t.added))
	for id := len(t.decoder) - len(t.added); id < len(t.decoder); id++ {
		out = append(out, t.decoder[id])
	}
	return out
}

// PlaceholderTokens returns the fusion module's query placeholder names
// <|placeholder_qed_0|> … <|placeholder_qed_{n-1}|> (App. C; N−1 of them
// for N query tokens, the last slot being <|endoftext|>).
func PlaceholderTokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("<|placeholder_qed_%d|>", i)
	}
	return out
}

// VocabSize is the number of tokens, added ones included (49408 for CLIP).
func (t *Tokenizer) VocabSize() int { return len(t.decoder) }

// SOT is the id of <|startoftext|> (49406).
func (t *Tokenizer) SOT() int { return t.sot }

// EOT is the id of <|endoftext|> (49407); CLIP also pads with it.
func (t *Tokenizer) EOT() int { return t.eot }

// TokenToID returns the id of a token spelling and whether it exists.
func (t *Tokenizer) TokenToID(tok string) (int, bool) {
	id, ok := t.encoder[tok]
	return id, ok
}

// IDToToken returns the spelling of id ("the</w>", "<|endoftext|>"), or ""
// when out of range.
func (t *Tokenizer) IDToToken(id int) string {
	if id < 0 || id >= len(t.decoder) {
		return ""
	}
	return t.decoder[id]
}
