package vision

import (
	"image"
	"image/color"
	"math"
)

// Scene draws a w×h test picture in code, so notebooks and tests need no
// image files: a sky gradient, a sun, hills, a house with windows, and a
// black-and-white checkerboard band along the bottom whose squares are
// 1/24 of the width (aliasing and blur show up there first when views are
// resized).
func Scene(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	fw, fh := float64(w), float64(h)
	s := math.Min(fw, fh)
	sunX, sunY, sunR := 0.8*fw, 0.22*fh, 0.11*s
	houseL, houseR := 0.18*fw, 0.46*fw
	houseTop, houseBottom := 0.48*fh, 0.80*fh
	roofTop := houseTop - 0.18*fh
	board := 0.88 * fh
	sq := fw / 24
	for y := 0; y < h; y++ {
		fy := float64(y) + 0.5
		for x := 0; x < w; x++ {
			fx := float64(x) + 0.5
			t := fy / fh
			c := color.RGBA{uint8(90 + 100*t), uint8(150 + 80*t), 235, 255} // sky
			hill := 0.62*fh + 0.06*fh*math.Sin(fx/fw*2*math.Pi*1.5)
			if math.Hypot(fx-sunX, fy-sunY) < sunR {
				c = color.RGBA{250, 200, 40, 255}
			}
			if fy > hill {
				c = color.RGBA{60, uint8(140 + 40*math.Sin(fx/fw*9)), 60, 255}
			}
			// House: walls, roof (a triangle), two windows and a door.
			if fx >= houseL && fx <= houseR && fy >= houseTop && fy <= houseBottom {
				c = color.RGBA{200, 80, 60, 255}
				wy := houseTop + 0.06*fh
				for _, wx := range []float64{houseL + 0.04*fw, houseR - 0.10*fw} {
					if fx >= wx && fx <= wx+0.06*fw && fy >= wy && fy <= wy+0.08*fh {
						c = color.RGBA{250, 240, 170, 255}
					}
				}
				mid := (houseL + houseR) / 2
				if math.Abs(fx-mid) < 0.03*fw && fy >= houseBottom-0.14*fh {
					c = color.RGBA{90, 50, 30, 255}
				}
			}
			if fy >= roofTop && fy < houseTop {
				half := (houseR - houseL) / 2 * (fy - roofTop) / (houseTop - roofTop) * 1.15
				if math.Abs(fx-(houseL+houseR)/2) <= half {
					c = color.RGBA{110, 40, 40, 255}
				}
			}
			if fy >= board {
				if (int(fx/sq)+int((fy-board)/sq))%2 == 0 {
					c = color.RGBA{0, 0, 0, 255}
				} else {
					c = color.RGBA{255, 255, 255, 255}
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}
