package branch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
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
// this one several times faster, and it parses the state vectors of a batch
// of steps in parallel (GOMAXPROCS workers). Errors name the file and the
// byte offset (from 0).
func ReadStates(r io.Reader, name string, opts PairOptions, fn func(PairCurve) error) error {
	s := &jscan{r: r, buf: make([]byte, 1<<20), name: name}
	st := &statesPair{opts: opts}
	return s.finish(s.eachPair(func(idx int) error {
		c, err := st.read(s, idx)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return userErr{err}
		}
		return nil
	}))
}

// finish turns an error of the scan into the reader's error: fn's errors
// unchanged, parse errors with the file name and byte offset.
func (s *jscan) finish(err error) error {
	if err == nil {
		return nil
	}
	var ue userErr
	if errors.As(err, &ue) {
		return err
	}
	var oe offsetErr
	if errors.As(err, &oe) {
		return fmt.Errorf("branch: %s: offset %d: %v", s.name, oe.off, err)
	}
	return s.errf("%v", err)
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

// eachPair walks the top-level object, skipping every key but "pairs", and
// calls pair for each element of the "pairs" array, which pair must consume.
func (s *jscan) eachPair(pair func(idx int) error) error {
	seen := false
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
			if err := pair(idx); err != nil {
				return err
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
	opts PairOptions
	held [][]float64 // the first side's states (rows reused across pairs)
	jobs []*rowJob   // parse buffers, reused
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
	n := 0
	err := p.rows(s, func(jobs []*rowJob) error {
		for _, j := range jobs {
			if n == len(p.held) {
				p.held = append(p.held, nil)
			}
			if n > 0 && len(j.dst) != len(p.held[0]) {
				return offsetErr{j.off, fmt.Errorf("step %d has %d values, step 1 has %d", n+1, len(j.dst), len(p.held[0]))}
			}
			p.held[n], j.dst = j.dst, p.held[n] // swap buffers: no copy
			n++
		}
		return nil
	})
	return n, err
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
	n := 0
	err = p.rows(s, func(jobs []*rowJob) error {
		for _, j := range jobs {
			if n < nHeld {
				x, y := p.held[n], j.dst
				if !secondIsRejected {
					x, y = j.dst, p.held[n]
				}
				if err := stream.Step(x, y); err != nil {
					return offsetErr{j.off, err}
				}
			}
			n++
		}
		return nil
	})
	if err != nil {
		return PairCurve{}, err
	}
	return stream.Curve(), nil
}

// rowBatch is how many state vectors are parsed in parallel at a time: a
// batch of 4096-float rows is a few MB, so memory stays bounded by one pair.
const rowBatch = 64

// rowJob is one state vector to parse: its raw text (between the brackets),
// its file offset, and the parsed values.
type rowJob struct {
	raw []byte
	off int64
	dst []float64
	err error
}

// offsetErr is an error at a known file offset.
type offsetErr struct {
	off int64
	err error
}

func (e offsetErr) Error() string { return e.err.Error() }
func (e offsetErr) Unwrap() error { return e.err }

// rows reads an array of number arrays, parsing up to rowBatch rows in
// parallel (GOMAXPROCS workers), and hands each parsed batch to fn in order.
func (p *statesPair) rows(s *jscan, fn func([]*rowJob) error) error {
	empty, err := s.open('[', ']')
	if err != nil || empty {
		return err
	}
	for len(p.jobs) < rowBatch {
		p.jobs = append(p.jobs, &rowJob{})
	}
	k := 0
	flush := func() error {
		if err := parseRows(p.jobs[:k]); err != nil {
			return err
		}
		err := fn(p.jobs[:k])
		k = 0
		return err
	}
	for {
		raw, off, err := s.rawRow()
		if err != nil {
			return err
		}
		j := p.jobs[k]
		j.raw, j.off = append(j.raw[:0], raw...), off
		k++
		more, err := s.more(']')
		if err != nil {
			return err
		}
		if !more || k == rowBatch {
			if err := flush(); err != nil {
				return err
			}
		}
		if !more {
			return nil
		}
	}
}

// rawRow consumes "[ … ]" and returns the bytes between the brackets (valid
// until the next read) and their file offset. A row holds numbers only, so
// its first ']' closes it; anything else is caught by parseRow.
func (s *jscan) rawRow() ([]byte, int64, error) {
	if err := s.expect('['); err != nil {
		return nil, 0, err
	}
	for from := s.pos; ; {
		if i := bytes.IndexByte(s.buf[from:s.end], ']'); i >= 0 {
			raw, off := s.buf[s.pos:from+i], s.off+int64(s.pos)
			s.pos = from + i + 1
			return raw, off, nil
		}
		k := s.end - s.pos
		if !s.fill() {
			s.pos = s.end
			return nil, 0, errors.New("unexpected end of file")
		}
		from = s.pos + k
	}
}

// parseRows parses the jobs' rows, in parallel when there are several, and
// returns the first error in row order.
func parseRows(jobs []*rowJob) error {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if workers <= 1 {
		for _, j := range jobs {
			j.dst, j.err = parseRow(j.raw, j.dst, j.off)
		}
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= len(jobs) {
						return
					}
					j := jobs[i]
					j.dst, j.err = parseRow(j.raw, j.dst, j.off)
				}
			}()
		}
		wg.Wait()
	}
	for _, j := range jobs {
		if j.err != nil {
			return j.err
		}
	}
	return nil
}

// parseRow parses "n, n, …" (the inside of a row) into dst[:0]. off is the
// file offset of raw[0], for errors.
func parseRow(raw []byte, dst []float64, off int64) ([]float64, error) {
	dst = dst[:0]
	ws := func(i int) int {
		for i < len(raw) && (raw[i] == ' ' || raw[i] == '\n' || raw[i] == '\r' || raw[i] == '\t') {
			i++
		}
		return i
	}
	bad := func(i int, format string, args ...any) error {
		return offsetErr{off + int64(i), fmt.Errorf(format, args...)}
	}
	i := ws(0)
	if i == len(raw) {
		return dst, nil // []
	}
	for {
		v, n, ok := fastFloat(raw[i:])
		if ok {
			i += n
		} else {
			j := i
			for j < len(raw) && isNumByte(raw[j]) {
				j++
			}
			if j == i {
				return dst, bad(i, "found %s, want a number", show(raw[i]))
			}
			var err error
			if v, err = strconv.ParseFloat(unsafe.String(&raw[i], j-i), 64); err != nil {
				return dst, bad(i, "bad number %q", raw[i:j])
			}
			i = j
		}
		dst = append(dst, v)
		i = ws(i)
		if i == len(raw) {
			return dst, nil
		}
		if raw[i] != ',' {
			return dst, bad(i, "found %s, want ',' or ']'", show(raw[i]))
		}
		i = ws(i + 1)
		if i == len(raw) {
			return dst, bad(i, "found ']', want a number")
		}
	}
}
