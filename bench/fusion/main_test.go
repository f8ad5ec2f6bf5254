package main

import (
	"bufio"
	"math"
	"strconv"
	"strings"
	"testing"
)

// parse reads the "key value" lines of the benchmark output.
func parse(t *testing.T, out string) map[string]string {
	t.Helper()
	kv := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("malformed output line %q", line)
		}
		kv[k] = v
	}
	return kv
}

func num(t *testing.T, kv map[string]string, k string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(kv[k], 64)
	if err != nil {
		t.Fatalf("%s: %v (output %v)", k, err, kv)
	}
	return v
}

// TestRunSmall runs the benchmark at tiny size in both dtypes and checks the
// layout counts, the parameter count (closed form written out here) and that
// the weights are not zeros (GoMLX's RandomNormalFn leaves bf16 variables at
// zero, which would make the output sum exactly 0).
func TestRunSmall(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	s := sizes{layers: 2, hidden: 32, heads: 4, mlp: 64, vision: 20, question: 3, n: 10, vocab: 100}
	for _, dt := range []string{"bf16", "f32"} {
		t.Run(dt, func(t *testing.T) {
			var sb strings.Builder
			if err := run(&sb, s, dt, 1); err != nil {
				t.Fatal(err)
			}
			kv := parse(t, sb.String())
			if got, want := num(t, kv, "seq"), float64(20+3+10); got != want {
				t.Errorf("seq = %v, want vision + question + N = %v", got, want)
			}
			if got := num(t, kv, "fused"); got != 10 {
				t.Errorf("fused = %v, want N = 10", got)
			}
			h, i, l := 32, 64, 2
			want := l*(4*h*h+3*h*i+2*h) + h + (100+10-1)*h
			if got := num(t, kv, "params"); got != float64(want) {
				t.Errorf("params = %v, want %d", got, want)
			}
			if sum := num(t, kv, "output_sum"); sum == 0 || math.IsNaN(sum) || math.IsInf(sum, 0) {
				t.Errorf("output_sum = %v: weights or inputs did not reach the output", sum)
			}
			if num(t, kv, "latency_s") <= 0 {
				t.Errorf("latency_s = %v", kv["latency_s"])
			}
		})
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	ok := sizes{layers: 1, hidden: 32, heads: 4, mlp: 64, vision: 4, question: 1, n: 4, vocab: 100}
	odd := ok
	odd.layers = 0
	for _, c := range []struct {
		name  string
		s     sizes
		dtype string
		reps  int
	}{
		{"dtype", ok, "f16", 1},
		{"reps", ok, "f32", 0},
		{"layers", odd, "f32", 1},
	} {
		if err := run(&strings.Builder{}, c.s, c.dtype, c.reps); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
