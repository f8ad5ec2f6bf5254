package branch

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// ReadStates streams a hidden-states file
//
//	{"pairs": [{"chosen": [[…D floats…], …], "rejected": [[…], …]}, …]}
//
// and calls fn with the curve of each pair, in order. Other keys are
// skipped. Memory is bounded by one answer's states (the side that comes
// first in each pair object is held; the other is streamed step by step),
// plus O(D): the file itself may be far larger than memory.
//
// It uses its own small JSON scanner: encoding/json's Decoder (token by
// token, or one Decode per state vector) reads such files at 10–30 MB/s,
// this one several times faster. Errors name the file and the byte offset.
func ReadStates(r io.Reader, name string, opts PairOptions, fn func(PairCurve) error) error {
	s := &jscan{r: r, buf: make([]byte, 1<<20), name: name}
	err := s.readTop(opts, fn)
	if err != nil {
		var ue userErr
		if errors.As(err, &ue) {
			return err
		}
		return s.errf("%v", err)
	}
	return nil
}

// userErr is an error from fn, passed through unchanged.
type userErr struct{ error }

func (e userErr) Unwrap() error { return e.error }

type jscan struct {
	r        io.Reader
	name     string
	buf      []byte
	pos, end int
	off      int64 // file offset of buf[0]
	eof      bool
	rerr     error
}

func (s *jscan) errf(format string, args ...any) error {
	return fmt.Errorf("branch: %s: offset %d: %s", s.name, s.off+int64(s.pos), fmt.Sprintf(format, args...))
}

// fill moves the unread bytes to the front and reads more; false at EOF.
func (s *jscan) fill() bool {
	if s.eof {
		return false
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.off += int64(s.pos)
		s.pos, s.end = 0, n
	}
	if s.end == len(s.buf) {
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// peek skips white space and returns the next byte without consuming it.
func (s *jscan) peek() (byte, error) {
	for {
		for s.pos < s.end {
			c := s.buf[s.pos]
			if c != ' ' && c != '\n' && c != '\r' && c != '\t' {
				return c, nil
			}
			s.pos++
		}
		if !s.fill() {
			if s.rerr != nil {
				return 0, s.rerr
			}
			return 0, errors.New("unexpected end of file")
		}
	}
}

func (s *jscan) expect(want byte) error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	if c != want {
		return fmt.Errorf("found %s, want %q", show(c), want)
	}
	s.pos++
	return nil
}

func show(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return fmt.Sprintf("byte 0x%02x", c)
	}
	return strconv.QuoteRune(rune(c))
}

// more reads the separator after an element of a container closed by
// closer: true for ',', false for the closer (consumed).
func (s *jscan) more(closer byte) (bool, error) {
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	switch c {
	case ',':
		s.pos++
		return true, nil
	case closer:
		s.pos++
		return false, nil
	}
	return false, fmt.Errorf("found %s, want ',' or %q", show(c), closer)
}

// open consumes an opening bracket and reports whether the container is
// empty (its closer consumed too).
func (s *jscan) open(opener, closer byte) (empty bool, err error) {
	if err := s.expect(opener); err != nil {
		return false, err
	}
	c, err := s.peek()
	if err != nil {
		return false, err
	}
	if c == closer {
		s.pos++
		return true, nil
	}
	return false, nil
}

// str reads a JSON string.
func (s *jscan) str() (string, error) {
	c, err := s.peek()
	if err != nil {
		return "", err
	}
	if c != '"' {
		return "", fmt.Errorf("found %s, want a string", show(c))
	}
	// s.pos stays on the opening quote until the string is complete, so a
	// refill keeps the whole string in the buffer.
	for i := s.pos + 1; ; i++ {
		for i >= s.end {
			k := i - s.pos
			if !s.fill() {
				return "", errors.New("unterminated string")
			}
			i = s.pos + k
		}
		switch s.buf[i] {
		case '\\':
			i++ // the escaped byte is skipped (refilled above if needed)
		case '"':
			raw := s.buf[s.pos : i+1]
			s.pos = i + 1
			v, err := strconv.Unquote(string(raw))
			if err != nil || !utf8.ValidString(v) {
				return string(raw[1 : len(raw)-1]), nil // keys we compare are plain ASCII
			}
			return v, nil
		}
	}
}

func isNumByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// num reads a JSON number.
func (s *jscan) num() (float64, error) {
	if _, err := s.peek(); err != nil {
		return 0, err
	}
	i := s.pos
	for {
		for i < s.end && isNumByte(s.buf[i]) {
			i++
		}
		if i < s.end || s.eof {
			break
		}
		k := i - s.pos
		if !s.fill() {
			i = s.pos + k
			break
		}
		i = s.pos + k
	}
	if i == s.pos {
		return 0, fmt.Errorf("found %s, want a number", show(s.buf[s.pos]))
	}
	v, err := strconv.ParseFloat(unsafe.String(&s.buf[s.pos], i-s.pos), 64)
	if err != nil {
		return 0, fmt.Errorf("bad number %q", s.buf[s.pos:i])
	}
	s.pos = i
	return v, nil
}

// vec reads an array of numbers into dst[:0]. Its inner loop parses the
// common case (at most 19 significant digits and a small exponent) itself,
// exactly (Clinger's fast path: one correctly rounded product of exact
// float64 values), and leaves everything else to strconv.ParseFloat.
func (s *jscan) vec(dst []float64) ([]float64, error) {
	dst = dst[:0]
	empty, err := s.open('[', ']')
	if err != nil || empty {
		return dst, err
	}
	for {
		if s.end-s.pos < 64 && !s.eof {
			s.fill()
		}
		v, n, ok := fastFloat(s.buf[s.pos:s.end])
		if ok && s.pos+n < s.end {
			s.pos += n
		} else if v, err = s.num(); err != nil {
			return dst, err
		}
		dst = append(dst, v)
		// Fast separator: ',' or ']' right after the number.
		if s.pos < s.end {
			switch s.buf[s.pos] {
			case ',':
				s.pos++
				continue
			case ']':
				s.pos++
				return dst, nil
			}
		}
		more, err := s.more(']')
		if err != nil || !more {
			return dst, err
		}
	}
}

var pow10tab = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat parses a JSON number at the start of b when that can be done
// exactly with one float64 multiplication or division: mantissa < 2^53 and
// decimal exponent in [−22, 22]. It returns ok = false otherwise (including
// a number that may continue past the end of b).
func fastFloat(b []byte) (v float64, n int, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	var m uint64
	digits, exp := 0, 0
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		if digits > 0 || b[i] != '0' {
			digits++
		}
		m = m*10 + uint64(b[i]-'0')
		i++
	}
	if i == start || digits > 19 {
		return 0, 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		fs := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if digits > 0 || b[i] != '0' {
				digits++
			}
			m = m*10 + uint64(b[i]-'0')
			i++
		}
		if i == fs || digits > 19 {
			return 0, 0, false
		}
		exp = fs - i
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		eneg := false
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			eneg = b[i] == '-'
			i++
		}
		es, e := i, 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' && e < 10000 {
			e = e*10 + int(b[i]-'0')
			i++
		}
		if i == es {
			return 0, 0, false
		}
		if eneg {
			e = -e
		}
		exp += e
	}
	if i >= len(b) || m >= 1<<53 {
		return 0, 0, false
	}
	switch {
	case m == 0:
		v = 0
	case exp == 0:
		v = float64(m)
	case exp > 0 && exp <= 22:
		v = float64(m) * pow10tab[exp]
	case exp < 0 && exp >= -22:
		v = float64(m) / pow10tab[-exp]
	default:
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, i, true
}

// skip consumes one value of any kind.
func (s *jscan) skip() error {
	c, err := s.peek()
	if err != nil {
		return err
	}
	switch {
	case c == '"':
		_, err := s.str()
		return err
	case c == '{' || c == '[':
		closer := byte(']')
		if c == '{' {
			closer = '}'
		}
		empty, err := s.open(c, closer)
		if err != nil || empty {
			return err
		}
		for {
			if c == '{' {
				if _, err := s.str(); err != nil {
					return err
				}
				if err := s.expect(':'); err != nil {
					return err
				}
			}
			if err := s.skip(); err != nil {
				return err
			}
			more, err := s.more(closer)
			if err != nil || !more {
				return err
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		_, err := s.num()
		return err
	}
	for _, lit := range []string{"true", "false", "null"} {
		if lit[0] == c {
			for i := 0; i < len(lit); i++ {
				d, err := s.peekRaw()
				if err != nil || d != lit[i] {
					return fmt.Errorf("bad literal, want %s", lit)
				}
				s.pos++
			}
			return nil
		}
	}
	return fmt.Errorf("unexpected %s", show(c))
}

func (s *jscan) peekRaw() (byte, error) {
	if s.pos >= s.end && !s.fill() {
		return 0, errors.New("unexpected end of file")
	}
	return s.buf[s.pos], nil
}

// object calls field for each key of an object; field consumes the value.
func (s *jscan) object(field func(key string) error) error {
	empty, err := s.open('{', '}')
	if err != nil || empty {
		return err
	}
	for {
		k, err := s.str()
		if err != nil {
			return err
		}
		if err := s.expect(':'); err != nil {
			return err
		}
		if err := field(k); err != nil {
			return err
		}
		more, err := s.more('}')
		if err != nil || !more {
			return err
		}
	}
}

func (s *jscan) readTop(opts PairOptions, fn func(PairCurve) error) error {
	seen := false
	st := &statesPair{opts: opts}
	err := s.object(func(k string) error {
		if k != "pairs" {
			return s.skip()
		}
		seen = true
		empty, err := s.open('[', ']')
		if err != nil || empty {
			return err
		}
		for idx := 0; ; idx++ {
			c, err := st.read(s, idx)
			if err != nil {
				return err
			}
			if err := fn(c); err != nil {
				return userErr{err}
			}
			more, err := s.more(']')
			if err != nil || !more {
				return err
			}
		}
	})
	if err != nil {
		return err
	}
	if !seen {
		return errors.New(`no "pairs" key`)
	}
	if c, err := s.peek(); err == nil {
		return fmt.Errorf("unexpected %s after the top-level object", show(c))
	}
	return nil
}

// statesPair holds the reusable storage of one pair.
type statesPair struct {
	opts  PairOptions
	held  [][]float64 // the first side's states (rows reused across pairs)
	row   []float64
	dummy []float64
}

func (p *statesPair) read(s *jscan, idx int) (PairCurve, error) {
	var first string
	nHeld := 0
	var curve PairCurve
	done := false
	err := s.object(func(k string) error {
		if k != "chosen" && k != "rejected" {
			return s.skip()
		}
		if first == "" {
			first = k
			n, err := p.readHeld(s)
			if err != nil {
				return fmt.Errorf("pair %d: %s: %w", idx, k, err)
			}
			nHeld = n
			return nil
		}
		if k == first {
			return fmt.Errorf("pair %d: duplicate key %q", idx, k)
		}
		c, err := p.readStreamed(s, k == "rejected", nHeld)
		if err != nil {
			return fmt.Errorf("pair %d: %s: %w", idx, k, err)
		}
		curve, done = c, true
		return nil
	})
	if err != nil {
		return PairCurve{}, err
	}
	if !done {
		return PairCurve{}, fmt.Errorf(`pair %d: want both "chosen" and "rejected"`, idx)
	}
	return curve, nil
}

func (p *statesPair) readHeld(s *jscan) (int, error) {
	empty, err := s.open('[', ']')
	if err != nil || empty {
		return 0, err
	}
	n := 0
	for {
		if n == len(p.held) {
			p.held = append(p.held, nil)
		}
		v, err := s.vec(p.held[n])
		if err != nil {
			return n, fmt.Errorf("step %d: %w", n+1, err)
		}
		if n > 0 && len(v) != len(p.held[0]) {
			return n, fmt.Errorf("step %d has %d values, step 1 has %d", n+1, len(v), len(p.held[0]))
		}
		p.held[n] = v
		n++
		more, err := s.more(']')
		if err != nil {
			return n, err
		}
		if !more {
			return n, nil
		}
	}
}

// readStreamed reads the second side and feeds min(nHeld, its length) steps.
func (p *statesPair) readStreamed(s *jscan, secondIsRejected bool, nHeld int) (PairCurve, error) {
	dim := 1
	if nHeld > 0 {
		dim = max(len(p.held[0]), 1)
	}
	stream, err := NewPairStream(dim, p.opts)
	if err != nil {
		return PairCurve{}, err
	}
	empty, err := s.open('[', ']')
	if err != nil {
		return PairCurve{}, err
	}
	for n := 0; !empty; n++ {
		buf := &p.row
		if n >= nHeld {
			buf = &p.dummy // beyond the shorter answer: parse and drop
		}
		v, err := s.vec(*buf)
		if err != nil {
			return PairCurve{}, fmt.Errorf("step %d: %w", n+1, err)
		}
		*buf = v
		if n < nHeld {
			x, y := p.held[n], v
			if !secondIsRejected {
				x, y = v, p.held[n]
			}
			if err := stream.Step(x, y); err != nil {
				return PairCurve{}, err
			}
		}
		more, err := s.more(']')
		if err != nil {
			return PairCurve{}, err
		}
		if !more {
			break
		}
	}
	return stream.Curve(), nil
}
