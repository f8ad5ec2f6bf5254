package vision

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// halves draws a w×h image whose left half is red and right half blue.
func halves(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBA{220, 20, 20, 255}
			if x >= w/2 {
				c = color.NRGBA{20, 20, 220, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

func at(img *image.RGBA, x, y int) [3]uint8 {
	i := img.PixOffset(x, y)
	return [3]uint8{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}
}

var (
	red   = [3]uint8{220, 20, 20}
	blue  = [3]uint8{20, 20, 220}
	white = [3]uint8{255, 255, 255}
	black = [3]uint8{0, 0, 0}
)

func TestProcessLandscape(t *testing.T) {
	// 1920×1080 → resized 1008×567, padded to 1008×672: 52 white rows on top
	// (int((672−567)/2)), 53 at the bottom; a 2×3 grid.
	v, err := Process(halves(1920, 1080), 9)
	if err != nil {
		t.Fatal(err)
	}
	if v.K() != 7 || len(v.Locals) != 6 {
		t.Fatalf("K = %d, want 7", v.K())
	}
	if v.Layout.PadBefore != 52 {
		t.Errorf("PadBefore = %d, want 52", v.Layout.PadBefore)
	}
	for _, tc := range []struct {
		view, x, y int
		want       [3]uint8
	}{
		{0, 10, 51, white}, {0, 10, 52, red}, {0, 335, 200, red},
		{2, 300, 51, white}, {2, 300, 52, blue},
		{3, 10, 335 - 54, red}, {3, 10, 335 - 52, white}, {5, 300, 335, white},
		{4, 10, 100, red}, // column 1 covers x in [336, 672): left of 504
		{4, 300, 100, blue},
	} {
		if got := at(v.Locals[tc.view], tc.x, tc.y); got != tc.want {
			t.Errorf("local %d at (%d,%d) = %v, want %v", tc.view, tc.x, tc.y, got, tc.want)
		}
	}
	// Global: 336×189 pasted at y = (336−189)/2 = 73 on black.
	if b := v.Global.Bounds(); b.Dx() != 336 || b.Dy() != 336 {
		t.Fatalf("global canvas %v", b)
	}
	for _, tc := range []struct {
		x, y int
		want [3]uint8
	}{{5, 72, black}, {5, 73, red}, {330, 261, blue}, {330, 262, black}} {
		if got := at(v.Global, tc.x, tc.y); got != tc.want {
			t.Errorf("global at (%d,%d) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
}

func TestProcessPortraitTransposes(t *testing.T) {
	// 500×1500 → resized 448×1344 (from the transposed 1344×448), padded to
	// 672×1344: 112 white columns left and right; 4 rows × 2 columns.
	v, err := Process(halves(500, 1500), 9)
	if err != nil {
		t.Fatal(err)
	}
	if v.K() != 9 || v.Layout.Rows != 4 || v.Layout.Cols != 2 {
		t.Fatalf("K %d grid %d×%d, want 9 and 4×2", v.K(), v.Layout.Rows, v.Layout.Cols)
	}
	if b := v.HD.Bounds(); b.Dx() != 672 || b.Dy() != 1344 {
		t.Fatalf("HD image %v, want 672×1344", b)
	}
	for r := 0; r < 4; r++ {
		left, right := v.Locals[2*r], v.Locals[2*r+1]
		for _, tc := range []struct {
			img  *image.RGBA
			x    int
			want [3]uint8
		}{{left, 111, white}, {left, 112, red}, {left, 330, red}, {right, 5, blue}, {right, 223, blue}, {right, 224, white}} {
			if got := at(tc.img, tc.x, 100); got != tc.want {
				t.Errorf("row %d x=%d: %v, want %v", r, tc.x, got, tc.want)
			}
		}
	}
	// Global: 112×336 centred at x = 112.
	for _, tc := range []struct {
		x    int
		want [3]uint8
	}{{111, black}, {112, red}, {223, blue}, {224, black}} {
		if got := at(v.Global, tc.x, 100); got != tc.want {
			t.Errorf("global x=%d: %v, want %v", tc.x, got, tc.want)
		}
	}
}

// A uniform image stays uniform through every resize; the tensor holds
// (c/255 − mean)/std, and a small square's global view is interpolated to
// 336 (bicubic of a constant is the constant).
func TestPixelsNormalisation(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 100, 100))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	v, err := Process(img, 9)
	if err != nil {
		t.Fatal(err)
	}
	if v.Global.Bounds().Dx() != 100 {
		t.Fatalf("global canvas side %d, want 100", v.Global.Bounds().Dx())
	}
	p := v.Pixels()
	if p.K != 10 || len(p.Data) != 10*3*336*336 {
		t.Fatalf("pixels K=%d len=%d", p.K, len(p.Data))
	}
	for k := 0; k < p.K; k++ {
		d := p.View(k)
		for c := 0; c < 3; c++ {
			want := (200.0/255 - float64(CLIPMean[c])) / float64(CLIPStd[c])
			for _, i := range []int{0, 336*168 + 17, 336*336 - 1} {
				if got := float64(d[c*336*336+i]); math.Abs(got-want) > 1e-5 {
					t.Fatalf("view %d channel %d pixel %d: %g, want %g", k, c, i, got, want)
				}
			}
		}
		if got := at(p.Image(k), 50, 50); got != [3]uint8{200, 200, 200} {
			t.Errorf("view %d round trip: %v", k, got)
		}
	}
}

// keys is the cubic convolution kernel of Keys (1981) with a = −0.75, the
// parameter PyTorch uses, written from its piecewise definition.
func keys(x float64) float64 {
	const a = -0.75
	x = math.Abs(x)
	switch {
	case x <= 1:
		return (a+2)*x*x*x - (a+3)*x*x + 1
	case x < 2:
		return a*x*x*x - 5*a*x*x + 8*a*x - 4*a
	}
	return 0
}

// bicubicPlane against a direct sum over the four taps of each axis, with
// the source coordinate (i+0.5)·in/out − 0.5 and clamped indices.
func TestBicubicPlaneDirect(t *testing.T) {
	for _, tc := range []struct{ h, w, oh, ow int }{{10, 10, 37, 37}, {7, 12, 336, 336}, {50, 40, 13, 17}} {
		src := make([]float32, tc.h*tc.w)
		for i := range src {
			src[i] = float32(math.Sin(float64(i)*0.7) + 0.1*float64(i%5))
		}
		dst := bicubicPlane(src, tc.h, tc.w, tc.oh, tc.ow)
		clamp := func(i, n int) int { return min(max(i, 0), n-1) }
		for y := 0; y < tc.oh; y++ {
			sy := (float64(y)+0.5)*float64(tc.h)/float64(tc.oh) - 0.5
			for x := 0; x < tc.ow; x++ {
				sx := (float64(x)+0.5)*float64(tc.w)/float64(tc.ow) - 0.5
				var want float64
				for j := int(math.Floor(sy)) - 1; j <= int(math.Floor(sy))+2; j++ {
					for i := int(math.Floor(sx)) - 1; i <= int(math.Floor(sx))+2; i++ {
						want += keys(sy-float64(j)) * keys(sx-float64(i)) * float64(src[clamp(j, tc.h)*tc.w+clamp(i, tc.w)])
					}
				}
				if got := float64(dst[y*tc.ow+x]); math.Abs(got-want) > 1e-5 {
					t.Fatalf("%v: (%d,%d) = %g, want %g", tc, x, y, got, want)
				}
			}
		}
	}
	// Same size: the identity.
	src := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}
	same := bicubicPlane(src, 3, 3, 3, 3)
	for i := range src {
		if same[i] != src[i] {
			t.Fatalf("identity resize changed element %d: %g → %g", i, src[i], same[i])
		}
	}
}

func TestLanczos3(t *testing.T) {
	for _, tc := range []struct{ t, want float64 }{{0, 1}, {1, 0}, {2, 0}, {3, 0}, {0.5, 0.6079271018540267}} {
		// sinc(0.5)·sinc(1/6) = (2/π)·(sin(π/6)/(π/6)) = (2/π)(3/π).
		if got := Lanczos3.At(tc.t); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Lanczos3(%g) = %g, want %g", tc.t, got, tc.want)
		}
	}
}

func TestMosaic(t *testing.T) {
	v, err := Process(halves(1920, 1080), 9)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Mosaic(v.Pixels(), v.Layout, 96)
	if err != nil {
		t.Fatal(err)
	}
	gap := 8
	if b := m.Bounds(); b.Dx() != gap+96+2*gap+3*(96+gap) || b.Dy() != gap+2*(96+gap)-gap+gap {
		t.Errorf("mosaic size %v", b)
	}
	if _, err := Mosaic(v.Pixels(), Layout{Rows: 3, Cols: 3}, 96); err == nil {
		t.Error("mosaic with a mismatched layout: no error")
	}
}
