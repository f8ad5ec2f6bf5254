// Package ckpttest compares a training graph's gradients with and without
// gradient checkpointing (GoMLX's Node.Checkpoint / Node.StopCheckpoint).
// The tests of lib/llama, lib/fusion and lib/clip use it to check that
// their GradientCheckpointing options change how the backward pass is
// scheduled and nothing else.
package ckpttest

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:revive // GoMLX's graph DSL
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
)

// Build builds a model's output from its graph inputs, with or without
// gradient checkpointing; the loss is a fixed weighted sum of that output.
type Build func(scope *model.Scope, in []*Node, ckpt bool) *Node

// Result is one run: the loss, then the gradients of every trainable
// variable (in the scope's order) and of every float input, as float32.
type Result struct {
	Values [][]float32
	// Barriers counts the SchedulingBarrier nodes in the graph: the
	// rematerialisation points GoMLX inserts only for checkpointed blocks.
	Barriers int
}

// Run builds loss = Σᵢ outᵢ·cos(0.37·i) and its gradients in store (the
// first run creates the variables, later runs reuse them, so both runs of
// Compare see the same weights) and runs it on inputs.
func Run(store *model.Store, build Build, ckpt bool, inputs ...*tensors.Tensor) (Result, error) {
	var res Result
	exec, err := model.NewExec(backend.MustNew(), store, func(scope *model.Scope, in []*Node) []*Node {
		out := build(scope, in, ckpt)
		g := out.Graph()
		n := out.Shape().Size()
		w := make([]float32, n)
		for i := range w {
			w[i] = float32(math.Cos(float64(i) * 0.37))
		}
		loss := ReduceAllSum(Mul(ConvertDType(out, dtypes.Float32), Reshape(Const(g, w), out.Shape().Dimensions...)))
		outs := []*Node{loss}
		outs = append(outs, scope.BuildTrainableVariablesGradientsGraph(loss)...)
		var floats []*Node
		for _, x := range in {
			if x.DType().IsFloat() {
				floats = append(floats, x)
			}
		}
		if len(floats) > 0 {
			outs = append(outs, Gradient(loss, floats...)...)
		}
		for _, node := range g.Nodes() {
			if node.Type() == NodeTypeSchedulingBarrier {
				res.Barriers++
			}
		}
		return outs
	})
	if err != nil {
		return res, err
	}
	args := make([]any, len(inputs))
	for i, x := range inputs {
		args[i] = x
	}
	out, err := exec.Call(args...)
	if err != nil {
		return res, fmt.Errorf("ckpttest: %w", err)
	}
	for _, o := range out {
		res.Values = append(res.Values, tensors.MustCopyFlatData[float32](o))
	}
	return res, nil
}

// Compare runs build with and without checkpointing on the same weights and
// fails t unless checkpointing inserted rematerialisation barriers and the
// loss and every gradient agree within tol (0: bit for bit). It returns the
// largest absolute difference seen.
func Compare(t *testing.T, store *model.Store, build Build, tol float64, inputs ...*tensors.Tensor) float64 {
	t.Helper()
	plain, err := Run(store, build, false, inputs...)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := Run(store, build, true, inputs...)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Barriers != 0 {
		t.Errorf("without checkpointing the graph has %d scheduling barriers, want 0", plain.Barriers)
	}
	if ck.Barriers == 0 {
		t.Errorf("with checkpointing the graph has no scheduling barrier: nothing is recomputed")
	}
	if len(plain.Values) != len(ck.Values) || len(plain.Values) < 2 {
		t.Fatalf("%d outputs without checkpointing, %d with (want the loss and ≥ 1 gradient)", len(plain.Values), len(ck.Values))
	}
	worst := 0.0
	for i := range plain.Values {
		a, b := plain.Values[i], ck.Values[i]
		if len(a) != len(b) {
			t.Fatalf("output %d: %d values without checkpointing, %d with", i, len(a), len(b))
		}
		for j := range a {
			d := math.Abs(float64(a[j] - b[j]))
			if math.IsNaN(d) || d > tol*math.Max(1, math.Abs(float64(a[j]))) {
				t.Fatalf("output %d (0 = loss) element %d: %g without checkpointing, %g with", i, j, a[j], b[j])
			}
			worst = max(worst, d)
		}
	}
	return worst
}
