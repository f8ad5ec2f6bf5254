package safetensors

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzOpen feeds arbitrary bytes to the header reader: it must never panic,
// and whatever it accepts must describe tensors that lie inside the file
// with sizes that match their dtype and shape.
func FuzzOpen(f *testing.F) {
	seed := func(h string, dataLen int) []byte {
		var b bytes.Buffer
		binary.Write(&b, binary.LittleEndian, uint64(len(h)))
		b.WriteString(h)
		b.Write(make([]byte, dataLen))
		return b.Bytes()
	}
	f.Add(seed(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8))
	f.Add(seed(`{"__metadata__":{"k":"v"},"a":{"dtype":"BF16","shape":[2,1],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[],"data_offsets":[4,6]}}  `, 6))
	f.Add(seed(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 8))
	f.Add(seed(`{}`, 0))
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, file []byte) {
		h, err := readHeader(bytes.NewReader(file), int64(len(file)), "fuzz")
		if err != nil {
			return
		}
		dataStart := 8 + h.size
		for name, in := range h.tensors {
			if in.Begin < dataStart || in.End > int64(len(file)) || in.Begin > in.End {
				t.Fatalf("accepted %q with range [%d,%d) outside data [%d,%d)", name, in.Begin, in.End, dataStart, len(file))
			}
			if want := int64(in.NumElements() * stDTypes[in.DType].size); in.Bytes() != want {
				t.Fatalf("accepted %q: %d bytes for %s%v", name, in.Bytes(), in.DType, in.Shape)
			}
			out := make([]float32, 0)
			if isFloat(in.DType) && in.NumElements() < 1<<16 {
				out = make([]float32, in.NumElements())
				decode(in.DType, file[in.Begin:in.End], out)
			}
		}
	})
}
