package lab

import (
	"io/fs"
	"os/exec"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale"
	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
)

// TestCodeVersionCoversDependencies: every package of this module that
// lib/lab depends on (but lib/scaling, which only fits finished runs) has
// its sources in tokenscale.LabSources, so a change to it changes the cache
// keys.
func TestCodeVersionCoversDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	const mod = "github.com/tokenscale/tokenscale"
	for _, p := range strings.Fields(string(out)) {
		rel, ok := strings.CutPrefix(p, mod+"/")
		if !ok || rel == "lib/scaling" {
			continue
		}
		files, err := fs.Glob(tokenscale.LabSources, rel+"/*.go")
		if err != nil || len(files) == 0 {
			t.Errorf("lib/lab depends on %s, whose sources are not in tokenscale.LabSources (add %s/*.go to its go:embed line)", p, rel)
		}
	}
}

// TestCacheKey: an identical configuration finds the cached run; a changed
// training parameter, model, task, backend or code misses it.
func TestCacheKey(t *testing.T) {
	dir := t.TempDir()
	cfg := tinySweep(dir)
	key := cfg.key("vqq", 7)
	stored := &labresult.Entry{Key: key, Version: labresult.CodeVersion(), Runs: []labresult.Run{{Config: "Vision Question Queries", N: 1, Seed: 7}}}
	if err := cfg.saveEntry(stored); err != nil {
		t.Fatal(err)
	}
	if e, ok := tinySweep(dir).loadEntry(tinySweep(dir).key("vqq", 7)); !ok || len(e.Runs) != 1 || !e.Runs[0].Cached {
		t.Fatalf("identical configuration: cache miss (%v)", ok)
	}
	for _, tc := range []struct {
		name   string
		change func(*SweepConfig)
	}{
		{"learning rate", func(c *SweepConfig) { c.Train.LR *= 2 }},
		{"training steps", func(c *SweepConfig) { c.Train.Steps++ }},
		{"fine-tune steps", func(c *SweepConfig) { c.Train.FTSteps++ }},
		{"batch", func(c *SweepConfig) { c.Train.Batch *= 2 }},
		{"model width", func(c *SweepConfig) { c.Model.Hidden *= 2 }},
		{"task", func(c *SweepConfig) { c.Task.Objects = 2 }},
	} {
		other := tinySweep(dir)
		tc.change(&other)
		if _, ok := other.loadEntry(other.key("vqq", 7)); ok {
			t.Errorf("%s changed: the cached run was served", tc.name)
		}
	}
	for _, k := range []string{cfg.key("vqq", 8), cfg.key("vqft", 7)} {
		if k == key {
			t.Errorf("N, seed or stage ignored by the key: %s", k)
		}
	}
	t.Setenv(backend.EnvVar, "xla:cuda")
	if _, ok := cfg.loadEntry(cfg.key("vqq", 7)); ok {
		t.Error("another backend: the cached run was served")
	}
	t.Setenv(backend.EnvVar, "")
	// An entry written by other code under the same file name is stale.
	stored.Version = "src-0000000000000000"
	if err := cfg.saveEntry(stored); err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.loadEntry(key); ok {
		t.Error("an entry of another code version was served")
	}
}
