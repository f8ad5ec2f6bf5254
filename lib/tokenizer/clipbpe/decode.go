package clipbpe

import (
	"fmt"
	"strings"
)

// Decode turns ids back into text: <|startoftext|> and <|endoftext|> are
// dropped, each token's characters are mapped back to bytes, the </w> that
// ends a word becomes a space, added tokens read as their text, and the ends
// are trimmed. Since CLIP lower-cases and drops the spacing between words and
// punctuation, this is the normalised text with spaces between pre-tokens
// ("it's ok!" reads back as "it 's ok !"); encoding it again gives the same
// ids.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var b strings.Builder
	var word []byte
	flush := func() {
		b.WriteString(strings.ToValidUTF8(string(word), "\uFFFD"))
		word = word[:0]
	}
	for i, id := range ids {
		if id < 0 || id >= len(t.decoder) {
			return "", fmt.Errorf("clipbpe: decode: id %d at position %d is out of range [0, %d)", id, i, len(t.decoder))
		}
		if id == t.sot || id == t.eot {
			continue
		}
		tok := t.decoder[id]
		if _, added := t.added[tok]; added {
			flush()
			b.WriteString(tok)
			continue
		}
		end := strings.HasSuffix(tok, endOfWord)
		tok = strings.TrimSuffix(tok, endOfWord)
		for _, r := range tok {
			c, ok := t.charByte[r]
			if !ok {
				// Not a byte-level token (a special token of a Hugging
				// Face vocabulary): keep its text.
				flush()
				b.WriteString(tok)
				break
			}
			word = append(word, c)
		}
		if end {
			word = append(word, ' ')
		}
	}
	flush()
	return strings.TrimSpace(b.String()), nil
}
