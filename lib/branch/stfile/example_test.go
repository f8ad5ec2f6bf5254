package stfile_test

import (
	"os"
	"path/filepath"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/branch/stfile"
)

// The pairs of Example, dumped as safetensors (pair.000000.chosen, …) and
// read back: the same closed form, Ê(n) = 2n, ĝ = 1.
func ExampleReadSafetensorsStates() {
	dir, err := os.MkdirTemp("", "states")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "states.safetensors")
	w, err := stfile.CreateStates(path, "F32")
	if err != nil {
		panic(err)
	}
	for k, scale := range []float64{1, 3} {
		var chosen, rejected [][]float64
		for t := 0; t < 3; t++ {
			chosen = append(chosen, []float64{scale, 0, 0, scale})
			rejected = append(rejected, []float64{0, 0, 0, 0})
		}
		if err := w.WritePair(k, chosen, rejected); err != nil {
			panic(err)
		}
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	var acc branch.Accumulator
	if err := stfile.ReadSafetensorsStates(path, branch.PairOptions{}, acc.Add); err != nil {
		panic(err)
	}
	_ = branch.WriteCSV(os.Stdout, acc.Result(branch.Options{}))
	// Output:
	// n,pairs,E,E_std,g,r,dg
	// 1,2,2,1,,,
	// 2,2,4,2,1,1,0
	// 3,2,6,3,1,0.5,
}
