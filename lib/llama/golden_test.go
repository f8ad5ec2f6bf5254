package llama

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

const goldenDir = "../../../shared/golden/llama-tiny"

type goldenCase struct {
	InputIDs        []int       `json:"input_ids"`
	Logits          [][]float64 `json:"logits"`
	LastHiddenState [][]float64 `json:"last_hidden_state"`
	GreedyNextToken int         `json:"greedy_next_token"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(goldenDir, "expected.json"))
	if err != nil {
		t.Skip("../shared/golden/llama-tiny is absent (it ships with the CI tree)")
	}
	var exp struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	return exp.Cases
}

func maxAbsDiff(t *testing.T, what string, got [][]float32, want [][]float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	d := 0.0
	for i := range got {
		if len(got[i]) != len(want[i]) {
			t.Fatalf("%s row %d: %d values, want %d", what, i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			d = max(d, math.Abs(float64(got[i][j])-want[i][j]))
		}
	}
	return d
}

func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// TestGolden checks logits, last hidden states and greedy next tokens
// against the PyTorch reference of ../shared/golden/llama-tiny, one case at
// a time and all cases in one padded batch.
func TestGolden(t *testing.T) {
	cases := loadGolden(t)
	m, err := Load(goldenDir, 0)
	if err != nil {
		t.Fatal(err)
	}
	var batch [][]int
	for _, c := range cases {
		batch = append(batch, c.InputIDs)
	}
	together, err := m.Forward(batch)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		alone, err := m.Forward([][]int{c.InputIDs})
		if err != nil {
			t.Fatal(err)
		}
		for name, out := range map[string]*Output{"alone": alone, "batched": together} {
			k := 0
			if name == "batched" {
				k = i
			}
			dl := maxAbsDiff(t, "logits", out.Logits[k], c.Logits)
			dh := maxAbsDiff(t, "hidden", out.Hidden[k], c.LastHiddenState)
			t.Logf("case %d %s: max |Δlogits| %.2e, max |Δhidden| %.2e", i, name, dl, dh)
			if dl > 1e-4 || dh > 1e-4 {
				t.Errorf("case %d %s: max |Δlogits| %.2e, |Δhidden| %.2e > 1e-4", i, name, dl, dh)
			}
			last := out.Logits[k][len(c.InputIDs)-1]
			if g := argmax(last); g != c.GreedyNextToken {
				t.Errorf("case %d %s: greedy next %d, want %d", i, name, g, c.GreedyNextToken)
			}
		}
	}
}
