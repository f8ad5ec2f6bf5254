package main

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"
)

func TestLabCLI(t *testing.T) {
	if os.Getenv("GOMLX_BACKEND") == "" {
		t.Setenv("GOMLX_BACKEND", "go")
	}
	dir := t.TempDir()
	args := []string{"lab", "--n", "1,2", "--seeds", "1", "--steps", "4", "--ft-steps", "2", "--train-images", "32",
		"--eval-images", "16", "--batch", "8", "--cache", dir, "--no-progress"}
	out, errOut, code := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "config,N,question_kind,accuracy,std,seeds" {
		t.Errorf("header %v", rows[0])
	}
	// 3 configurations × 2 N × 3 kinds (local, global and all; the 16 test
	// images hold both kinds).
	if len(rows) != 1+3*2*3 {
		t.Errorf("%d rows:\n%s", len(rows), out)
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		seen[r[0]] = true
		if r[2] != "local" && r[2] != "global" && r[2] != "all" {
			t.Errorf("question_kind %q", r[2])
		}
	}
	for _, c := range []string{"Vision Question Queries", "Vision Queries", "Vision Queries (ft)"} {
		if !seen[c] {
			t.Errorf("no rows for %q", c)
		}
		if !strings.Contains(errOut, c) || !strings.Contains(errOut, "alpha=") {
			t.Errorf("stderr lacks the fit of %q:\n%s", c, errOut)
		}
	}
	// Second run: everything from the cache, same output.
	out2, errOut2, code := runCLI(t, "", args...)
	if code != 0 || out2 != out || !strings.Contains(errOut2, "(6 cached)") {
		t.Errorf("cached re-run: exit %d, same output %v, stderr:\n%s", code, out2 == out, errOut2)
	}
}

func TestLabCLIBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"lab", "--n", "0,2"}, {"lab", "--n", "x"}, {"lab", "--format", "xml"}, {"lab", "extra"}, {"lab", "--workers", "0"},
	} {
		if _, _, code := runCLI(t, "", args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
