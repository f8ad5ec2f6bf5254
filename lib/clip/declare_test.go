package clip

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// The declared variables are exactly the tensors a checkpoint's vision tower
// has (the loader's list, without post_layernorm) plus the paper's three new
// weights, with the same shapes; after the first run they hold the stated
// initial values, and the paper's vision tokens come out with the right
// shape.
func TestDeclareVisionWeights(t *testing.T) {
	cfg, err := ParseConfig([]byte(narrow336))
	if err != nil {
		t.Fatal(err)
	}
	v := cfg.Vision
	v.ImageSize = 56 // 4×4 patches keep the run small
	d := v.HiddenSize
	want := map[string][]int{}
	for _, s := range visionSpecs(v) {
		if !strings.Contains(s.name, "post_layernorm") {
			want[varPath("/m", s.name)] = s.shape
		}
	}
	for _, s := range []spec{
		{"vision_model.pos_layrnorm.weight", []int{d}}, {"vision_model.pos_layrnorm.bias", []int{d}},
		{"vision_model.vision_embed_merge.weight", []int{d, d, 3, 3}}, {"vision_model.token_LF", []int{1, 1, d}},
	} {
		want[varPath("/m", s.name)] = s.shape
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(3))
	be := backend.MustNew()
	exec, err := model.NewExec(be, store, func(scope *model.Scope, px *Node) *Node {
		s := scope.At("m")
		DeclareVisionWeights(s, v, dtypes.Float32, 0.02)
		DeclarePaperVisionWeights(s, d, dtypes.Float32, 0.02)
		return PaperVisionTokens(s, v, px, false)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(tensors.FromShape(shapes.Make(dtypes.Float32, 2, 3, v.ImageSize, v.ImageSize)))
	if err != nil {
		t.Fatal(err)
	}
	if got := out[0].Shape().Dimensions; !slices.Equal(got, []int{2, 2*2 + 1, d}) {
		t.Errorf("paper tokens %v, want [2 5 %d]", got, d)
	}
	seen := 0
	for vr := range store.IterVariables() {
		p := vr.Path()
		if strings.Contains(p, "#") {
			continue
		}
		shape, ok := want[p]
		if !ok {
			t.Errorf("unexpected variable %s", p)
			continue
		}
		seen++
		if !slices.Equal(vr.Shape().Dimensions, shape) {
			t.Errorf("%s: shape %v, want %v", p, vr.Shape().Dimensions, shape)
		}
		x := tensors.MustCopyFlatData[float32](vr.MustValue())
		var sum, sq float64
		for _, e := range x {
			sum += float64(e)
			sq += float64(e) * float64(e)
		}
		mean, std := sum/float64(len(x)), math.Sqrt(sq/float64(len(x)))
		switch {
		case strings.HasSuffix(p, "/bias"):
			if sq != 0 {
				t.Errorf("%s: bias not zero", p)
			}
		case strings.Contains(p, "norm"):
			if mean != 1 || std != 1 {
				t.Errorf("%s: LayerNorm weight not one", p)
			}
		case len(x) >= 64 && math.Abs(std-0.02) > 0.005:
			t.Errorf("%s: std %.4f, want about 0.02", p, std)
		}
	}
	if seen != len(want) {
		t.Errorf("%d variables declared, want %d", seen, len(want))
	}
}

// Weights a store already holds (here loaded from a checkpoint) are kept
// bit for bit; a checkpoint whose shapes disagree with the config panics.
func TestDeclareVisionWeightsKeepsLoaded(t *testing.T) {
	m, err := Load(writeRandomCheckpoint(t, vitH, ""))
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]float32{}
	for vr := range m.Store.IterVariables() {
		before[vr.Path()] = tensors.MustCopyFlatData[float32](vr.MustValue())
	}
	DeclareVisionWeights(m.Scope(), m.Config.Vision, dtypes.Float32, 0.02)
	for vr := range m.Store.IterVariables() {
		b, ok := before[vr.Path()]
		if !ok {
			t.Errorf("new variable %s", vr.Path())
			continue
		}
		if !slices.Equal(b, tensors.MustCopyFlatData[float32](vr.MustValue())) {
			t.Errorf("%s changed", vr.Path())
		}
	}
	wrong := m.Config.Vision
	wrong.IntermediateSize++
	err = func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		DeclareVisionWeights(m.Scope(), wrong, dtypes.Float32, 0.02)
		return nil
	}()
	if err == nil || !strings.Contains(err.Error(), "fc1") {
		t.Errorf("intermediate size disagreeing with the loaded fc1: err %v", err)
	}
}
