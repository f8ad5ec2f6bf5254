package vision

import "testing"

func TestScene(t *testing.T) {
	img := Scene(800, 600)
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 600 {
		t.Fatalf("size %v", b)
	}
	for _, tc := range []struct {
		x, y int
		want [3]uint8
	}{
		{640, 132, [3]uint8{250, 200, 40}}, // the sun's centre (0.8w, 0.22h)
		{6, 594, [3]uint8{255, 255, 255}},  // checkerboard: row 1 (y ≥ 561), column 0
		{6, 540, [3]uint8{0, 0, 0}},        // row 0, column 0
	} {
		if got := at(img, tc.x, tc.y); got != tc.want {
			t.Errorf("(%d,%d) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
}
