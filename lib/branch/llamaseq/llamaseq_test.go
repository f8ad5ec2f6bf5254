package llamaseq

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

var (
	goldenDir = filepath.Join(testfiles.Dir(), "golden", "llama-tiny")
	tokPath   = filepath.Join(testfiles.Dir(), "tokenizers", "llama2-tokenizer.model")
)

// byteTok is a tokenizer small enough for llama-tiny's 97-token vocabulary.
type byteTok struct{}

func (byteTok) Encode(text string) []int {
	var ids []int
	for _, b := range []byte(" " + text) {
		ids = append(ids, 3+int(b)%90)
	}
	return ids
}
func (byteTok) BOS() int                { return 1 }
func (byteTok) EOS() int                { return 2 }
func (byteTok) PAD() int                { return -1 }
func (byteTok) IDToPiece(id int) string { return fmt.Sprint(id) }

func tiny(t *testing.T) *llama.Model {
	t.Helper()
	lm, err := llama.Load(goldenDir, dtypes.Float32)
	if err != nil {
		t.Fatal(err)
	}
	return lm
}

// TestHiddenStatesGolden: the adapter returns the final hidden states
// (after the final norm, before the LM head) of the golden reference.
func TestHiddenStatesGolden(t *testing.T) {
	m := New(tiny(t), byteTok{}, "tiny")
	b, err := os.ReadFile(filepath.Join(goldenDir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Cases []struct {
			InputIDs        []int32     `json:"input_ids"`
			LastHiddenState [][]float64 `json:"last_hidden_state"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &exp); err != nil {
		t.Fatal(err)
	}
	for _, c := range exp.Cases {
		hs, err := m.HiddenStates(c.InputIDs)
		if err != nil {
			t.Fatal(err)
		}
		if len(hs) != len(c.LastHiddenState) {
			t.Fatalf("%d states, want %d", len(hs), len(c.LastHiddenState))
		}
		for i := range hs {
			for j := range hs[i] {
				if d := math.Abs(float64(hs[i][j]) - c.LastHiddenState[i][j]); d > 1e-4 {
					t.Fatalf("position %d dim %d: %v vs %v", i, j, hs[i][j], c.LastHiddenState[i][j])
				}
			}
		}
	}
}

// TestMeasureTinyLlama runs the whole pipeline on the tiny checkpoint.
func TestMeasureTinyLlama(t *testing.T) {
	m := New(tiny(t), byteTok{}, "tiny")
	pairs := []branch.Pair{
		{System: "Be brief.", Question: "2+2?", Chosen: "It is four.", Rejected: "It is five!"},
		{Question: "Sky colour?", Chosen: "Blue, mostly.", Rejected: "Green."},
	}
	acc, st, err := branch.Measure(m, pairs, branch.MeasureOptions{Pair: branch.PairOptions{Psi: true}})
	if err != nil {
		t.Fatal(err)
	}
	res := acc.Result(branch.Options{})
	// L = min of the two answer spans. Pair 1's answers share their first
	// bytes " It is f" (8 zero differences), pair 2's the dummy space " ".
	span := func(q, a string) int {
		s, err := m.Encode("", q, a)
		if err != nil {
			t.Fatal(err)
		}
		return s.AnswerEnd - s.AnswerStart
	}
	l1 := min(span("2+2?", "It is four."), span("2+2?", "It is five!"))
	if st.Computed != 2 || res.Pairs != 2 || len(res.Rows) != l1 || res.ZeroSteps != 9 {
		t.Errorf("stats %+v, pairs=%d rows=%d (want %d) zero=%d", st, res.Pairs, len(res.Rows), l1, res.ZeroSteps)
	}
	if res.D != 64 {
		t.Errorf("D=%d", res.D)
	}
}

// TestEncodeLlama2Chat: with the real tokenizer, the answer span is the
// answer text plus </s>, right after [/INST].
func TestEncodeLlama2Chat(t *testing.T) {
	tok, err := sentencepiece.Load(tokPath)
	if err != nil {
		t.Fatal(err)
	}
	m := New(nil, tok, "tok-only")
	seq, err := m.Encode("", "What is 2+2?", "It is 4.")
	if err != nil {
		t.Fatal(err)
	}
	// lib/chat tokenises the answer segment as "It is 4. " and appends </s>.
	ans := tok.Encode("It is 4. ")
	if seq.AnswerEnd != len(seq.IDs) || seq.AnswerEnd-seq.AnswerStart != len(ans)+1 || seq.IDs[seq.AnswerEnd-1] != int32(tok.EOS()) {
		t.Fatalf("span [%d,%d) of %d; answer %v", seq.AnswerStart, seq.AnswerEnd, len(seq.IDs), ans)
	}
	if inst := tok.Encode("[/INST]"); seq.IDs[seq.AnswerStart-1] != int32(inst[len(inst)-1]) {
		t.Errorf("the answer does not follow [/INST]")
	}
	for i, id := range ans {
		if seq.IDs[seq.AnswerStart+i] != int32(id) {
			t.Fatalf("answer token %d = %d, want %d", i, seq.IDs[seq.AnswerStart+i], id)
		}
	}
	if seq.IDs[0] != int32(tok.BOS()) {
		t.Errorf("no BOS")
	}
}

func TestOpenLazy(t *testing.T) {
	m, err := OpenLazy(goldenDir, tokPath)
	if err != nil {
		t.Fatal(err)
	}
	if m.LM != nil || !strings.HasPrefix(m.Name(), "llama(") {
		t.Fatalf("loaded eagerly or bad name %q", m.Name())
	}
	hs, err := m.HiddenStates([]int32{1, 5, 7})
	if err != nil || m.LM == nil || len(hs) != 3 || len(hs[0]) != 64 {
		t.Fatalf("lazy load: %v", err)
	}
	if _, err := OpenLazy(t.TempDir(), tokPath); err == nil {
		t.Errorf("folder without config.json accepted")
	}
}
