package sentencepiece

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Decode turns ids back into text: byte pieces are joined and read as UTF-8
// (malformed bytes become U+FFFD), ▁ becomes a space, the dummy-prefix space
// of the first piece is dropped, control pieces (<s>, </s>) vanish and UNK
// reads " ⁇ ". decode(Encode(s)) == s for every valid UTF-8 s that holds no
// U+2581 (which reads back as a space).
func (m *Model) Decode(ids []int) (string, error) {
	d := m.NewDecoder()
	var b strings.Builder
	for i, id := range ids {
		s, err := d.Add(id)
		if err != nil {
			return "", fmt.Errorf("sentencepiece: decode: id %d at position %d: %w", id, i, err)
		}
		b.WriteString(s)
	}
	b.WriteString(d.Flush())
	return b.String(), nil
}

// Decoder decodes a stream of ids incrementally (for streaming generation):
// each Add returns the text that is complete so far; Flush returns what is
// left at the end. The concatenation of the outputs equals Decode of all ids.
type Decoder struct {
	m         *Model
	pending   []byte // byte pieces not yet forming complete characters
	wroteText bool   // some text has been produced
	isBOSWS   bool   // the next piece may still carry the dummy-prefix space
	bosWSSeen bool   // the previous piece consumed the dummy-prefix space
}

// NewDecoder returns a streaming decoder.
func (m *Model) NewDecoder() *Decoder {
	return &Decoder{m: m, isBOSWS: true}
}

// Add decodes one more id and returns the text it completes (possibly "").
func (d *Decoder) Add(id int) (string, error) {
	m := d.m
	if id < 0 || id >= len(m.pieces) {
		return "", fmt.Errorf("out of range [0, %d)", len(m.pieces))
	}
	p := m.pieces[id]
	if p.typ == Byte {
		b, ok := parseBytePiece(p.text)
		if !ok {
			return "", fmt.Errorf("malformed byte piece %q", p.text)
		}
		d.pending = append(d.pending, b)
		return d.drain(false), nil
	}
	out := d.drain(true)
	if d.bosWSSeen || out != "" || d.wroteText {
		d.isBOSWS = false
	}
	var s string
	s, d.bosWSSeen = m.decodePiece(p, d.isBOSWS)
	out += s
	if out != "" {
		d.wroteText = true
	}
	return out, nil
}

// Flush returns the text of trailing byte pieces that did not complete a
// character (as U+FFFD).
func (d *Decoder) Flush() string {
	s := d.drain(true)
	if s != "" {
		d.wroteText = true
	}
	return s
}

// drain converts the complete characters of the pending bytes into text; with
// all set, incomplete trailing bytes become U+FFFD as well.
func (d *Decoder) drain(all bool) string {
	if len(d.pending) == 0 {
		return ""
	}
	var b strings.Builder
	i := 0
	for i < len(d.pending) {
		rest := d.pending[i:]
		if !all && !utf8.FullRune(rest) {
			break
		}
		r, n := utf8.DecodeRune(rest)
		if r == utf8.RuneError && n <= 1 {
			b.WriteString(replacementChar)
			n = 1
		} else {
			b.Write(rest[:n])
		}
		i += n
	}
	d.pending = append(d.pending[:0], d.pending[i:]...)
	s := b.String()
	if s != "" {
		d.wroteText = true
	}
	return s
}

// decodePiece is the surface of one non-byte piece, and whether it consumed
// the dummy-prefix space.
func (m *Model) decodePiece(p piece, isBOSWS bool) (string, bool) {
	switch p.typ {
	case Control:
		return "", false
	case Unknown:
		return m.unkSurface, false
	}
	text := p.text
	consumed := false
	if isBOSWS && (m.addDummyPrefix || m.removeExtraWhitespaces) {
		space := " "
		if m.escapeWhitespaces {
			space = spaceSymbol
		}
		if m.removeExtraWhitespaces {
			for strings.HasPrefix(text, space) {
				text = text[len(space):]
				consumed = true
			}
		} else if strings.HasPrefix(text, space) {
			text = text[len(space):]
			consumed = true
		}
	}
	if m.escapeWhitespaces {
		text = strings.ReplaceAll(text, spaceSymbol, " ")
	}
	return text, consumed
}

// parseBytePiece reads "<0xAB>".
func parseBytePiece(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(s[3:5]) {
		v <<= 4
		switch {
		case c >= '0' && c <= '9':
			v |= c - '0'
		case c >= 'A' && c <= 'F':
			v |= c - 'A' + 10
		case c >= 'a' && c <= 'f':
			v |= c - 'a' + 10
		default:
			return 0, false
		}
	}
	return v, true
}
