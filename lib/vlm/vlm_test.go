package vlm

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
)

func TestPartOf(t *testing.T) {
	for _, tc := range []struct{ path, part string }{
		{"/clip/vision_model/encoder/layers/0/mlp/fc1/weight", "vision"},
		{"/clip/vision_model/vision_embed_merge/weight", "merge"},
		{"/clip/vision_model/pos_layrnorm/bias", "merge"},
		{"/clip/vision_model/token_LF", "merge"},
		{"/fusion/layers/3/self_attn/q_proj/weight", "fusion"},
		{"/vlm/projection/weight", "projection"},
		{"/llm/model/norm/weight", "llm"},
		{"/AdamOptimizer/fusion/norm/weight_1st_moment", ""},
	} {
		if got := PartOf(tc.path); got != tc.part {
			t.Errorf("PartOf(%s) = %q, want %q", tc.path, got, tc.part)
		}
	}
}

// Paper-size counts from configuration alone.
func TestPaperParams(t *testing.T) {
	c := PaperConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	p := c.Params()
	// Llama-2-7B has 6,738,415,616 parameters.
	if p.LLM != 6738415616 {
		t.Errorf("LLM params %d, want 6738415616", p.LLM)
	}
	// CLIP ViT-L/14-336 vision tower: 303,507,456 with post_layernorm (2·1024), which the paper drops.
	if p.Vision != 303507456-2048 {
		t.Errorf("vision params %d", p.Vision)
	}
	if p.Projection != 1024*4096 || p.Merge != 9*1024*1024+3*1024 {
		t.Errorf("projection %d merge %d", p.Projection, p.Merge)
	}
	if c.Vision.TokensPerView() != 145 || fusion.FusedTokens(c.N, c.M, 2) != 264 {
		t.Error("paper token counts")
	}
}

func toyModel(t *testing.T, dir string) *Model {
	t.Helper()
	cfg := ToyConfig(4)
	cfg.CLIPPath, cfg.LLMPath = filepath.Join(dir, "clip"), filepath.Join(dir, "llama")
	if err := WriteRandomCLIP(cfg.CLIPPath, cfg, 1); err != nil {
		t.Fatal(err)
	}
	if err := WriteRandomLlama(cfg.LLMPath, cfg.LLM, 2); err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func toyExamples(t *testing.T, c Config, dir string, n int) []Example {
	t.Helper()
	data, err := WriteToyDataset(filepath.Join(dir, "data"), n, 4)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ReadRecords(data)
	if err != nil {
		t.Fatal(err)
	}
	var ex []Example
	for _, r := range recs {
		e, err := c.Encode(r)
		if err != nil {
			t.Fatal(err)
		}
		ex = append(ex, e)
	}
	return ex
}

func forward(t *testing.T, m *Model, in *Inputs) []float32 {
	t.Helper()
	exec, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, xs []*Node) *Node {
		return m.Config.Forward(scope, xs).Logits
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(in.Args()...)
	if err != nil {
		t.Fatal(err)
	}
	if m.Loader.Err != nil {
		t.Fatal(m.Loader.Err)
	}
	return tensors.MustCopyFlatData[float32](out[0])
}

// The toy model's variables match the closed-form count, and a saved
// checkpoint (LLM referenced by path) reloads to the same logits.
func TestToyParamsAndSaveLoad(t *testing.T) {
	dir := t.TempDir()
	m := toyModel(t, dir)
	defer m.Close()
	ex := toyExamples(t, m.Config, dir, 4)
	in, err := m.Config.MakeInputs(ex, fusion.VisionQuestionQueries, Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	before := forward(t, m, in)
	var n int64
	for v := range m.Store.IterVariables() {
		if v.Name() != model.RNGStateVariableName {
			n += int64(v.Shape().Size())
		}
	}
	if want := m.Config.Params().Total(); n != want {
		t.Errorf("toy model has %d parameters, closed form %d", n, want)
	}
	ck := filepath.Join(dir, "ck")
	if err := m.Save(ck, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	m2, err := Load(ck)
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	after := forward(t, m2, in)
	if !slices.Equal(before, after) {
		t.Error("reloaded model gives different logits")
	}
	named, _ := m.Tensors(SaveOptions{})
	for _, name := range TensorNames(named) {
		if PartOf("/"+name) == "llm" {
			t.Errorf("LLM tensor %s embedded although llm_path is set", name)
		}
	}
}

// Fused rows land in the QED slots in row-major order, whatever the
// number of questions per sample.
func TestMakeInputsSlots(t *testing.T) {
	c := ToyConfig(3)
	tok := NewWordTokenizer(c.Words)
	S := c.Vision.ImageSize
	mk := func(qs, as []string) Example {
		e := Example{Pixels: make([]float32, 3*S*S), Views: 1}
		for _, q := range qs {
			e.Questions = append(e.Questions, tok.Encode(q))
		}
		e.LLMIDs, e.Slot, e.Target = ToyChat(tok, c.N, c.M, qs, as)
		return e
	}
	a := mk([]string{"where is the square?", "what colour is the square?"}, []string{"top left", "red"})
	b := mk([]string{"what colour?"}, []string{"blue"})
	in, err := c.MakeInputs([]Example{a, b}, fusion.VisionQuestionQueries, Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	L := in.Shapes.L
	slot := tensors.MustCopyFlatData[int32](in.List[inSlotIdx])
	var got []int32
	for j, s := range slot {
		if int(s) >= in.B*L {
			got = append(got, s-int32(in.B*L))
		} else if int(s) != j {
			t.Fatalf("position %d maps to token row %d", j, s)
		}
	}
	// N = 3, M = 3: 6 rows for a (two questions), then 3 for b.
	want := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8}
	if !slices.Equal(got, want) {
		t.Errorf("fused rows in slot order %v, want %v", got, want)
	}
	if len(in.Fusion.Fused) != len(want) {
		t.Errorf("fusion batch has %d fused rows", len(in.Fusion.Fused))
	}
	// Weights: answer words and </s> of each turn.
	w := tensors.MustCopyFlatData[float32](in.List[inWeights])
	cnt := 0
	for _, x := range w {
		cnt += int(x)
	}
	if cnt != (2+1)+(1+1)+(1+1) {
		t.Errorf("%d target positions", cnt)
	}
	// Wrong slot count is refused.
	bad := a
	bad.Slot = slices.Clone(a.Slot)
	bad.Slot[2] = false
	if _, err := c.MakeInputs([]Example{bad}, fusion.VisionQuestionQueries, Shapes{}); err == nil {
		t.Error("want an error for a QED slot count that does not match N+(k−1)M")
	}
}

// The KV-cached generation path agrees with the full forward pass: the
// first generated token is the argmax of the forward logits at the last
// prompt position.
func TestGenerateMatchesForward(t *testing.T) {
	dir := t.TempDir()
	m := toyModel(t, dir)
	defer m.Close()
	c := m.Config
	tok := NewWordTokenizer(c.Words)
	qs := []string{"where is the square?", "what colour is the square?"}
	ex := toyExamples(t, c, dir, 1)[0]
	ex.Questions = [][]int32{tok.Encode(qs[0]), tok.Encode(qs[1])}
	ex.LLMIDs, ex.Slot, ex.Target = ToyChat(tok, c.N, c.M, qs, []string{"top left"})
	in, err := c.MakeInputs([]Example{ex}, c.FusionMode(), Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	logits := forward(t, m, in)
	L, V := len(ex.LLMIDs), c.LLM.Vocab
	best := 0
	for j := range V {
		if logits[(L-1)*V+j] > logits[(L-1)*V+best] {
			best = j
		}
	}
	out, err := m.Generate(ex, llama.GenerateOptions{MaxNewTokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 || out[0] != best {
		t.Errorf("generated %v, forward argmax %d", out, best)
	}
}

func TestToyLayout(t *testing.T) {
	c := ToyConfig(8)
	f, l, err := ToyLayout(c, fusion.VisionQuestionQueries, 5, []string{"where is the square?", "what colour?"}, []string{"top left", "red"})
	if err != nil {
		t.Fatal(err)
	}
	wantF := "[IMG ×5] [QUE 5: where is the square ?] [QED ×7] [EOS] [QUE 3: what colour ?] [QED ×7] [EOS]"
	wantL := "[TXT 2: <s> [INST]] [FUSED ×8] [TXT 6: where is the square ? [/INST]] [ANS 3: top left </s>] " +
		"[TXT 2: <s> [INST]] [FUSED ×8] [TXT 4: what colour ? [/INST]] [ANS 2: red </s>]"
	if f != wantF {
		t.Errorf("fusion layout\n got %s\nwant %s", f, wantF)
	}
	if l != wantL {
		t.Errorf("LLM layout\n got %s\nwant %s", l, wantL)
	}
}

// Teacher-forced scoring agrees with greedy generation on the first token
// and returns one verdict per answer.
func TestAnswersCorrect(t *testing.T) {
	dir := t.TempDir()
	m := toyModel(t, dir)
	defer m.Close()
	ex := toyExamples(t, m.Config, dir, 6)
	got, err := m.AnswersCorrect(ex, 4, Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ex) {
		t.Fatalf("%d results for %d examples", len(got), len(ex))
	}
	for i, e := range ex {
		if len(got[i]) != len(e.Questions) {
			t.Errorf("example %d: %d verdicts for %d questions", i, len(got[i]), len(e.Questions))
		}
	}
	// Force a known answer: make the target the model's own greedy output.
	tok := NewWordTokenizer(m.Config.Words)
	e := ex[0]
	qs := []string{"where is the square?"}
	e.Questions = [][]int32{tok.Encode(qs[0])}
	e.LLMIDs, e.Slot, e.Target = ToyChat(tok, m.Config.N, m.Config.M, qs, nil)
	gen, err := m.Generate(e, llama.GenerateOptions{MaxNewTokens: 3, StopTokens: []int{-1}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range gen {
		e.LLMIDs, e.Slot, e.Target = append(e.LLMIDs, int32(id)), append(e.Slot, false), append(e.Target, true)
	}
	e.Answers = nil
	ok, err := m.AnswersCorrect([]Example{e}, 1, Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != 1 || len(ok[0]) != 1 || !ok[0][0] {
		t.Errorf("the model's own greedy answer %v is not scored correct: %v", gen, ok)
	}
}

func TestSubset(t *testing.T) {
	var recs []Record
	for i := range 50 {
		recs = append(recs, Record{Image: fmt.Sprint(i)})
	}
	a, b := Subset(recs, 0.1, 7), Subset(recs, 0.1, 7)
	same := len(a) == len(b)
	for i := range a {
		same = same && a[i].Image == b[i].Image
	}
	if len(a) != 5 || !same {
		t.Errorf("subset %v / %v", a, b)
	}
	for i := 1; i < len(a); i++ {
		if a[i-1].Image >= a[i].Image && len(a[i-1].Image) >= len(a[i].Image) {
			t.Errorf("order not kept: %v", a)
		}
	}
	if len(Subset(recs, 1, 0)) != 50 || len(Subset(recs[:3], 0.01, 0)) != 1 {
		t.Error("edge cases")
	}
}
