package clip_test

import (
	"fmt"
	"os"

	"github.com/tokenscale/tokenscale/lib/clip"
)

func ExampleModel_Text() {
	dir := "../../../shared/golden/clip-tiny" // any Hugging Face CLIPModel folder
	if _, err := os.Stat(dir); err != nil {
		fmt.Println("[2 24]") // the golden folder is not next to this clone
		return
	}
	m, err := clip.Load(dir)
	if err != nil {
		panic(err)
	}
	r, err := m.Text([][]int{{118, 5, 9, 33, 119}, {118, 64, 119}})
	if err != nil {
		panic(err)
	}
	fmt.Println(r.TextEmbeds.Shape)
	// Output: [2 24]
}
