package vision_test

import (
	"fmt"
	"image"

	"github.com/tokenscale/tokenscale/lib/vision"
)

func ExampleHDLayout() {
	for _, size := range [][2]int{{800, 600}, {1920, 1080}, {500, 1500}} {
		l, err := vision.HDLayout(size[0], size[1], vision.DefaultHD)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%d×%d: grid %d×%d, %d views, %d tokens\n", size[0], size[1], l.Rows, l.Cols, l.Views(), l.Tokens())
	}
	// Output:
	// 800×600: grid 3×3, 10 views, 1450 tokens
	// 1920×1080: grid 2×3, 7 views, 1015 tokens
	// 500×1500: grid 4×2, 9 views, 1305 tokens
}

func ExampleProcess() {
	img := image.NewGray(image.Rect(0, 0, 640, 480)) // any decoded image
	v, err := vision.Process(img, vision.DefaultHD)
	if err != nil {
		panic(err)
	}
	p := v.Pixels()
	fmt.Println(p.Shape())
	// Output: [10 3 336 336]
}
