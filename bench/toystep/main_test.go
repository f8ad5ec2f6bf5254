package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestRunCountsParams runs one timed step and checks the printed parameter
// counts against a count from the printed sizes (the layout the PyTorch twin
// builds: CLIP tower with biased layers, merge, fusion decoder with its
// embedding table, projection, LLM with its head), and the flags' ranges.
func TestRunCountsParams(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: builds and trains the toy model")
	}
	var out bytes.Buffer
	if err := run(&out, 4, 8, 1); err != nil {
		t.Fatal(err)
	}
	kv := map[string]int{}
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			if v, err := strconv.Atoi(f[1]); err == nil {
				kv[f[0]] = v
			}
		}
	}
	d, p, g := kv["vision"], kv["patch"], kv["image"]/kv["patch"]
	clipLayer := 2*2*d + 4*(d*d+d) + d*kv["vision_inter"] + kv["vision_inter"] + kv["vision_inter"]*d + d
	vision := 3*p*p*d + d + (g*g+1)*d + 2*d + kv["vision_layers"]*clipLayer
	merge := 2*d + 9*d*d + d
	llamaLayer := func(h, i int) int { return 2*h + 4*h*h + 3*h*i }
	fh, lh := kv["fusion_hidden"], kv["llm_hidden"]
	fusion := kv["fusion_rows"]*fh + kv["fusion_layers"]*llamaLayer(fh, kv["fusion_inter"]) + fh
	llm := 2*kv["vocab"]*lh + kv["llm_layers"]*llamaLayer(lh, kv["llm_inter"]) + lh
	trainable := vision + merge + fusion + fh*lh
	if kv["trainable"] != trainable || kv["params"] != trainable+llm {
		t.Errorf("params %d, trainable %d; from the sizes %d, %d\n%s", kv["params"], kv["trainable"], trainable+llm, trainable, out.String())
	}
	for _, bad := range [][3]int{{0, 8, 1}, {9, 8, 1}, {4, 0, 1}, {4, 65, 1}, {4, 8, 0}} {
		if err := run(&out, bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("run(n %d, batch %d, steps %d) accepted", bad[0], bad[1], bad[2])
		}
	}
}
