package main

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestRunSmall runs the benchmark with the tiny built-in shape and checks that
// every line compare.py reads is there: a positive prefill time, and decode
// times per step that are finite numbers. A per-step time is the difference
// of two timed runs divided by the steps, so at this tiny size, on a busy
// machine, it can come out at or below zero; its sign says nothing here.
func TestRunSmall(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	var sb strings.Builder
	if err := run(&sb, "", true, "f32", 8, 2, "1,2", 1); err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{}
	for line := range strings.SplitSeq(sb.String(), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k != "#" {
			kv[k] = v
		}
	}
	if v, err := strconv.ParseFloat(kv["prefill_s"], 64); err != nil || v <= 0 {
		t.Errorf("prefill_s = %q, want a positive time (output:\n%s)", kv["prefill_s"], sb.String())
	}
	for _, k := range []string{"decode_b1_s_per_step", "decode_b2_s_per_step"} {
		v, err := strconv.ParseFloat(kv[k], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s = %q, want a finite time (output:\n%s)", k, kv[k], sb.String())
		}
	}
	for k, want := range map[string]string{"dtype": "f32", "prefill_tokens": "8", "decode_b2_steps": "2", "decode_b2_context": "8"} {
		if kv[k] != want {
			t.Errorf("%s = %q, want %q", k, kv[k], want)
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go")
	for _, c := range []struct {
		name, config, dtype, batches string
		small                        bool
		prefill                      int
	}{
		{"dtype", "", "f16", "1", true, 8},
		{"batches", "", "f32", "1,0", true, 8},
		{"prefill", "", "f32", "1", true, 0},
		{"config and small", "x.json", "f32", "1", true, 8},
		{"missing config", "/nonexistent/config.json", "f32", "1", false, 8},
	} {
		if err := run(&strings.Builder{}, c.config, c.small, c.dtype, c.prefill, 1, c.batches, 1); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}
