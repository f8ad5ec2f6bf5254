package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/dtypes/float16"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/internal/procstatus"
)

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func ramp(n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = scale * float32(i%17-8)
	}
	return v
}

// rawFile builds a safetensors file by hand (independently of Write).
func rawFile(t *testing.T, header string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadHandWrittenFile(t *testing.T) {
	// Two F32 tensors and a BF16 one, laid out by hand.
	a := []float32{1, -2, 3.5, 0.25, 8, -16}
	bf := []uint16{0x3f80, 0xc000, 0x4040} // 1, -2, 3 in bfloat16
	data := f32Bytes(a)
	for _, u := range bf {
		data = binary.LittleEndian.AppendUint16(data, u)
	}
	hdr := `{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},` +
		`"b":{"dtype":"BF16","shape":[3],"data_offsets":[24,30]}}   `
	p := writeFile(t, t.TempDir(), "x.safetensors", rawFile(t, hdr, data))
	c, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("names %v", got)
	}
	if c.Metadata()["format"] != "pt" {
		t.Errorf("metadata %v", c.Metadata())
	}
	if c.Bytes() != 30 {
		t.Errorf("bytes %d", c.Bytes())
	}
	got, shape, err := c.Float32("a")
	if err != nil || !slices.Equal(got, a) || !slices.Equal(shape, []int{2, 3}) {
		t.Errorf("a = %v %v %v", got, shape, err)
	}
	got, _, err = c.Float32("b")
	if err != nil || !slices.Equal(got, []float32{1, -2, 3}) {
		t.Errorf("b = %v %v", got, err)
	}
	if _, err := c.Check("a", 2, 3); err != nil {
		t.Error(err)
	}
	for _, tc := range []struct {
		name  string
		shape []int
		want  string
	}{
		{"a", []int{3, 2}, "has shape [2 3], want [3 2]"},
		{"zz", []int{1}, `"zz" is missing`},
	} {
		if _, err := c.Check(tc.name, tc.shape...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%s,%v) = %v, want %q", tc.name, tc.shape, err, tc.want)
		}
	}
}

func TestRoundTripDTypes(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	vals := ramp(1000, 0.37)
	bfv := make([]bfloat16.BFloat16, len(vals))
	f16v := make([]float16.Float16, len(vals))
	for i, v := range vals {
		bfv[i] = bfloat16.FromFloat32(v)
		f16v[i] = float16.FromFloat32(v)
	}
	named := map[string]*tensors.Tensor{
		"f32":  tensors.FromFlatDataAndDimensions(vals, 10, 100),
		"bf16": tensors.FromFlatDataAndDimensions(bfv, 1000),
		"f16":  tensors.FromFlatDataAndDimensions(f16v, 4, 250),
		"i64":  tensors.FromFlatDataAndDimensions([]int64{1, -2, 3}, 3),
		"s":    tensors.FromScalar(float32(2.5)),
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "m.safetensors")
	if err := WriteTensors(p, named, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("temporary files left behind: %v", ents)
	}
	c, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, tc := range []struct {
		name string
		as   dtypes.DType
		want func(i int) float32
	}{
		{"f32", dtypes.Float32, func(i int) float32 { return vals[i] }},
		{"bf16", dtypes.Float32, func(i int) float32 { return bfv[i].Float32() }},
		{"f16", dtypes.Float32, func(i int) float32 { return f16v[i].Float32() }},
		{"f32", dtypes.BFloat16, func(i int) float32 { return bfv[i].Float32() }},
		{"bf16", dtypes.InvalidDType, func(i int) float32 { return bfv[i].Float32() }},
		{"f16", dtypes.BFloat16, func(i int) float32 { return bfloat16.FromFloat32(f16v[i].Float32()).Float32() }},
	} {
		tt, err := c.Tensor(tc.name, tc.as, be)
		if err != nil {
			t.Fatalf("%s as %s: %v", tc.name, tc.as, err)
		}
		var got []float32
		switch tt.DType() {
		case dtypes.Float32:
			got = tensors.MustCopyFlatData[float32](tt)
		case dtypes.BFloat16:
			for _, v := range tensors.MustCopyFlatData[bfloat16.BFloat16](tt) {
				got = append(got, v.Float32())
			}
		default:
			t.Fatalf("%s as %s: got dtype %s", tc.name, tc.as, tt.DType())
		}
		if len(got) != 1000 {
			t.Fatalf("%s: %d values", tc.name, len(got))
		}
		for i, g := range got {
			if g != tc.want(i) {
				t.Fatalf("%s as %s [%d] = %v, want %v", tc.name, tc.as, i, g, tc.want(i))
			}
		}
	}
	it, err := c.Tensor("i64", dtypes.InvalidDType, nil)
	if err != nil || !slices.Equal(tensors.MustCopyFlatData[int64](it), []int64{1, -2, 3}) {
		t.Errorf("i64: %v", err)
	}
	if _, err := c.Tensor("i64", dtypes.Float32, nil); err == nil || !strings.Contains(err.Error(), "cannot load it as") {
		t.Errorf("i64 as float32: %v", err)
	}
	st, err := c.Tensor("s", dtypes.Float32, nil)
	if err != nil || st.Rank() != 0 || tensors.ToScalar[float32](st) != 2.5 {
		t.Errorf("scalar: %v", err)
	}
}

// shardedDir writes a two-shard checkpoint and returns its directory.
func shardedDir(t *testing.T, weightMap map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := Write(filepath.Join(dir, "model-00001-of-00002.safetensors"), []Entry{
		{Name: "w1", DType: dtypes.Float32, Shape: []int{2, 2}, Data: f32Bytes([]float32{1, 2, 3, 4})},
	}, nil); err != nil {
		t.Fatal(err)
	}
	if err := Write(filepath.Join(dir, "model-00002-of-00002.safetensors"), []Entry{
		{Name: "w2", DType: dtypes.Float32, Shape: []int{3}, Data: f32Bytes([]float32{5, 6, 7})},
	}, nil); err != nil {
		t.Fatal(err)
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 28}, "weight_map": weightMap})
	writeFile(t, dir, IndexFile, idx)
	return dir
}

func TestSharded(t *testing.T) {
	dir := shardedDir(t, map[string]string{"w1": "model-00001-of-00002.safetensors", "w2": "model-00002-of-00002.safetensors"})
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !slices.Equal(c.Names(), []string{"w1", "w2"}) {
		t.Errorf("names %v", c.Names())
	}
	v, _, err := c.Float32("w2")
	if err != nil || !slices.Equal(v, []float32{5, 6, 7}) {
		t.Errorf("w2 %v %v", v, err)
	}
	v, _, err = c.Float32("w1")
	if err != nil || !slices.Equal(v, []float32{1, 2, 3, 4}) {
		t.Errorf("w1 %v %v", v, err)
	}

	for _, tc := range []struct {
		name string
		wm   map[string]string
		want string
	}{
		{"missing shard", map[string]string{"w1": "model-00001-of-00002.safetensors", "w3": "model-00003-of-00003.safetensors"}, "missing shard model-00003-of-00003.safetensors"},
		{"wrong shard", map[string]string{"w1": "model-00002-of-00002.safetensors"}, "does not hold it"},
		{"path escape", map[string]string{"w1": "../model-00001-of-00002.safetensors"}, "not a plain file name"},
		{"empty", map[string]string{}, "empty or missing weight_map"},
	} {
		_, err := Open(shardedDir(t, tc.wm))
		checkOneLine(t, tc.name, err, tc.want)
	}
}

func checkOneLine(t *testing.T, name string, err error, want string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %q", name, want)
		return
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %q does not contain %q", name, err, want)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("%s: error is not one line: %q", name, err)
	}
}

func TestBadFiles(t *testing.T) {
	good := rawFile(t, `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, f32Bytes([]float32{1, 2}))
	hugeLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(hugeLen, 1<<40)
	longLen := make([]byte, 16)
	binary.LittleEndian.PutUint64(longLen, 100)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "shorter than the 8-byte header length"},
		{"oversized header", hugeLen, "exceeds the 100000000-byte limit"},
		{"header past end", longLen, "truncated file"},
		{"truncated data", good[:len(good)-3], "truncated file or header offsets lie"},
		{"not json", rawFile(t, `{"a":`, nil), "not valid JSON"},
		{"not object", rawFile(t, `[1,2]`, nil), "not a JSON object"},
		{"size mismatch", rawFile(t, `{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, make([]byte, 12)), "header offsets lie"},
		{"reversed offsets", rawFile(t, `{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, make([]byte, 8)), "bad data_offsets"},
		{"overlap", rawFile(t, `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, make([]byte, 12)), "overlap"},
		{"unknown dtype", rawFile(t, `{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}`, make([]byte, 8)), `unsupported dtype "Q4"`},
		{"negative dim", rawFile(t, `{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, make([]byte, 8)), "bad dimension"},
		{"duplicate", rawFile(t, `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, make([]byte, 8)), `names "a" twice`},
		{"missing field", rawFile(t, `{"a":{"dtype":"F32","shape":[1]}}`, make([]byte, 4)), "lacks dtype, shape or data_offsets"},
		{"trailing junk", rawFile(t, `{} xx`, nil), "trailing bytes"},
		{"huge shape", rawFile(t, `{"a":{"dtype":"F32","shape":[2000000000,2000000000,2000000000],"data_offsets":[0,8]}}`, make([]byte, 8)), "too large"},
	} {
		p := writeFile(t, t.TempDir(), "bad.safetensors", tc.file)
		_, err := Open(p)
		checkOneLine(t, tc.name, err, tc.want)
		if err != nil && !strings.Contains(err.Error(), "bad.safetensors") {
			t.Errorf("%s: error %q does not name the file", tc.name, err)
		}
	}
	_, err := Open(filepath.Join(t.TempDir(), "nope"))
	checkOneLine(t, "no such file", err, "no such file")
	_, err = Open(t.TempDir())
	checkOneLine(t, "empty dir", err, "no model.safetensors or model.safetensors.index.json")
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"size", []Entry{{Name: "a", DType: dtypes.Float32, Shape: []int{3}, Data: make([]byte, 8)}}, "want 12"},
		{"dup", []Entry{{Name: "a", DType: dtypes.Float32, Shape: []int{1}, Data: make([]byte, 4)}, {Name: "a", DType: dtypes.Float32, Shape: []int{1}, Data: make([]byte, 4)}}, "given twice"},
		{"reserved", []Entry{{Name: "__metadata__", DType: dtypes.Float32, Shape: []int{1}, Data: make([]byte, 4)}}, "bad tensor name"},
	} {
		err := Write(filepath.Join(dir, "w.safetensors"), tc.entries, nil)
		checkOneLine(t, tc.name, err, tc.want)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("failed writes left files: %v", ents)
	}
	err := Write(filepath.Join(dir, "missing", "w.safetensors"), nil, nil)
	checkOneLine(t, "missing dir", err, "no such file")
}

// TestGoldenLlamaTiny opens the golden checkpoint of testdata/ (written by
// PyTorch's safetensors) and checks its tensors against its config.json.
func TestGoldenLlamaTiny(t *testing.T) {
	dir := testfiles.Path(t, "golden", "llama-tiny")
	var cfg struct {
		V int `json:"vocab_size"`
		H int `json:"hidden_size"`
		I int `json:"intermediate_size"`
		L int `json:"num_hidden_layers"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, chk := range []struct {
		name  string
		shape []int
	}{
		{"model.embed_tokens.weight", []int{cfg.V, cfg.H}},
		{"lm_head.weight", []int{cfg.V, cfg.H}},
		{"model.norm.weight", []int{cfg.H}},
		{fmt.Sprintf("model.layers.%d.mlp.up_proj.weight", cfg.L-1), []int{cfg.I, cfg.H}},
	} {
		if _, err := c.Check(chk.name, chk.shape...); err != nil {
			t.Error(err)
		}
	}
	st, _ := os.Stat(filepath.Join(dir, SingleFile))
	if c.Bytes() <= 0 || c.Bytes() >= st.Size() {
		t.Errorf("data bytes %d vs file %d", c.Bytes(), st.Size())
	}
}

// The RSS test loads a checkpoint in a child process (so the parent's own
// allocations don't count) and compares its peak resident memory with the
// checkpoint's size.
const rssChildEnv = "SAFETENSORS_RSS_CHILD"

func TestMain(m *testing.M) {
	if p := os.Getenv(rssChildEnv); p != "" {
		rssChild(p)
		return
	}
	os.Exit(m.Run())
}

func rssChild(path string) {
	be, err := backend.New()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	before := procstatus.KB("VmRSS")
	c, err := Open(path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var keep []*tensors.Tensor
	for _, n := range c.Names() {
		tt, err := c.Tensor(n, dtypes.Float32, be)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		keep = append(keep, tt)
	}
	fmt.Println(before, procstatus.KB("VmHWM"), c.Bytes(), len(keep))
	os.Exit(0)
}

func TestPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: writes a 192 MB checkpoint")
	}
	if procstatus.KB("VmHWM") < 0 {
		t.Skip("measures peak memory through /proc/self/status, which only Linux has")
	}
	dir := t.TempDir()
	const n, per = 6, 8 << 20 // 6 tensors of 8M float32 = 192 MiB
	var entries []Entry
	for i := range n {
		entries = append(entries, Entry{Name: fmt.Sprintf("t%d", i), DType: dtypes.Float32, Shape: []int{per}, Data: make([]byte, 4*per)})
	}
	p := filepath.Join(dir, "big.safetensors")
	if err := Write(p, entries, nil); err != nil {
		t.Fatal(err)
	}
	entries = nil
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+p)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	var before, hwm, bytes int64
	var count int
	if _, err := fmt.Sscan(string(out), &before, &hwm, &bytes, &count); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	grow := float64(hwm-before) * 1024
	t.Logf("checkpoint %d MiB; RSS before %d MiB, peak %d MiB (growth %.2f× the checkpoint)", bytes>>20, before>>10, hwm>>10, grow/float64(bytes))
	if grow > 1.2*float64(bytes) {
		t.Errorf("peak RSS grew by %.0f MiB loading a %d MiB checkpoint (> 1.2×)", grow/(1<<20), bytes>>20)
	}
}

func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "st")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "model.safetensors")
	_ = Write(p, []Entry{{Name: "w", DType: dtypes.Float32, Shape: []int{2}, Data: f32Bytes([]float32{0.5, -1})}}, nil)
	c, err := Open(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	v, shape, _ := c.Float32("w")
	fmt.Println(c.Names(), shape, v)
	// Output: [w] [2] [0.5 -1]
}
