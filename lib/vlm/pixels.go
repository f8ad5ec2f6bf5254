package vlm

// Image files and decoded images as the vision tower's input: one global
// view for toy models, the paper's HD-n views (Appendix C) otherwise.

import (
	"fmt"
	"image"

	"golang.org/x/image/draw"

	"github.com/tokenscale/tokenscale/lib/vision"
)

// GlobalView resizes img to size×size (bilinear) and normalises it with
// CLIP's mean and std: the single view of toy models (HD = 0).
func GlobalView(img image.Image, size int) []float32 {
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	out := make([]float32, 3*size*size)
	for y := range size {
		for x := range size {
			o := dst.PixOffset(x, y)
			for c := range 3 {
				v := float32(dst.Pix[o+c]) / 255
				out[(c*size+y)*size+x] = (v - vision.CLIPMean[c]) / vision.CLIPStd[c]
			}
		}
	}
	return out
}

// Pixels loads an image file as the model's views ([Config.ImagePixels]).
func (c Config) Pixels(path string) ([]float32, int, error) {
	img, err := vision.Load(path)
	if err != nil {
		return nil, 0, err
	}
	pix, views, err := c.ImagePixels(img)
	if err != nil {
		return nil, 0, fmt.Errorf("%w (file %s)", err, path)
	}
	return pix, views, nil
}

// ImagePixels turns a decoded image into the model's views and returns
// their pixels and number: one global view for HD = 0, the paper's HD-n
// views through lib/vision otherwise.
func (c Config) ImagePixels(img image.Image) ([]float32, int, error) {
	if c.HD == 0 {
		return GlobalView(img, c.Vision.ImageSize), 1, nil
	}
	if c.Vision.ImageSize != vision.ViewSize {
		return nil, 0, fmt.Errorf("vlm: HD-%d views are %d px, the vision tower takes %d", c.HD, vision.ViewSize, c.Vision.ImageSize)
	}
	v, err := vision.Process(img, c.HD)
	if err != nil {
		return nil, 0, err
	}
	p := v.Pixels()
	return p.Data, p.K, nil
}
