package labresult

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/lab/labtask"
)

// TestReadCache reads runs back from cache entries, skips entries of
// another code version, and refuses a folder with two runs of one
// configuration, N and seed.
func TestReadCache(t *testing.T) {
	run := func(cfg string, n int, loc int) Run {
		return Run{Config: cfg, N: n, Seed: 1, Accuracy: []KindAccuracy{{Kind: labtask.Local, Correct: loc, Total: 10, Accuracy: float64(loc) / 10}}}
	}
	write := func(dir, name string, e Entry) {
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	write(dir, "q-n1.json", Entry{Key: "q-n1", Version: CodeVersion(), Runs: []Run{run(VQQ, 1, 6), run(VQ, 1, 4)}})
	write(dir, "q-n2.json", Entry{Key: "q-n2", Version: CodeVersion(), Runs: []Run{run(VQQ, 2, 8), run(VQ, 2, 5)}})
	write(dir, "old.json", Entry{Key: "old", Version: "lab-0", Runs: []Run{run(VQQ, 2, 1)}})
	res, err := ReadCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Runs) != 4 {
		t.Errorf("%d runs, want 4 (the stale entry skipped)", len(res.Runs))
	}
	if ns, ps := res.Curve(VQQ, "local"); len(ns) != 2 || ps[0] != 0.6 || ps[1] != 0.8 {
		t.Errorf("VQQ local curve %v %v", ns, ps)
	}
	write(dir, "other.json", Entry{Key: "other", Version: CodeVersion(), Runs: []Run{run(VQQ, 2, 3)}})
	if _, err := ReadCache(dir); err == nil || !strings.Contains(err.Error(), "two runs of Vision Question Queries at N = 2") {
		t.Errorf("a cache of two setups: %v", err)
	}
}
