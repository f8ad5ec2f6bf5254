package main

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFigures(t *testing.T) {
	dir := t.TempDir()
	stdout, stderr, code := runCLI(t, "", "figures", "--out", dir, "fig2")
	if code != 0 {
		t.Fatalf("figures fig2: exit %d, stderr %q", code, stderr)
	}
	path := filepath.Join(dir, "fig2.png")
	if strings.TrimSpace(stdout) != path {
		t.Errorf("stdout %q, want the path %s", stdout, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Errorf("fig2.png: %v", err)
	}

	if _, _, code := runCLI(t, "", "figures", "--out", dir, "--format", "svg", "fig2"); code != 0 {
		t.Errorf("--format svg: exit %d", code)
	} else if b, _ := os.ReadFile(filepath.Join(dir, "fig2.svg")); !bytes.Contains(b, []byte("<svg")) {
		t.Error("fig2.svg is not an SVG")
	}

	list, _, code := runCLI(t, "", "figures", "--list")
	if code != 0 || !strings.Contains(list, "fig2") || !strings.Contains(list, "Figure 2") {
		t.Errorf("--list: exit %d, output %q", code, list)
	}
	for _, bad := range [][]string{{"figures", "no-such-fig"}, {"figures", "--format", "gif", "fig2"}, {"figures", "--bogus"}} {
		if _, _, code := runCLI(t, "", bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// TestFiguresOfYourOwnRuns: --lab draws the lab figures from a sweep's CSV
// (and names it in their titles), --eval draws eval-sweep from a tidy CSV,
// and a data figure without its data fails with the flag to pass.
func TestFiguresOfYourOwnRuns(t *testing.T) {
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("config,N,question_kind,accuracy,std,seeds\n")
	for i, cfg := range []string{"Vision Question Queries", "Vision Queries", "Vision Queries (ft)"} {
		for _, n := range []int{1, 2, 4, 8} {
			for j, kind := range []string{"local", "global", "all"} {
				fmt.Fprintf(&csv, "%s,%d,%s,%g,0,1\n", cfg, n, kind, 0.5+0.05*float64(n%5)-0.1*float64(i)+0.01*float64(j))
			}
		}
	}
	labCSV := filepath.Join(dir, "my-sweep.csv")
	evalCSV := filepath.Join(dir, "my-eval.csv")
	if err := os.WriteFile(labCSV, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(evalCSV, []byte("config,N,benchmark,metric,value\nVision Question Queries,1,MMStar,Overall,20\nVision Question Queries,8,MMStar,Overall,30\nVision Question Queries,64,MMStar,Overall,38\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "figs")
	stdout, stderr, code := runCLI(t, "", "figures", "--out", out, "--lab", labCSV, "--eval", evalCSV, "lab-fig8", "lab-fig11", "eval-sweep")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := len(strings.Fields(stdout)); n != 3 {
		t.Errorf("%d files written, want 3: %s", n, stdout)
	}
	// By default with --lab CSV: the lab figures, but lab-loss (no losses in a CSV) is skipped, not failed.
	stdout, stderr, code = runCLI(t, "", "figures", "--out", out, "--lab", labCSV)
	if code != 0 || !strings.Contains(stdout, "lab-fig12.png") || strings.Contains(stdout, "lab-loss") || !strings.Contains(stderr, "lab-loss skipped") {
		t.Errorf("--lab CSV, default set: exit %d, stderr %q, files:\n%s", code, stderr, stdout)
	}
	// Without the flags, no lab figure is drawn by default, and naming one fails.
	stdout, _, code = runCLI(t, "", "figures", "--out", out)
	if code != 0 || strings.Contains(stdout, "lab-fig8") || !strings.Contains(stdout, "fig8.png") {
		t.Errorf("default set: exit %d, files:\n%s", code, stdout)
	}
	if _, stderr, code := runCLI(t, "", "figures", "--out", out, "lab-fig8"); code == 0 || !strings.Contains(stderr, "--lab") {
		t.Errorf("lab-fig8 without --lab: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runCLI(t, "", "figures", "--out", out, "--lab", filepath.Join(dir, "nope.csv")); code != 2 || !strings.Contains(stderr, "--lab") {
		t.Errorf("--lab of a missing file: exit %d, stderr %q", code, stderr)
	}
}
