package branch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
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
