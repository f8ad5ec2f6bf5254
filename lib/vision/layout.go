package vision

import (
	"fmt"
	"math"
)

const (
	// ViewSize is the side of every view in pixels (CLIP ViT-L/14-336).
	ViewSize = 336
	// DefaultHD is the paper's number of local crops ("HD-9").
	DefaultHD = 9
	// TokensPerView is the number of vision tokens one view becomes after the
	// local merge: 12×12 merged patch tokens plus one new-line token (App. C).
	TokensPerView = 145
)

// Layout is the geometry of the HD views of a W×H image: the quantities of
// Phi-3-Vision's calc_hd_transform_size as adapted by the paper's code.
type Layout struct {
	Width, Height int  // the input image
	HD            int  // the crop budget (9 for HD-9)
	Transposed    bool // W < H: the rule runs on the transposed image
	Scale         int  // the number of 336-wide columns of the (transposed) image
	// ResizedW, ResizedH: the size after the bilinear resize and before
	// padding, in the original orientation.
	ResizedW, ResizedH int
	// PaddedW, PaddedH: the size after white padding (multiples of 336).
	PaddedW, PaddedH int
	// PadBefore is the number of white rows (columns when transposed) added
	// before the image; the rest of the padding goes after it.
	PadBefore  int
	Rows, Cols int // the grid of local crops: PaddedH/336 × PaddedW/336
}

// Locals is the number of local crops.
func (l Layout) Locals() int { return l.Rows * l.Cols }

// Views is the number of views: the global view plus the local crops.
func (l Layout) Views() int { return l.Locals() + 1 }

// Tokens is the number of vision tokens of the image after the local merge:
// 145 per view.
func (l Layout) Tokens() int { return l.Views() * TokensPerView }

// HDLayout computes the HD view layout of a width×height image for a crop
// budget hd (9 for the paper). It fails for empty sizes, hd < 1, and aspect
// ratios so extreme that the resized short side would be zero pixels.
func HDLayout(width, height, hd int) (Layout, error) {
	if width <= 0 || height <= 0 {
		return Layout{}, fmt.Errorf("vision: image size %d×%d is empty", width, height)
	}
	if hd < 1 {
		return Layout{}, fmt.Errorf("vision: hd = %d, want at least 1 local crop", hd)
	}
	l := Layout{Width: width, Height: height, HD: hd}
	w, h := width, height
	if w < h {
		l.Transposed = true
		w, h = h, w
	}
	// The same float64 arithmetic as the Python reference.
	ratio := float64(w) / float64(h)
	scale := 1
	for float64(scale)*math.Ceil(float64(scale)/ratio) <= float64(hd) {
		scale++
	}
	scale--
	if scale < 1 {
		// Unreachable for hd ≥ 1 (1·ceil(1/ratio) = 1 since ratio ≥ 1).
		return Layout{}, fmt.Errorf("vision: no HD scale fits %d×%d in %d crops", width, height, hd)
	}
	newW := scale * ViewSize
	newH := int(float64(newW) / ratio)
	if newH < 1 {
		return Layout{}, fmt.Errorf("vision: image size %d×%d is too elongated: its short side would be resized to 0 pixels", width, height)
	}
	padH := int(math.Ceil(float64(newH)/ViewSize)) * ViewSize
	l.Scale = scale
	l.PadBefore = (padH - newH) / 2
	if l.Transposed {
		l.ResizedW, l.ResizedH = newH, newW
		l.PaddedW, l.PaddedH = padH, newW
	} else {
		l.ResizedW, l.ResizedH = newW, newH
		l.PaddedW, l.PaddedH = newW, padH
	}
	l.Rows, l.Cols = l.PaddedH/ViewSize, l.PaddedW/ViewSize
	return l, nil
}

// GlobalSize returns the side of the black square canvas of the global view
// before its final interpolation to 336, and the size (w, h) the image has
// on it, as the paper's image_expand2square computes them: a square image is
// kept as it is (even when larger than 336); otherwise, when the long side
// exceeds 336 it becomes 336 and the short side becomes int(short·(336/long)).
// It fails when that short side would be zero pixels.
func GlobalSize(width, height int) (side, w, h int, err error) {
	if width <= 0 || height <= 0 {
		return 0, 0, 0, fmt.Errorf("vision: image size %d×%d is empty", width, height)
	}
	long := max(width, height)
	if width == height || long <= ViewSize {
		return long, width, height, nil
	}
	ratio := float64(ViewSize) / float64(long)
	if width > height {
		w, h = ViewSize, int(float64(height)*ratio)
	} else {
		w, h = int(float64(width)*ratio), ViewSize
	}
	if w < 1 || h < 1 {
		return 0, 0, 0, fmt.Errorf("vision: image size %d×%d is too elongated: the global view's short side would be 0 pixels", width, height)
	}
	return ViewSize, w, h, nil
}
