package llama

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// This file holds an independent float64 reference of the Llama forward pass
// in plain Go loops (no GoMLX), written from the Hugging Face semantics, and
// tests that compare lib/llama with it on checkpoints the test writes.

type refModel struct {
	cfg testCfg
	w   map[string][]float64 // row-major, Hugging Face layout [out, in]
}

type testCfg struct {
	Vocab, Hidden, Inter, Layers, Heads, KVHeads int
	Theta, Eps                                   float64
	Tied                                         bool
}

func (c testCfg) headDim() int { return c.Hidden / c.Heads }

// configJSON writes the Hugging Face config.json of c.
func (c testCfg) configJSON() []byte {
	b, _ := json.Marshal(map[string]any{
		"architectures": []string{"LlamaForCausalLM"}, "model_type": "llama",
		"vocab_size": c.Vocab, "hidden_size": c.Hidden, "intermediate_size": c.Inter,
		"num_hidden_layers": c.Layers, "num_attention_heads": c.Heads, "num_key_value_heads": c.KVHeads,
		"rms_norm_eps": c.Eps, "rope_theta": c.Theta, "max_position_embeddings": 64,
		"tie_word_embeddings": c.Tied, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2,
	})
	return b
}

// names and shapes of the checkpoint tensors, written out independently of
// Config.Weights.
func (c testCfg) tensors() map[string][]int {
	hd := c.headDim()
	m := map[string][]int{"model.embed_tokens.weight": {c.Vocab, c.Hidden}, "model.norm.weight": {c.Hidden}}
	if !c.Tied {
		m["lm_head.weight"] = []int{c.Vocab, c.Hidden}
	}
	for l := range c.Layers {
		p := fmt.Sprintf("model.layers.%d.", l)
		m[p+"input_layernorm.weight"] = []int{c.Hidden}
		m[p+"post_attention_layernorm.weight"] = []int{c.Hidden}
		m[p+"self_attn.q_proj.weight"] = []int{c.Heads * hd, c.Hidden}
		m[p+"self_attn.k_proj.weight"] = []int{c.KVHeads * hd, c.Hidden}
		m[p+"self_attn.v_proj.weight"] = []int{c.KVHeads * hd, c.Hidden}
		m[p+"self_attn.o_proj.weight"] = []int{c.Hidden, c.Heads * hd}
		m[p+"mlp.gate_proj.weight"] = []int{c.Inter, c.Hidden}
		m[p+"mlp.up_proj.weight"] = []int{c.Inter, c.Hidden}
		m[p+"mlp.down_proj.weight"] = []int{c.Hidden, c.Inter}
	}
	return m
}

// writeCheckpoint writes random weights for c in dtype ("F32" or "BF16")
// to dir, and returns the reference model holding exactly the stored values.
func writeCheckpoint(t *testing.T, dir string, c testCfg, dtype string, seed uint64) *refModel {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	ref := &refModel{cfg: c, w: map[string][]float64{}}
	var entries []safetensors.Entry
	all := c.tensors()
	for _, name := range slices.Sorted(maps.Keys(all)) { // sorted: the seed fixes the weights
		shape := all[name]
		n := 1
		for _, d := range shape {
			n *= d
		}
		vals := make([]float64, n)
		var data []byte
		for i := range vals {
			v := 0.15 * rng.NormFloat64()
			if strings.HasSuffix(name, "norm.weight") {
				v = 1 + 0.2*rng.NormFloat64()
			}
			if dtype == "BF16" {
				b := bfloat16.FromFloat64(v)
				vals[i] = float64(b.Float32())
				data = binary.LittleEndian.AppendUint16(data, uint16(b))
			} else {
				f := float32(v)
				vals[i] = float64(f)
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(f))
			}
		}
		dt := dtypes.Float32
		if dtype == "BF16" {
			dt = dtypes.BFloat16
		}
		entries = append(entries, safetensors.Entry{Name: name, DType: dt, Shape: shape, Data: data})
		ref.w[name] = vals
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), entries, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), c.configJSON(), 0o644); err != nil {
		t.Fatal(err)
	}
	return ref
}

// matvec computes W[out, in] · x.
func matvec(w []float64, x []float64, out int) []float64 {
	in := len(x)
	y := make([]float64, out)
	for o := range out {
		s := 0.0
		for i := range in {
			s += w[o*in+i] * x[i]
		}
		y[o] = s
	}
	return y
}

func rms(x, w []float64, eps float64) []float64 {
	ms := 0.0
	for _, v := range x {
		ms += v * v
	}
	ms /= float64(len(x))
	y := make([]float64, len(x))
	for i := range x {
		y[i] = w[i] * x[i] / math.Sqrt(ms+eps)
	}
	return y
}

// rope applies rotate-half rotary embedding to one head vector at position p.
func rope(x []float64, p int, theta float64) []float64 {
	d := len(x)
	y := make([]float64, d)
	for i := range d / 2 {
		a := float64(p) * math.Pow(theta, -float64(2*i)/float64(d))
		c, s := math.Cos(a), math.Sin(a)
		y[i] = x[i]*c - x[i+d/2]*s
		y[i+d/2] = x[i+d/2]*c + x[i]*s
	}
	return y
}

// forward returns logits and final hidden states for one sequence.
func (r *refModel) forward(ids []int) (logits, hidden [][]float64) {
	c := r.cfg
	hd, g := c.headDim(), c.Heads/c.KVHeads
	T := len(ids)
	x := make([][]float64, T)
	emb := r.w["model.embed_tokens.weight"]
	for t, id := range ids {
		x[t] = append([]float64(nil), emb[id*c.Hidden:(id+1)*c.Hidden]...)
	}
	for l := range c.Layers {
		p := fmt.Sprintf("model.layers.%d.", l)
		q, k, v := make([][]float64, T), make([][]float64, T), make([][]float64, T)
		for t := range T {
			h := rms(x[t], r.w[p+"input_layernorm.weight"], c.Eps)
			q[t] = matvec(r.w[p+"self_attn.q_proj.weight"], h, c.Heads*hd)
			k[t] = matvec(r.w[p+"self_attn.k_proj.weight"], h, c.KVHeads*hd)
			v[t] = matvec(r.w[p+"self_attn.v_proj.weight"], h, c.KVHeads*hd)
			for hh := range c.Heads {
				copy(q[t][hh*hd:], rope(q[t][hh*hd:(hh+1)*hd], t, c.Theta))
			}
			for hh := range c.KVHeads {
				copy(k[t][hh*hd:], rope(k[t][hh*hd:(hh+1)*hd], t, c.Theta))
			}
		}
		for t := range T {
			att := make([]float64, c.Heads*hd)
			for hh := range c.Heads {
				kv := hh / g
				sc := make([]float64, t+1)
				for s := 0; s <= t; s++ {
					dot := 0.0
					for d := range hd {
						dot += q[t][hh*hd+d] * k[s][kv*hd+d]
					}
					sc[s] = dot / math.Sqrt(float64(hd))
				}
				softmaxInPlace(sc)
				for s := 0; s <= t; s++ {
					for d := range hd {
						att[hh*hd+d] += sc[s] * v[s][kv*hd+d]
					}
				}
			}
			o := matvec(r.w[p+"self_attn.o_proj.weight"], att, c.Hidden)
			for i := range x[t] {
				x[t][i] += o[i]
			}
			h := rms(x[t], r.w[p+"post_attention_layernorm.weight"], c.Eps)
			gate := matvec(r.w[p+"mlp.gate_proj.weight"], h, c.Inter)
			up := matvec(r.w[p+"mlp.up_proj.weight"], h, c.Inter)
			for i := range gate {
				gate[i] = gate[i] / (1 + math.Exp(-gate[i])) * up[i]
			}
			down := matvec(r.w[p+"mlp.down_proj.weight"], gate, c.Hidden)
			for i := range x[t] {
				x[t][i] += down[i]
			}
		}
	}
	head := r.w["lm_head.weight"]
	if c.Tied {
		head = emb
	}
	for t := range T {
		h := rms(x[t], r.w["model.norm.weight"], c.Eps)
		hidden = append(hidden, h)
		logits = append(logits, matvec(head, h, c.Vocab))
	}
	return logits, hidden
}

var (
	gqaCfg  = testCfg{Vocab: 53, Hidden: 48, Inter: 72, Layers: 2, Heads: 6, KVHeads: 2, Theta: 500, Eps: 1e-5}
	tiedCfg = testCfg{Vocab: 41, Hidden: 32, Inter: 40, Layers: 1, Heads: 4, KVHeads: 4, Theta: 10000, Eps: 1e-6, Tied: true}
)

func diff(a [][]float32, b [][]float64) float64 {
	d := 0.0
	for i := range a {
		for j := range a[i] {
			d = max(d, math.Abs(float64(a[i][j])-b[i][j]))
		}
	}
	return d
}

// TestAgainstReference loads checkpoints written by the test (GQA in F32
// and BF16, tied embeddings) and compares logits and hidden states with the
// float64 reference, for a padded batch of two sequences.
func TestAgainstReference(t *testing.T) {
	seqs := [][]int{{1, 7, 3, 22, 9, 14, 30, 2}, {1, 40, 5}}
	for _, tc := range []struct {
		name  string
		cfg   testCfg
		dtype string
		as    dtypes.DType
		tol   float64
	}{
		{"gqa-f32", gqaCfg, "F32", dtypes.Float32, 1e-4},
		{"gqa-bf16-checkpoint", gqaCfg, "BF16", dtypes.Float32, 1e-4},
		{"tied-f32", tiedCfg, "F32", dtypes.Float32, 1e-4},
		// bf16 weights and activations: only coarse agreement is expected.
		{"gqa-bf16-compute", gqaCfg, "BF16", dtypes.BFloat16, 0.15},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ref := writeCheckpoint(t, dir, tc.cfg, tc.dtype, 42)
			m, err := Load(dir, tc.as)
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Forward(seqs)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range seqs {
				wl, wh := ref.forward(s)
				dl, dh := diff(out.Logits[i], wl), diff(out.Hidden[i], wh)
				t.Logf("seq %d: max |Δlogits| %.2e, |Δhidden| %.2e", i, dl, dh)
				if dl > tc.tol || dh > tc.tol {
					t.Errorf("seq %d: max |Δlogits| %.2e, |Δhidden| %.2e > %g", i, dl, dh, tc.tol)
				}
			}
		})
	}
}

// greedyByForward decodes greedily by re-running the full forward pass.
func greedyByForward(t *testing.T, m *Model, prompt []int, n int) []int {
	seq := append([]int(nil), prompt...)
	var out []int
	for range n {
		o, err := m.Forward([][]int{seq})
		if err != nil {
			t.Fatal(err)
		}
		tok := argmax(o.Logits[0][len(seq)-1])
		out = append(out, tok)
		seq = append(seq, tok)
	}
	return out
}

func TestGenerateMatchesForward(t *testing.T) {
	dir := t.TempDir()
	writeCheckpoint(t, dir, gqaCfg, "F32", 3)
	gqa, err := Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	golden, err := Load(goldenDir, 0)
	if err != nil {
		t.Fatal(err)
	}
	models := map[string]*Model{"gqa": gqa, "golden": golden}
	for name, m := range models {
		for _, prompt := range [][]int{{1, 5, 17, 42}, {1}} {
			want := greedyByForward(t, m, prompt, 10)
			var streamed []int
			got, err := m.Generate(prompt, GenerateOptions{MaxNewTokens: 10, StopTokens: []int{},
				OnToken: func(id int) bool { streamed = append(streamed, id); return true }})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || fmt.Sprint(streamed) != fmt.Sprint(want) {
				t.Errorf("%s %v: cached %v, streamed %v, full forward %v", name, prompt, got, streamed, want)
			}
		}
	}

	// Embedding prompts generate the same tokens as id prompts.
	prompt := []int{1, 5, 17, 42}
	embT := tensors.FromShape(tensorsShape(gqa, len(prompt)))
	ref := writeCheckpoint(t, t.TempDir(), gqaCfg, "F32", 3) // same seed: same weights
	embT.MutableFlatData(func(f any) {
		v := f.([]float32)
		for i, id := range prompt {
			for j := range gqaCfg.Hidden {
				v[i*gqaCfg.Hidden+j] = float32(ref.w["model.embed_tokens.weight"][id*gqaCfg.Hidden+j])
			}
		}
	})
	fromEmb, err := gqa.GenerateFromEmbeddings(embT, GenerateOptions{MaxNewTokens: 10, StopTokens: []int{}})
	if err != nil {
		t.Fatal(err)
	}
	if want := greedyByForward(t, gqa, prompt, 10); fmt.Sprint(fromEmb) != fmt.Sprint(want) {
		t.Errorf("from embeddings %v, want %v", fromEmb, want)
	}
}

func tensorsShape(m *Model, n int) shapes.Shape {
	return shapes.Make(dtypes.Float32, 1, n, m.Config.HiddenSize)
}

// TestShardedCheckpoint splits a checkpoint into two shards with an index
// and checks that it loads and matches the float64 reference.
func TestShardedCheckpoint(t *testing.T) {
	single := t.TempDir()
	ref := writeCheckpoint(t, single, gqaCfg, "BF16", 21)
	c, err := safetensors.Open(single)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dir := t.TempDir()
	weightMap := map[string]string{}
	var shards [2][]safetensors.Entry
	for i, name := range c.Names() {
		in, _ := c.Info(name)
		data := make([]byte, in.Bytes())
		if err := c.ReadInto(name, dtypes.BFloat16, data); err != nil {
			t.Fatal(err)
		}
		shards[i%2] = append(shards[i%2], safetensors.Entry{Name: name, DType: dtypes.BFloat16, Shape: in.Shape, Data: data})
		weightMap[name] = fmt.Sprintf("model-%05d-of-00002.safetensors", i%2+1)
	}
	for i, s := range shards {
		if err := safetensors.Write(filepath.Join(dir, fmt.Sprintf("model-%05d-of-00002.safetensors", i+1)), s, nil); err != nil {
			t.Fatal(err)
		}
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{}, "weight_map": weightMap})
	os.WriteFile(filepath.Join(dir, safetensors.IndexFile), idx, 0o644)
	os.WriteFile(filepath.Join(dir, "config.json"), gqaCfg.configJSON(), 0o644)
	m, err := Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int{1, 3, 5, 7, 11}
	out, err := m.Forward([][]int{ids})
	if err != nil {
		t.Fatal(err)
	}
	wl, wh := ref.forward(ids)
	if d := max(diff(out.Logits[0], wl), diff(out.Hidden[0], wh)); d > 1e-4 {
		t.Errorf("sharded checkpoint differs from the reference by %.2e", d)
	}
	os.Remove(filepath.Join(dir, "model-00002-of-00002.safetensors"))
	if _, err := Load(dir, 0); err == nil || !strings.Contains(err.Error(), "missing shard model-00002-of-00002.safetensors") {
		t.Errorf("missing shard: %v", err)
	}
}

// TestGenerateBatch checks that batched generation (left-padded prompts of
// different lengths, rows stopping at different times) gives each row the
// tokens it gets alone, from ids and from embeddings.
func TestGenerateBatch(t *testing.T) {
	dir := t.TempDir()
	ref := writeCheckpoint(t, dir, gqaCfg, "F32", 8)
	m, err := Load(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	prompts := [][]int{{1, 5, 17, 42, 8, 3}, {1, 9}, {1, 30, 31, 32}}
	var alone [][]int
	for _, p := range prompts {
		out, err := m.Generate(p, GenerateOptions{MaxNewTokens: 8, StopTokens: []int{}})
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, out)
	}
	stop := alone[1][3] // row 1 stops early at its 4th token
	want := make([][]int, len(alone))
	for i, a := range alone {
		want[i] = a
		if j := slices.Index(a, stop); j >= 0 {
			want[i] = a[:j+1]
		}
	}
	got, err := m.GenerateBatch(prompts, GenerateOptions{MaxNewTokens: 8, StopTokens: []int{stop}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("batched %v, alone %v", got, want)
	}
	// The same from left-padded embeddings (padding filled with garbage).
	h, n := gqaCfg.Hidden, 6
	emb := make([]float32, len(prompts)*n*h)
	lens := make([]int, len(prompts))
	for r, p := range prompts {
		lens[r] = len(p)
		for i := range (n - len(p)) * h {
			emb[r*n*h+i] = 50
		}
		for j, id := range p {
			for k := range h {
				emb[(r*n+n-len(p)+j)*h+k] = float32(ref.w["model.embed_tokens.weight"][id*h+k])
			}
		}
	}
	got, err = m.GenerateBatchFromEmbeddings(tensors.FromFlatDataAndDimensions(emb, len(prompts), n, h), lens,
		GenerateOptions{MaxNewTokens: 8, StopTokens: []int{stop}})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("batched from embeddings %v, alone %v", got, want)
	}
}
