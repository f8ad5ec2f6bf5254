package branch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func randStates(rng *rand.Rand, n, d int) [][]float64 {
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, d)
		for j := range out[i] {
			out[i][j] = rng.NormFloat64() * 1e3
		}
	}
	return out
}

func TestReadStatesMatchesComputePair(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	const D = 7
	type jp struct {
		Chosen   [][]float64 `json:"chosen"`
		Rejected [][]float64 `json:"rejected"`
	}
	pairs := []jp{
		{randStates(rng, 5, D), randStates(rng, 5, D)},
		{randStates(rng, 3, D), randStates(rng, 8, D)},
		{randStates(rng, 9, D), randStates(rng, 2, D)},
		{[][]float64{}, randStates(rng, 2, D)},
	}
	var want []PairCurve
	for _, p := range pairs {
		c, err := ComputePair(p.Chosen, p.Rejected, PairOptions{Psi: true})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	body, _ := json.Marshal(map[string]any{"pairs": pairs})
	// The same pairs with "rejected" first, extra keys of every kind, and
	// white space everywhere.
	var alt strings.Builder
	alt.WriteString(` { "model" : "x\"y\u00e9", "meta": {"a": [1, -2.5e-3, true, false, null, {"b": []}]},` + "\n" + `"pairs" : [ `)
	for i, p := range pairs {
		if i > 0 {
			alt.WriteString(" ,\n")
		}
		r, _ := json.Marshal(p.Rejected)
		c, _ := json.Marshal(p.Chosen)
		fmt.Fprintf(&alt, `{ "id": %d, "rejected" : %s , "note": "\\", "chosen": %s }`, i, r, c)
	}
	alt.WriteString(" ] , \"tail\": {} }\n")
	for name, text := range map[string]string{"marshal": string(body), "alt": alt.String()} {
		for _, oneByte := range []bool{false, true} {
			var r = bytes.NewReader([]byte(text))
			var got []PairCurve
			var err error
			if oneByte {
				err = ReadStates(iotest.OneByteReader(r), name, PairOptions{Psi: true}, func(c PairCurve) error { got = append(got, c); return nil })
			} else {
				err = ReadStates(r, name, PairOptions{Psi: true}, func(c PairCurve) error { got = append(got, c); return nil })
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d pairs", name, len(got))
			}
			for i := range want {
				if want[i].L == 0 {
					if got[i].L != 0 {
						t.Errorf("%s pair %d: L=%d, want 0", name, i, got[i].L)
					}
					continue
				}
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("%s (oneByte=%v) pair %d differs", name, oneByte, i)
				}
			}
		}
	}
}

func TestReadStatesErrors(t *testing.T) {
	stop := errors.New("stop")
	for _, tc := range []struct{ name, text, want string }{
		{"nopairs", `{"x": 1}`, `no "pairs" key`},
		{"truncated", `{"pairs": [{"chosen": [[1, 2], [3`, "unexpected end of file"},
		{"badnum", `{"pairs": [{"chosen": [[1, 2x]], "rejected": [[1, 2]]}]}`, `want ',' or ']'`},
		{"dims", `{"pairs": [{"chosen": [[1, 2], [3]], "rejected": [[1, 2]]}]}`, "step 2 has 1 values"},
		{"dims2", `{"pairs": [{"chosen": [[1, 2]], "rejected": [[1, 2, 3]]}]}`, "hidden sizes"},
		{"onlyone", `{"pairs": [{"chosen": [[1, 2]]}]}`, `want both "chosen" and "rejected"`},
		{"string", `{"pairs": [{"chosen": "abc", "rejected": [[1]]}]}`, `found '"', want '['`},
		{"trailing", `{"pairs": []} x`, "after the top-level object"},
		{"nan", `{"pairs": [{"chosen": [[NaN]], "rejected": [[1]]}]}`, "want a number"},
		{"callback", `{"pairs": [{"chosen": [[1]], "rejected": [[2]]}]}`, "stop"},
	} {
		err := ReadStates(strings.NewReader(tc.text), "s.json", PairOptions{}, func(PairCurve) error { return stop })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
			continue
		}
		if tc.name != "callback" && !strings.Contains(err.Error(), "s.json: offset ") {
			t.Errorf("%s: err %q does not name file and offset", tc.name, err)
		}
	}
}

// TestFastFloat checks the fast number path against strconv.ParseFloat,
// bit for bit, on the formats writers produce.
func TestFastFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	cases := []string{"0", "-0", "1", "-1.5", "0.000123", "123456789012345678", "1e22", "1e-22", "4.9e-324",
		"1.7976931348623157e308", "12345678901234567890", "0.1", "-2.5E+3", "3.0e0", "9007199254740993"}
	for i := 0; i < 20000; i++ {
		v := rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		for _, f := range []byte{'g', 'e', 'f'} {
			cases = append(cases, strconv.FormatFloat(v, f, -1, 64), strconv.FormatFloat(v, f, 6, 32), strconv.FormatFloat(float64(float32(v)), f, -1, 32))
		}
	}
	fast := 0
	for _, c := range cases {
		want, err := strconv.ParseFloat(c, 64)
		if err != nil {
			continue
		}
		got, n, ok := fastFloat([]byte(c + ","))
		if !ok {
			continue
		}
		fast++
		if n != len(c) || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%q: got %v (n=%d), want %v", c, got, n, want)
		}
	}
	if fast < len(cases)/2 {
		t.Errorf("fast path taken for only %d of %d numbers", fast, len(cases))
	}
	// A number at the very end of the buffer may continue: not fast.
	if _, _, ok := fastFloat([]byte("1.25")); ok {
		t.Errorf("number at buffer end accepted")
	}
}

// TestReadStatesMemoryBounded streams ~40 MB of states generated on the fly
// (never held anywhere) and checks the heap stays far below the file size:
// one pair (here 2 × 60 × 400 floats, ≈ 0.4 MB) plus the read buffer.
func TestReadStatesMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: streams 40 MB")
	}
	const pairs, steps, dim = 100, 60, 400
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		rng := rand.New(rand.NewPCG(41, 42))
		w.WriteString(`{"pairs": [`)
		var buf []byte
		for p := 0; p < pairs; p++ {
			if p > 0 {
				w.WriteString(",")
			}
			for side := 0; side < 2; side++ {
				w.WriteString([]string{`{"chosen": [`, `], "rejected": [`}[side])
				for s := 0; s < steps; s++ {
					if s > 0 {
						w.WriteString(",")
					}
					buf = append(buf[:0], '[')
					for i := 0; i < dim; i++ {
						if i > 0 {
							buf = append(buf, ',')
						}
						buf = strconv.AppendFloat(buf, rng.NormFloat64(), 'g', 17, 64)
					}
					w.Write(append(buf, ']'))
				}
			}
			w.WriteString("]}")
		}
		w.WriteString("]}")
		w.Flush()
		pw.Close()
	}()
	runtime.GC()
	var ms runtime.MemStats
	var peak uint64
	n := 0
	var acc Accumulator
	err := ReadStates(pr, "gen", PairOptions{}, func(c PairCurve) error {
		n++
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		return acc.Add(c)
	})
	if err != nil || n != pairs {
		t.Fatalf("%d pairs, err %v", n, err)
	}
	if peak > 24<<20 {
		t.Errorf("heap in use reached %d MB while streaming 40 MB", peak>>20)
	}
}
