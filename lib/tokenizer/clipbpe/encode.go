package clipbpe

import (
	"github.com/tokenscale/tokenscale/lib/internal/pytext"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tokenscale/tokenscale/lib/tokenizer/internal/pq"
)

// maxCache bounds the per-tokenizer cache of encoded pre-tokens.
const maxCache = 1 << 16

// Encode tokenises text into ids without <|startoftext|> and <|endoftext|>
// (Hugging Face's add_special_tokens=False). Added tokens are recognised
// first; the text between them is cleaned, lower-cased, pre-tokenised and
// merged.
func (t *Tokenizer) Encode(text string) []int {
	ids := make([]int, 0, len(text)/4+2)
	t.splitAdded(text, func(seg string, added int) {
		if added >= 0 {
			ids = append(ids, added)
			return
		}
		ids = t.appendText(ids, seg)
	})
	return ids
}

// EncodeWithSpecials is Encode wrapped in <|startoftext|> … <|endoftext|>,
// with no truncation (the form of the reference cases and of CLIP's text
// tower input before padding).
func (t *Tokenizer) EncodeWithSpecials(text string) []int {
	ids := append([]int{t.sot}, t.Encode(text)...)
	return append(ids, t.eot)
}

// Tokens returns the token spellings of Encode(text).
func (t *Tokenizer) Tokens(text string) []string {
	ids := t.Encode(text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = t.decoder[id]
	}
	return out
}

// splitAdded calls f for each stretch of text between added tokens (added =
// -1) and for each added token (its id), in order. At each position the
// longest added token wins.
func (t *Tokenizer) splitAdded(text string, f func(seg string, added int)) {
	if len(t.addedOrder) == 0 {
		f(text, -1)
		return
	}
	start := 0
	for i := 0; i < len(text); {
		matched := ""
		for _, tok := range t.addedOrder { // longest first
			if tok[0] == text[i] && strings.HasPrefix(text[i:], tok) {
				matched = tok
				break
			}
		}
		if matched == "" {
			i++
			continue
		}
		if start < i {
			f(text[start:i], -1)
		}
		f(matched, t.added[matched])
		i += len(matched)
		start = i
	}
	if start < len(text) {
		f(text[start:], -1)
	}
}

// Normalize applies CLIP's clean-up and lower-casing: HTML entities unescaped
// twice, whitespace runs to one space, ends trimmed, then Python's lower().
func Normalize(text string) string {
	text = strings.ToValidUTF8(text, "\uFFFD")
	text = pyUnescape(pyUnescape(text))
	text = strings.TrimFunc(text, pyIsSpace)
	// re.sub(r'\s+', ' ', text).strip()
	var b strings.Builder
	b.Grow(len(text))
	inSpace := false
	for _, r := range text {
		if unicode.IsSpace(r) {
			inSpace = true
			continue
		}
		if inSpace && b.Len() > 0 {
			b.WriteByte(' ')
		}
		inSpace = false
		b.WriteRune(r)
	}
	return strings.TrimFunc(pyLower(b.String()), pyIsSpace)
}

// appendText encodes one stretch of text that holds no added token.
func (t *Tokenizer) appendText(ids []int, text string) []int {
	pretokenize(Normalize(text), func(tok string) {
		switch tok {
		case StartOfText:
			ids = append(ids, t.sot)
		case EndOfText:
			ids = append(ids, t.eot)
		default:
			ids = t.appendWord(ids, tok)
		}
	})
	return ids
}

// contractions are CLIP's pattern alternatives after an apostrophe, in order.
var contractions = []string{"s", "t", "re", "ve", "m", "ll", "d"}

// pretokenize splits lower-cased text as CLIP's pattern does:
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// Whitespace between matches is skipped.
func pretokenize(s string, emit func(string)) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
			continue
		case strings.HasPrefix(s[i:], StartOfText):
			emit(StartOfText)
			i += len(StartOfText)
			continue
		case strings.HasPrefix(s[i:], EndOfText):
			emit(EndOfText)
			i += len(EndOfText)
			continue
		}
		if r == '\'' {
			found := false
			for _, c := range contractions {
				if strings.HasPrefix(s[i+1:], c) {
					emit(s[i : i+1+len(c)])
					i += 1 + len(c)
					found = true
					break
				}
			}
			if found {
				continue
			}
		}
		j := i + n
		switch {
		case unicode.IsLetter(r):
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !unicode.IsLetter(r2) {
					break
				}
				j += n2
			}
		case unicode.IsNumber(r):
			// one digit per match
		default:
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if unicode.IsSpace(r2) || unicode.IsLetter(r2) || unicode.IsNumber(r2) {
					break
				}
				j += n2
			}
		}
		emit(s[i:j])
		i = j
	}
}

// Python's str.isspace and str.lower, as CLIP's Python tokenizer uses them.
var (
	pyIsSpace = pytext.IsSpace
	pyLower   = pytext.Lower
)

// appendWord appends the BPE ids of one pre-token.
func (t *Tokenizer) appendWord(ids []int, word string) []int {
	t.cacheMu.Lock()
	cached, ok := t.cache[word]
	t.cacheMu.Unlock()
	if ok {
		return append(ids, cached...)
	}
	out := t.bpe(word)
	t.cacheMu.Lock()
	if len(t.cache) >= maxCache {
		clear(t.cache)
	}
	t.cache[word] = out
	t.cacheMu.Unlock()
	return append(ids, out...)
}

type wsym struct {
	id         int32
	prev, next int32
	alive      bool
}

type wcand struct {
	rank            int32
	left, right     int32
	leftID, rightID int32
}

// Before orders merge candidates: lowest rank first, then the leftmost pair.
func (a wcand) Before(b wcand) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
}

// bpe merges the bytes of one pre-token. CLIP's bpe() repeatedly takes the
// lowest-ranked adjacent pair and merges every occurrence of it, left to
// right; here all candidates of that rank are taken from the queue in
// position order and the pairs they create are queued only afterwards, which
// gives the same result in O(n log n).
func (t *Tokenizer) bpe(word string) []int {
	n := len(word)
	syms := make([]wsym, n)
	for i := 0; i < n; i++ {
		id := t.byteTok[word[i]]
		if i == n-1 {
			id = t.byteTokEnd[word[i]]
		}
		syms[i] = wsym{id: id, prev: int32(i - 1), next: int32(i + 1), alive: true}
	}
	syms[n-1].next = -1
	var h pq.Heap[wcand]
	add := func(left int32) {
		if left < 0 || !syms[left].alive {
			return
		}
		right := syms[left].next
		if right < 0 {
			return
		}
		m, ok := t.merges[pairKey(syms[left].id, syms[right].id)]
		if !ok {
			return
		}
		h.Push(wcand{rank: m.rank, left: left, right: right, leftID: syms[left].id, rightID: syms[right].id})
	}
	for i := 0; i < n-1; i++ {
		add(int32(i))
	}
	var pending []int32
	for len(h) > 0 {
		rank := h[0].rank
		pending = pending[:0]
		for len(h) > 0 && h[0].rank == rank {
			c := h.Pop()
			l, r := &syms[c.left], &syms[c.right]
			if !l.alive || !r.alive || l.next != c.right || l.id != c.leftID || r.id != c.rightID {
				continue // stale
			}
			l.id = t.merges[pairKey(c.leftID, c.rightID)].result
			l.next = r.next
			if r.next >= 0 {
				syms[r.next].prev = c.left
			}
			r.alive = false
			pending = append(pending, l.prev, c.left)
		}
		for _, p := range pending {
			add(p)
		}
	}
	out := make([]int, 0, 4)
	for i := int32(0); i >= 0; i = syms[i].next {
		out = append(out, int(syms[i].id))
	}
	return out
}
