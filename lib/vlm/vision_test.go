package vlm

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/internal/testfiles"
	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/clip"
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

// refVisionTokens is a direct loop over the App. C vision head from the last
// encoder layer's states [N, 1+g², H]: LayerNorm (weight lw, bias lb, eps 1e-5), the
// class token dropped, a 3×3 stride-2 padding-1 bias-free convolution with
// w [H, H, 3, 3] plus the nearest-neighbour residual x[2i, 2j], and the
// new-line token lf appended: [N, (g/2)²+1, H].
func refVisionTokens(last []float64, n, g, h int, lw, lb, w, lf []float32) []float64 {
	m := g / 2
	var out []float64
	for v := range n {
		x := make([]float64, g*g*h)
		for p := range g * g {
			row := last[(v*(g*g+1)+1+p)*h:][:h]
			mean, vr := 0.0, 0.0
			for _, e := range row {
				mean += e
			}
			mean /= float64(h)
			for _, e := range row {
				vr += (e - mean) * (e - mean)
			}
			vr /= float64(h)
			for k, e := range row {
				x[p*h+k] = (e-mean)/math.Sqrt(vr+1e-5)*float64(lw[k]) + float64(lb[k])
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
					s := at(2*i, 2*j, o)
					for ci := range h {
						for ky := range 3 {
							for kx := range 3 {
								s += float64(w[((o*h+ci)*3+ky)*3+kx]) * at(2*i-1+ky, 2*j-1+kx, ci)
							}
						}
					}
					out = append(out, s)
				}
			}
		}
		for o := range h {
			out = append(out, float64(lf[o]))
		}
	}
	return out
}

// The vision side of the model is checked against testdata's golden CLIP
// (an independent PyTorch run of Hugging Face's CLIPModel): the tower's last
// hidden state, read from the model's own store layout (/clip mounted from
// the checkpoint), and Config.VisionTokens against a direct loop over
// the App. C head applied to the golden last hidden state, with the paper's new
// weights (absent from the checkpoint, so created by VisionTokens) read
// back from the store.
func TestVisionTokensMatchGoldenCLIP(t *testing.T) {
	dir := testfiles.Path(t, "golden", "clip-tiny")
	var hf struct {
		Vision VisionConfig `json:"vision_config"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &hf); err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Pixels [][][][]float64 `json:"pixel_values"`
		Last   [][][]float64   `json:"vision_last_hidden_state"`
	}
	raw, err = os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
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
	c := Config{Vision: hf.Vision}
	be := backend.MustNew()
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(5))
	ld := &fusion.Loader{Backend: be}
	ld.Mount("/"+ScopeCLIP, ck)
	store.SetLoader(ld)
	exec, err := model.NewExec(be, store, func(scope *model.Scope, p *Node) []*Node {
		tokens := c.VisionTokens(scope, p)
		cv := c.Vision.CLIP()
		states := clip.VisionHiddenStates(scope.At(ScopeCLIP), cv, p, cv.NumHiddenLayers)
		return []*Node{states[len(states)-1], tokens}
	})
	if err != nil {
		t.Fatal(err)
	}
	n, s, g, h := len(exp.Pixels), c.Vision.ImageSize, c.Vision.Grid(), c.Vision.Hidden
	out, err := exec.Call(tensors.FromFlatDataAndDimensions(pix, n, 3, s, s))
	if err != nil {
		t.Fatal(err)
	}
	if ld.Err != nil {
		t.Fatal(ld.Err)
	}
	maxDiff := func(got []float32, want []float64) float64 {
		if len(got) != len(want) {
			t.Fatalf("%d values, want %d", len(got), len(want))
		}
		d := 0.0
		for i := range want {
			d = math.Max(d, math.Abs(float64(got[i])-want[i]))
		}
		return d
	}
	golden := flatten3(exp.Last)
	d := maxDiff(tensors.MustCopyFlatData[float32](out[0]), golden)
	t.Logf("vision tower vs golden: max |diff| %.3g over %d values", d, len(golden))
	if d > 1e-4 {
		t.Errorf("vision tower: max |diff| %g against the golden last hidden state", d)
	}

	get := func(path string) []float32 {
		v := store.GetVariable(path)
		if v == nil {
			t.Fatalf("no variable %s", path)
		}
		return tensors.MustCopyFlatData[float32](v.MustValue())
	}
	vm := "/" + ScopeCLIP + "/vision_model/"
	want := refVisionTokens(golden, n, g, h, get(vm+"pos_layrnorm/weight"), get(vm+"pos_layrnorm/bias"),
		get(vm+"vision_embed_merge/weight"), get(vm+"token_LF"))
	if dims := out[1].Shape().Dimensions; dims[0] != n*c.Vision.TokensPerView() || dims[1] != h {
		t.Fatalf("VisionTokens shape %v, want [%d %d]", dims, n*c.Vision.TokensPerView(), h)
	}
	d = maxDiff(tensors.MustCopyFlatData[float32](out[1]), want)
	t.Logf("VisionTokens vs loop over the golden states: max |diff| %.3g", d)
	if d > 1e-4 {
		t.Errorf("VisionTokens: max |diff| %g against the loop over the golden states", d)
	}
	// The merge weights were created (random), not left at zero.
	if w := get(vm + "vision_embed_merge/weight"); w[0] == 0 && w[1] == 0 {
		t.Error("vision_embed_merge/weight was not initialised")
	}
}

// Token counts per view: (g/2)² merged tokens plus the new-line token.
func TestTokensPerView(t *testing.T) {
	for _, tc := range []struct {
		c    VisionConfig
		want int
	}{
		{VisionConfig{ImageSize: 336, PatchSize: 14}, 145}, // the paper: 24×24 patches → 144 + 1
		{VisionConfig{ImageSize: 16, PatchSize: 4}, 5},     // ToyConfig
		{VisionConfig{ImageSize: 28, PatchSize: 7}, 5},     // the golden clip-tiny
	} {
		if got := tc.c.TokensPerView(); got != tc.want {
			t.Errorf("%d px / %d: %d tokens per view, want %d", tc.c.ImageSize, tc.c.PatchSize, got, tc.want)
		}
	}
}

// The random CLIP folder of the toy model is a complete Hugging Face
// CLIPModel that lib/clip loads, with the tower's sizes and the text tower.
func TestWriteRandomCLIPLoadsInLibCLIP(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "clip")
	c := ToyConfig(4)
	if err := WriteRandomCLIP(dir, c, 1); err != nil {
		t.Fatal(err)
	}
	m, err := clip.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !m.HasVision || !m.HasText || !m.HasTextProjection {
		t.Errorf("loaded parts: vision %v text %v text_projection %v", m.HasVision, m.HasText, m.HasTextProjection)
	}
	if m.Config.Vision != c.Vision.CLIP() {
		t.Errorf("vision config %+v, want %+v", m.Config.Vision, c.Vision.CLIP())
	}
}
