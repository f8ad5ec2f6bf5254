package clipbpe

import (
	"html"
	"strings"
	"unicode/utf8"
)

// pyUnescape is Python's html.unescape, which CLIP applies (twice) to its
// input. Named references go through Go's html.UnescapeString, whose HTML5
// table and longest-prefix rule for legacy names agree with Python's; numeric
// references are decoded here because the two differ there: Python accepts a
// single digit without ';' ("&#9"), drops code points that HTML forbids
// ("&#1;" → ""), and never overflows.
func pyUnescape(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] != '&' {
			j := strings.IndexByte(s[i:], '&')
			if j < 0 {
				b.WriteString(s[i:])
				break
			}
			b.WriteString(s[i : i+j])
			i += j
			continue
		}
		if n, text, ok := numericRef(s[i:]); ok {
			b.WriteString(text)
			i += n
			continue
		}
		if n := namedRefLen(s[i:]); n > 1 {
			b.WriteString(html.UnescapeString(s[i : i+n]))
			i += n
			continue
		}
		b.WriteByte('&')
		i++
	}
	return b.String()
}

// numericRef decodes "&#123;" or "&#x1F;" (the ';' optional) at the start of
// s, as Python's html.unescape does; ok is false when s does not start with
// one.
func numericRef(s string) (n int, text string, ok bool) {
	if len(s) < 3 || s[1] != '#' {
		return 0, "", false
	}
	i := 2
	base := rune(10)
	if s[i] == 'x' || s[i] == 'X' {
		base = 16
		i++
	}
	start := i
	num := rune(0)
	for i < len(s) {
		d := digitVal(s[i], base)
		if d < 0 {
			break
		}
		if num <= utf8.MaxRune {
			num = num*base + d
		}
		i++
	}
	if i == start {
		return 0, "", false
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	switch {
	case num == 0:
		return i, "\uFFFD", true
	case num == 0x0d:
		return i, "\r", true
	case num >= 0x80 && num <= 0x9f:
		// Windows-1252 replacements; Go's table is the same as Python's.
		return i, html.UnescapeString(string([]byte{'&', '#', byte('0' + num/100), byte('0' + num/10%10), byte('0' + num%10), ';'})), true
	case (num >= 0xd800 && num <= 0xdfff) || num > utf8.MaxRune:
		return i, "\uFFFD", true
	case (num >= 0x1 && num <= 0x8) || num == 0xb || (num >= 0xe && num <= 0x1f) || num == 0x7f ||
		(num >= 0xfdd0 && num <= 0xfdef) || num&0xfffe == 0xfffe:
		return i, "", true
	}
	return i, string(num), true
}

func digitVal(c byte, base rune) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case base == 16 && c >= 'a' && c <= 'f':
		return rune(c-'a') + 10
	case base == 16 && c >= 'A' && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}

// namedRefLen is the length of the text Python's pattern takes as a named
// reference at the start of s: "&", then 1 to 32 characters other than
// tab, newline, form feed, space, '<', '&', '#' and ';', then an optional ';'.
// It returns 0 when there is none.
func namedRefLen(s string) int {
	i, count := 1, 0
	for i < len(s) && count < 32 {
		r, n := utf8.DecodeRuneInString(s[i:])
		if strings.ContainsRune("\t\n\f <&#;", r) {
			break
		}
		i += n
		count++
	}
	if count == 0 {
		return 0
	}
	if i < len(s) && s[i] == ';' {
		i++
	}
	return i
}
