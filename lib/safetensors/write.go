package safetensors

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
)

// Entry is one tensor to write: raw little-endian data of the given GoMLX
// dtype and shape.
type Entry struct {
	Name  string
	DType dtypes.DType
	Shape []int
	Data  []byte
}

// Write writes entries (sorted by name) and optional metadata to path as a
// safetensors file, atomically: the bytes go to a temporary file in the
// same directory, which is synced and renamed over path only when complete.
func Write(path string, entries []Entry, metadata map[string]string) error {
	srcs := make([]source, len(entries))
	for i, e := range entries {
		e := e
		srcs[i] = source{name: e.Name, dtype: e.DType, shape: e.Shape, size: int64(len(e.Data)),
			write: func(w io.Writer) error { _, err := w.Write(e.Data); return err }}
	}
	if err := writeAtomic(path, srcs, metadata); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	return nil
}

// WriteTensors writes GoMLX tensors keyed by name to path (atomically, as
// Write does). Each tensor is written in its own dtype.
func WriteTensors(path string, named map[string]*tensors.Tensor, metadata map[string]string) error {
	srcs := make([]source, 0, len(named))
	for name, t := range named {
		t := t
		srcs = append(srcs, source{name: name, dtype: t.DType(), shape: t.Shape().Dimensions, size: t.Shape().ByteSize(),
			write: func(w io.Writer) error {
				var werr error
				if err := t.ConstBytes(func(b []byte) { _, werr = w.Write(b) }); err != nil {
					return err
				}
				return werr
			}})
	}
	if err := writeAtomic(path, srcs, metadata); err != nil {
		return fmt.Errorf("safetensors: write %s: %w", path, err)
	}
	return nil
}

type source struct {
	name  string
	dtype dtypes.DType
	shape []int
	size  int64
	write func(io.Writer) error
}

type headerEntry struct {
	DType       string  `json:"dtype"`
	Shape       []int   `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// encodeHeader builds the padded JSON header for srcs (sorted by name).
func encodeHeader(srcs []source, metadata map[string]string) ([]byte, error) {
	hdr := map[string]any{}
	if len(metadata) > 0 {
		hdr["__metadata__"] = metadata
	}
	var off int64
	for _, s := range srcs {
		if s.name == "__metadata__" || s.name == "" {
			return nil, fmt.Errorf("bad tensor name %q", s.name)
		}
		if _, dup := hdr[s.name]; dup {
			return nil, fmt.Errorf("tensor %q given twice", s.name)
		}
		st, ok := stName(s.dtype)
		if !ok {
			return nil, fmt.Errorf("tensor %q: dtype %s has no safetensors name", s.name, s.dtype)
		}
		numel := int64(1)
		for _, d := range s.shape {
			if d < 0 {
				return nil, fmt.Errorf("tensor %q: bad shape %v", s.name, s.shape)
			}
			numel *= int64(d)
		}
		if want := numel * int64(stDTypes[st].size); want != s.size {
			return nil, fmt.Errorf("tensor %q: %d data bytes for %s%v, want %d", s.name, s.size, st, s.shape, want)
		}
		shape := s.shape
		if shape == nil {
			shape = []int{}
		}
		hdr[s.name] = headerEntry{DType: st, Shape: shape, DataOffsets: []int64{off, off + s.size}}
		off += s.size
	}
	js, err := json.Marshal(hdr)
	if err != nil {
		return nil, err
	}
	for len(js)%8 != 0 { // align the data section to 8 bytes
		js = append(js, ' ')
	}
	return js, nil
}

func writeAtomic(path string, srcs []source, metadata map[string]string) (err error) {
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].name < srcs[j].name })
	js, err := encodeHeader(srcs, metadata)
	if err != nil {
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(js)))
	if _, err = w.Write(slices.Concat(lenBuf[:], js)); err != nil {
		return err
	}
	for _, s := range srcs {
		if err = s.write(w); err != nil {
			return fmt.Errorf("tensor %q: %w", s.name, err)
		}
	}
	if err = w.Flush(); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
