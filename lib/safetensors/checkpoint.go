package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/dtypes/float16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
)

// File names of a Hugging Face checkpoint folder.
const (
	SingleFile = "model.safetensors"
	IndexFile  = "model.safetensors.index.json"
)

// Checkpoint is an open single-file or sharded safetensors checkpoint. Only
// the headers are in memory; tensors are read on demand. It is safe for
// concurrent reads; Close it when done.
type Checkpoint struct {
	path     string
	files    map[string]*os.File
	infos    map[string]Info
	metadata map[string]string
}

// Open opens a checkpoint. path may be a directory (holding
// model.safetensors.index.json, or else model.safetensors), an index file
// (*.index.json), or a single .safetensors file. Every header is validated
// and every shard named by an index must exist.
func Open(path string) (*Checkpoint, error) {
	c, err := open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: open %s: %w", path, err)
	}
	return c, nil
}

func open(path string) (*Checkpoint, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	c := &Checkpoint{path: path, files: map[string]*os.File{}, infos: map[string]Info{}}
	if st.IsDir() {
		idx := filepath.Join(path, IndexFile)
		if _, err := os.Stat(idx); err == nil {
			return c, c.openIndex(idx)
		}
		single := filepath.Join(path, SingleFile)
		if _, err := os.Stat(single); err != nil {
			return nil, fmt.Errorf("no %s or %s in the directory", SingleFile, IndexFile)
		}
		path = single
	} else if strings.HasSuffix(path, ".json") {
		return c, c.openIndex(path)
	}
	h, err := c.addFile(path)
	if err != nil {
		c.Close()
		return nil, err
	}
	c.infos = h.tensors
	c.metadata = h.metadata
	return c, nil
}

// addFile opens one safetensors file and validates its header.
func (c *Checkpoint) addFile(path string) (*header, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	h, err := readHeader(f, st.Size(), path)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	c.files[path] = f
	return h, nil
}

// openIndex opens a sharded checkpoint from its index file.
func (c *Checkpoint) openIndex(idxPath string) (err error) {
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	data, err := os.ReadFile(idxPath)
	if err != nil {
		return err
	}
	var idx struct {
		Metadata  map[string]any    `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(idxPath), err)
	}
	if len(idx.WeightMap) == 0 {
		return fmt.Errorf("%s: empty or missing weight_map", filepath.Base(idxPath))
	}
	dir := filepath.Dir(idxPath)
	shards := map[string]*header{}
	names := make([]string, 0, len(idx.WeightMap))
	for name := range idx.WeightMap {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		shard := idx.WeightMap[name]
		if shard == "" || filepath.Base(shard) != shard || shard == "." || shard == ".." {
			return fmt.Errorf("%s: tensor %q: shard name %q is not a plain file name", filepath.Base(idxPath), name, shard)
		}
		h, ok := shards[shard]
		if !ok {
			p := filepath.Join(dir, shard)
			if _, err := os.Stat(p); err != nil {
				return fmt.Errorf("missing shard %s (named for tensor %q in %s)", shard, name, filepath.Base(idxPath))
			}
			if h, err = c.addFile(p); err != nil {
				return err
			}
			shards[shard] = h
			if c.metadata == nil {
				c.metadata = h.metadata
			}
		}
		in, ok := h.tensors[name]
		if !ok {
			return fmt.Errorf("tensor %q: %s maps it to %s, which does not hold it", name, filepath.Base(idxPath), shard)
		}
		c.infos[name] = in
	}
	return nil
}

// Close closes the checkpoint's files.
func (c *Checkpoint) Close() error {
	var errs []error
	for p, f := range c.files {
		errs = append(errs, f.Close())
		delete(c.files, p)
	}
	return errors.Join(errs...)
}

// Path returns the path the checkpoint was opened from.
func (c *Checkpoint) Path() string { return c.path }

// Names returns the tensor names, sorted.
func (c *Checkpoint) Names() []string {
	names := make([]string, 0, len(c.infos))
	for n := range c.infos {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Metadata returns the "__metadata__" map of the (first) file, possibly nil.
func (c *Checkpoint) Metadata() map[string]string { return c.metadata }

// Info returns the description of the named tensor.
func (c *Checkpoint) Info(name string) (Info, bool) {
	in, ok := c.infos[name]
	return in, ok
}

// Bytes returns the total size of the tensor data in bytes.
func (c *Checkpoint) Bytes() int64 {
	var n int64
	for _, in := range c.infos {
		n += in.Bytes()
	}
	return n
}

// Check returns the named tensor's Info if it exists and has exactly the
// given shape, and an error naming the tensor, the file and both shapes
// otherwise.
func (c *Checkpoint) Check(name string, shape ...int) (Info, error) {
	in, ok := c.infos[name]
	if !ok {
		return in, fmt.Errorf("safetensors: %s: tensor %q is missing", c.path, name)
	}
	if !slices.Equal(in.Shape, shape) {
		return in, fmt.Errorf("safetensors: %s: tensor %q has shape %v, want %v", filepath.Base(in.File), name, in.Shape, shape)
	}
	return in, nil
}

// Tensor reads the named tensor into a new GoMLX tensor of the given dtype
// (dtypes.InvalidDType keeps the stored dtype). Float tensors (F16, BF16,
// F32, F64) convert to any float dtype; other dtypes only load unchanged.
// When backend supports shared buffers (the pure-Go backend does) the data
// is read straight into the backend's buffer; with a nil backend the tensor
// is local.
func (c *Checkpoint) Tensor(name string, dtype dtypes.DType, backend compute.Backend) (t *tensors.Tensor, err error) {
	in, ok := c.infos[name]
	if !ok {
		return nil, fmt.Errorf("safetensors: %s: tensor %q is missing", c.path, name)
	}
	if dtype == dtypes.InvalidDType {
		if dtype, err = in.GoMLXDType(); err != nil {
			return nil, fmt.Errorf("safetensors: %s: %w", filepath.Base(in.File), err)
		}
	}
	if err := c.convertible(in, dtype); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("safetensors: %s: tensor %q: %v", filepath.Base(in.File), name, r)
		}
	}()
	t, err = tensors.FromShapeForBackend(backend, 0, shapes.Make(dtype, in.Shape...))
	if err != nil {
		return nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
	}
	var rerr error
	if err := t.MutableBytes(func(b []byte) { rerr = c.readInto(in, dtype, b) }); err != nil {
		return nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
	}
	if rerr != nil {
		t.FinalizeAll()
		return nil, rerr
	}
	return t, nil
}

// ReadInto reads the named tensor converted to dtype into dst, which must
// hold exactly NumElements × dtype.Size() bytes (native, little-endian).
func (c *Checkpoint) ReadInto(name string, dtype dtypes.DType, dst []byte) error {
	in, ok := c.infos[name]
	if !ok {
		return fmt.Errorf("safetensors: %s: tensor %q is missing", c.path, name)
	}
	if err := c.convertible(in, dtype); err != nil {
		return err
	}
	return c.readInto(in, dtype, dst)
}

// Float32 reads the named float tensor as float32 values with its shape.
func (c *Checkpoint) Float32(name string) ([]float32, []int, error) {
	in, ok := c.infos[name]
	if !ok {
		return nil, nil, fmt.Errorf("safetensors: %s: tensor %q is missing", c.path, name)
	}
	out := make([]float32, in.NumElements())
	b := make([]byte, 4*len(out))
	if err := c.ReadInto(name, dtypes.Float32, b); err != nil {
		return nil, nil, err
	}
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, slices.Clone(in.Shape), nil
}

func isFloat(st string) bool {
	return st == "F16" || st == "BF16" || st == "F32" || st == "F64"
}

func (c *Checkpoint) convertible(in Info, dtype dtypes.DType) error {
	src := stDTypes[in.DType].gomlx
	if src == dtype {
		return nil
	}
	if isFloat(in.DType) && (dtype == dtypes.Float32 || dtype == dtypes.BFloat16 || dtype == dtypes.Float16 || dtype == dtypes.Float64) {
		return nil
	}
	return fmt.Errorf("safetensors: %s: tensor %q is %s, cannot load it as %s", filepath.Base(in.File), in.Name, in.DType, dtype)
}

// chunkElems bounds the conversion buffer (elements per read).
const chunkElems = 1 << 16

func (c *Checkpoint) readInto(in Info, dtype dtypes.DType, dst []byte) error {
	f := c.files[in.File]
	if f == nil {
		return fmt.Errorf("safetensors: %s: checkpoint is closed", c.path)
	}
	n := in.NumElements()
	if len(dst) != n*dtype.Size() {
		return fmt.Errorf("safetensors: tensor %q: destination has %d bytes, want %d", in.Name, len(dst), n*dtype.Size())
	}
	wrap := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("safetensors: %s: tensor %q: file ends before its data: truncated file", filepath.Base(in.File), in.Name)
		}
		return fmt.Errorf("safetensors: %s: tensor %q: %w", filepath.Base(in.File), in.Name, err)
	}
	srcSize := stDTypes[in.DType].size
	if stDTypes[in.DType].gomlx == dtype {
		if _, err := f.ReadAt(dst, in.Begin); err != nil {
			return wrap(err)
		}
		return nil
	}
	buf := make([]byte, min(n, chunkElems)*srcSize)
	vals := make([]float32, min(n, chunkElems))
	dstSize := dtype.Size()
	for start := 0; start < n; start += chunkElems {
		m := min(chunkElems, n-start)
		b := buf[:m*srcSize]
		if _, err := f.ReadAt(b, in.Begin+int64(start*srcSize)); err != nil {
			return wrap(err)
		}
		decode(in.DType, b, vals[:m])
		encode(dtype, vals[:m], dst[start*dstSize:(start+m)*dstSize])
	}
	return nil
}

// decode converts little-endian float data of the given safetensors dtype to float32.
func decode(st string, b []byte, out []float32) {
	switch st {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b[2*i:])) << 16)
		}
	case "F16":
		for i := range out {
			out[i] = float16.Float16(binary.LittleEndian.Uint16(b[2*i:])).Float32()
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:])))
		}
	}
}

// encode writes float32 values as little-endian dtype values.
func encode(dtype dtypes.DType, vals []float32, dst []byte) {
	switch dtype {
	case dtypes.Float32:
		for i, v := range vals {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
	case dtypes.BFloat16:
		for i, v := range vals {
			binary.LittleEndian.PutUint16(dst[2*i:], uint16(bfloat16.FromFloat32(v)))
		}
	case dtypes.Float16:
		for i, v := range vals {
			binary.LittleEndian.PutUint16(dst[2*i:], uint16(float16.FromFloat32(v)))
		}
	case dtypes.Float64:
		for i, v := range vals {
			binary.LittleEndian.PutUint64(dst[8*i:], math.Float64bits(float64(v)))
		}
	}
}
