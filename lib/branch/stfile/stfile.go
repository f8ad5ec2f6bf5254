package stfile

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/dtypes/float16"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// Hidden states in safetensors
//
// A states safetensors file holds, for preference pair k, two tensors
//
//	pair.<k>.chosen    [L_chosen, D]
//	pair.<k>.rejected  [L_rejected, D]
//
// of dtype F32, F16, BF16 or F64, row t being the hidden state of answer
// step t+1. <k> is a decimal index (StatesWriter writes it zero-padded to 6
// digits, pair.000123.chosen); pairs are taken in increasing k, which need
// not be contiguous. Tensors whose names do not start with "pair." are
// ignored. D is the same for every non-empty tensor.

// StatesFormat names the format of a hidden-states path: "safetensors" for
// a directory (a sharded checkpoint folder), a *.safetensors file or a
// *.safetensors.index.json index, "json" otherwise.
func StatesFormat(path string) string {
	if strings.HasSuffix(path, ".safetensors") || strings.HasSuffix(path, ".safetensors.index.json") {
		return "safetensors"
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return "safetensors"
	}
	return "json"
}

// PairTensorName returns the tensor name of side ("chosen" or "rejected")
// of pair k, as StatesWriter writes it: pair.000123.chosen.
func PairTensorName(k int, side string) string {
	return fmt.Sprintf("pair.%06d.%s", k, side)
}

// stPair is one pair of a states safetensors file.
type stPair struct {
	k        int
	chosen   safetensors.Info
	rejected safetensors.Info
	hasC     bool
	hasR     bool
}

// listPairs finds and validates the pair tensors of ck.
func listPairs(ck *safetensors.Checkpoint, file string) ([]*stPair, int, error) {
	byK := map[int]*stPair{}
	seen := map[string]string{} // canonical name -> stored name
	for _, name := range ck.Names() {
		if !strings.HasPrefix(name, "pair.") {
			continue
		}
		parts := strings.Split(name, ".")
		k, err := strconv.Atoi(parts[min(1, len(parts)-1)])
		if len(parts) != 3 || err != nil || k < 0 || strings.ContainsAny(parts[1], "+-") ||
			(parts[2] != "chosen" && parts[2] != "rejected") {
			return nil, 0, fmt.Errorf("branch: %s: tensor %q: want a name pair.<index>.chosen or pair.<index>.rejected", file, name)
		}
		canon := PairTensorName(k, parts[2])
		if prev, dup := seen[canon]; dup {
			return nil, 0, fmt.Errorf("branch: %s: tensors %q and %q name the same pair side", file, prev, name)
		}
		seen[canon] = name
		in, _ := ck.Info(name)
		p := byK[k]
		if p == nil {
			p = &stPair{k: k}
			byK[k] = p
		}
		if parts[2] == "chosen" {
			p.chosen, p.hasC = in, true
		} else {
			p.rejected, p.hasR = in, true
		}
	}
	if len(byK) == 0 {
		return nil, 0, fmt.Errorf("branch: %s: no tensors named pair.<index>.chosen / pair.<index>.rejected", file)
	}
	pairs := make([]*stPair, 0, len(byK))
	for _, p := range byK {
		pairs = append(pairs, p)
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	d, dFrom := 0, ""
	for _, p := range pairs {
		if !p.hasC || !p.hasR {
			have, miss := p.chosen.Name, PairTensorName(p.k, "rejected")
			if !p.hasC {
				have, miss = p.rejected.Name, PairTensorName(p.k, "chosen")
			}
			return nil, 0, fmt.Errorf("branch: %s: tensor %q is missing (%q has no partner)", file, miss, have)
		}
		for _, in := range []safetensors.Info{p.chosen, p.rejected} {
			if len(in.Shape) != 2 {
				return nil, 0, fmt.Errorf("branch: %s: tensor %q has shape %v, want [L, D] (steps × hidden size)", file, in.Name, in.Shape)
			}
			switch in.DType {
			case "F32", "F16", "BF16", "F64":
			default:
				return nil, 0, fmt.Errorf("branch: %s: tensor %q has dtype %s, want F32, F16, BF16 or F64", file, in.Name, in.DType)
			}
			if in.Shape[0] == 0 {
				continue // an empty answer: its D does not matter
			}
			if in.Shape[1] < 1 {
				return nil, 0, fmt.Errorf("branch: %s: tensor %q has shape %v: hidden size D must be ≥ 1", file, in.Name, in.Shape)
			}
			if d == 0 {
				d, dFrom = in.Shape[1], in.Name
			} else if in.Shape[1] != d {
				return nil, 0, fmt.Errorf("branch: %s: tensor %q has hidden size D=%d, but tensor %q has D=%d",
					file, in.Name, in.Shape[1], dFrom, d)
			}
		}
	}
	return pairs, max(d, 1), nil
}

// StatesWorkers bounds how many pairs ReadSafetensorsStates computes at once
// (each holds one pair's states); 0 means min(GOMAXPROCS, 4).
var StatesWorkers = 0

// ReadSafetensorsStates reads a hidden-states safetensors file (a single
// *.safetensors file, a sharded folder or its *.index.json; see the
// "pair.<k>.chosen" naming in the package doc) and calls fn with the curve
// of each pair, in increasing pair index. Every header is validated before
// any pair is computed, so a malformed file fails fast with an error naming
// the tensor. Tensors are read lazily (pread, through lib/safetensors):
// memory is bounded by the states of one pair per worker (StatesWorkers).
// Pairs are computed in parallel but handed to fn in order, and each curve
// depends only on its own pair, so the result is the same as a sequential
// read, and bit-identical to ReadStates on the same values.
func ReadSafetensorsStates(path string, opts branch.PairOptions, fn func(branch.PairCurve) error) (err error) {
	ck, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("branch: %w", err)
	}
	defer ck.Close()
	file := filepath.Base(path)
	pairs, dim, err := listPairs(ck, file)
	if err != nil {
		return err
	}
	workers := StatesWorkers
	if workers <= 0 {
		workers = min(runtime.GOMAXPROCS(0), 4)
	}
	type result struct {
		c   branch.PairCurve
		err error
	}
	free := make(chan *pairBufs, workers)
	for i := 0; i < workers; i++ {
		free <- &pairBufs{}
	}
	pending := make(chan chan result, workers)
	stop := make(chan struct{})
	go func() {
		defer close(pending)
		for _, p := range pairs {
			ch := make(chan result, 1)
			select {
			case pending <- ch:
			case <-stop:
				return
			}
			go func() {
				b := <-free
				c, err := b.compute(ck, file, p, dim, opts)
				free <- b
				ch <- result{c, err}
			}()
		}
	}()
	defer func() {
		close(stop)
		for ch := range pending { // wait for the pairs in flight before closing the file
			<-ch
		}
	}()
	for ch := range pending {
		r := <-ch
		if r.err != nil {
			return r.err
		}
		if err := fn(r.c); err != nil {
			return err
		}
	}
	return nil
}

// littleEndian reports whether the host stores numbers little-endian, as
// safetensors does.
var littleEndian = func() bool { one := uint16(1); return *(*byte)(unsafe.Pointer(&one)) == 1 }()

// pairBufs is the reusable memory of one worker.
type pairBufs struct {
	raw  [2][]byte
	conv [2][]float32 // big-endian hosts only
	f64  [2][]float64 // F64 tensors
	x, y []float64
}

func (b *pairBufs) compute(ck *safetensors.Checkpoint, file string, p *stPair, dim int, opts branch.PairOptions) (branch.PairCurve, error) {
	l := min(p.chosen.Shape[0], p.rejected.Shape[0])
	if l == 0 {
		return branch.PairCurve{D: dim, E: []float64{}, G: []float64{}, Proj2: []float64{}, Zero: []bool{}}, nil
	}
	var f32 [2][]float32 // the states of each side, as float32 or float64
	var f64 [2][]float64
	for side, in := range []safetensors.Info{p.chosen, p.rejected} {
		dt, size := dtypes.Float32, 4 // F16 and BF16 are widened to F32 by lib/safetensors
		if in.DType == "F64" {
			dt, size = dtypes.Float64, 8
		}
		n := in.NumElements() * size
		if cap(b.raw[side]) < n {
			b.raw[side] = make([]byte, n)
		}
		raw := b.raw[side][:n]
		if err := ck.ReadInto(in.Name, dt, raw); err != nil {
			return branch.PairCurve{}, fmt.Errorf("branch: %w", err)
		}
		switch {
		case size == 4 && littleEndian:
			// The data is little-endian like the host: view it in place.
			f32[side] = unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(raw))), len(raw)/4)
		case size == 4:
			if cap(b.conv[side]) < len(raw)/4 {
				b.conv[side] = make([]float32, len(raw)/4)
			}
			v := b.conv[side][:len(raw)/4]
			for i := range v {
				v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
			f32[side] = v
		default:
			if cap(b.f64[side]) < len(raw)/8 {
				b.f64[side] = make([]float64, len(raw)/8)
			}
			v := b.f64[side][:len(raw)/8]
			for i := range v {
				v[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
			}
			f64[side] = v
		}
	}
	if cap(b.x) < dim {
		b.x, b.y = make([]float64, dim), make([]float64, dim)
	}
	x, y := b.x[:dim], b.y[:dim]
	s, err := branch.NewPairStream(dim, opts)
	if err != nil {
		return branch.PairCurve{}, err
	}
	for t := 0; t < l; t++ {
		var err error
		r := t * dim
		if f32[0] != nil && f32[1] != nil {
			err = s.StepFloat32(f32[0][r:r+dim], f32[1][r:r+dim])
		} else {
			for side, dst := range [][]float64{x, y} {
				if f32[side] != nil {
					for i, v := range f32[side][r : r+dim] {
						dst[i] = float64(v)
					}
				} else {
					copy(dst, f64[side][r:r+dim])
				}
			}
			err = s.Step(x, y)
		}
		if err != nil {
			return branch.PairCurve{}, fmt.Errorf("branch: %s: pair %d (%s, %s): %w", file, p.k, p.chosen.Name, p.rejected.Name, err)
		}
	}
	return s.Curve(), nil
}

// StatesWriter writes a hidden-states safetensors file (the layout
// ReadSafetensorsStates reads) one state vector at a time, so neither a
// pair nor the file has to be in memory: the tensor data goes to a
// temporary file next to the destination, and Close writes the header
// followed by that data to the destination (through a second temporary
// file renamed over it, so a failed run never leaves a half-written file).
// Its memory is O(number of tensors).
type StatesWriter struct {
	path    string
	dtype   string
	esize   int
	data    *os.File
	w       *bufio.Writer
	off     int64
	entries []stEntry
	names   map[string]bool
	open    bool
	d       int
	buf     []byte
	row64   []float64
	err     error
}

type stEntry struct {
	name       string
	rows, d    int
	begin, end int64
}

// CreateStates starts a states file at path with element dtype F32 (the
// usual choice), F64 (keeps float64 values exactly), BF16 or F16.
func CreateStates(path, dtype string) (*StatesWriter, error) {
	esize := map[string]int{"F32": 4, "F64": 8, "BF16": 2, "F16": 2}[dtype]
	if esize == 0 {
		return nil, fmt.Errorf("branch: states dtype %q: want F32, F64, BF16 or F16", dtype)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".data-*")
	if err != nil {
		return nil, fmt.Errorf("branch: write %s: %w", path, err)
	}
	return &StatesWriter{path: path, dtype: dtype, esize: esize, data: f, w: bufio.NewWriterSize(f, 1<<20),
		names: map[string]bool{}}, nil
}

func (w *StatesWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

// Begin starts the tensor of the given name; its rows follow with Row.
func (w *StatesWriter) Begin(name string) error {
	if w.err != nil {
		return w.err
	}
	if w.open {
		return w.fail(fmt.Errorf("branch: write %s: Begin(%q) inside tensor %q", w.path, name, w.entries[len(w.entries)-1].name))
	}
	if name == "" || name == "__metadata__" || w.names[name] {
		return w.fail(fmt.Errorf("branch: write %s: tensor name %q is empty, reserved or given twice", w.path, name))
	}
	w.names[name] = true
	w.entries = append(w.entries, stEntry{name: name, begin: w.off})
	w.open = true
	return nil
}

// Row appends one state vector to the open tensor. Every row of the file
// has the same length D ≥ 1.
func (w *StatesWriter) Row(v []float64) error {
	if w.err != nil {
		return w.err
	}
	if !w.open {
		return w.fail(fmt.Errorf("branch: write %s: Row outside a tensor", w.path))
	}
	e := &w.entries[len(w.entries)-1]
	if len(v) == 0 {
		return w.fail(fmt.Errorf("tensor %q: step %d is an empty state vector", e.name, e.rows+1))
	}
	if w.d == 0 {
		w.d = len(v)
	} else if len(v) != w.d {
		return w.fail(fmt.Errorf("tensor %q: step %d has %d values, earlier steps have D=%d", e.name, e.rows+1, len(v), w.d))
	}
	n := len(v) * w.esize
	if cap(w.buf) < n {
		w.buf = make([]byte, n)
	}
	b := w.buf[:n]
	switch w.dtype {
	case "F32":
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
		}
	case "F64":
		for i, x := range v {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
	case "BF16":
		for i, x := range v {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(bfloat16.FromFloat32(float32(x))))
		}
	case "F16":
		for i, x := range v {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(float16.FromFloat32(float32(x))))
		}
	}
	if _, err := w.w.Write(b); err != nil {
		return w.fail(fmt.Errorf("branch: write %s: %w", w.path, err))
	}
	w.off += int64(n)
	e.rows++
	return nil
}

// End closes the open tensor.
func (w *StatesWriter) End() error {
	if w.err != nil {
		return w.err
	}
	if !w.open {
		return w.fail(fmt.Errorf("branch: write %s: End outside a tensor", w.path))
	}
	e := &w.entries[len(w.entries)-1]
	e.end = w.off
	w.open = false
	return nil
}

// WritePair writes pair k's two tensors (PairTensorName) from whole
// answers, [step][D] each.
func (w *StatesWriter) WritePair(k int, chosen, rejected [][]float64) error {
	for _, side := range []struct {
		name string
		rows [][]float64
	}{{"chosen", chosen}, {"rejected", rejected}} {
		if err := w.Begin(PairTensorName(k, side.name)); err != nil {
			return err
		}
		for _, r := range side.rows {
			if err := w.Row(r); err != nil {
				return err
			}
		}
		if err := w.End(); err != nil {
			return err
		}
	}
	return nil
}

// WritePairFloat32 is WritePair for float32 states (as models return them).
func (w *StatesWriter) WritePairFloat32(k int, chosen, rejected [][]float32) error {
	for _, side := range []struct {
		name string
		rows [][]float32
	}{{"chosen", chosen}, {"rejected", rejected}} {
		if err := w.Begin(PairTensorName(k, side.name)); err != nil {
			return err
		}
		for _, r := range side.rows {
			if cap(w.row64) < len(r) {
				w.row64 = make([]float64, len(r))
			}
			v := w.row64[:len(r)]
			for i, x := range r {
				v[i] = float64(x)
			}
			if err := w.Row(v); err != nil {
				return err
			}
		}
		if err := w.End(); err != nil {
			return err
		}
	}
	return nil
}

// Abort removes the temporary data; the destination is left untouched.
func (w *StatesWriter) Abort() {
	if w.data != nil {
		w.data.Close()
		os.Remove(w.data.Name())
		w.data = nil
	}
	if w.err == nil {
		w.err = errors.New("branch: states writer aborted")
	}
}

// Close writes the header and the data to the destination and removes the
// temporary data. After an error from any method it only cleans up and
// returns that error.
func (w *StatesWriter) Close() (err error) {
	defer w.Abort()
	if w.err != nil {
		return w.err
	}
	if w.open {
		return fmt.Errorf("branch: write %s: tensor %q was not ended", w.path, w.entries[len(w.entries)-1].name)
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("branch: write %s: %w", w.path, err)
	}
	type hdrEntry struct {
		DType       string  `json:"dtype"`
		Shape       []int   `json:"shape"`
		DataOffsets []int64 `json:"data_offsets"`
	}
	hdr := map[string]any{"__metadata__": map[string]string{"format": "tokenscale branch states"}}
	for _, e := range w.entries {
		d := w.d
		if e.rows == 0 && d == 0 {
			d = 1
		}
		hdr[e.name] = hdrEntry{DType: w.dtype, Shape: []int{e.rows, d}, DataOffsets: []int64{e.begin, e.end}}
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return err
	}
	for len(js)%8 != 0 {
		js = append(js, ' ')
	}
	dir, base := filepath.Split(w.path)
	if dir == "" {
		dir = "."
	}
	out, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("branch: write %s: %w", w.path, err)
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(out.Name())
			err = fmt.Errorf("branch: write %s: %w", w.path, err)
		}
	}()
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	if _, err = out.Write(append(lenBuf[:], js...)); err != nil {
		return err
	}
	if _, err = w.data.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err = io.Copy(out, w.data); err != nil { // copy_file_range on Linux
		return err
	}
	if err = out.Sync(); err != nil {
		return err
	}
	if err = out.Close(); err != nil {
		return err
	}
	if err = os.Chmod(out.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(out.Name(), w.path)
}

// ConvertStates rewrites a hidden-states JSON stream (the layout of
// ReadStates) as a safetensors states file at out, with element dtype
// (see CreateStates). It streams: memory is bounded by a batch of rows and
// the list of tensors, whatever the size of the input. It returns the number
// of pairs written.
func ConvertStates(r io.Reader, name, out, dtype string) (int, error) {
	w, err := CreateStates(out, dtype)
	if err != nil {
		return 0, err
	}
	cv := &converter{w: w}
	if err := branch.ReadRawStates(r, name, cv); err != nil {
		w.Abort()
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return cv.pairs, nil
}

type converter struct {
	w     *StatesWriter
	pairs int
}

func (c *converter) Side(pair int, key string) error {
	c.pairs = pair + 1
	return c.w.Begin(PairTensorName(pair, key))
}
func (c *converter) Row(v []float64) error { return c.w.Row(v) }
func (c *converter) EndSide() error        { return c.w.End() }
