package sentencepiece

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/tokenscale/tokenscale/lib/tokenizer/internal/pq"
)

// replacementChar is U+FFFD in UTF-8.
const replacementChar = "\uFFFD"

// normalize applies the identity normaliser: malformed UTF-8 becomes U+FFFD
// (one per byte), extra spaces are removed when the model asks for it, a
// dummy space is prefixed, and spaces are written as ▁.
func (m *Model) normalize(text string) []byte {
	if text == "" {
		return nil
	}
	if !utf8.ValidString(text) {
		var b strings.Builder
		for i := 0; i < len(text); {
			r, n := utf8.DecodeRuneInString(text[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteString(replacementChar)
			} else {
				b.WriteString(text[i : i+n])
			}
			i += n
		}
		text = b.String()
	}
	if m.removeExtraWhitespaces {
		text = strings.Join(strings.FieldsFunc(text, func(r rune) bool { return r == ' ' }), " ")
		if text == "" {
			return nil
		}
	}
	space := " "
	if m.escapeWhitespaces {
		space = spaceSymbol
	}
	out := make([]byte, 0, len(text)+len(text)/2+len(space))
	if m.addDummyPrefix {
		out = append(out, space...)
	}
	for i := 0; i < len(text); i++ {
		if text[i] == ' ' {
			out = append(out, space...)
		} else {
			out = append(out, text[i])
		}
	}
	return out
}

// symbol is a span of the normalised text in the doubly linked list of the
// BPE merge loop; an empty span (start == end) has been merged into its left
// neighbour.
type symbol struct {
	start, end int32
	prev, next int32
	freeze     bool
}

// candidate is a pair of adjacent symbols whose concatenation is a piece.
type candidate struct {
	score       float32
	left, right int32
	size        int32
}

// Before reports whether a is merged before b: higher score first, then the
// leftmost pair.
func (a candidate) Before(b candidate) bool {
	return a.score > b.score || (a.score == b.score && a.left < b.left)
}

// eachWord calls f with each independently mergeable span of the normalised
// text.
//
// When no vocabulary piece holds ▁ after another character (true of Llama-2),
// no merge can cross the start of a word, so the words are merged one by one:
// the result is the same, the priority queues stay small, and the ids of
// frequent words can be cached. Otherwise the whole text is one span.
func (m *Model) eachWord(norm []byte, f func(word []byte)) {
	if len(norm) == 0 {
		return
	}
	if !m.wordsIndependent {
		f(norm)
		return
	}
	start := 0
	for i := len(spaceSymbol); i+len(spaceSymbol) <= len(norm); {
		if string(norm[i:i+len(spaceSymbol)]) == spaceSymbol {
			if string(norm[i-len(spaceSymbol):i]) != spaceSymbol {
				f(norm[start:i])
				start = i
			}
			i += len(spaceSymbol)
			continue
		}
		i++
	}
	f(norm[start:])
}

// Cache bounds: words longer than maxCachedWord bytes are not cached, and the
// cache is emptied when it holds maxCacheEntries words.
const (
	maxCachedWord   = 64
	maxCacheEntries = 1 << 16
)

// scratch holds buffers reused across the words of one text.
type scratch struct {
	symbols []symbol
	heap    pq.Heap[candidate]
}

// bpe merges one independent span of the normalised text.
func (m *Model) bpe(norm []byte, emit func(p []byte, id int), sc *scratch) {
	if len(norm) == 0 {
		return
	}
	symbols := sc.symbols[:0]
	for i := 0; i < len(norm); {
		n, freeze := m.prefixLen(norm[i:])
		k := int32(len(symbols))
		symbols = append(symbols, symbol{start: int32(i), end: int32(i + n), prev: k - 1, next: k + 1, freeze: freeze})
		i += n
	}
	symbols[len(symbols)-1].next = -1

	var revMerge map[string][2]string
	if m.hasUnused {
		revMerge = map[string][2]string{}
	}
	h := sc.heap[:0]
	defer func() { sc.symbols, sc.heap = symbols, h }()
	maybeAdd := func(left, right int32) {
		if left < 0 || right < 0 {
			return
		}
		l, r := &symbols[left], &symbols[right]
		if l.freeze || r.freeze {
			return
		}
		size := (l.end - l.start) + (r.end - r.start)
		if int(size) > m.maxPieceLen {
			return
		}
		p := norm[l.start : l.start+size]
		id, ok := m.vocab[string(p)]
		if !ok {
			return
		}
		h.Push(candidate{score: m.pieces[id].score, left: left, right: right, size: size})
		if m.pieces[id].typ == Unused {
			revMerge[string(p)] = [2]string{string(norm[l.start:l.end]), string(norm[r.start:r.end])}
		}
	}
	for i := 1; i < len(symbols); i++ {
		maybeAdd(int32(i-1), int32(i))
	}
	for len(h) > 0 {
		top := h.Pop()
		l, r := &symbols[top.left], &symbols[top.right]
		if l.start == l.end || r.start == r.end || (l.end-l.start)+(r.end-r.start) != top.size {
			continue // stale: one side has been merged since
		}
		l.end = r.end
		l.next = r.next
		if r.next >= 0 {
			symbols[r.next].prev = top.left
		}
		r.start = r.end
		maybeAdd(l.prev, top.left)
		maybeAdd(top.left, l.next)
	}

	var resegment func(p []byte)
	resegment = func(p []byte) {
		id, ok := m.vocab[string(p)]
		if !ok {
			emit(p, -1)
			return
		}
		if m.pieces[id].typ == Unused {
			if parts, ok := revMerge[string(p)]; ok {
				resegment([]byte(parts[0]))
				resegment([]byte(parts[1]))
				return
			}
		}
		emit(p, id)
	}
	for i := int32(0); i >= 0; i = symbols[i].next {
		resegment(norm[symbols[i].start:symbols[i].end])
	}
}

// prefixLen returns the length of the first symbol of s: the longest
// user-defined piece that prefixes s (frozen), else one UTF-8 character.
func (m *Model) prefixLen(s []byte) (int, bool) {
	if m.maxUserDefLen > 0 {
		for n := min(m.maxUserDefLen, len(s)); n > 0; n-- {
			if m.userDefined[string(s[:n])] {
				return n, true
			}
		}
	}
	_, n := utf8.DecodeRune(s)
	return n, false
}

// Encode tokenises text into piece ids. No BOS or EOS is added; add them with
// BOS() and EOS() where the format needs them.
func (m *Model) Encode(text string) []int {
	norm := m.normalize(text)
	ids := make([]int, 0, len(norm)/3+1)
	var sc scratch
	emit := func(p []byte, id int) { ids = m.appendID(ids, p, id) }
	m.eachWord(norm, func(word []byte) {
		cacheable := len(word) <= maxCachedWord
		if cacheable {
			m.cacheMu.Lock()
			cached, ok := m.cache[string(word)]
			m.cacheMu.Unlock()
			if ok {
				ids = append(ids, cached...)
				return
			}
		}
		start := len(ids)
		m.bpe(word, emit, &sc)
		if cacheable {
			m.cacheMu.Lock()
			if len(m.cache) >= maxCacheEntries {
				clear(m.cache)
			}
			m.cache[string(word)] = slices.Clone(ids[start:])
			m.cacheMu.Unlock()
		}
	})
	return ids
}

// appendID appends the id of one final piece, falling back to its bytes (or
// UNK) when the piece is not in the vocabulary.
func (m *Model) appendID(ids []int, p []byte, id int) []int {
	if id >= 0 {
		return append(ids, id)
	}
	if !m.byteFallback {
		return append(ids, m.unkID)
	}
	for _, b := range p {
		ids = append(ids, m.byteID[b])
	}
	return ids
}

// EncodePieces tokenises text into piece spellings ("▁Hello", "<0x0A>").
func (m *Model) EncodePieces(text string) []string {
	ids := m.Encode(text)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.pieces[id].text
	}
	return out
}
