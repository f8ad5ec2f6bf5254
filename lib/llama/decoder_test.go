package llama

import (
	"fmt"
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/tokenscale/tokenscale/lib/backend"
)

// TestDecoderPaddingAndLayers builds a fresh decoder (no vocabulary, as the
// fusion module does) and checks that a left-padded row with shifted
// positions gives the same states as the unpadded sequence, that padding
// never leaks into real positions, and that per-layer outputs come back.
func TestDecoderPaddingAndLayers(t *testing.T) {
	cfg := &Config{HiddenSize: 16, IntermediateSize: 24, NumLayers: 2, NumHeads: 4, NumKVHeads: 2, RMSNormEps: 1e-5, RopeTheta: 10000}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	be := backend.MustNew()
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(11))
	const T, pad = 4, 2
	x := make([]float32, T*cfg.HiddenSize)
	for i := range x {
		x[i] = float32(math.Cos(float64(i) * 0.7))
	}
	padded := make([]float32, (T+pad)*cfg.HiddenSize)
	for i := range padded[:pad*cfg.HiddenSize] {
		padded[i] = 100 // garbage in the padding must not matter
	}
	copy(padded[pad*cfg.HiddenSize:], x)
	var numLayers int
	e, err := model.NewExec(be, store, func(scope *model.Scope, xs, ps, mask *Node) *Node {
		h, layers := Decoder(scope.At("fusion"), cfg, xs, DecoderOptions{Positions: ps, Padding: mask})
		numLayers = len(layers)
		return h
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(v []float32, pos []int32, mask []bool) []float32 {
		n := len(pos)
		out, err := e.Call(tensors.FromFlatDataAndDimensions(v, 1, n, cfg.HiddenSize),
			tensors.FromFlatDataAndDimensions(pos, 1, n), tensors.FromFlatDataAndDimensions(mask, 1, n))
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](out[0])
	}
	plain := run(x, []int32{0, 1, 2, 3}, []bool{true, true, true, true})
	left := run(padded, []int32{0, 0, 0, 1, 2, 3}, []bool{false, false, true, true, true, true})
	d := 0.0
	for i := range plain {
		d = max(d, math.Abs(float64(plain[i]-left[pad*cfg.HiddenSize+i])))
	}
	if d > 1e-5 {
		t.Errorf("left padding changed the real states by %.2e", d)
	}
	if numLayers != cfg.NumLayers {
		t.Errorf("%d layer outputs, want %d", numLayers, cfg.NumLayers)
	}
	if n := store.Scope("/fusion").NumVariables(); n != 9*cfg.NumLayers+1 {
		t.Errorf("%d variables, want %d", n, 9*cfg.NumLayers+1)
	}
}

// ExampleLoad loads a Hugging Face Llama folder and runs one forward pass.
func ExampleLoad() {
	m, err := Load(goldenDir, 0) // a folder with config.json and model.safetensors
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Forward([][]int{{1, 5, 17}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(out.Logits[0]), len(out.Logits[0][0]), len(out.Hidden[0][0]))
	// Output: 3 97 64
}

// ExampleModel_Generate decodes greedily with the KV cache.
func ExampleModel_Generate() {
	cfg := &Config{VocabSize: 50, HiddenSize: 32, IntermediateSize: 64, NumLayers: 2, NumHeads: 4, RMSNormEps: 1e-5, RopeTheta: 10000}
	m, err := NewRandom(cfg, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := m.Generate([]int{1, 2, 3}, GenerateOptions{MaxNewTokens: 5, StopTokens: []int{}})
	fmt.Println(len(out), err)
	// Output: 5 <nil>
}
