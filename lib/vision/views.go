package vision

import (
	"fmt"
	"image"

	"golang.org/x/image/draw"
)

// CLIPMean and CLIPStd are the OpenAI CLIP normalisation constants (RGB).
var (
	CLIPMean = [3]float32{0.48145466, 0.4578275, 0.40821073}
	CLIPStd  = [3]float32{0.26862954, 0.26130258, 0.27577711}
)

// Views holds the views of one image before normalisation.
type Views struct {
	Layout Layout
	// HD is the resized and white-padded image (PaddedW×PaddedH) that the
	// local crops are cut from.
	HD *image.RGBA
	// Global is the global view's black square canvas, GlobalSide×GlobalSide
	// (at most 336 unless the input is a larger square); [Views.Pixels]
	// interpolates it to 336×336 after normalisation.
	Global *image.RGBA
	// Locals are the 336×336 local crops in row-major order.
	Locals []*image.RGBA
}

// K is the number of views: the global view plus the local crops.
func (v *Views) K() int { return 1 + len(v.Locals) }

// Process builds the global and local views of img for a crop budget hd
// (9 for the paper's HD-9; App. C).
func Process(img image.Image, hd int) (*Views, error) {
	b := img.Bounds()
	layout, err := HDLayout(b.Dx(), b.Dy(), hd)
	if err != nil {
		return nil, err
	}
	side, gw, gh, err := GlobalSize(b.Dx(), b.Dy())
	if err != nil {
		return nil, err
	}
	rgb := toRGB(img)

	// Local views: transpose, bilinear resize, centred white padding of the
	// height, transpose back, 336×336 crops row-major.
	work := rgb
	if layout.Transposed {
		work = transpose(work)
	}
	newW, newH := layout.ResizedW, layout.ResizedH
	padW, padH := layout.PaddedW, layout.PaddedH
	if layout.Transposed {
		newW, newH, padW, padH = newH, newW, padH, padW
	}
	resized := resize(work, newW, newH, draw.BiLinear)
	hdImg := filled(padW, padH, 255)
	paste(hdImg, resized, 0, layout.PadBefore)
	if layout.Transposed {
		hdImg = transpose(hdImg)
	}
	v := &Views{Layout: layout, HD: hdImg}
	for r := 0; r < layout.Rows; r++ {
		for c := 0; c < layout.Cols; c++ {
			crop := image.NewRGBA(image.Rect(0, 0, ViewSize, ViewSize))
			sub := hdImg.SubImage(image.Rect(c*ViewSize, r*ViewSize, (c+1)*ViewSize, (r+1)*ViewSize)).(*image.RGBA)
			paste(crop, sub, 0, 0)
			v.Locals = append(v.Locals, crop)
		}
	}

	// Global view: Lanczos resize of the long side to 336 (non-square images
	// only), pasted centred on a black square.
	g := rgb
	if gw != b.Dx() || gh != b.Dy() {
		g = resize(rgb, gw, gh, Lanczos3)
	}
	v.Global = filled(side, side, 0)
	paste(v.Global, g, (side-gw)/2, (side-gh)/2)
	return v, nil
}

// ProcessFile loads a PNG or JPEG file and builds its views.
func ProcessFile(path string, hd int) (*Views, error) {
	img, err := Load(path)
	if err != nil {
		return nil, err
	}
	v, err := Process(img, hd)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return v, nil
}

// Pixels is a batch of normalised views, a [K,3,336,336] float32 tensor in
// row-major order.
type Pixels struct {
	K    int
	Data []float32
}

// Shape returns the tensor's dimensions [K, 3, 336, 336].
func (p *Pixels) Shape() []int { return []int{p.K, 3, ViewSize, ViewSize} }

// View returns the [3,336,336] slice of view k.
func (p *Pixels) View(k int) []float32 {
	n := 3 * ViewSize * ViewSize
	return p.Data[k*n : (k+1)*n]
}

// normalize converts an RGBA image into [3,H,W] CLIP-normalised planes.
func normalize(img *image.RGBA) []float32 {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := make([]float32, 3*w*h)
	for y := 0; y < h; y++ {
		row := img.Pix[img.PixOffset(b.Min.X, b.Min.Y+y):]
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				v := float32(row[4*x+c]) / 255
				out[c*w*h+y*w+x] = (v - CLIPMean[c]) / CLIPStd[c]
			}
		}
	}
	return out
}

// Pixels returns the model input: the global view then the local crops,
// normalised, as [K,3,336,336]. The global canvas is interpolated to 336×336
// (bicubic, after normalisation) when its side is not 336.
func (v *Views) Pixels() *Pixels {
	n := 3 * ViewSize * ViewSize
	p := &Pixels{K: v.K(), Data: make([]float32, 0, v.K()*n)}
	g := normalize(v.Global)
	side := v.Global.Bounds().Dx()
	if side != ViewSize {
		planes := make([]float32, 0, n)
		for c := 0; c < 3; c++ {
			planes = append(planes, bicubicPlane(g[c*side*side:(c+1)*side*side], side, side, ViewSize, ViewSize)...)
		}
		g = planes
	}
	p.Data = append(p.Data, g...)
	for _, l := range v.Locals {
		p.Data = append(p.Data, normalize(l)...)
	}
	return p
}

// Image returns view k of the tensor as an 8-bit image (the normalisation
// undone, rounded and clamped): what the vision tower sees.
func (p *Pixels) Image(k int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, ViewSize, ViewSize))
	d := p.View(k)
	hw := ViewSize * ViewSize
	for i := 0; i < hw; i++ {
		for c := 0; c < 3; c++ {
			x := (d[c*hw+i]*CLIPStd[c] + CLIPMean[c]) * 255
			img.Pix[4*i+c] = uint8(min(max(x+0.5, 0), 255))
		}
		img.Pix[4*i+3] = 255
	}
	return img
}
