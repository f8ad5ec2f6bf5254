package vision

import (
	"image"
	"image/color"
	stddraw "image/draw"
	"math"

	"golang.org/x/image/draw"
)

// Lanczos3 is the Lanczos window with a = 3, sinc(t)·sinc(t/3) on |t| < 3,
// as an x/image/draw kernel: the filter PIL calls LANCZOS.
var Lanczos3 = &draw.Kernel{Support: 3, At: func(t float64) float64 {
	if t == 0 {
		return 1
	}
	if t >= 3 {
		return 0
	}
	pt := math.Pi * t
	return 3 * math.Sin(pt) * math.Sin(pt/3) / (pt * pt)
}}

// toRGB converts any image to an opaque RGBA image with its origin at
// (0, 0). Like PIL's convert("RGB"), transparency is dropped, not composited:
// the colour channels are kept (un-premultiplied) and alpha becomes 255.
func toRGB(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch s := src.(type) {
	case *image.NRGBA:
		for y := 0; y < b.Dy(); y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst.Pix[dst.PixOffset(0, y):]
			for x := 0; x < b.Dx(); x++ {
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = row[4*x], row[4*x+1], row[4*x+2], 255
			}
		}
		return dst
	case *image.NRGBA64:
		for y := 0; y < b.Dy(); y++ {
			row := s.Pix[s.PixOffset(b.Min.X, b.Min.Y+y):]
			out := dst.Pix[dst.PixOffset(0, y):]
			for x := 0; x < b.Dx(); x++ {
				out[4*x], out[4*x+1], out[4*x+2], out[4*x+3] = row[8*x], row[8*x+2], row[8*x+4], 255
			}
		}
		return dst
	}
	if o, ok := src.(interface{ Opaque() bool }); ok && o.Opaque() {
		stddraw.Draw(dst, dst.Bounds(), src, b.Min, stddraw.Src)
		return dst
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			c := color.NRGBAModel.Convert(src.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA)
			dst.SetRGBA(x, y, color.RGBA{c.R, c.G, c.B, 255})
		}
	}
	return dst
}

// transpose swaps the axes of an image (PIL's Image.TRANSPOSE).
func transpose(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			si := src.PixOffset(b.Min.X+x, b.Min.Y+y)
			di := dst.PixOffset(y, x)
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// resize scales src to w×h with a separable kernel (antialiased when
// shrinking). An unchanged size returns a copy.
func resize(src *image.RGBA, w, h int, k *draw.Kernel) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if src.Bounds().Dx() == w && src.Bounds().Dy() == h {
		stddraw.Draw(dst, dst.Bounds(), src, src.Bounds().Min, stddraw.Src)
		return dst
	}
	k.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

// filled returns a w×h opaque image of one grey level.
func filled(w, h int, level uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = level, level, level, 255
	}
	return img
}

// paste copies src onto dst with its top-left corner at (x, y).
func paste(dst, src *image.RGBA, x, y int) {
	b := src.Bounds()
	stddraw.Draw(dst, image.Rect(x, y, x+b.Dx(), y+b.Dy()), src, b.Min, stddraw.Src)
}

// cubicWeights returns PyTorch's bicubic convolution weights (A = −0.75) of
// the four taps around a sample with fractional offset t.
func cubicWeights(t float64) [4]float64 {
	const a = -0.75
	c1 := func(x float64) float64 { return ((a+2)*x-(a+3))*x*x + 1 }
	c2 := func(x float64) float64 { return ((a*x-5*a)*x+8*a)*x - 4*a }
	return [4]float64{c2(t + 1), c1(t), c1(1 - t), c2(2 - t)}
}

// bicubicPlane resizes one channel plane (h×w, row-major) to oh×ow as
// torch.nn.functional.interpolate(mode="bicubic", align_corners=False)
// does: source coordinate (i+0.5)·in/out − 0.5, four taps, indices clamped
// to the border, no antialiasing, no clamping of the values.
func bicubicPlane(src []float32, h, w, oh, ow int) []float32 {
	type taps struct {
		idx [4]int
		wt  [4]float64
	}
	plan := func(in, out int) []taps {
		p := make([]taps, out)
		scale := float64(in) / float64(out)
		for i := range p {
			real := scale*(float64(i)+0.5) - 0.5
			f := math.Floor(real)
			p[i].wt = cubicWeights(real - f)
			for k := 0; k < 4; k++ {
				p[i].idx[k] = min(max(int(f)-1+k, 0), in-1)
			}
		}
		return p
	}
	px, py := plan(w, ow), plan(h, oh)
	dst := make([]float32, oh*ow)
	for oy, ty := range py {
		for ox, tx := range px {
			var acc float64
			for ky := 0; ky < 4; ky++ {
				row := src[ty.idx[ky]*w:]
				var r float64
				for kx := 0; kx < 4; kx++ {
					r += tx.wt[kx] * float64(row[tx.idx[kx]])
				}
				acc += ty.wt[ky] * r
			}
			dst[oy*ow+ox] = float32(acc)
		}
	}
	return dst
}
