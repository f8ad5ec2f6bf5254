package train

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/safetensors"
	"github.com/tokenscale/tokenscale/lib/vlm"
)

// toySetup writes a random tiny CLIP, a random tiny Llama and a toy dataset
// into dir, and returns a model built from those folders with its examples.
func toySetup(t testing.TB, dir string, n int) (*vlm.Model, []vlm.Example) {
	t.Helper()
	m, ex, _, err := vlm.NewToy(dir, vlm.ToyConfig(n), 64)
	if err != nil {
		t.Fatal(err)
	}
	return m, ex
}

func toyOptions(steps int) Options { return ToyOptions(steps) }

func mean(xs []StepLog) float64 {
	s := 0.0
	for _, x := range xs {
		s += x.Loss
	}
	return s / float64(len(xs))
}

func TestToyTrainingLearnsAndKeepsLLMFrozen(t *testing.T) {
	dir := t.TempDir()
	m, ex := toySetup(t, dir, 4)
	defer m.Close()
	tr, err := NewTrainer(m, ex, toyOptions(60))
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Run(nil, filepath.Join(dir, "log.jsonl"), "", 0); err != nil {
		t.Fatal(err)
	}
	first, last := mean(tr.Log[:5]), mean(tr.Log[len(tr.Log)-5:])
	t.Logf("loss: first 5 steps %.3f, last 5 steps %.3f; %.2fs/step", first, last, tr.Log[len(tr.Log)-1].Seconds)
	if !(last < 0.75*first) {
		t.Errorf("loss did not fall: first %.3f last %.3f", first, last)
	}
	// The frozen Llama is bit-identical to its folder on disk.
	ck, err := safetensors.Open(filepath.Join(m.Config.LLMPath, vlm.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	seen := 0
	for v := range m.Store.IterVariables() {
		name, ok := fusion.HFName(v.Path(), "/"+vlm.ScopeLLM)
		if !ok {
			continue
		}
		want, _, err := ck.Float32(name)
		if err != nil {
			t.Fatal(err)
		}
		got := tensors.MustCopyFlatData[float32](v.MustValue())
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("LLM weight %s[%d] changed: %g → %g", name, i, want[i], got[i])
			}
		}
		if v.Trainable {
			t.Errorf("LLM variable %s is trainable", v.Path())
		}
		seen++
	}
	if seen != len(ck.Names()) {
		t.Errorf("compared %d LLM tensors, the folder has %d", seen, len(ck.Names()))
	}
	// No optimizer state for the LLM.
	for v := range m.Store.IterVariables() {
		if p := v.Path(); len(p) > 20 && (contains(p, "AdamOptimizer/llm/") || contains(p, "acc_grads/llm/")) {
			t.Errorf("optimizer state for a frozen variable: %s", p)
		}
	}
	logs, err := ReadLog(filepath.Join(dir, "log.jsonl"))
	if err != nil || len(logs) != 60 || logs[0].GradNorm <= 0 {
		t.Errorf("log: %d lines, err %v", len(logs), err)
	}
}

func contains(s, sub string) bool { return len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0) }

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

func examplesFrom(t testing.TB, cfg vlm.Config, jsonl string) []vlm.Example {
	t.Helper()
	recs, err := vlm.ReadRecords(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	var ex []vlm.Example
	for _, r := range recs {
		e, err := cfg.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		ex = append(ex, e)
	}
	return ex
}

const helperEnv = "TOKENSCALE_TRAIN_HELPER_DIR"

// TestTrainHelperProcess is the child of TestKillDuringSaveResumes: it
// trains with checkpoints every 2 steps and stalls inside the save of step
// 4, after the weights are written and before the pointer moves, until it
// is killed.
func TestTrainHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return // run alone it has nothing to do: only the child process trains
	}
	m, ex := toySetup(t, dir, 4)
	tr, err := NewTrainer(m, ex, toyOptions(6))
	if err != nil {
		t.Fatal(err)
	}
	saveHook = func(stage string) {
		if stage == "weights-written" && tr.Step == 4 {
			fmt.Println("SAVING")
			time.Sleep(time.Minute)
		}
	}
	if err := tr.Run(nil, filepath.Join(dir, "log.jsonl"), filepath.Join(dir, "ck"), 2); err != nil {
		t.Fatal(err)
	}
}

func TestKillDuringSaveResumes(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		return // the child process runs only TestTrainHelperProcess
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTrainHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	saw := false
	for sc.Scan() {
		if strings.Contains(sc.Text(), "SAVING") {
			saw = true
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !saw {
		t.Fatal("the helper never reached the save of step 4")
	}
	ck := filepath.Join(dir, "ck")
	latest, err := Latest(ck)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(latest) != "step-000002" {
		t.Fatalf("latest checkpoint after the kill is %s, want step-000002", latest)
	}
	helperLog, err := ReadLog(filepath.Join(dir, "log.jsonl"))
	if err != nil || len(helperLog) != 4 {
		t.Fatalf("helper log: %d steps, %v", len(helperLog), err)
	}
	cfg, err := vlm.ReadConfig(filepath.Join(latest, vlm.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Resume(ck, examplesFrom(t, cfg, filepath.Join(dir, "data", "train.jsonl")))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Model.Close()
	if tr.Step != 2 {
		t.Fatalf("resumed at step %d, want 2", tr.Step)
	}
	if err := tr.Run(nil, "", ck, 2); err != nil {
		t.Fatal(err)
	}
	// Steps 3 and 4 repeat the killed run's: same data, same optimizer state.
	for i, l := range tr.Log[:2] {
		want := helperLog[2+i]
		if l.Step != want.Step || math.Abs(l.Loss-want.Loss) > 1e-5*(1+math.Abs(want.Loss)) || math.Abs(l.LR-want.LR) > 1e-12 {
			t.Errorf("resumed step %d: loss %.7f lr %g, killed run had loss %.7f lr %g", l.Step, l.Loss, l.LR, want.Loss, want.LR)
		}
	}
	if latest, _ := Latest(ck); filepath.Base(latest) != "step-000006" {
		t.Errorf("final checkpoint %s", latest)
	}
}

// Stage 1 (contrastive + identity, Eq. 19): the loss falls and the logit
// scale moves from 2.6592. With the paper's modules (App. C: vision, merge,
// fusion and the CLIP text encoder) the text tower's weights change and its
// position table grows (here 16 → 24 rows; the paper's 512); with "text"
// left out it is a frozen target, bit-identical to the CLIP folder. The
// LLM takes no part: no LLM variable is loaded, trained or given optimizer
// state, and afterwards the model's LLM is bit-identical to its folder.
func TestToyStage1(t *testing.T) {
	for _, tc := range []struct {
		name      string
		parts     []string
		positions int
		textMoves bool
	}{
		{"paper modules", Stage1Parts, 24, true},
		{"text frozen", []string{"vision", "merge", "fusion"}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			m, ex := toySetup(t, dir, 4)
			defer m.Close()
			opt := toyOptions(40)
			opt.Stage, opt.Train, opt.MaskOutliers, opt.TextPositions = 1, tc.parts, true, tc.positions
			tr, err := NewTrainer(m, ex, opt)
			if err != nil {
				t.Fatal(err)
			}
			if err := tr.Run(nil, "", "", 0); err != nil {
				t.Fatal(err)
			}
			first, last := mean(tr.Log[:5]), mean(tr.Log[len(tr.Log)-5:])
			t.Logf("stage-1 loss: first 5 steps %.3f, last 5 steps %.3f", first, last)
			if !(last < 0.9*first) {
				t.Errorf("stage-1 loss did not fall: %.3f → %.3f", first, last)
			}
			ls := m.Store.GetVariable("/vlm/stage1/logit_scale")
			if ls == nil || ls.MustValue().Value().(float32) == float32(LogitScaleInit) {
				t.Error("logit scale missing or not trained")
			}
			ck, err := safetensors.Open(filepath.Join(m.Config.CLIPPath, vlm.WeightsFile))
			if err != nil {
				t.Fatal(err)
			}
			defer ck.Close()
			wantRows := 16
			if tc.positions > 0 {
				wantRows = tc.positions
			}
			if got := m.Config.Text.MaxPositionEmbeddings; got != wantRows {
				t.Errorf("text max_position_embeddings %d, want %d", got, wantRows)
			}
			used, moved := 0, 0
			for v := range m.Store.IterVariables() {
				switch vlm.PartOf(v.Path()) {
				case "llm":
					t.Errorf("stage 1 loaded an LLM variable: %s", v.Path())
				case "text":
					name, _ := fusion.HFName(v.Path(), "/"+vlm.ScopeCLIP)
					want, dims, err := ck.Float32(name)
					if err != nil {
						t.Fatal(err)
					}
					got := tensors.MustCopyFlatData[float32](v.MustValue())
					if name == "text_model.embeddings.position_embedding.weight" {
						if got := v.Shape().Dimensions[0]; got != wantRows || dims[0] != 16 {
							t.Errorf("position table %d rows (folder %d), want %d", got, dims[0], wantRows)
						}
					}
					changed := false
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							changed = true
							break
						}
					}
					if changed && !tc.textMoves {
						t.Errorf("frozen text tower changed: %s", name)
					}
					if changed {
						moved++
					}
					used++
					if v.Trainable != tc.textMoves {
						t.Errorf("%s: trainable %v, want %v", v.Path(), v.Trainable, tc.textMoves)
					}
				}
				if p := v.Path(); strings.Contains(p, "/llm/") && (strings.HasPrefix(p, "/AdamOptimizer/") || strings.HasPrefix(p, "/acc_grads/")) {
					t.Errorf("optimizer state for the LLM: %s", p)
				}
			}
			if used == 0 {
				t.Fatal("the text tower was not used")
			}
			if tc.textMoves && moved < used/2 {
				t.Errorf("only %d of %d text tower weights changed", moved, used)
			}
			t.Logf("text tower: %d of %d weights changed", moved, used)
			// The LLM, loaded now by a stage-2 forward, is its folder's.
			in, err := m.Config.MakeInputs(ex[:2], m.Config.FusionMode(), opt.Pad)
			if err != nil {
				t.Fatal(err)
			}
			exec, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, xs []*Node) *Node {
				return m.Config.Forward(scope, xs).Logits
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := exec.Call(in.Args()...); err != nil {
				t.Fatal(err)
			}
			if same, err := m.LLMUnchanged(); err != nil || !same {
				t.Errorf("LLM after stage 1: unchanged %v, err %v", same, err)
			}
		})
	}
	dir := t.TempDir()
	m, ex := toySetup(t, dir, 4)
	defer m.Close()
	for _, bad := range []Options{
		{Stage: 1, Steps: 1, BatchSize: 8, Accum: 1, LR: 1, Train: []string{"projection"}},
		{Stage: 2, Steps: 1, BatchSize: 8, Accum: 1, LR: 1, Train: vlm.Parts, TextPositions: 512},
		{Stage: 2, Steps: 1, BatchSize: 8, Accum: 1, LR: 1, Train: []string{"text"}},
	} {
		if _, err := NewTrainer(m, ex, bad); err == nil {
			t.Errorf("options %+v: want an error", bad)
		}
	}
	if o := PaperOptions(1); o.TextPositions != 512 || !slices.Contains(o.Train, "text") {
		t.Errorf("paper stage 1: text positions %d, modules %v", o.TextPositions, o.Train)
	}
}

// Gradient accumulation averages micro-batch gradients: two micro-batches
// holding the same 8 examples (in other orders) give the gradient norm and
// the step of one batch (a sum instead of a mean would double the norm).
func TestGradientAccumulation(t *testing.T) {
	dir := t.TempDir()
	norms := map[int]float64{}
	params := func(accum int) map[string][]float32 {
		l, trained := oneStep(t, filepath.Join(dir, fmt.Sprint(accum)), func(o *Options) { o.Accum = accum })
		norms[accum] = l.GradNorm
		out := map[string][]float32{}
		for p, v := range trained {
			if vlm.PartOf(p) == "fusion" {
				out[p] = v
			}
		}
		return out
	}
	one, two := params(1), params(2)
	if math.Abs(norms[1]-norms[2]) > 1e-4*norms[1] {
		t.Errorf("gradient norm: accumulated %g, single batch %g", norms[2], norms[1])
	}
	if len(one) == 0 {
		t.Fatal("no fusion variables")
	}
	for p, a := range one {
		b := two[p]
		for i := range a {
			if math.Abs(float64(a[i]-b[i])) > 1e-5 {
				t.Fatalf("%s[%d]: accumulated step %g, single step %g", p, i, b[i], a[i])
			}
		}
	}
}

// oneStep runs one stage-2 step of the toy model (fresh folders under dir)
// with the options edited by edit, and returns its log and the values of
// every variable of the trained parts afterwards.
func oneStep(t *testing.T, dir string, edit func(*Options)) (StepLog, map[string][]float32) {
	t.Helper()
	m, ex := toySetup(t, dir, 4)
	defer m.Close()
	opt := toyOptions(1)
	opt.WarmupRatio = 0
	edit(&opt)
	tr, err := NewTrainer(m, ex[:8], opt)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tr.TrainStep()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for v := range m.Store.IterVariables() {
		if p := vlm.PartOf(v.Path()); p != "" && p != "llm" {
			out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
		}
	}
	return l, out
}

// sameStep fails t unless two steps gave bit-identical loss, gradient norm
// and trained weights.
func sameStep(t *testing.T, what string, la, lb StepLog, a, b map[string][]float32) {
	t.Helper()
	if la.Loss != lb.Loss || la.GradNorm != lb.GradNorm {
		t.Errorf("%s: loss/grad norm %g/%g against %g/%g", what, lb.Loss, lb.GradNorm, la.Loss, la.GradNorm)
	}
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%s: %d trained variables against %d", what, len(b), len(a))
	}
	for p, v := range a {
		if !slices.Equal(v, b[p]) {
			t.Errorf("%s: %s differs after the step", what, p)
		}
	}
}

// TestGradientCheckpointingStep: a stage-2 step of the toy model with
// Options.GradientCheckpointing (every CLIP, fusion and LLM layer
// recomputed in the backward pass) gives the same loss, gradient norm and
// updated weights of every trained part, bit for bit on the pure-Go
// backend, as the step without it.
func TestGradientCheckpointingStep(t *testing.T) {
	dir := t.TempDir()
	lp, plain := oneStep(t, filepath.Join(dir, "plain"), func(*Options) {})
	lc, ck := oneStep(t, filepath.Join(dir, "ck"), func(o *Options) { o.GradientCheckpointing = true })
	sameStep(t, "checkpointing", lp, lc, plain, ck)
}
