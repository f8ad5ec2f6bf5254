package llama

import (
	"math"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// resetAttentionChoice forgets the recorded attention path.
func resetAttentionChoice() {
	attentionChoiceOnce = sync.Once{}
	attentionChoice = ""
	forceCore = false
}

// The pure-Go backend does not advertise fused scaled-dot-product
// attention, so every dtype takes the plain path, and the recorded choice
// after building a bfloat16 decoder is "plain" — the same graph as before
// the fused path existed. On a backend that advertises the op (xla:cuda)
// the test checks the other rule: bf16/f16 fused, float32 plain.
func TestAttentionFallbackChosen(t *testing.T) {
	resetAttentionChoice()
	defer resetAttentionChoice()
	be := backend.MustNew()
	advertised := be.Capabilities().Operations[compute.OpTypeFusedScaledDotProductAttention]
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.BFloat16, dtypes.Float16} {
		want := advertised && dt != dtypes.Float32
		if got := useFusedAttention(be, dt); got != want {
			t.Errorf("%s on backend %s (fused op advertised: %v): fused %v, want %v", dt, be.Name(), advertised, got, want)
		}
	}
	resetAttentionChoice()
	if advertised {
		t.Skipf("backend %s advertises fused attention: the bf16 graph below would take it", be.Name())
	}
	cfg := &Config{HiddenSize: 16, IntermediateSize: 24, NumLayers: 1, NumHeads: 4, NumKVHeads: 2, RMSNormEps: 1e-5, RopeTheta: 1e4, DType: dtypes.BFloat16}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	_, err := model.CallOnceN(be, model.NewStore(), func(scope *model.Scope, x *Node) []*Node {
		h, _ := Decoder(scope, cfg, x, DecoderOptions{})
		return []*Node{ConvertDType(h, dtypes.Float32)}
	}, tensors.FromFlatDataAndDimensions(make([]float32, 3*16), 1, 3, 16))
	if err != nil {
		t.Fatal(err)
	}
	if got := AttentionPath(); got != "plain" {
		t.Errorf("attention path %q, want plain", got)
	}
}

// The fused path's wiring (layout, grouped heads, the causal + padding
// mask, the scale) checked on the CPU: forced through attention.Core, which
// on this backend runs Core's decomposed formula, a float32 decoder with
// grouped-query heads and left padding gives the plain path's states at
// every real position within float tolerance (different op order).
func TestAttentionCoreMatchesPlain(t *testing.T) {
	resetAttentionChoice()
	defer resetAttentionChoice()
	cfg := &Config{HiddenSize: 16, IntermediateSize: 24, NumLayers: 2, NumHeads: 4, NumKVHeads: 2, RMSNormEps: 1e-5, RopeTheta: 1e4}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	const B, T = 2, 5
	x := make([]float32, B*T*16)
	for i := range x {
		x[i] = float32(math.Sin(float64(i) * 0.7))
	}
	pad := []bool{true, true, true, true, true, false, false, true, true, true}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(4))
	run := func(core bool) []float32 {
		forceCore = core
		e, err := model.NewExec(backend.MustNew(), store, func(scope *model.Scope, xs, mask *Node) *Node {
			h, _ := Decoder(scope, cfg, xs, DecoderOptions{Padding: mask})
			return h
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Call(tensors.FromFlatDataAndDimensions(x, B, T, 16), tensors.FromFlatDataAndDimensions(pad, B, T))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	plain, core := run(false), run(true)
	worst := 0.0
	for p := range B * T {
		if !pad[p] {
			continue
		}
		for k := range 16 {
			worst = max(worst, math.Abs(float64(plain[p*16+k]-core[p*16+k])))
		}
	}
	if worst > 1e-5 {
		t.Errorf("attention.Core path differs from the plain path by %g", worst)
	}
	t.Logf("max |plain − Core| over real positions: %.2g", worst)
}
