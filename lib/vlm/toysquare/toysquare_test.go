package toysquare

import (
	"image/color"
	"testing"
)

// TestDrawIs16PixelToyImage checks Draw at 16 pixels against the toy data's
// definition, pixel by pixel: white, and the square covering pixels 1…6 of
// its 8×8 quadrant.
func TestDrawIs16PixelToyImage(t *testing.T) {
	white := color.RGBA{255, 255, 255, 255}
	for q := range 4 {
		for _, col := range ColourNames {
			img := Draw(col, q, 16)
			x0, y0 := 8*(q%2), 8*(q/2)
			for y := range 16 {
				for x := range 16 {
					want := white
					if x >= x0+1 && x < x0+7 && y >= y0+1 && y < y0+7 {
						want = Colours[col]
					}
					if got := img.RGBAAt(x, y); got != want {
						t.Fatalf("%s in quadrant %d: pixel (%d, %d) = %v, want %v", col, q, x, y, got, want)
					}
				}
			}
		}
	}
	if len(Places) != 4 || len(ColourNames) != len(Colours) {
		t.Errorf("%d places, %d colour names for %d colours", len(Places), len(ColourNames), len(Colours))
	}
}
