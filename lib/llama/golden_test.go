package llama

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// goldenDir is the tiny Llama checkpoint with its PyTorch reference outputs.
var goldenDir = filepath.Join(testfiles.Dir(), "golden", "llama-tiny")

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
		t.Fatal(err)
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
// against the PyTorch reference of testdata/golden/llama-tiny, one case at
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

// TestHiddenStatesAndEmbeddings checks HiddenStates and ForwardEmbeddings
// against the golden hidden states and Forward.
func TestHiddenStatesAndEmbeddings(t *testing.T) {
	cases := loadGolden(t)
	m, err := Load(goldenDir, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := cases[0]
	hs, err := m.HiddenStates(c.InputIDs)
	if err != nil {
		t.Fatal(err)
	}
	if d := maxAbsDiff(t, "hidden", hs, c.LastHiddenState); d > 1e-4 {
		t.Errorf("HiddenStates differs from golden by %.2e", d)
	}
	table, _, err := m.ckptFloat32(goldenDir, "model.embed_tokens.weight")
	if err != nil {
		t.Fatal(err)
	}
	h := m.Config.HiddenSize
	emb := make([]float32, 0, len(c.InputIDs)*h)
	for _, id := range c.InputIDs {
		emb = append(emb, table[id*h:(id+1)*h]...)
	}
	logits, hidden, err := m.ForwardEmbeddings(tensors.FromFlatDataAndDimensions(emb, 1, len(c.InputIDs), h), nil)
	if err != nil {
		t.Fatal(err)
	}
	lf, hf := tensors.MustCopyFlatData[float32](logits), tensors.MustCopyFlatData[float32](hidden)
	v := m.Config.VocabSize
	var lr, hr [][]float32
	for i := range c.InputIDs {
		lr, hr = append(lr, lf[i*v:(i+1)*v]), append(hr, hf[i*h:(i+1)*h])
	}
	if d := max(maxAbsDiff(t, "logits", lr, c.Logits), maxAbsDiff(t, "hidden", hr, c.LastHiddenState)); d > 1e-4 {
		t.Errorf("ForwardEmbeddings differs from golden by %.2e", d)
	}
}

// ckptFloat32 reads one tensor of a checkpoint folder (test helper).
func (m *Model) ckptFloat32(dir, name string) ([]float32, []int, error) {
	c, err := safetensors.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	return c.Float32(name)
}
