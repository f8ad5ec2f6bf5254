package eval

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseStringList parses a Python list literal of strings, the way
// VLMEvalKit stores several answers or references in one TSV cell, e.g.
// `['a dog', "it's red"]`. Single- and double-quoted strings with the escapes
// \\ \' \" \n \t \r \xHH \uXXXX are accepted; adjacent literals are not.
// ok is false when s is not such a list (callers then treat s as one answer).
func ParseStringList(s string) (list []string, ok bool, err error) {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "[") || !strings.HasSuffix(t, "]") {
		return nil, false, nil
	}
	p := &pyParser{s: t, i: 1}
	out := []string{}
	for {
		p.space()
		if p.peek() == ']' {
			p.i++
			break
		}
		str, err := p.str()
		if err != nil {
			return nil, true, err
		}
		out = append(out, str)
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case ']':
		default:
			return nil, true, fmt.Errorf("python list at offset %d: want ',' or ']'", p.i)
		}
	}
	p.space()
	if p.i != len(p.s) {
		return nil, true, fmt.Errorf("python list: trailing text at offset %d", p.i)
	}
	return out, true, nil
}

type pyParser struct {
	s string
	i int
}

func (p *pyParser) peek() byte {
	if p.i >= len(p.s) {
		return 0
	}
	return p.s[p.i]
}

func (p *pyParser) space() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("python list at offset %d: want a quoted string", p.i)
	}
	p.i++
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", fmt.Errorf("python list: unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c == '\\' && p.i+1 < len(p.s):
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '\\', '\'', '"':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if p.i+n > len(p.s) {
					return "", fmt.Errorf("python list: short \\%c escape", e)
				}
				v, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(v)) {
					return "", fmt.Errorf("python list: bad \\%c escape %q", e, p.s[p.i:p.i+n])
				}
				b.WriteRune(rune(v))
				p.i += n
			default: // Python keeps unknown escapes verbatim
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}

// FormatStringList writes list as a Python list literal that
// [ParseStringList] reads back (single quotes, escaped as Python's repr would).
func FormatStringList(list []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('\'')
		// Byte by byte: the escaped characters are ASCII, and bytes that
		// are not UTF-8 are kept as they are (ParseStringList keeps them).
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '\\', '\'':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\n':
				b.WriteString(`\n`)
			case '\t':
				b.WriteString(`\t`)
			case '\r':
				b.WriteString(`\r`)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('\'')
	}
	b.WriteByte(']')
	return b.String()
}
