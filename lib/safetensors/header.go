package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/gomlx/compute/dtypes"
)

// MaxHeaderSize is the largest JSON header accepted (100 MB, the limit of the
// reference implementation). Larger headers are refused before any
// allocation, so a corrupt length field cannot exhaust memory.
const MaxHeaderSize = 100_000_000

// Info describes one tensor of a checkpoint.
type Info struct {
	// Name is the tensor's key in the header.
	Name string
	// DType is the safetensors dtype string: "F32", "F16", "BF16", "F64",
	// "I64", "I32", "I16", "I8", "U8", "BOOL", ...
	DType string
	// Shape holds the dimensions (empty for a scalar).
	Shape []int
	// File is the path of the file that holds the data.
	File string
	// Begin and End are absolute byte offsets of the data inside File.
	Begin, End int64
}

// NumElements returns the product of the dimensions (1 for a scalar).
func (in Info) NumElements() int {
	n := 1
	for _, d := range in.Shape {
		n *= d
	}
	return n
}

// Bytes returns the size of the tensor's data in bytes.
func (in Info) Bytes() int64 { return in.End - in.Begin }

// GoMLXDType returns the GoMLX dtype that stores this tensor's elements
// unchanged, or an error for dtypes GoMLX has no equivalent for.
func (in Info) GoMLXDType() (dtypes.DType, error) {
	d, ok := stDTypes[in.DType]
	if !ok || d.gomlx == dtypes.InvalidDType {
		return dtypes.InvalidDType, fmt.Errorf("tensor %q: dtype %s has no GoMLX equivalent", in.Name, in.DType)
	}
	return d.gomlx, nil
}

type stDType struct {
	size  int // bytes per element
	gomlx dtypes.DType
}

// stDTypes lists the dtypes of the safetensors format this package accepts.
var stDTypes = map[string]stDType{
	"BOOL": {1, dtypes.Bool},
	"U8":   {1, dtypes.Uint8},
	"I8":   {1, dtypes.Int8},
	"U16":  {2, dtypes.Uint16},
	"I16":  {2, dtypes.Int16},
	"F16":  {2, dtypes.Float16},
	"BF16": {2, dtypes.BFloat16},
	"U32":  {4, dtypes.Uint32},
	"I32":  {4, dtypes.Int32},
	"F32":  {4, dtypes.Float32},
	"U64":  {8, dtypes.Uint64},
	"I64":  {8, dtypes.Int64},
	"F64":  {8, dtypes.Float64},
}

// stName returns the safetensors dtype string for a GoMLX dtype.
func stName(d dtypes.DType) (string, bool) {
	for name, s := range stDTypes {
		if s.gomlx == d {
			return name, true
		}
	}
	return "", false
}

// header is a parsed and validated safetensors header.
type header struct {
	size     int64 // N, the JSON header's length
	tensors  map[string]Info
	metadata map[string]string
}

type rawEntry struct {
	DType       *string  `json:"dtype"`
	Shape       *[]int64 `json:"shape"`
	DataOffsets *[]int64 `json:"data_offsets"`
}

// readHeader reads and validates the header of a safetensors file of
// fileSize bytes from r (positioned at 0). path is used for Info.File only.
func readHeader(r io.ReaderAt, fileSize int64, path string) (*header, error) {
	if fileSize < 8 {
		return nil, fmt.Errorf("file is %d bytes, shorter than the 8-byte header length: truncated or not safetensors", fileSize)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("read header length: %w", err)
	}
	n := uint64(0)
	for i := 7; i >= 0; i-- {
		n = n<<8 | uint64(lenBuf[i])
	}
	if n > MaxHeaderSize {
		return nil, fmt.Errorf("header length %d exceeds the %d-byte limit: corrupt or not safetensors", n, MaxHeaderSize)
	}
	if int64(n) > fileSize-8 {
		return nil, fmt.Errorf("header length %d exceeds the %d bytes after the length field: truncated file", n, fileSize-8)
	}
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, 8); err != nil {
		return nil, fmt.Errorf("read header: %w", err)
	}
	return parseHeader(buf, fileSize-8-int64(n), 8+int64(n), path)
}

// parseHeader validates the JSON header buf: every tensor's dtype is known,
// its shape's element count times the dtype size equals its byte range, the
// byte range lies inside the dataSize bytes that follow the header, and no
// two tensors overlap. dataStart is the absolute offset of the data section.
func parseHeader(buf []byte, dataSize, dataStart int64, path string) (*header, error) {
	h := &header{size: int64(len(buf)), tensors: map[string]Info{}}
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("header is not JSON: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("header is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("header is not valid JSON: %w", err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("header key is not a string")
		}
		if _, dup := h.tensors[name]; dup || (name == "__metadata__" && h.metadata != nil) {
			return nil, fmt.Errorf("header names %q twice", name)
		}
		if name == "__metadata__" {
			var md map[string]string
			if err := dec.Decode(&md); err != nil {
				return nil, fmt.Errorf("__metadata__ is not a map of strings: %w", err)
			}
			if md == nil {
				md = map[string]string{}
			}
			h.metadata = md
			continue
		}
		var e rawEntry
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("tensor %q: header entry is not valid JSON: %w", name, err)
		}
		in, err := checkEntry(name, e, dataSize)
		if err != nil {
			return nil, err
		}
		in.File = path
		in.Begin += dataStart
		in.End += dataStart
		h.tensors[name] = in
	}
	if _, err := dec.Token(); err != nil { // closing brace
		return nil, fmt.Errorf("header is not valid JSON: %w", err)
	}
	// Anything after the object must be padding (spaces).
	off := dec.InputOffset()
	if strings.TrimRight(string(buf[off:]), " \t\r\n\x00") != "" {
		return nil, fmt.Errorf("header has trailing bytes after the JSON object")
	}
	// Byte ranges must not overlap.
	infos := make([]Info, 0, len(h.tensors))
	for _, in := range h.tensors {
		infos = append(infos, in)
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].Begin != infos[j].Begin {
			return infos[i].Begin < infos[j].Begin
		}
		return infos[i].Name < infos[j].Name
	})
	for i := 1; i < len(infos); i++ {
		if infos[i].Begin < infos[i-1].End {
			return nil, fmt.Errorf("tensors %q and %q overlap in the data section: header offsets lie", infos[i-1].Name, infos[i].Name)
		}
	}
	return h, nil
}

// checkEntry validates one header entry against the data section's size.
func checkEntry(name string, e rawEntry, dataSize int64) (Info, error) {
	in := Info{Name: name}
	if e.DType == nil || e.Shape == nil || e.DataOffsets == nil {
		return in, fmt.Errorf("tensor %q: header entry lacks dtype, shape or data_offsets", name)
	}
	in.DType = *e.DType
	dt, ok := stDTypes[in.DType]
	if !ok {
		return in, fmt.Errorf("tensor %q: unsupported dtype %q", name, in.DType)
	}
	numel := int64(1)
	in.Shape = make([]int, len(*e.Shape))
	for i, d := range *e.Shape {
		if d < 0 || d > math.MaxInt32 {
			return in, fmt.Errorf("tensor %q: bad dimension %d in shape %v", name, d, *e.Shape)
		}
		in.Shape[i] = int(d)
		if d != 0 && numel > math.MaxInt64/8/d {
			return in, fmt.Errorf("tensor %q: shape %v is too large", name, *e.Shape)
		}
		numel *= d
	}
	offs := *e.DataOffsets
	if len(offs) != 2 {
		return in, fmt.Errorf("tensor %q: data_offsets has %d numbers, want 2", name, len(offs))
	}
	begin, end := offs[0], offs[1]
	if begin < 0 || end < begin {
		return in, fmt.Errorf("tensor %q: bad data_offsets [%d, %d]: header offsets lie", name, begin, end)
	}
	if want := numel * int64(dt.size); end-begin != want {
		return in, fmt.Errorf("tensor %q: data_offsets [%d, %d] span %d bytes but %s%v needs %d: header offsets lie",
			name, begin, end, end-begin, in.DType, in.Shape, want)
	}
	if end > dataSize {
		return in, fmt.Errorf("tensor %q: data_offsets [%d, %d] run past the %d data bytes in the file: truncated file or header offsets lie",
			name, begin, end, dataSize)
	}
	in.Begin, in.End = begin, end
	return in, nil
}
