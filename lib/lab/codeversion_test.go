package lab

import (
	"io/fs"
	"os/exec"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/tokenscale/tokenscale"
	"github.com/tokenscale/tokenscale/lib/backend"
)

func TestSourceHash(t *testing.T) {
	base := fstest.MapFS{
		"go.mod":            {Data: []byte("module x\n\nrequire github.com/gomlx/gomlx v0.28.0\n")},
		"lib/lab/a.go":      {Data: []byte("package lab\n\n// Steps is the default.\nconst Steps = 600\n\nfunc f(x int) int { return x + 1 }\n")},
		"lib/lab/a_test.go": {Data: []byte("package lab\n")},
	}
	with := func(path, data string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[path] = &fstest.MapFile{Data: []byte(data)}
		return m
	}
	want, err := sourceHash(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		fsys fs.FS
		same bool
	}{
		{"comment edited", with("lib/lab/a.go", "package lab\n\n// Steps: six hundred optimizer steps.\nconst Steps = 600\n\nfunc f(x int) int { return x + 1 }\n"), true},
		{"spacing changed", with("lib/lab/a.go", "package lab\n\n\nconst Steps  =  600\n\n\nfunc f(x int) int { return x+1 }\n"), true},
		{"test file edited", with("lib/lab/a_test.go", "package lab\n\nfunc g() {}\n"), true},
		{"constant changed", with("lib/lab/a.go", "package lab\n\n// Steps is the default.\nconst Steps = 601\n\nfunc f(x int) int { return x + 1 }\n"), false},
		{"operator changed", with("lib/lab/a.go", "package lab\n\n// Steps is the default.\nconst Steps = 600\n\nfunc f(x int) int { return x - 1 }\n"), false},
		{"GoMLX version changed", with("go.mod", "module x\n\nrequire github.com/gomlx/gomlx v0.29.0\n"), false},
		{"file added", with("lib/lab/b.go", "package lab\n"), false},
	} {
		got, err := sourceHash(tc.fsys)
		if err != nil {
			t.Fatal(err)
		}
		if (got == want) != tc.same {
			t.Errorf("%s: hash %s, base %s; want same = %v", tc.name, got, want, tc.same)
		}
	}
	if _, err := sourceHash(fstest.MapFS{"a_test.go": {Data: []byte("package a\n")}}); err == nil {
		t.Error("no source files: want an error")
	}
	if v := CodeVersion(); !strings.HasPrefix(v, "src-") || v != CodeVersion() {
		t.Errorf("CodeVersion() = %q, want a stable src-<hash>", v)
	}
}

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
	key := cfg.key("vqq", 1, 7)
	stored := &entry{Key: key, Version: CodeVersion(), Runs: []Run{{Config: "Vision Question Queries", N: 1, Seed: 7}}}
	if err := cfg.saveEntry(stored); err != nil {
		t.Fatal(err)
	}
	if e, ok := tinySweep(dir).loadEntry(tinySweep(dir).key("vqq", 1, 7)); !ok || len(e.Runs) != 1 || !e.Runs[0].Cached {
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
		if _, ok := other.loadEntry(other.key("vqq", 1, 7)); ok {
			t.Errorf("%s changed: the cached run was served", tc.name)
		}
	}
	for _, k := range []string{cfg.key("vqq", 2, 7), cfg.key("vqq", 1, 8), cfg.key("vqft", 1, 7)} {
		if k == key {
			t.Errorf("N, seed or stage ignored by the key: %s", k)
		}
	}
	t.Setenv(backend.EnvVar, "xla:cuda")
	if _, ok := cfg.loadEntry(cfg.key("vqq", 1, 7)); ok {
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
