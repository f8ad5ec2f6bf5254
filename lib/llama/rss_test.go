package llama

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/tokenscale/tokenscale/lib/internal/procstatus"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// The RSS test loads a ~160 MB checkpoint in a child process and runs one
// forward pass there, comparing the growth of its peak resident memory with
// the checkpoint's size: loading must not hold a second copy of the weights.
const rssChildEnv = "LLAMA_RSS_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(rssChildEnv); dir != "" {
		before := procstatus.KB("VmRSS")
		mdl, err := Load(dir, 0)
		if err == nil {
			_, err = mdl.Forward([][]int{{1, 2, 3, 4}})
		}
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Println(before, procstatus.KB("VmHWM"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLoadPeakRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: writes a 160 MB checkpoint")
	}
	if procstatus.KB("VmHWM") < 0 {
		t.Skip("measures peak memory through /proc/self/status, which only Linux has")
	}
	dir := t.TempDir()
	cfgJSON, _ := json.Marshal(map[string]any{"architectures": []string{"LlamaForCausalLM"},
		"vocab_size": 8000, "hidden_size": 768, "intermediate_size": 2048, "num_hidden_layers": 4,
		"num_attention_heads": 12, "rms_norm_eps": 1e-5})
	os.WriteFile(filepath.Join(dir, "config.json"), cfgJSON, 0o644)
	cfg, err := ParseConfig(cfgJSON)
	if err != nil {
		t.Fatal(err)
	}
	var entries []safetensors.Entry
	var bytes int64
	for _, w := range cfg.Weights() {
		n := 4
		for _, d := range w.Shape {
			n *= d
		}
		data := make([]byte, n)
		for i := 0; i < n; i += 4096 {
			data[i] = 1 // touch every page so nothing is lazily zero
		}
		entries = append(entries, safetensors.Entry{Name: w.Name, DType: dtypes.Float32, Shape: w.Shape, Data: data})
		bytes += int64(n)
	}
	if err := safetensors.Write(filepath.Join(dir, "model.safetensors"), entries, nil); err != nil {
		t.Fatal(err)
	}
	entries = nil
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), rssChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	var before, hwm int64
	if _, err := fmt.Sscan(string(out), &before, &hwm); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	grow := float64(hwm-before) * 1024
	t.Logf("checkpoint %d MiB; RSS before %d MiB, peak after load + forward %d MiB (growth %.2f× the checkpoint)",
		bytes>>20, before>>10, hwm>>10, grow/float64(bytes))
	if grow > 1.2*float64(bytes) {
		t.Errorf("peak RSS grew by %.0f MiB for a %d MiB checkpoint (> 1.2×)", grow/(1<<20), bytes>>20)
	}
}
