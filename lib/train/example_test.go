package train_test

import (
	"fmt"

	"github.com/tokenscale/tokenscale/lib/train"
)

// The learning rate of the paper's stage-2 schedule (cosine, warm-up 3%)
// over a 1000-step run.
func ExampleLearningRate() {
	for _, step := range []int{0, 15, 30, 515, 999} {
		fmt.Printf("step %4d: %.3g\n", step, train.LearningRate(step, 1000, 0.03, 2e-5))
	}
	// Output:
	// step    0: 0
	// step   15: 1e-05
	// step   30: 2e-05
	// step  515: 1e-05
	// step  999: 5.24e-11
}
