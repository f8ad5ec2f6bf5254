package backend

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
)

func TestDefaultIsPureGo(t *testing.T) {
	t.Setenv(EnvVar, "")
	if got := Config(); got != "go" {
		t.Fatalf("Config() = %q, want go", got)
	}
	b, err := New()
	if err != nil {
		t.Fatal(err)
	}
	exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node { return graph.MulScalar(x, 3) })
	out := exec.MustCall1(float32(2)).Value().(float32)
	if out != 6 {
		t.Fatalf("2*3 = %v on %s", out, b.Name())
	}
}

func TestUnknownBackend(t *testing.T) {
	_, err := NewWithConfig("tpu-of-dreams")
	if err == nil || !strings.Contains(err.Error(), "not compiled in") {
		t.Fatalf("want a 'not compiled in' error, got %v", err)
	}
}

// touch writes an empty file, creating its folders.
func touch(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindCUDALayouts(t *testing.T) {
	tmp := t.TempDir()
	// A pip site-packages as the jax-cuda13 wheels lay it out.
	site := filepath.Join(tmp, "venv", "lib", "python3.12", "site-packages")
	touch(t, filepath.Join(site, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so"))
	touch(t, filepath.Join(site, "nvidia", "cu13", "nvvm", "libdevice", "libdevice.10.bc"))
	touch(t, filepath.Join(site, "nvidia", "cu13", "lib", "libcublas.so.13"))
	touch(t, filepath.Join(site, "nvidia", "cudnn", "lib", "libcudnn.so.9"))
	// go-xla's own install layout.
	goxla := filepath.Join(tmp, "home", ".local", "lib", "go-xla")
	touch(t, filepath.Join(goxla, "nvidia", "pjrt_c_api_cuda_plugin.so"))
	touch(t, filepath.Join(goxla, "nvidia", "cuda_nvcc", "nvvm", "libdevice", "libdevice.10.bc"))
	empty := filepath.Join(tmp, "empty")
	os.MkdirAll(empty, 0o755)

	for _, tc := range []struct {
		name       string
		roots      []string
		wantPlugin string
		wantSource string
		wantData   string
		wantLibs   int
	}{
		{"site-packages", []string{empty, site}, filepath.Join(site, "jax_plugins", "xla_cuda13", "xla_cuda_plugin.so"), "site-packages", filepath.Join(site, "nvidia", "cu13"), 2},
		{"go-xla", []string{goxla}, filepath.Join(goxla, "nvidia", "pjrt_c_api_cuda_plugin.so"), "go-xla", filepath.Join(goxla, "nvidia", "cuda_nvcc"), 0},
		{"first wins", []string{goxla, site}, filepath.Join(goxla, "nvidia", "pjrt_c_api_cuda_plugin.so"), "go-xla", filepath.Join(goxla, "nvidia", "cuda_nvcc"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FindCUDA(tc.roots)
			if err != nil {
				t.Fatal(err)
			}
			if c.Plugin != tc.wantPlugin || c.Source != tc.wantSource || c.CUDADataDir != tc.wantData || len(c.LibDirs) != tc.wantLibs {
				t.Fatalf("got %+v", c)
			}
			env := c.Env("/usr/lib", "")
			if env[EnvVar] != "xla:"+tc.wantPlugin {
				t.Errorf("%s = %q", EnvVar, env[EnvVar])
			}
			if env["XLA_FLAGS"] != "--xla_gpu_cuda_data_dir="+tc.wantData {
				t.Errorf("XLA_FLAGS = %q", env["XLA_FLAGS"])
			}
			if tc.wantLibs > 0 && !strings.HasSuffix(env["LD_LIBRARY_PATH"], ":/usr/lib") {
				t.Errorf("LD_LIBRARY_PATH = %q", env["LD_LIBRARY_PATH"])
			}
			if sh := c.ShellExports("", ""); !strings.Contains(sh, "export GOMLX_BACKEND='xla:"+tc.wantPlugin+"'") {
				t.Errorf("ShellExports:\n%s", sh)
			}
		})
	}

	t.Run("nothing installed", func(t *testing.T) {
		_, err := FindCUDA([]string{empty})
		if !errors.Is(err, ErrNoCUDA) || !strings.Contains(err.Error(), empty) {
			t.Fatalf("want ErrNoCUDA naming %s, got %v", empty, err)
		}
	})
}

func TestAskingForCUDAWithoutItSaysWhatIsMissing(t *testing.T) {
	if HasNvidiaGPU() {
		t.Skip("a GPU is present: this checks the message given without one")
	}
	tmp := t.TempDir()
	t.Setenv("TOKENSCALE_CUDA_ROOT", tmp)
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", "")
	t.Setenv("VIRTUAL_ENV", "")
	_, err := resolveCUDA("xla:cuda")
	if err == nil {
		// A real plugin may be installed on this machine; then there is nothing to check.
		t.Skip("a GPU's CUDA PJRT plugin is installed here: this checks the message given without one")
	}
	for _, want := range []string{"GOMLX_BACKEND=go", "xla:cuda", "no CUDA PJRT plugin", "/dev/nvidia"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if _, err := resolveCUDA("go"); err != nil {
		t.Errorf("go: %v", err)
	}
}
