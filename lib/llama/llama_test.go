package llama

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

func TestSampling(t *testing.T) {
	dir := t.TempDir()
	writeCheckpoint(t, dir, gqaCfg, "F32", 5)
	m, err := Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	prompt := []int{1, 9, 4}
	greedy, _ := m.Generate(prompt, GenerateOptions{MaxNewTokens: 6, StopTokens: []int{}})
	gen := func(o GenerateOptions) []int {
		t.Helper()
		o.MaxNewTokens, o.StopTokens = 6, []int{}
		out, err := m.Generate(prompt, o)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	a := gen(GenerateOptions{Temperature: 1.5, Seed: 7})
	b := gen(GenerateOptions{Temperature: 1.5, Seed: 7})
	if !slices.Equal(a, b) {
		t.Errorf("same seed gave %v and %v", a, b)
	}
	differs := false
	for s := range uint64(5) {
		if !slices.Equal(gen(GenerateOptions{Temperature: 1.5, Seed: 100 + s}), a) {
			differs = true
		}
	}
	if !differs {
		t.Errorf("six seeds at temperature 1.5 all gave %v", a)
	}
	for _, o := range []GenerateOptions{{Temperature: 2, TopK: 1, Seed: 3}, {Temperature: 2, TopP: 1e-9, Seed: 3}} {
		if got := gen(o); !slices.Equal(got, greedy) {
			t.Errorf("%+v gave %v, want greedy %v", o, got, greedy)
		}
	}
	// Stop tokens and the streaming callback end generation.
	out, _ := m.Generate(prompt, GenerateOptions{MaxNewTokens: 6, StopTokens: []int{greedy[1]}})
	if !slices.Equal(out, greedy[:2]) {
		t.Errorf("stop at %d: got %v, want %v", greedy[1], out, greedy[:2])
	}
	n := 0
	out, _ = m.Generate(prompt, GenerateOptions{MaxNewTokens: 6, StopTokens: []int{}, OnToken: func(int) bool { n++; return n < 3 }})
	if len(out) != 3 {
		t.Errorf("callback stop after 3: got %v", out)
	}
}

// TestSampleDistribution checks the sampler's frequencies against the
// top-k/top-p-restricted softmax.
func TestSampleDistribution(t *testing.T) {
	logits := []float32{2, 1, 0.5, 0, -1}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		opts GenerateOptions
		keep int
	}{
		{GenerateOptions{Temperature: 1}, 5},
		{GenerateOptions{Temperature: 0.7, TopK: 3}, 3},
		{GenerateOptions{Temperature: 1, TopP: 0.8}, 0},
	} {
		p := make([]float64, len(logits))
		for i, l := range logits {
			p[i] = float64(l) / tc.opts.Temperature
		}
		softmaxInPlace(p) // logits are sorted, so the restriction is a prefix
		keep := tc.keep
		if keep == 0 {
			cum := 0.0
			for keep = 0; cum < tc.opts.TopP; keep++ {
				cum += p[keep]
			}
		}
		s := 0.0
		for _, v := range p[:keep] {
			s += v
		}
		const n = 40000
		counts := make([]float64, len(logits))
		for range n {
			counts[sample(logits, tc.opts, rng)]++
		}
		for i := range logits {
			want := 0.0
			if i < keep {
				want = p[i] / s
			}
			if math.Abs(counts[i]/n-want) > 0.01 {
				t.Errorf("%+v: token %d frequency %.3f, want %.3f", tc.opts, i, counts[i]/n, want)
			}
		}
	}
}

// TestGenerateBoundedByPositions: a huge MaxNewTokens is lowered so that
// prompt and new tokens fit in max_position_embeddings (the KV cache is
// allocated for that many slots, not for the request).
func TestGenerateBoundedByPositions(t *testing.T) {
	dir := t.TempDir()
	writeCheckpoint(t, dir, gqaCfg, "F32", 2)
	m, err := Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Generate([]int{1, 2, 3}, GenerateOptions{MaxNewTokens: 999999999999, StopTokens: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 64-3 {
		t.Errorf("%d new tokens, want %d (max_position_embeddings 64 − prompt 3)", len(out), 64-3)
	}
}

func TestBadInputs(t *testing.T) {
	good := t.TempDir()
	writeCheckpoint(t, good, gqaCfg, "F32", 1)
	m, err := Load(good, 0)
	if err != nil {
		t.Fatal(err)
	}
	withConfig := func(edit func(string) string) string {
		dir := t.TempDir()
		b, _ := os.ReadFile(filepath.Join(good, "config.json"))
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(edit(string(b))), 0o644)
		st, _ := os.ReadFile(filepath.Join(good, "model.safetensors"))
		os.WriteFile(filepath.Join(dir, "model.safetensors"), st, 0o644)
		return dir
	}
	loadErr := func(dir string) error { _, err := Load(dir, 0); return err }
	truncated := withConfig(func(s string) string { return s })
	st, _ := os.Stat(filepath.Join(truncated, "model.safetensors"))
	os.Truncate(filepath.Join(truncated, "model.safetensors"), st.Size()-100)
	noWeights := withConfig(func(s string) string { return s })
	os.Remove(filepath.Join(noWeights, "model.safetensors"))
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"other architecture", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, "LlamaForCausalLM", "MistralForCausalLM", 1)
		})), "architecture MistralForCausalLM is not Llama"},
		{"other model_type", loadErr(withConfig(func(s string) string {
			return strings.Replace(strings.Replace(s, `"LlamaForCausalLM"`, `"GPT2LMHeadModel"`, 1), `"llama"`, `"gpt2"`, 1)
		})), "GPT2LMHeadModel is not Llama"},
		{"wrong shape", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"intermediate_size":72`, `"intermediate_size":80`, 1)
		})), `"model.layers.0.mlp.gate_proj.weight" has shape [72 48], want [80 48]`},
		{"missing tensor", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_hidden_layers":2`, `"num_hidden_layers":3`, 1)
		})), `"model.layers.2.input_layernorm.weight" is missing`},
		{"bad heads", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_key_value_heads":2`, `"num_key_value_heads":4`, 1)
		})), "not a multiple of num_key_value_heads 4"},
		{"truncated weights", loadErr(truncated), "truncated file"},
		{"no weights", loadErr(noWeights), "no model.safetensors"},
		{"no config", loadErr(t.TempDir()), "config.json: no such file"},
		{"id out of range", func() error { _, err := m.Forward([][]int{{1, 53}}); return err }(), "token id 53 is outside the vocabulary [0, 53)"},
		{"empty sequence", func() error { _, err := m.Forward([][]int{{1}, {}}); return err }(), "sequence 1 is empty"},
		{"bad prompt", func() error { _, err := m.Generate([]int{-1}, GenerateOptions{}); return err }(), "token id -1"},
		{"bad top-p", func() error { _, err := m.Generate([]int{1}, GenerateOptions{TopP: 2}); return err }(), "top-p 2 is out of range [0, 1]"},
		{"longer than max_position_embeddings", func() error { _, err := m.Forward([][]int{make([]int, 65)}); return err }(), "65 tokens is longer than max_position_embeddings 64"},
		{"prompt fills the positions", func() error { _, err := m.Generate(make([]int, 64), GenerateOptions{}); return err }(), "leaves no room to generate within max_position_embeddings 64"},
		{"NaN temperature", func() error {
			_, err := m.Generate([]int{1}, GenerateOptions{Temperature: math.NaN()})
			return err
		}(), "temperature NaN is out of range"},
		{"no layers", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_hidden_layers":2`, `"num_hidden_layers":0`, 1)
		})), "num_hidden_layers 0 is out of range [1, 1024]"},
		{"a billion layers", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_hidden_layers":2`, `"num_hidden_layers":1000000000`, 1)
		})), "num_hidden_layers 1000000000 is out of range [1, 1024]"},
		{"fewer layers than the checkpoint", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_hidden_layers":2`, `"num_hidden_layers":1`, 1)
		})), "num_hidden_layers 1 but the checkpoint holds 2 decoder layers"},
		{"zero kv heads", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_key_value_heads":2`, `"num_key_value_heads":0`, 1)
		})), "num_key_value_heads 0 is out of range [1, 6]"},
		{"heads do not divide hidden", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"num_attention_heads":6`, `"num_attention_heads":5`, 1)
		})), "hidden_size 48 is not a multiple of num_attention_heads 5"},
		{"huge vocabulary", loadErr(withConfig(func(s string) string {
			return strings.Replace(s, `"vocab_size":53`, `"vocab_size":99999999999`, 1)
		})), "vocab_size 99999999999 is out of range"},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error, want %q", tc.name, tc.want)
			continue
		}
		if !strings.Contains(tc.err.Error(), tc.want) || strings.Contains(tc.err.Error(), "\n") {
			t.Errorf("%s: error %q, want one line containing %q", tc.name, tc.err, tc.want)
		}
	}
}

// TestFreeze checks that a frozen model gets no gradients while a trainable
// input in front of it (like fused vision embeddings) does, and that the
// gradient reaching it is right (finite differences on one element).
func TestFreeze(t *testing.T) {
	dir := t.TempDir()
	writeCheckpoint(t, dir, tiedCfg, "F32", 9)
	m, err := Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	m.Freeze()
	root := m.Root
	x0 := make([]float32, 3*tiedCfg.Hidden)
	for i := range x0 {
		x0[i] = float32(math.Sin(float64(i)))
	}
	lossFn := func(scope *model.Scope, g *Graph) *Node {
		x := root.At("adapter").VariableWithShape("x", shapes.Make(dtypes.Float32, 1, 3, tiedCfg.Hidden)).NodeValue(g)
		logits, _ := CausalLM(root, m.Config, nil, x, DecoderOptions{})
		return ReduceAllSum(Mul(logits, logits))
	}
	xv := root.At("adapter").VariableWithShape("x", shapes.Make(dtypes.Float32, 1, 3, tiedCfg.Hidden))
	if err := xv.SetValue(tensorsFrom(x0, 1, 3, tiedCfg.Hidden)); err != nil {
		t.Fatal(err)
	}
	var numGrads int
	e, err := model.NewExec(m.Backend, root.Store(), func(scope *model.Scope, g *Graph) (*Node, *Node) {
		loss := lossFn(scope, g)
		grads := root.BuildTrainableVariablesGradientsGraph(loss)
		numGrads = len(grads)
		return loss, grads[0]
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.Call()
	if err != nil {
		t.Fatal(err)
	}
	if numGrads != 1 {
		t.Fatalf("%d gradients, want 1 (only the adapter input)", numGrads)
	}
	grad := tensorsCopy(out[1])
	lossAt := func(x []float32) float64 {
		xv.SetValue(tensorsFrom(x, 1, 3, tiedCfg.Hidden))
		o, err := model.NewExec(m.Backend, root.Store(), lossFn)
		if err != nil {
			t.Fatal(err)
		}
		r, err := o.Call()
		if err != nil {
			t.Fatal(err)
		}
		return float64(tensorsCopy(r[0])[0])
	}
	const i, h = 5, 1e-2
	xp, xm := slices.Clone(x0), slices.Clone(x0)
	xp[i] += h
	xm[i] -= h
	fd := (lossAt(xp) - lossAt(xm)) / (2 * h)
	if math.Abs(fd-float64(grad[i])) > 1e-2*math.Max(1, math.Abs(fd)) {
		t.Errorf("gradient %g, finite difference %g", grad[i], fd)
	}
	for v := range root.At("model").IterVariables() {
		if v.Trainable {
			t.Errorf("%s is still trainable", v.Path())
		}
	}
}

func tensorsFrom(v []float32, dims ...int) *tensors.Tensor {
	return tensors.FromFlatDataAndDimensions(slices.Clone(v), dims...)
}

func tensorsCopy(t *tensors.Tensor) []float32 { return tensors.MustCopyFlatData[float32](t) }

func TestTopLogits(t *testing.T) {
	for _, tc := range []struct {
		x    []float32
		k    int
		want []int
	}{
		{[]float32{1, 5, 3, 4, 2}, 3, []int{1, 3, 2}},
		{[]float32{2, 1}, 5, []int{0, 1}},
		{[]float32{-1, -3, -2, 0}, 1, []int{3}},
		{[]float32{1, 1, 0}, 2, []int{0, 1}},
	} {
		idx, val := TopLogits(tc.x, tc.k)
		if !slices.Equal(idx, tc.want) {
			t.Errorf("TopLogits(%v, %d) = %v, want %v", tc.x, tc.k, idx, tc.want)
		}
		for i, j := range idx {
			if val[i] != tc.x[j] {
				t.Errorf("value %d: %g, want %g", i, val[i], tc.x[j])
			}
		}
	}
}
