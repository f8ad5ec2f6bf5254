package vision

import (
	"bytes"
	"fmt"
	"github.com/tokenscale/tokenscale/lib/outfile"
	"image"
	"image/png"

	"golang.org/x/image/draw"
)

// Mosaic draws the views of one image for people: the global view on the
// left, a gap, then the local crops in their grid, each view drawn at
// cell×cell pixels (336 for full size) on a mid-grey background with a gap
// of cell/12 pixels between views. It draws what the vision tower sees: the
// normalised tensor with its normalisation undone.
func Mosaic(p *Pixels, l Layout, cell int) (*image.RGBA, error) {
	if p.K != l.Views() {
		return nil, fmt.Errorf("vision: mosaic: %d views in the tensor, %d in the layout", p.K, l.Views())
	}
	if cell < 8 {
		return nil, fmt.Errorf("vision: mosaic: cell size %d too small (want ≥ 8)", cell)
	}
	gap := max(cell/12, 2)
	w := gap + cell + 2*gap + l.Cols*(cell+gap)
	h := gap + max(cell, l.Rows*(cell+gap)-gap) + gap
	out := filled(w, h, 128)
	put := func(k, x, y int) {
		if cell == ViewSize {
			paste(out, p.Image(k), x, y)
			return
		}
		draw.ApproxBiLinear.Scale(out, image.Rect(x, y, x+cell, y+cell), p.Image(k), image.Rect(0, 0, ViewSize, ViewSize), draw.Src, nil)
	}
	put(0, gap, gap)
	x0 := gap + cell + 2*gap
	for r := 0; r < l.Rows; r++ {
		for c := 0; c < l.Cols; c++ {
			put(1+r*l.Cols+c, x0+c*(cell+gap), gap+r*(cell+gap))
		}
	}
	return out, nil
}

// EncodePNG returns the PNG encoding of img.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("vision: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// SavePNG writes img to path as PNG.
func SavePNG(path string, img image.Image) error {
	b, err := EncodePNG(img)
	if err != nil {
		return err
	}
	if err := outfile.WriteFile(path, b); err != nil { // atomic: no truncated PNG on a full disk
		return fmt.Errorf("vision: %w", err)
	}
	return nil
}
