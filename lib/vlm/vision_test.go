package vlm

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

func flatten3(x [][][]float64) []float64 {
	var out []float64
	for _, a := range x {
		for _, b := range a {
			out = append(out, b...)
		}
	}
	return out
}

// The vision tower is checked against the shared golden CLIP (an independent
// PyTorch implementation of Hugging Face's CLIPModel).
func TestVisionTowerMatchesGoldenCLIP(t *testing.T) {
	dir := "../../../shared/golden/clip-tiny"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/golden/clip-tiny absent: golden parity test skipped")
	}
	var cfg struct {
		Vision VisionConfig `json:"vision_config"`
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Pixels [][][][]float64 `json:"pixel_values"`
		Last   [][][]float64   `json:"vision_last_hidden_state"`
	}
	raw, _ = os.ReadFile(filepath.Join(dir, "expected.json"))
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	ck, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	var pix []float32
	for _, img := range exp.Pixels {
		for _, v := range flatten3(img) {
			pix = append(pix, float32(v))
		}
	}
	be := backend.MustNew()
	store := model.NewStore()
	ld := &fusion.Loader{Backend: be}
	ld.Mount("/", ck)
	store.SetLoader(ld)
	s := cfg.Vision.ImageSize
	got, err := model.NewExec(be, store, func(scope *model.Scope, p *Node) *Node {
		return VisionTower(scope.In("vision_model"), cfg.Vision, p)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := got.Call(tensors.FromFlatDataAndDimensions(pix, len(exp.Pixels), 3, s, s))
	if err != nil {
		t.Fatal(err)
	}
	vals := tensors.MustCopyFlatData[float32](out[0])
	want := flatten3(exp.Last)
	maxd := 0.0
	for i := range want {
		maxd = math.Max(maxd, math.Abs(float64(vals[i])-want[i]))
	}
	if len(vals) != len(want) || maxd > 1e-4 {
		t.Errorf("vision tower: %d values vs %d, max |diff| %g", len(vals), len(want), maxd)
	}
}

// The im2col merge is checked against a direct loop over the convolution.
func TestMergeViewsAgainstLoop(t *testing.T) {
	c := VisionConfig{ImageSize: 8, PatchSize: 2, Hidden: 3, Intermediate: 4, Layers: 1, Heads: 1, LayerNormEps: 1e-5}
	g, h, N := c.Grid(), c.Hidden, 2
	r := rand.New(rand.NewPCG(7, 8))
	in := make([]float32, N*(g*g+1)*h)
	for i := range in {
		in[i] = float32(r.NormFloat64())
	}
	be := backend.MustNew()
	store := model.NewStore()
	exec, err := model.NewExec(be, store, func(scope *model.Scope, x *Node) *Node { return MergeViews(scope, c, x) })
	if err != nil {
		t.Fatal(err)
	}
	out := tensors.MustCopyFlatData[float32](exec.MustCall1(tensors.FromFlatDataAndDimensions(in, N, g*g+1, h)))
	w := tensors.MustCopyFlatData[float32](store.GetVariable("/vision_embed_merge/weight").MustValue())
	lf := tensors.MustCopyFlatData[float32](store.GetVariable("/token_LF").MustValue())
	m := g / 2
	for n := range N {
		// LayerNorm (weight 1, bias 0), drop CLS.
		x := make([]float64, g*g*h)
		for p := range g * g {
			row := in[(n*(g*g+1)+1+p)*h:][:h]
			mean, v := 0.0, 0.0
			for _, e := range row {
				mean += float64(e)
			}
			mean /= float64(h)
			for _, e := range row {
				v += (float64(e) - mean) * (float64(e) - mean)
			}
			v /= float64(h)
			for k, e := range row {
				x[p*h+k] = (float64(e) - mean) / math.Sqrt(v+1e-5)
			}
		}
		at := func(y, xx, ch int) float64 {
			if y < 0 || xx < 0 || y >= g || xx >= g {
				return 0
			}
			return x[(y*g+xx)*h+ch]
		}
		for i := range m {
			for j := range m {
				for o := range h {
					want := at(2*i, 2*j, o) // nearest residual
					for ci := range h {
						for ky := range 3 {
							for kx := range 3 {
								want += float64(w[((o*h+ci)*3+ky)*3+kx]) * at(2*i-1+ky, 2*j-1+kx, ci)
							}
						}
					}
					got := out[(n*(m*m+1)+i*m+j)*h+o]
					if math.Abs(float64(got)-want) > 1e-4 {
						t.Fatalf("view %d token (%d,%d) ch %d: %g, want %g", n, i, j, o, got, want)
					}
				}
			}
		}
		for o := range h {
			if out[(n*(m*m+1)+m*m)*h+o] != lf[o] {
				t.Fatalf("new-line token not appended")
			}
		}
	}
	if c.TokensPerView() != m*m+1 {
		t.Errorf("TokensPerView %d", c.TokensPerView())
	}
	if p := (VisionConfig{ImageSize: 336, PatchSize: 14}); p.TokensPerView() != 145 {
		t.Errorf("paper TokensPerView %d, want 145", p.TokensPerView())
	}
}
