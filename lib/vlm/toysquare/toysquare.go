// Package toysquare is the picture world of the toy fusion model (lib/vlm's
// WriteToyDataset, Section 4 at toy scale): a coloured square in one
// quadrant of a white image, asked "what colour is the square?" and "where
// is the square?". It links no GoMLX, so benchmark generators
// (lib/eval/benchgen) draw the same pictures as the toy training data.
package toysquare

import (
	"image"
	"image/color"
	"image/draw"
)

// Colours are the square's colours by name.
var Colours = map[string]color.RGBA{
	"red": {220, 30, 30, 255}, "green": {30, 200, 30, 255}, "blue": {30, 30, 220, 255}, "yellow": {230, 220, 30, 255},
}

// ColourNames lists the colours in the order the data is drawn from.
var ColourNames = []string{"red", "green", "blue", "yellow"}

// Places names the quadrants 0 (top left), 1 (top right), 2 (bottom left)
// and 3 (bottom right): the answers to "where is the square?".
var Places = []string{"top left", "top right", "bottom left", "bottom right"}

// Draw draws a square of colour col (one of ColourNames) in quadrant q of a
// white size×size image, inset by max(1, size/16) pixels inside its quadrant.
func Draw(col string, q, size int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	half, inset := size/2, max(1, size/16)
	x0, y0 := half*(q%2), half*(q/2)
	draw.Draw(img, image.Rect(x0+inset, y0+inset, x0+half-inset, y0+half-inset), &image.Uniform{Colours[col]}, image.Point{}, draw.Src)
	return img
}
