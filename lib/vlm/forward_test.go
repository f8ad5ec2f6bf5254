package vlm

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/tokenizer/clipbpe"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
	"github.com/tokenscale/tokenscale/lib/vision"
)

// The built-in ids of ForwardQuestion are what the real tokenizers give:
// CLIP BPE for the fusion side, lib/chat's Llama-2 format (no system
// prompt, N slots) for the LLM side.
func TestForwardQuestionIDs(t *testing.T) {
	vocab := tokentest.CLIPVocab(t)
	spm := tokentest.LlamaModel(t)
	ct, err := clipbpe.Load(vocab)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := sentencepiece.Load(spm)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{1, 3, 8} {
		c := PaperConfig()
		c.N, c.HD = n, 0
		ex, err := c.QuestionExample(make([]float32, 3*336*336), 1)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ex.Questions[0], toInt32(ct.Encode(ForwardQuestion)); len(ex.Questions) != 1 || !slices.Equal(got, want) {
			t.Errorf("N=%d: CLIP ids %v, want %v", n, got, want)
		}
		seq, err := chat.Build(sp, chat.Conversation{Turns: []chat.Turn{{User: ForwardQuestion}}}, chat.Options{QEDFirst: n})
		if err != nil {
			t.Fatal(err)
		}
		if want := toInt32(seq.IDs); !slices.Equal(ex.LLMIDs, want) {
			t.Errorf("N=%d: Llama ids %v, want %v", n, ex.LLMIDs, want)
		}
		if want := seq.Mask(chat.QED); !slices.Equal(ex.Slot, want) {
			t.Errorf("N=%d: slots %v, want %v", n, ex.Slot, want)
		}
		if slices.Contains(ex.Target, true) || len(ex.Target) != len(ex.LLMIDs) {
			t.Errorf("N=%d: targets %v, want none", n, ex.Target)
		}
	}
}

// stagedToy runs the toy model with a random LLM held in dtype over the
// synthetic scene and one question, stage by stage.
func stagedToy(t *testing.T, dtype string) (*Model, *Inputs, *StagedOutput) {
	t.Helper()
	c := ToyConfig(4)
	c.LLM.DType = dtype
	m, err := New(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.RandomLLM(11, nil); err != nil {
		t.Fatal(err)
	}
	ex, err := c.ImageExample(vision.Scene(48, 40))
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.MakeInputs([]Example{ex}, c.FusionMode(), Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	out, err := m.ForwardStages(in, StageOptions{Progress: func(s string) { seen = append(seen, s) }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{StageVision, StageFusion, StageProjection, StageLLM}
	if !slices.Equal(seen, want) || len(out.Stages) != len(want) {
		t.Fatalf("stages %v (timed %d), want %v", seen, len(out.Stages), want)
	}
	return m, in, out
}

func llmValues(t *testing.T, m *Model) map[string][]float32 {
	t.Helper()
	out := map[string][]float32{}
	for v := range m.Store.IterVariables() {
		if PartOf(v.Path()) != "llm" {
			continue
		}
		switch dt := v.Shape().DType; dt {
		case dtypes.Float32:
			out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
		case dtypes.BFloat16:
			raw := tensors.MustCopyFlatData[bfloat16.BFloat16](v.MustValue())
			f := make([]float32, len(raw))
			for i, x := range raw {
				f[i] = x.Float32()
			}
			out[v.Path()] = f
		default:
			t.Fatalf("%s: dtype %s", v.Path(), dt)
		}
	}
	return out
}

// The toy model with its LLM in bfloat16: the random LLM weights are not
// zeros (GoMLX's initializers give zeros in bfloat16), they are the float32
// weights of the same seed rounded, and the logits match the float32
// model's within bfloat16 precision.
func TestRandomLLMBFloat16(t *testing.T) {
	m32, _, o32 := stagedToy(t, "")
	m16, _, o16 := stagedToy(t, LLMBFloat16)
	if o32.Embeddings != dtypes.Float32 || o16.Embeddings != dtypes.BFloat16 {
		t.Errorf("LLM input embeddings in %s and %s, want Float32 and BFloat16", o32.Embeddings, o16.Embeddings)
	}
	// Everything before the LLM is float32 and the same in both models.
	others := func(m *Model) map[string][]float32 {
		out := map[string][]float32{}
		for v := range m.Store.IterVariables() {
			if p := PartOf(v.Path()); p != "llm" && p != "" {
				if v.Shape().DType != dtypes.Float32 {
					t.Errorf("%s: %s, want Float32 outside the LLM", v.Path(), v.Shape().DType)
				}
				out[v.Path()] = tensors.MustCopyFlatData[float32](v.MustValue())
			}
		}
		return out
	}
	o32v, o16v := others(m32), others(m16)
	if len(o32v) == 0 || len(o32v) != len(o16v) {
		t.Fatalf("%d and %d vision/fusion/projection variables", len(o32v), len(o16v))
	}
	for p, v := range o32v {
		if !slices.Equal(v, o16v[p]) {
			t.Fatalf("%s differs between the two models: the comparison below needs the same non-LLM weights", p)
		}
	}
	w32, w16 := llmValues(t, m32), llmValues(t, m16)
	cfg := m16.Config.LLM.Llama()
	if len(w16) != len(cfg.Weights()) || len(w32) != len(w16) {
		t.Fatalf("%d bf16 and %d f32 LLM variables, want %d", len(w16), len(w32), len(cfg.Weights()))
	}
	var n int64
	for v := range m16.Store.IterVariables() {
		if PartOf(v.Path()) == "llm" {
			if v.Shape().DType != dtypes.BFloat16 {
				t.Errorf("%s held in %s", v.Path(), v.Shape().DType)
			}
			n += int64(v.Shape().Size())
		}
	}
	if n != m16.Config.LLM.NumParams() {
		t.Errorf("%d LLM parameters, closed form %d", n, m16.Config.LLM.NumParams())
	}
	std := m16.Config.LLM.Std()
	for p, v16 := range w16 {
		v32 := w32[p]
		zeros, ss := 0, 0.0
		for i, x := range v16 {
			if x == 0 {
				zeros++
			}
			if want := bfloat16.FromFloat32(v32[i]).Float32(); x != want {
				t.Fatalf("%s[%d] = %g, want %g (the float32 weight %g rounded)", p, i, x, want, v32[i])
			}
			ss += float64(x) * float64(x)
		}
		if zeros > len(v16)/100 {
			t.Errorf("%s: %d of %d weights are zero", p, zeros, len(v16))
		}
		if strings.HasSuffix(p, "norm/weight") {
			if ss != float64(len(v16)) {
				t.Errorf("%s: RMSNorm weights not all one", p)
			}
			continue
		}
		if got := math.Sqrt(ss / float64(len(v16))); math.Abs(got-std) > 0.1*std {
			t.Errorf("%s: weight std %.4f, want %.4f", p, got, std)
		}
	}
	l32 := tensors.MustCopyFlatData[float32](o32.Logits)
	l16 := tensors.MustCopyFlatData[float32](o16.Logits)
	if !slices.Equal(o32.Logits.Shape().Dimensions, o16.Logits.Shape().Dimensions) {
		t.Fatalf("logits %s and %s", o32.Logits.Shape(), o16.Logits.Shape())
	}
	var maxAbs, maxDiff float64
	for i := range l32 {
		maxAbs = max(maxAbs, math.Abs(float64(l32[i])))
		maxDiff = max(maxDiff, math.Abs(float64(l32[i]-l16[i])))
	}
	t.Logf("logits %s: max |f32| %.3f, max |bf16 − f32| %.4f", o32.Logits.Shape(), maxAbs, maxDiff)
	// bfloat16 keeps 8 significant bits (relative rounding 2⁻⁹); weights,
	// activations and the matmul outputs are rounded, so a few per cent of
	// the logits' scale is the expected agreement.
	if maxAbs < 0.5 || maxDiff > 0.03*maxAbs {
		t.Errorf("bf16 logits differ from f32 by %.4f (max |logit| %.3f): want ≤ 3%%", maxDiff, maxAbs)
	}
	if maxDiff == 0 {
		t.Errorf("bf16 and f32 logits are identical: the LLM did not run in bfloat16")
	}
}

// ForwardStages chains the same functions as Forward: one graph per stage
// gives the one-graph logits.
func TestForwardStagesMatchesForward(t *testing.T) {
	m, in, staged := stagedToy(t, "")
	exec, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, xs []*Node) *Node {
		return m.Config.Forward(scope, xs).Logits
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := exec.Call(in.Args()[:inLabels]...)
	if err != nil {
		t.Fatal(err)
	}
	want := tensors.MustCopyFlatData[float32](res[0])
	got := tensors.MustCopyFlatData[float32](staged.Logits)
	if len(got) != len(want) || len(got) != in.Shapes.L*m.Config.LLM.Vocab {
		t.Fatalf("%d staged logits, %d in one graph, want %d", len(got), len(want), in.Shapes.L*m.Config.LLM.Vocab)
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
			t.Fatalf("logit %d: staged %g, one graph %g", i, got[i], want[i])
		}
	}
}

func TestRandomLLMRefusesCheckpoint(t *testing.T) {
	dir := t.TempDir()
	c := ToyConfig(2)
	if err := WriteRandomLlama(dir, c.LLM, 1); err != nil {
		t.Fatal(err)
	}
	c.LLMPath = dir
	m, err := New(c, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.RandomLLM(1, nil); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("RandomLLM over llm_path: err %v, want one naming %s", err, dir)
	}
}

// With Release the vision and fusion weights leave the store after their
// stages and the LLM is made just before the projection (BeforeLLM); the
// logits are those of the plain staged forward, and the parameters the
// stages used are the closed-form counts.
func TestForwardStagesRelease(t *testing.T) {
	_, _, plain := stagedToy(t, LLMBFloat16)
	c := ToyConfig(4)
	c.LLM.DType = LLMBFloat16
	m, err := New(c, 3)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.ImageExample(vision.Scene(48, 40))
	if err != nil {
		t.Fatal(err)
	}
	in, err := c.MakeInputs([]Example{ex}, c.FusionMode(), Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	out, err := m.ForwardStages(in, StageOptions{
		Release:   true,
		Progress:  func(s string) { order = append(order, s) },
		BeforeLLM: func() error { order = append(order, "llm weights"); return m.RandomLLM(11, nil) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{StageVision, StageFusion, "llm weights", StageProjection, StageLLM}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	if !slices.Equal(tensors.MustCopyFlatData[float32](out.Logits), tensors.MustCopyFlatData[float32](plain.Logits)) {
		t.Errorf("logits with Release differ from the plain staged forward")
	}
	for v := range m.Store.IterVariables() {
		if p := PartOf(v.Path()); p == "vision" || p == "merge" || p == "fusion" {
			t.Errorf("%s still in the store after Release", v.Path())
		}
	}
	p := c.Params()
	for part, want := range map[string]int64{"vision": p.Vision, "merge": p.Merge, "fusion": p.Fusion, "projection": p.Projection, "llm": p.LLM} {
		if out.Params[part] != want {
			t.Errorf("%s: %d parameters used, closed form %d", part, out.Params[part], want)
		}
	}
}

func TestQuestionExampleErrors(t *testing.T) {
	c := ToyConfig(4)
	c.Tokenizer = "bytes"
	if _, err := c.QuestionExample(make([]float32, 3*16*16), 1); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("unknown tokenizer: err %v", err)
	}
	c = ToyConfig(4)
	c.HD = 9
	if _, err := c.ImageExample(vision.Scene(32, 32)); err == nil {
		t.Errorf("ImageExample with hd 9: no error")
	}
}

// A bfloat16 LLM read from llm_path (a float32 Hugging Face folder) holds
// the file's weights rounded, gives the float32 model's logits within
// bfloat16 precision, and LLMUnchanged compares it with the rounded file.
func TestLLMPathBFloat16(t *testing.T) {
	dir := t.TempDir()
	base := ToyConfig(4)
	if err := WriteRandomLlama(dir, base.LLM, 5); err != nil {
		t.Fatal(err)
	}
	ex, err := base.ImageExample(vision.Scene(48, 40))
	if err != nil {
		t.Fatal(err)
	}
	run := func(dtype string) (*Model, []float32) {
		c := base
		c.LLMPath, c.LLM.DType = dir, dtype
		m, err := New(c, 3)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(m.Close)
		in, err := c.MakeInputs([]Example{ex}, c.FusionMode(), Shapes{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.ForwardStages(in, StageOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return m, tensors.MustCopyFlatData[float32](out.Logits)
	}
	m32, l32 := run("")
	m16, l16 := run(LLMBFloat16)
	w32, w16 := llmValues(t, m32), llmValues(t, m16)
	if len(w16) != len(m16.Config.LLM.Llama().Weights()) {
		t.Fatalf("%d LLM variables, want %d", len(w16), len(m16.Config.LLM.Llama().Weights()))
	}
	for p, v := range w16 {
		for i, x := range v {
			if want := bfloat16.FromFloat32(w32[p][i]).Float32(); x != want {
				t.Fatalf("%s[%d] = %g, want the file's %g rounded, %g", p, i, x, w32[p][i], want)
			}
		}
	}
	for v := range m16.Store.IterVariables() {
		if PartOf(v.Path()) == "llm" && v.Shape().DType != dtypes.BFloat16 {
			t.Errorf("%s held in %s", v.Path(), v.Shape().DType)
		}
	}
	var maxAbs, maxDiff float64
	for i := range l32 {
		maxAbs = max(maxAbs, math.Abs(float64(l32[i])))
		maxDiff = max(maxDiff, math.Abs(float64(l32[i]-l16[i])))
	}
	if maxAbs < 0.5 || maxDiff > 0.03*maxAbs || maxDiff == 0 {
		t.Errorf("bf16 logits differ from f32 by %.4f (max |logit| %.3f): want > 0 and ≤ 3%%", maxDiff, maxAbs)
	}
	for _, m := range []*Model{m32, m16} {
		if ok, err := m.LLMUnchanged(); !ok || err != nil {
			t.Errorf("%s LLM: unchanged %v, err %v", m.Config.LLM.HeldDType(), ok, err)
		}
	}
	// A changed weight is seen in bfloat16 too.
	for v := range m16.Store.IterVariables() {
		if strings.HasSuffix(v.Path(), "lm_head/weight") {
			raw := tensors.MustCopyFlatData[bfloat16.BFloat16](v.MustValue())
			raw[0] = bfloat16.FromFloat32(raw[0].Float32() + 1)
			if err := v.SetValue(tensors.FromFlatDataAndDimensions(raw, v.Shape().Dimensions...)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ok, err := m16.LLMUnchanged(); ok || err != nil {
		t.Errorf("after a change: unchanged %v, err %v", ok, err)
	}
}

// The LLM dtype in config.json: absent (configs written before it) is
// float32, bfloat16 is held in bfloat16, anything else is refused.
func TestConfigLLMDType(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		json string
		want dtypes.DType
		err  string
	}{
		{``, dtypes.Float32, ""},
		{`"dtype": "float32",`, dtypes.Float32, ""},
		{`"dtype": "bfloat16",`, dtypes.BFloat16, ""},
		{`"dtype": "float16",`, dtypes.InvalidDType, "float16"},
	} {
		c := ToyConfig(4)
		raw, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.Replace(string(raw), `"llm":{`, `"llm":{`+tc.json, 1)
		p := filepath.Join(dir, "config.json")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ReadConfig(p)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want one naming %q", tc.json, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.json, err)
		case got.LLM.HeldDType() != tc.want || got.LLM.Llama().DType != tc.want:
			t.Errorf("%s: held in %s (llama %s), want %s", tc.json, got.LLM.HeldDType(), got.LLM.Llama().DType, tc.want)
		}
	}
}

// A model whose random LLM is held in bfloat16 saves with the LLM embedded
// and loads back with the LLM still in bfloat16, bit-identical, and gives
// the same logits.
func TestSaveLoadEmbeddedBFloat16LLM(t *testing.T) {
	for _, dtype := range []string{"", LLMBFloat16} {
		t.Run("llm dtype "+dtype, func(t *testing.T) {
			m, in, out := stagedToy(t, dtype)
			dir := filepath.Join(t.TempDir(), "ckpt")
			if err := m.Save(dir, SaveOptions{EmbedLLM: true}); err != nil {
				t.Fatal(err)
			}
			back, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer back.Close()
			again, err := back.ForwardStages(in, StageOptions{})
			if err != nil {
				t.Fatalf("forward after load: %v", err)
			}
			if back.Loader.Err != nil {
				t.Fatalf("loader: %v", back.Loader.Err)
			}
			if again.Embeddings != out.Embeddings {
				t.Errorf("LLM embeddings in %s after load, %s before", again.Embeddings, out.Embeddings)
			}
			want, got := llmValues(t, m), llmValues(t, back)
			if len(got) != len(want) {
				t.Fatalf("%d LLM variables after load, %d before", len(got), len(want))
			}
			for p, v := range want {
				if !slices.Equal(v, got[p]) {
					t.Fatalf("%s changed through save and load", p)
				}
			}
			a, b := tensors.MustCopyFlatData[float32](out.Logits), tensors.MustCopyFlatData[float32](again.Logits)
			if !slices.Equal(a, b) {
				t.Errorf("logits differ after save and load")
			}
		})
	}
}
