package stfile

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// genPairs makes pairs of random states with lengths that differ between
// the two answers, an empty pair, and a shared first step (zero
// difference). round maps each value to what the stored dtype holds, so
// that the JSON text and the binary file carry the same numbers.
func genPairs(seed uint64, d int, round func(float64) float64) [][2][][]float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	lens := [][2]int{{6, 9}, {7, 4}, {0, 3}, {12, 12}, {1, 5}, {9, 8}}
	var pairs [][2][][]float64
	for k, l := range lens {
		var p [2][][]float64
		for side := 0; side < 2; side++ {
			for t := 0; t < l[side]; t++ {
				row := make([]float64, d)
				for i := range row {
					row[i] = round(rng.NormFloat64() * float64(1+k))
				}
				p[side] = append(p[side], row)
			}
		}
		if k == 3 { // answers sharing their first token: d_1 = 0
			copy(p[1][0], p[0][0])
		}
		pairs = append(pairs, p)
	}
	return pairs
}

func statesJSON(pairs [][2][][]float64) []byte {
	var b bytes.Buffer
	b.WriteString(`{"model": "test", "pairs": [`)
	for k, p := range pairs {
		if k > 0 {
			b.WriteString(",\n")
		}
		for side, key := range []string{"chosen", "rejected"} {
			if side == 0 {
				b.WriteString("{")
			} else {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%q: [", key)
			for t, row := range p[side] {
				if t > 0 {
					b.WriteString(",")
				}
				b.WriteString("[")
				for i, v := range row {
					if i > 0 {
						b.WriteString(", ")
					}
					b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
				}
				b.WriteString("]")
			}
			b.WriteString("]")
		}
		b.WriteString("}")
	}
	b.WriteString("]}")
	return b.Bytes()
}

// csvOf runs the estimator over a stream of curves and returns both CSVs.
func csvOf(t *testing.T, read func(func(branch.PairCurve) error) error) string {
	t.Helper()
	var acc branch.Accumulator
	if err := read(acc.Add); err != nil {
		t.Fatal(err)
	}
	res := acc.Result(branch.Options{})
	var b bytes.Buffer
	if err := branch.WriteCSV(&b, res); err != nil {
		t.Fatal(err)
	}
	if res.Psi != nil {
		if err := branch.WritePsiCSV(&b, res.Psi); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

func f32(v float64) float64 { return float64(float32(v)) }

func TestSafetensorsMatchesJSON(t *testing.T) {
	bf16 := func(v float64) float64 { return math.Round(v*4) / 4 } // exact in BF16 and F16 for |v| < 64
	cases := []struct {
		dtype string
		round func(float64) float64
	}{
		{"F32", f32},
		{"F64", func(v float64) float64 { return v }},
		{"BF16", bf16},
		{"F16", bf16},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		for _, psi := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/psi=%v", tc.dtype, psi), func(t *testing.T) {
				pairs := genPairs(3, 5, tc.round)
				js := statesJSON(pairs)
				opts := branch.PairOptions{Psi: psi}
				want := csvOf(t, func(fn func(branch.PairCurve) error) error {
					return branch.ReadStates(bytes.NewReader(js), "states.json", opts, fn)
				})
				out := filepath.Join(dir, tc.dtype+".safetensors")
				n, err := ConvertStates(bytes.NewReader(js), "states.json", out, tc.dtype)
				if err != nil || n != len(pairs) {
					t.Fatalf("convert: %d pairs, %v", n, err)
				}
				for _, workers := range []int{1, 3} {
					StatesWorkers = workers
					got := csvOf(t, func(fn func(branch.PairCurve) error) error {
						return ReadSafetensorsStates(out, opts, fn)
					})
					StatesWorkers = 0
					if got != want {
						t.Errorf("workers=%d: safetensors CSV differs from JSON CSV:\n%s\nwant\n%s", workers, got, want)
					}
				}
				// The converted file holds exactly the values, under the documented names.
				ck, err := safetensors.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				defer ck.Close()
				vals, shape, err := ck.Float32(PairTensorName(4, "rejected"))
				if err != nil || shape[0] != 5 || shape[1] != 5 || vals[7] != float32(pairs[4][1][1][2]) {
					t.Errorf("pair.000004.rejected: shape %v, err %v", shape, err)
				}
			})
		}
	}
}

// TestSafetensorsSharded reads a sharded folder (index + two shards) and
// checks it gives the same CSV as the JSON text; pairs are taken in
// numeric index order even when the names are not zero-padded.
func TestSafetensorsSharded(t *testing.T) {
	pairs := genPairs(5, 4, f32)
	js := statesJSON(pairs)
	want := csvOf(t, func(fn func(branch.PairCurve) error) error {
		return branch.ReadStates(bytes.NewReader(js), "states.json", branch.PairOptions{}, fn)
	})
	dir := t.TempDir()
	weightMap := map[string]string{}
	shards := map[string][]safetensors.Entry{}
	for k, p := range pairs {
		shard := fmt.Sprintf("states-%05d-of-00002.safetensors", k%2+1)
		for side, key := range []string{"chosen", "rejected"} {
			name := fmt.Sprintf("pair.%d.%s", k, key) // unpadded: pair.10 must sort after pair.9
			if k == 1 {
				name = fmt.Sprintf("pair.%d.%s", 10, key)
			}
			weightMap[name] = shard
			shards[shard] = append(shards[shard], f32Entry(name, p[side], 4))
		}
	}
	// pair 1 was renamed pair 10: it must come last.
	reordered := append(append([][2][][]float64{pairs[0]}, pairs[2:]...), pairs[1])
	want = csvOf(t, func(fn func(branch.PairCurve) error) error {
		return branch.ReadStates(bytes.NewReader(statesJSON(reordered)), "states.json", branch.PairOptions{}, fn)
	})
	for shard, entries := range shards {
		if err := safetensors.Write(filepath.Join(dir, shard), entries, nil); err != nil {
			t.Fatal(err)
		}
	}
	idx, _ := json.Marshal(map[string]any{"weight_map": weightMap})
	if err := os.WriteFile(filepath.Join(dir, safetensors.IndexFile), idx, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{dir, filepath.Join(dir, safetensors.IndexFile)} {
		if StatesFormat(path) != "safetensors" {
			t.Errorf("StatesFormat(%s) = %s", path, StatesFormat(path))
		}
		got := csvOf(t, func(fn func(branch.PairCurve) error) error {
			return ReadSafetensorsStates(path, branch.PairOptions{}, fn)
		})
		if got != want {
			t.Errorf("%s: CSV differs:\n%s\nwant\n%s", path, got, want)
		}
	}
	if StatesFormat("x.json") != "json" || StatesFormat("x.safetensors") != "safetensors" {
		t.Error("StatesFormat by extension")
	}
}

// f32Entry makes a safetensors F32 entry of the given rows (shape [L, d]).
func f32Entry(name string, rows [][]float64, d int) safetensors.Entry {
	b := make([]byte, 0, 4*d*len(rows))
	for _, r := range rows {
		for _, v := range r {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		}
	}
	return safetensors.Entry{Name: name, DType: dtypes.Float32, Shape: []int{len(rows), d}, Data: b}
}

func TestSafetensorsMalformed(t *testing.T) {
	rows := func(l, d int) [][]float64 {
		r := make([][]float64, l)
		for i := range r {
			r[i] = make([]float64, d)
			for j := range r[i] {
				r[i][j] = float64(i*d + j + 1)
			}
		}
		return r
	}
	good := []safetensors.Entry{f32Entry("pair.000000.chosen", rows(3, 4), 4), f32Entry("pair.000000.rejected", rows(2, 4), 4)}
	cases := []struct {
		name    string
		entries []safetensors.Entry
		want    []string
	}{
		{"missing rejected", append(good[:1:1], f32Entry("pair.000001.chosen", rows(2, 4), 4), good[1]),
			[]string{`"pair.000001.rejected" is missing`, `"pair.000001.chosen"`}},
		{"D mismatch between pairs", append(good[:2:2], f32Entry("pair.000001.chosen", rows(2, 5), 5), f32Entry("pair.000001.rejected", rows(2, 5), 5)),
			[]string{`"pair.000001.chosen" has hidden size D=5`, `"pair.000000.chosen" has D=4`}},
		{"D mismatch in a pair", append(good[:1:1], f32Entry("pair.000000.rejected", rows(2, 3), 3)),
			[]string{`"pair.000000.rejected" has hidden size D=3`}},
		{"wrong rank", append(good[:1:1], safetensors.Entry{Name: "pair.000000.rejected", DType: dtypes.Float32, Shape: []int{2, 2, 2}, Data: make([]byte, 32)}),
			[]string{`"pair.000000.rejected" has shape [2 2 2], want [L, D]`}},
		{"wrong dtype", append(good[:1:1], safetensors.Entry{Name: "pair.000000.rejected", DType: dtypes.Int32, Shape: []int{2, 4}, Data: make([]byte, 32)}),
			[]string{`"pair.000000.rejected" has dtype I32`}},
		{"bad name", append(good[:2:2], f32Entry("pair.x.chosen", rows(1, 4), 4)),
			[]string{`"pair.x.chosen"`, "pair.<index>.chosen"}},
		{"same side twice", append(good[:2:2], f32Entry("pair.0.chosen", rows(1, 4), 4)),
			[]string{`"pair.0.chosen"`, `"pair.000000.chosen"`}},
		{"no pairs", []safetensors.Entry{f32Entry("other", rows(1, 4), 4)},
			[]string{"no tensors named pair.<index>.chosen"}},
	}
	dir := t.TempDir()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, fmt.Sprintf("bad%d.safetensors", i))
			if err := safetensors.Write(p, tc.entries, nil); err != nil {
				t.Fatal(err)
			}
			called := 0
			err := ReadSafetensorsStates(p, branch.PairOptions{}, func(branch.PairCurve) error { called++; return nil })
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, filepath.Base(p)) || called != 0 {
				t.Errorf("error %q (pairs computed before it: %d): want one line naming the file, before any pair", msg, called)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
	// A non-finite value names the pair's tensors.
	nan := rows(2, 4)
	nan[1][2] = math.NaN()
	p := filepath.Join(dir, "nan.safetensors")
	if err := safetensors.Write(p, []safetensors.Entry{f32Entry("pair.000000.chosen", nan, 4), good[1]}, nil); err != nil {
		t.Fatal(err)
	}
	err := ReadSafetensorsStates(p, branch.PairOptions{}, func(branch.PairCurve) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "pair.000000.chosen") || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN: %v", err)
	}
	// Truncated file: refused by lib/safetensors when it is opened.
	b, _ := os.ReadFile(filepath.Join(dir, "bad0.safetensors"))
	if err := os.WriteFile(p, b[:len(b)-8], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReadSafetensorsStates(p, branch.PairOptions{}, func(branch.PairCurve) error { return nil }); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("truncated: %v", err)
	}
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ in, want string }{
		{`{"pairs": [{"chosen": [[1, 2], [3]], "rejected": [[1, 2]]}]}`, `"pair.000000.chosen": step 2 has 1 values, earlier steps have D=2`},
		{`{"pairs": [{"chosen": [[1, 2]], "rejected": [[1, 2]]}, {"chosen": [[1, 2, 3]], "rejected": []}]}`, `"pair.000001.chosen": step 1 has 3 values`},
		{`{"pairs": [{"chosen": [[1, 2]]}]}`, `pair 0: want both "chosen" and "rejected"`},
		{`{"pairs": [{"chosen": [[1, x]], "rejected": []}]}`, `want a number`},
	}
	for i, tc := range cases {
		out := filepath.Join(dir, fmt.Sprintf("c%d.safetensors", i))
		_, err := ConvertStates(strings.NewReader(tc.in), "in.json", out, "F32")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "in.json") || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line with %q", tc.in, err, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s: output written despite the error", tc.in)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := CreateStates(filepath.Join(dir, "x.safetensors"), "I8"); err == nil {
		t.Error("dtype I8 accepted")
	}
}

// TestStatesWriterPairs writes pairs with WritePair (as a hidden-state dump
// would) and reads them back.
func TestStatesWriterPairs(t *testing.T) {
	pairs := genPairs(9, 3, f32)
	p := filepath.Join(t.TempDir(), "dump.safetensors")
	w, err := CreateStates(p, "F32")
	if err != nil {
		t.Fatal(err)
	}
	var want []branch.PairCurve
	for k, pr := range pairs {
		if err := w.WritePair(k, pr[0], pr[1]); err != nil {
			t.Fatal(err)
		}
		c, err := branch.ComputePair(pr[0], pr[1], branch.PairOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	k := 0
	err = ReadSafetensorsStates(p, branch.PairOptions{}, func(c branch.PairCurve) error {
		a, _ := json.Marshal(c)
		b, _ := json.Marshal(want[k])
		if c.L > 0 && !bytes.Equal(a, b) {
			t.Errorf("pair %d: curve differs from ComputePair", k)
		}
		k++
		return nil
	})
	if err != nil || k != len(pairs) {
		t.Fatalf("read %d pairs: %v", k, err)
	}
}

// TestStepFloat32 checks StepFloat32 gives the same curve, bit for bit, as
// Step on the widened values (with and without ψ), and a mixed-dtype pair
// (F32 chosen, F64 rejected) reads like the JSON text.
func TestStepFloat32(t *testing.T) {
	pairs := genPairs(11, 6, f32)
	for _, psi := range []bool{false, true} {
		for k, p := range pairs {
			l := min(len(p[0]), len(p[1]))
			a, _ := branch.NewPairStream(6, branch.PairOptions{Psi: psi})
			b, _ := branch.NewPairStream(6, branch.PairOptions{Psi: psi})
			for i := 0; i < l; i++ {
				x32, y32 := make([]float32, 6), make([]float32, 6)
				for j := range x32 {
					x32[j], y32[j] = float32(p[0][i][j]), float32(p[1][i][j])
				}
				if err := a.Step(p[0][i], p[1][i]); err != nil {
					t.Fatal(err)
				}
				if err := b.StepFloat32(x32, y32); err != nil {
					t.Fatal(err)
				}
			}
			ja, _ := json.Marshal(a.Curve())
			jb, _ := json.Marshal(b.Curve())
			if !bytes.Equal(ja, jb) {
				t.Errorf("psi=%v pair %d: StepFloat32 curve differs from Step", psi, k)
			}
		}
	}
	var entries []safetensors.Entry
	for k, p := range pairs {
		entries = append(entries, f32Entry(PairTensorName(k, "chosen"), p[0], 6))
		b := make([]byte, 0, 8*6*len(p[1]))
		for _, r := range p[1] {
			for _, v := range r {
				b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
			}
		}
		entries = append(entries, safetensors.Entry{Name: PairTensorName(k, "rejected"), DType: dtypes.Float64, Shape: []int{len(p[1]), 6}, Data: b})
	}
	path := filepath.Join(t.TempDir(), "mixed.safetensors")
	if err := safetensors.Write(path, entries, nil); err != nil {
		t.Fatal(err)
	}
	want := csvOf(t, func(fn func(branch.PairCurve) error) error {
		return branch.ReadStates(bytes.NewReader(statesJSON(pairs)), "states.json", branch.PairOptions{Psi: true}, fn)
	})
	got := csvOf(t, func(fn func(branch.PairCurve) error) error {
		return ReadSafetensorsStates(path, branch.PairOptions{Psi: true}, fn)
	})
	if got != want {
		t.Errorf("mixed dtypes: CSV differs:\n%s\nwant\n%s", got, want)
	}
}

// TestMeasureDump dumps the states of a toy-model measurement and checks
// that reading the dump back gives the same CSVs as the measurement, even
// when the curves are in the cache (a dump always runs the model).
func TestMeasureDump(t *testing.T) {
	pairs := branch.DefaultPairs()[:4]
	pairs = append(pairs, branch.Pair{Question: "Q", Chosen: "", Rejected: "an answer", Source: "empty"})
	dir := t.TempDir()
	cache := filepath.Join(dir, "cache")
	if _, _, err := branch.Measure(branch.NewToyModel(), pairs, branch.MeasureOptions{Pair: branch.PairOptions{Psi: true}, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "dump.safetensors")
	w, err := CreateStates(path, "F32")
	if err != nil {
		t.Fatal(err)
	}
	acc, st, err := branch.Measure(branch.NewToyModel(), pairs, branch.MeasureOptions{Pair: branch.PairOptions{Psi: true}, CacheDir: cache, Dump: w})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st.Computed != len(pairs) || st.Cached != 0 {
		t.Errorf("stats %+v: with a dump every pair runs the model", st)
	}
	var b bytes.Buffer
	res := acc.Result(branch.Options{})
	branch.WriteCSV(&b, res)
	branch.WritePsiCSV(&b, res.Psi)
	got := csvOf(t, func(fn func(branch.PairCurve) error) error {
		return ReadSafetensorsStates(path, branch.PairOptions{Psi: true}, fn)
	})
	if got != b.String() || res.Pairs != 4 || res.EmptyPairs != 1 {
		t.Errorf("dump read back (%d pairs, %d empty):\n%s\nwant\n%s", res.Pairs, res.EmptyPairs, got, b.String())
	}
}
