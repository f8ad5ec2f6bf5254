package lab

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

func init() {
	if os.Getenv("GOMLX_BACKEND") == "" {
		os.Setenv("GOMLX_BACKEND", "go")
	}
}

// testItems generates n images of task from seed and encodes their
// questions.
func testItems(t *testing.T, task labtask.TaskConfig, n int, seed uint64) []Item {
	t.Helper()
	s, err := labtask.Generate(task, n, seed)
	if err != nil {
		t.Fatal(err)
	}
	items, err := Encode(s, labtask.NewTokenizer(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// tinySweep is a sweep small enough for unit tests (a few seconds).
func tinySweep(dir string) SweepConfig {
	return SweepConfig{
		Task:  labtask.LabTask(),
		Model: ModelConfig{Hidden: 16, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 16},
		Train: TrainConfig{Steps: 6, FTSteps: 3, Batch: 8, LR: 3e-3, TrainImages: 32, EvalImages: 24},
		Ns:    []int{1, 2}, Seeds: []uint64{7}, CacheDir: dir,
	}
}

func TestAccuracyPerKind(t *testing.T) {
	items := []Item{
		{Answer: 10, Kind: labtask.Local}, {Answer: 11, Kind: labtask.Local}, {Answer: 12, Kind: labtask.Local}, {Answer: 13, Kind: labtask.Local},
		{Answer: 20, Kind: labtask.Global}, {Answer: 21, Kind: labtask.Global},
	}
	cases := []struct {
		name          string
		pred          []int32
		local, global float64
	}{
		{"all right", []int32{10, 11, 12, 13, 20, 21}, 1, 1},
		{"all wrong", []int32{0, 0, 0, 0, 0, 0}, 0, 0},
		{"mixed", []int32{10, 0, 12, 0, 0, 21}, 0.5, 0.5},
		{"local only", []int32{10, 11, 12, 0, 0, 0}, 0.75, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			acc, err := Accuracy(items, c.pred)
			if err != nil {
				t.Fatal(err)
			}
			if len(acc) != 2 || acc[0].Kind != labtask.Local || acc[1].Kind != labtask.Global {
				t.Fatalf("kinds %+v", acc)
			}
			if acc[0].Accuracy != c.local || acc[1].Accuracy != c.global || acc[0].Total != 4 || acc[1].Total != 2 {
				t.Errorf("got %+v, want local %g global %g", acc, c.local, c.global)
			}
			r := labresult.Run{Accuracy: acc}
			correct := 0
			for i := range items {
				if c.pred[i] == items[i].Answer {
					correct++
				}
			}
			if want := float64(correct) / 6; math.Abs(r.Overall()-want) > 1e-12 {
				t.Errorf("overall %g, want %g", r.Overall(), want)
			}
		})
	}
	if _, err := Accuracy(items, []int32{1}); err == nil {
		t.Error("want an error for a length mismatch")
	}
}

func TestBatchLayout(t *testing.T) {
	task := labtask.LabTask()
	s, err := labtask.Generate(task, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	tok := labtask.NewTokenizer()
	items, err := Encode(s, tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	mc := DefaultModel()
	for _, mode := range []fusion.Mode{fusion.VisionQuestionQueries, fusion.VisionQueries} {
		d := mc.dims(task, 4)
		in, err := makeBatch(items, d, task.ImageSize, tok.Size(), mode, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		ids := in[inFusionIDs].Value().([][]int32)
		lids := in[inLLMIDs].Value().([][]int32)
		ans := in[inAnswerPos].Value().([]int32)
		labels := in[inLabels].Value().([]int32)
		for b, it := range items {
			// Fusion: vision, [question], 3 placeholders, eos.
			want := []int32{}
			for range d.V {
				want = append(want, labtask.TokPad)
			}
			if mode.FusesQuestion() {
				want = append(want, it.Question...)
			}
			want = append(want, int32(tok.Size()), int32(tok.Size())+1, int32(tok.Size())+2, labtask.TokEOS)
			if !reflect.DeepEqual(ids[b][:len(want)], want) {
				t.Errorf("%s: fusion ids %v, want prefix %v", mode, ids[b], want)
			}
			// LLM: <s>, 4 slots, question (always), [/INST]; the answer is read at [/INST].
			wl := append(append([]int32{labtask.TokBOS, labtask.TokPad, labtask.TokPad, labtask.TokPad, labtask.TokPad}, it.Question...), labtask.TokEndInst)
			if !reflect.DeepEqual(lids[b][:len(wl)], wl) || int(ans[b]) != len(wl)-1 || labels[b] != it.Answer {
				t.Errorf("%s: llm ids %v ans %d label %d", mode, lids[b], ans[b], labels[b])
			}
			if tok.Word(it.Answer) != it.Text.Answer {
				t.Errorf("answer id %d is %q, want %q", it.Answer, tok.Word(it.Answer), it.Text.Answer)
			}
		}
	}
}

func TestMaxQuestionTokens(t *testing.T) {
	for _, tc := range []struct{ grid, want int }{{2, 6}, {3, 6}, {4, 10}} {
		grid := tc.grid
		task := labtask.DefaultTask()
		task.Grid, task.Objects, task.Words = grid, 2, true
		max := MaxQuestionTokens(task)
		if max != tc.want {
			t.Errorf("grid %d: MaxQuestionTokens %d, want %d", grid, max, tc.want)
		}
		s, err := labtask.Generate(task, 300, 1)
		if err != nil {
			t.Fatal(err)
		}
		longest := 0
		for _, x := range s {
			for _, q := range x.Questions {
				longest = maxInt(longest, len(labtask.Words(q.Question)))
			}
		}
		if longest != max { // 300 questions include the longest kind
			t.Errorf("grid %d: the longest question has %d tokens, MaxQuestionTokens says %d", grid, longest, max)
		}
	}
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

func TestTrainingLossFalls(t *testing.T) {
	task := labtask.LabTask()
	task.LocalFraction = 0.5
	mc := ModelConfig{Hidden: 16, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 16}
	tc := TrainConfig{Steps: 40, Batch: 16, LR: 1e-2, TrainImages: 64, EvalImages: 16}
	items := testItems(t, task, tc.TrainImages, 3)
	m, err := NewModel(task, mc, 2, 3, nil, tc)
	if err != nil {
		t.Fatal(err)
	}
	losses, err := m.Train(items, fusion.VisionQuestionQueries, []int{2}, tc.Steps, tc.Batch, tc.LR, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, last := mean(losses[:5]), mean(losses[len(losses)-5:])
	t.Logf("loss %.3f → %.3f (uniform guess: %.3f)", first, last, math.Log(float64(m.Tok.Size())))
	if !(last < 0.6*first) {
		t.Errorf("loss did not fall: %.3f → %.3f", first, last)
	}
	if m.NumParams() == 0 {
		t.Error("no parameters")
	}
}

func TestSweepCacheAndDeterminism(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: trains 4 tiny models")
	}
	dir := t.TempDir()
	cfg := tinySweep(dir)
	var calls int
	res, err := cfg.Sweep(func(done, total int, _ string) {
		calls++
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 6 { // 2 N × (VQQ, VQ, VQ-ft)
		t.Fatalf("%d runs", len(res.Runs))
	}
	if calls != cfg.TotalSteps() {
		t.Errorf("%d progress calls for %d steps", calls, cfg.TotalSteps())
	}
	for _, r := range res.Runs {
		if r.Cached {
			t.Errorf("first sweep: run %s N=%d marked cached", r.Config, r.N)
		}
	}
	// A second sweep reads everything back.
	again, err := cfg.Sweep(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again.Runs {
		if !r.Cached || !reflect.DeepEqual(r.Accuracy, res.Runs[i].Accuracy) {
			t.Errorf("cached run %d differs: %+v vs %+v", i, r, res.Runs[i])
		}
	}
	// Resume: drop the fine-tune of seed 7; it is retrained from the cached
	// question-fused weights and gives the same numbers (determinism).
	ft := filepath.Join(dir, cfg.key("vqft", 7)+".json")
	if err := os.Remove(ft); err != nil {
		t.Fatal(err)
	}
	resumed, err := cfg.Sweep(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resumed.Runs {
		wantCached := r.Config != fusion.VisionQueriesFT.String() // one fine-tuned model serves every N
		if r.Cached != wantCached {
			t.Errorf("resumed run %s N=%d cached=%v", r.Config, r.N, r.Cached)
		}
		if !reflect.DeepEqual(r.Accuracy, res.Runs[i].Accuracy) || !reflect.DeepEqual(r.Losses, res.Runs[i].Losses) {
			t.Errorf("resumed run %s N=%d differs from the first sweep", r.Config, r.N)
		}
	}
	// Without a cache, the same seed gives the same runs, also with two
	// runs trained at once.
	cfg.CacheDir, cfg.Workers = "", 2
	fresh, err := cfg.Sweep(nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range fresh.Runs {
		if !reflect.DeepEqual(r.Accuracy, res.Runs[i].Accuracy) || !reflect.DeepEqual(r.Losses, res.Runs[i].Losses) {
			t.Errorf("run %s N=%d is not deterministic", r.Config, r.N)
		}
	}
	// A different task knob is a different cache key.
	other := tinySweep(dir)
	other.Task.Objects = 2
	if other.key("vqq", 7) == cfg.key("vqq", 7) {
		t.Error("cache key ignores the task")
	}
}

func TestSummarise(t *testing.T) {
	mk := func(cfg string, n int, seed uint64, loc, glo int) labresult.Run {
		return labresult.Run{Config: cfg, N: n, Seed: seed, Accuracy: []labresult.KindAccuracy{
			{Kind: labtask.Local, Correct: loc, Total: 10, Accuracy: float64(loc) / 10},
			{Kind: labtask.Global, Correct: glo, Total: 10, Accuracy: float64(glo) / 10}}}
	}
	vqq, vq, ft := labresult.Configs()[0], labresult.Configs()[1], labresult.Configs()[2]
	var runs []labresult.Run
	for _, n := range []int{1, 2, 4, 8} {
		k := int(math.Log2(float64(n)))
		runs = append(runs, mk(vqq, n, 1, 5+k, 5), mk(vqq, n, 2, 5+k, 7), mk(vq, n, 1, 2, 5), mk(vq, n, 2, 2, 5), mk(ft, n, 1, 3, 6), mk(ft, n, 2, 3, 6))
	}
	res, err := labresult.Summarise(runs)
	if err != nil {
		t.Fatal(err)
	}
	ns, ps := res.Curve(vqq, "global")
	if !reflect.DeepEqual(ns, []float64{1, 2, 4, 8}) || math.Abs(ps[0]-0.6) > 1e-12 {
		t.Errorf("global curve %v %v", ns, ps)
	}
	for _, p := range res.Points {
		if p.Config == vqq && p.Kind == "global" && math.Abs(p.Std-math.Sqrt(0.02)) > 1e-12 {
			t.Errorf("std %g, want %g", p.Std, math.Sqrt(0.02))
		}
	}
	if f := res.KindFits[vqq+"/local"]; !(f.Alpha < 0) {
		t.Errorf("local accuracy rises with N, α = %g", f.Alpha)
	}
	if d := res.MeanDiff(vq, "local"); math.Abs(d-(0.5+0.6+0.7+0.8)/4+0.2) > 1e-12 {
		t.Errorf("mean ΔP local vs VQ = %g", d)
	}
	if d := res.MeanDiff(ft, "global"); math.Abs(d-0) > 1e-12 {
		t.Errorf("mean ΔP global vs VQ-ft = %g, want 0", d)
	}
}

func TestTokenWidthBottleneck(t *testing.T) {
	task := labtask.LabTask()
	items := testItems(t, task, 8, 1)
	tc := TrainConfig{Steps: 1, Batch: 8, LR: 1e-3, TrainImages: 8, EvalImages: 8}
	for _, tc2 := range []struct {
		width          int
		wantBottleneck bool
		projIn         int
	}{
		{0, false, 16},
		{3, true, 3},
	} {
		mc := ModelConfig{Hidden: 16, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 8, TokenWidth: tc2.width}
		m, err := NewModel(task, mc, 2, 1, nil, tc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Train(items, fusion.VisionQuestionQueries, []int{2}, 1, 8, tc.LR, 1, nil); err != nil {
			t.Fatal(err)
		}
		w, err := m.Weights()
		if err != nil {
			t.Fatal(err)
		}
		b, ok := w["/lab/bottleneck/weight"]
		if ok != tc2.wantBottleneck {
			t.Errorf("width %d: bottleneck variable present = %v", tc2.width, ok)
		}
		if ok && !reflect.DeepEqual(b.Shape().Dimensions, []int{tc2.width, 16}) {
			t.Errorf("width %d: bottleneck shape %v", tc2.width, b.Shape())
		}
		if p := w["/lab/projection/weight"]; p == nil || !reflect.DeepEqual(p.Shape().Dimensions, []int{8, tc2.projIn}) {
			t.Errorf("width %d: projection %v, want [8 %d]", tc2.width, p, tc2.projIn)
		}
	}
	if err := (ModelConfig{Hidden: 16, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 8, TokenWidth: -1}).Validate(task); err == nil {
		t.Error("negative token width: want an error")
	}
}

func TestFindings(t *testing.T) {
	vqq, vq, ft := labresult.Configs()[0], labresult.Configs()[1], labresult.Configs()[2]
	mk := func(cfg string, n int, loc, glo int) labresult.Run {
		return labresult.Run{Config: cfg, N: n, Seed: 1, Accuracy: []labresult.KindAccuracy{
			{Kind: labtask.Local, Correct: loc, Total: 100, Accuracy: float64(loc) / 100},
			{Kind: labtask.Global, Correct: glo, Total: 100, Accuracy: float64(glo) / 100}}}
	}
	for _, tc := range []struct {
		name string
		// local accuracy of VQQ and VQ-ft at N = 1, 2, 4, 8 (global: 80 for both)
		vqq, ft [4]int
		want    [3]bool
	}{
		{"all hold", [4]int{60, 64, 68, 72}, [4]int{50, 55, 60, 65}, [3]bool{true, true, true}},
		// VQQ falls: finding 1 fails, and so does 2 (no exponent to compare with).
		{"falls with N", [4]int{72, 68, 64, 60}, [4]int{50, 55, 60, 65}, [3]bool{false, false, true}},
		{"no question benefit", [4]int{60, 64, 68, 72}, [4]int{62, 66, 70, 74}, [3]bool{true, true, false}},
		// A dip of 0.03 from N=2 to 4 (more than MonotoneSlack) and a weak fit.
		{"dips", [4]int{60, 72, 66, 74}, [4]int{50, 55, 60, 65}, [3]bool{false, true, true}},
		// VQ-ft rises, but with a quarter of VQQ's exponent.
		{"exponents far apart", [4]int{60, 64, 68, 72}, [4]int{50, 51, 52, 53}, [3]bool{true, false, true}},
		// The question helps local questions, but by less than MinLocalGain.
		{"small local gain", [4]int{60, 64, 68, 72}, [4]int{57, 61, 65, 69}, [3]bool{true, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var runs []labresult.Run
			for i, n := range []int{1, 2, 4, 8} {
				runs = append(runs, mk(vqq, n, tc.vqq[i], 80), mk(vq, n, 40, 70), mk(ft, n, tc.ft[i], 80))
			}
			res, err := labresult.Summarise(runs)
			if err != nil {
				t.Fatal(err)
			}
			f := res.Findings()
			if len(f) != 3 {
				t.Fatalf("%d findings", len(f))
			}
			for i := range f {
				if f[i].Holds != tc.want[i] {
					t.Errorf("finding %d (%s, %s): holds = %v, want %v", i+1, f[i].Claim, f[i].Value, f[i].Holds, tc.want[i])
				}
			}
		})
	}
}

// TestSweepInterrupt: with the interrupt fired, Sweep starts no run and
// says so.
func TestSweepInterrupt(t *testing.T) {
	cfg := tinySweep(t.TempDir())
	intr := make(chan struct{})
	close(intr)
	cfg.Interrupt = intr
	steps := 0
	if _, err := cfg.Sweep(func(int, int, string) { steps++ }); !errors.Is(err, ErrInterrupted) || steps != 0 {
		t.Errorf("Sweep: %v after %d steps, want ErrInterrupted before any", err, steps)
	}
}

func TestNoiseRamp(t *testing.T) {
	for _, c := range []struct {
		s, steps int
		want     float64
	}{{0, 100, 0}, {40, 100, 0}, {55, 100, 0.5}, {70, 100, 1}, {99, 100, 1}, {0, 1, 0}} {
		if got := noiseRamp(c.s, c.steps); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("noiseRamp(%d, %d) = %g, want %g", c.s, c.steps, got, c.want)
		}
	}
}

// TestChannelNoise: the noise of a test item depends only on its index, so
// predictions do not depend on the batch size; the noise reaches the
// output; and noise needs a token width.
func TestChannelNoise(t *testing.T) {
	task := labtask.LabTask()
	items := testItems(t, task, 24, 1)
	tc := TrainConfig{Steps: 1, Batch: 8, LR: 1e-3, TrainImages: 24, EvalImages: 24}
	mc := ModelConfig{Hidden: 16, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 16, TokenWidth: 4, ChannelNoise: 1, MeanColour: true}
	m, err := NewModel(task, mc, 4, 1, nil, tc)
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Predict(items, fusion.VisionQuestionQueries, 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Predict(items, fusion.VisionQuestionQueries, 4, 5)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("predictions depend on the batch size:\n%v\n%v", a, b)
	}
	// The same weights with a hundred times the noise answer differently.
	w, err := m.Weights()
	if err != nil {
		t.Fatal(err)
	}
	loud := mc
	loud.ChannelNoise = 100
	m2, err := NewModel(task, loud, 4, 1, w, tc)
	if err != nil {
		t.Fatal(err)
	}
	c, err := m2.Predict(items, fusion.VisionQuestionQueries, 4, 8)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a, c) {
		t.Error("predictions do not change with the channel noise")
	}
	if _, err := m.Predict(items, fusion.VisionQuestionQueries, 5, 8); err == nil {
		t.Error("N above the model's MaxN: want an error")
	}
	bad := mc
	bad.TokenWidth = 0
	if err := bad.Validate(task); err == nil {
		t.Error("channel noise without a token width: want an error")
	}
}

func TestPriorLoss(t *testing.T) {
	q1, q2 := []int32{5}, []int32{6}
	for _, c := range []struct {
		name  string
		items []Item
		want  float64
	}{
		{"one answer per question", []Item{{Question: q1, Answer: 1}, {Question: q2, Answer: 2}}, 0},
		{"two equal answers", []Item{{Question: q1, Answer: 1}, {Question: q1, Answer: 2}}, math.Log(2)},
		// q1: answers 1,1,2 (H = ln 3 − ⅔ ln 2); q2: always 3; weighted by 3/4.
		{"mixed", []Item{{Question: q1, Answer: 1}, {Question: q1, Answer: 1}, {Question: q1, Answer: 2}, {Question: q2, Answer: 3}},
			0.75 * (math.Log(3) - 2.0/3*math.Log(2))},
	} {
		if got := PriorLoss(c.items); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s: PriorLoss = %g, want %g", c.name, got, c.want)
		}
	}
}

func TestSchedule(t *testing.T) {
	for _, c := range []struct {
		ns, want []int
	}{
		{[]int{1}, []int{1}},
		{[]int{1, 2, 4}, []int{1, 2, 4, 2, 4, 4}},
		{[]int{4, 1, 2}, []int{1, 2, 4, 2, 4, 4}},
	} {
		if got := (SweepConfig{Ns: c.ns}).schedule(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("schedule(%v) = %v, want %v", c.ns, got, c.want)
		}
	}
}

// TestPlateauStop: Train stops at 35% of its steps with errPlateau when the
// loss is still above 90% of PriorLoss, and not when it is below.
func TestPlateauStop(t *testing.T) {
	task := labtask.LabTask()
	items := testItems(t, task, 16, 2)
	tc := TrainConfig{Steps: 300, Batch: 4, LR: 1e-3, TrainImages: 16, EvalImages: 4}
	mc := ModelConfig{Hidden: 8, FusionLayers: 1, LLMLayers: 1, Heads: 2, LLMHidden: 8}
	for _, c := range []struct {
		name  string
		prior float64
		want  int
		err   error
	}{
		{"stuck", 1e-9, plateauCheck(300), errPlateau},
		{"learning", 1e9, 300, nil},
	} {
		m, err := NewModel(task, mc, 1, 1, nil, tc)
		if err != nil {
			t.Fatal(err)
		}
		m.PriorLoss = c.prior
		losses, err := m.Train(items, fusion.VisionQuestionQueries, []int{1}, tc.Steps, tc.Batch, tc.LR, 1, nil)
		if !errors.Is(err, c.err) || len(losses) != c.want {
			t.Errorf("%s: %d steps, error %v; want %d, %v", c.name, len(losses), err, c.want, c.err)
		}
	}
}
