package main

import (
	"bytes"
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
