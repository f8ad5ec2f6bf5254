package branch_test

import (
	"fmt"
	"os"

	"github.com/tokenscale/tokenscale/lib/branch"
)

// Two pairs whose answers differ by identical steps d_t = v = (s,0,0,s),
// s = 1 and 3: wᵀv = 2s/√4 = s, so Ê(n) = mean(n, 3n) = 2n with spread n,
// ĝ = 1, r = 1/(n−1), and λ = 2 makes the bound λ·n equal Ê(n).
func Example() {
	var acc branch.Accumulator
	for _, scale := range []float64{1, 3} {
		var chosen, rejected [][]float64
		for t := 0; t < 4; t++ {
			chosen = append(chosen, []float64{scale, 0, 0, scale})
			rejected = append(rejected, []float64{0, 0, 0, 0})
		}
		curve, err := branch.ComputePair(chosen, rejected, branch.PairOptions{})
		if err != nil {
			panic(err)
		}
		if err := acc.Add(curve); err != nil {
			panic(err)
		}
	}
	res := acc.Result(branch.Options{})
	_ = branch.WriteCSV(os.Stdout, res)
	fmt.Printf("lambda=%.0f\n", res.Lambda)
	// Output:
	// n,pairs,E,E_std,g,r,dg
	// 1,2,2,1,,,
	// 2,2,4,2,1,1,0
	// 3,2,6,3,1,0.5,0
	// 4,2,8,4,1,0.3333333333333333,
	// lambda=2
}
