package main

import (
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"os"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"

	"github.com/tokenscale/tokenscale/lib/backend"
)

func init() {
	register(&command{
		name:    "gpu",
		summary: "find an installed CUDA PJRT plugin (no downloads) and smoke-test the XLA backend",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "gpu", map[string]func(*cmdEnv, []string) error{
				"env":   gpuEnv,
				"check": gpuCheck,
			}, args)
		},
	})
}

// gpuEnv prints shell exports that point go-xla at an installed plugin.
func gpuEnv(env *cmdEnv, args []string) error {
	fs := newFlags(env, "gpu env", `gpu env [--root DIR]

Finds a CUDA PJRT plugin installed by pip (jax-cuda13-plugin / jax-cuda12-plugin
with the nvidia-* wheels) or by go-xla, and prints the exports that select it:

    eval "$(tokenscale gpu env)"`)
	root := fs.String("root", "", "search only this site-packages or go-xla folder")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var roots []string
	if *root != "" {
		roots = []string{*root}
	}
	c, err := backend.FindCUDA(roots)
	if err != nil {
		return fmt.Errorf("gpu env: %w", err)
	}
	fmt.Fprintf(env.stderr, "# CUDA PJRT plugin (%s): %s\n# CUDA data dir: %s\n", c.Source, c.Plugin, c.CUDADataDir)
	fmt.Fprint(env.stdout, c.ShellExports(os.Getenv("LD_LIBRARY_PATH"), os.Getenv("XLA_FLAGS")))
	return nil
}

// gpuCheck runs a matmul, its gradient and a bf16 dot on the configured backend.
func gpuCheck(env *cmdEnv, args []string) error {
	fs := newFlags(env, "gpu check", "gpu check [--backend CONFIG] [--size N]")
	cfg := fs.String("backend", "", "backend configuration (default: $GOMLX_BACKEND, else go)")
	size := fs.Int("size", 1024, "matrix size")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// 8192² float32 is 256 MB a matrix; the check holds a few of them.
	if err := checkFlags("gpu check", check.Int("--size", *size, 1, 8192)); err != nil {
		return err
	}
	if *cfg == "" {
		*cfg = backend.Config()
	}
	b, err := backend.NewWithConfig(*cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "backend %s (%s)\n", b.Name(), b.Description())
	n := *size
	for _, dt := range []dtypes.DType{dtypes.Float32, dtypes.BFloat16} {
		exec, err := graph.NewExec(b, func(g *graph.Graph) []*graph.Node {
			a := graph.Iota(g, shapes.Make(dt, n, n), 1)
			a = graph.MulScalar(graph.Sin(graph.ConvertDType(a, dtypes.Float32)), 0.01)
			a = graph.ConvertDType(a, dt)
			y := graph.MatMul(a, a)
			loss := graph.ReduceAllSum(graph.ConvertDType(y, dtypes.Float32))
			grad := graph.Gradient(loss, a)[0]
			return []*graph.Node{loss, graph.ReduceAllSum(graph.ConvertDType(grad, dtypes.Float32))}
		})
		if err != nil {
			return fmt.Errorf("gpu check: build %s graph: %w", dt, err)
		}
		if _, err := exec.Call(); err != nil { // compile + warm-up
			return fmt.Errorf("gpu check: run %s: %w", dt, err)
		}
		const reps = 5
		start := time.Now()
		var outs []any
		for range reps {
			res, err := exec.Call()
			if err != nil {
				return fmt.Errorf("gpu check: run %s: %w", dt, err)
			}
			outs = []any{res[0].Value(), res[1].Value()}
		}
		el := time.Since(start) / reps
		flops := 3 * 2 * float64(n) * float64(n) * float64(n) // forward + two gradient matmuls
		fmt.Fprintf(env.stdout, "%-8s matmul %dx%d + gradient: %v per step, %.1f GFLOP/s (sum %v, grad sum %v)\n",
			dt, n, n, el.Round(time.Microsecond), flops/el.Seconds()/1e9, outs[0], outs[1])
	}
	return nil
}
