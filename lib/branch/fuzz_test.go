package branch

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// FuzzReadPairs feeds arbitrary JSONL to the preference-pair reader: it must
// never panic, and every pair it accepts has a question and both answers
// (errors are one line).
func FuzzReadPairs(f *testing.F) {
	f.Add([]byte(`{"system": "s", "question": "q", "chosen": "a", "rejected": "b"}` + "\n"))
	f.Add([]byte(`{"input": {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]}, "preferred_output": [{"role": "assistant", "content": "a"}], "non_preferred_output": [{"role": "assistant", "content": "b"}]}` + "\n"))
	f.Add([]byte("\n\n{}\n"))
	f.Add([]byte(`{"question": 1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pairs, err := ReadPairs(bytes.NewReader(data), "fuzz.jsonl", 0)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error %q", err)
			}
			return
		}
		for i, p := range pairs {
			if p.Question == "" && p.Chosen == "" && p.Rejected == "" {
				t.Fatalf("accepted an empty pair %d: %+v", i, p)
			}
		}
	})
}

// FuzzReadStates feeds arbitrary JSON to the hidden-states reader: it must
// never panic, and every curve it produces is finite.
func FuzzReadStates(f *testing.F) {
	f.Add([]byte(`{"pairs": [{"chosen": [[1, 2], [3, 4]], "rejected": [[1, 2], [3, 5]]}]}`))
	f.Add([]byte(`{"pairs": [{"chosen": [], "rejected": [[1]]}]}`))
	f.Add([]byte(`{"pairs": [{"chosen": [[1e308, 1e308]], "rejected": [[-1e308, -1e308]]}]}`))
	f.Add([]byte(`{"pairs": [{"chosen": [[1, 2]], "rejected": [[1]]}]}`))
	f.Add([]byte(`{"pairs": 5}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := ReadStates(bytes.NewReader(data), "fuzz.json", PairOptions{Psi: true}, func(c PairCurve) error {
			for _, v := range c.E {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("non-finite Ê in %+v", c)
				}
			}
			return nil
		})
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error %q", err)
		}
	})
}
