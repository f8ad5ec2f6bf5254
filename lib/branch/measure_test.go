package branch

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestToyModel(t *testing.T) {
	m := NewToyModel()
	seq, err := m.Encode("Be brief.", "What is two plus two?", "Four, since 2 + 2 = 4.")
	if err != nil {
		t.Fatal(err)
	}
	// <s> <sys> Be brief . <user> What is two plus two ? <answer> | Four , since 2 + 2 = 4 . | </s>
	if seq.AnswerStart != 13 || seq.AnswerEnd-seq.AnswerStart != 10 || seq.IDs[seq.AnswerEnd-1] != toyEOS {
		t.Fatalf("answer span [%d,%d) of %d", seq.AnswerStart, seq.AnswerEnd, len(seq.IDs))
	}
	hs, err := m.HiddenStates(seq.IDs)
	if err != nil || len(hs) != len(seq.IDs) || len(hs[0]) != m.Hidden {
		t.Fatalf("states %d×%d, err %v", len(hs), len(hs[0]), err)
	}
	// RMSNorm output: mean square ≈ 1.
	for _, h := range hs {
		ss := 0.0
		for _, v := range h {
			ss += float64(v) * float64(v)
		}
		if math.Abs(ss/float64(len(h))-1) > 1e-4 {
			t.Fatalf("mean square %v", ss/float64(len(h)))
		}
	}
	// Causal and deterministic: a prefix gives the same states.
	hs2, _ := NewToyModel().HiddenStates(seq.IDs[:7])
	if !reflect.DeepEqual(hs2, hs[:7]) {
		t.Errorf("prefix states differ")
	}
	if _, err := m.HiddenStates([]int32{-1}); err == nil {
		t.Errorf("bad id accepted")
	}
}

func TestMeasureZeroDifferencesAndCache(t *testing.T) {
	pairs := []Pair{
		{System: "S", Question: "Q", Chosen: "Step 1 : add the numbers and check", Rejected: "Step 1 : guess a number", Source: "a"},
		{Question: "Q2", Chosen: "yes it is", Rejected: "no it is not", Source: "b"},
		{Question: "Q3", Chosen: "", Rejected: "something", Source: "c"},
	}
	dir := t.TempDir()
	var calls []bool
	opts := MeasureOptions{Pair: PairOptions{Psi: true}, CacheDir: dir, Progress: func(done, total int, cached bool) {
		calls = append(calls, cached)
	}}
	acc, st, err := Measure(NewToyModel(), pairs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st != (MeasureStats{Pairs: 3, Computed: 3, Empty: 1}) || len(calls) != 3 {
		t.Fatalf("stats %+v, %d progress calls", st, len(calls))
	}
	res := acc.Result(Options{})
	// "Step 1 :" is shared: 3 zero differences in pair a, none in pair b.
	if res.ZeroSteps != 3 || res.PairsWithZero != 1 || res.EmptyPairs != 1 || res.Pairs != 2 {
		t.Errorf("zero=%d pairsWithZero=%d empty=%d pairs=%d", res.ZeroSteps, res.PairsWithZero, res.EmptyPairs, res.Pairs)
	}
	// L = min(answer tokens + </s>): pair a: min(8+1, 6+1) = 7.
	if len(res.Rows) != 7 {
		t.Errorf("%d rows, want 7", len(res.Rows))
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) != 3 {
		t.Fatalf("%d cache files", len(files))
	}
	// Resume: delete one file; the others are read back, and the result is
	// identical.
	os.Remove(files[0])
	calls = nil
	acc2, st2, err := Measure(NewToyModel(), pairs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Computed != 1 || st2.Cached != 2 {
		t.Errorf("resume stats %+v", st2)
	}
	if !reflect.DeepEqual(acc2.Result(Options{}), res) {
		t.Errorf("resumed result differs")
	}
	// A different model does not reuse the cache.
	m := NewToyModel()
	m.Seed = 2
	if _, st3, _ := Measure(m, pairs, opts); st3.Cached != 0 {
		t.Errorf("other model read %d cached pairs", st3.Cached)
	}
	// A corrupt cache file is an error that says what to do.
	files, _ = filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		os.WriteFile(f, []byte("{"), 0o644)
	}
	if _, _, err := Measure(NewToyModel(), pairs, opts); err == nil || !strings.Contains(err.Error(), "delete the file") {
		t.Errorf("corrupt cache: %v", err)
	}
}

type failingModel struct{ *ToyModel }

func (failingModel) HiddenStates([]int32) ([][]float32, error) { return nil, errors.New("boom") }

func TestMeasureErrors(t *testing.T) {
	_, _, err := Measure(failingModel{NewToyModel()}, []Pair{{Question: "q", Chosen: "a", Rejected: "b", Source: "f.jsonl:7"}}, MeasureOptions{})
	if err == nil || !strings.Contains(err.Error(), "f.jsonl:7") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v", err)
	}
}

func TestMeasureOrcaSample(t *testing.T) {
	ps, err := LoadPairs(orcaSample(t), 60)
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := Measure(NewToyModel(), ps, MeasureOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res := acc.Result(Options{MinPairs: 10})
	// The toy model's ĝ is high for short branches and decreases.
	g2, g50 := res.Rows[1].G, res.Rows[49].G
	if !(g2 > 0.4 && g50 < g2-0.1 && g50 > 0) {
		t.Errorf("g(2)=%v g(50)=%v", g2, g50)
	}
}

// TestMeasureInterrupt: a fired interrupt stops Measure before the next
// pair, with ErrInterrupted, and the pairs done are cached for a rerun.
func TestMeasureInterrupt(t *testing.T) {
	intr := make(chan struct{})
	close(intr)
	dir := t.TempDir()
	_, st, err := Measure(NewToyModel(), DefaultPairs(), MeasureOptions{CacheDir: dir, Interrupt: intr})
	if !errors.Is(err, ErrInterrupted) || st.Pairs != 0 {
		t.Fatalf("Measure: %v after %d pairs, want ErrInterrupted after 0", err, st.Pairs)
	}
	// Interrupted after the first pair: that pair is cached.
	intr2 := make(chan struct{})
	opts := MeasureOptions{CacheDir: dir, Interrupt: intr2, Progress: func(done, total int, cached bool) {
		if done == 1 {
			close(intr2)
		}
	}}
	if _, st, err = Measure(NewToyModel(), DefaultPairs(), opts); !errors.Is(err, ErrInterrupted) || st.Pairs != 1 {
		t.Fatalf("Measure: %v after %d pairs, want ErrInterrupted after 1", err, st.Pairs)
	}
	_, st, err = Measure(NewToyModel(), DefaultPairs(), MeasureOptions{CacheDir: dir})
	if err != nil || st.Cached != 1 {
		t.Errorf("rerun: %v, %d cached, want 1", err, st.Cached)
	}
}
