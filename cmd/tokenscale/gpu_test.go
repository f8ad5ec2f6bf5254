package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGPUCommands(t *testing.T) {
	site := t.TempDir()
	plugin := filepath.Join(site, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so")
	if err := os.MkdirAll(filepath.Dir(plugin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plugin, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	for _, tc := range []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{[]string{"gpu", "env", "--root", site}, 0, "export GOMLX_BACKEND='xla:" + plugin + "'", "CUDA PJRT plugin (site-packages)"},
		{[]string{"gpu", "env", "--root", empty}, 1, "", "no CUDA PJRT plugin found"},
		{[]string{"gpu", "check", "--backend", "go", "--size", "8"}, 0, "Float32  matmul 8x8", ""},
		{[]string{"gpu", "check", "--backend", "nonexistent"}, 1, "", "not compiled in"},
		{[]string{"gpu", "frobnicate"}, 2, "", "unknown subcommand"},
	} {
		out, errs, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(out, tc.inStdout) || !strings.Contains(errs, tc.inStderr) {
			t.Errorf("tokenscale %v: exit %d\nstdout: %s\nstderr: %s", tc.args, code, out, errs)
		}
	}
}
