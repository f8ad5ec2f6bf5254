package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// CUDA describes an installed CUDA PJRT plugin and the NVIDIA libraries
// beside it, as found by FindCUDA. Nothing is downloaded to find it.
type CUDA struct {
	// Plugin is the absolute path of the PJRT plugin shared library
	// (JAX's xla_cuda_plugin.so or go-xla's pjrt_c_api_cuda_plugin.so).
	Plugin string
	// Source says where it was found: "site-packages" or "go-xla".
	Source string
	// Root is the site-packages folder or go-xla install folder searched.
	Root string
	// NvidiaDir is the folder holding the nvidia-* wheels' libraries
	// (<site-packages>/nvidia, or go-xla's nvidia folder); empty if none.
	NvidiaDir string
	// CUDADataDir is the folder with nvvm/libdevice (and bin/ptxas) that XLA
	// needs as --xla_gpu_cuda_data_dir; empty if none was found.
	CUDADataDir string
	// LibDirs are the folders with NVIDIA shared libraries (cuBLAS, cuDNN,
	// NCCL, ...), for LD_LIBRARY_PATH.
	LibDirs []string
}

// Env returns the environment variables that make go-xla use this plugin:
// GOMLX_BACKEND=xla:<plugin>, XLA_FLAGS with the CUDA data dir,
// LD_LIBRARY_PATH over the NVIDIA library folders (prepended to prior, if
// given), and GOPJRT_CUDA_CHECKS=0 because the layout check of go-xla only
// knows its own install layout.
func (c *CUDA) Env(priorLDPath, priorXLAFlags string) map[string]string {
	env := map[string]string{
		EnvVar:                  "xla:" + c.Plugin,
		"GOMLX_NO_AUTO_INSTALL": "1",
		"GOPJRT_CUDA_CHECKS":    "0",
	}
	if c.CUDADataDir != "" && !strings.Contains(priorXLAFlags, "--xla_gpu_cuda_data_dir") {
		env["XLA_FLAGS"] = strings.TrimSpace(priorXLAFlags + " --xla_gpu_cuda_data_dir=" + c.CUDADataDir)
	}
	if len(c.LibDirs) > 0 {
		ld := strings.Join(c.LibDirs, ":")
		if priorLDPath != "" {
			ld += ":" + priorLDPath
		}
		env["LD_LIBRARY_PATH"] = ld
	}
	return env
}

// ShellExports renders Env as `export K='V'` lines, sorted, for
// `eval "$(tokenscale gpu env)"`.
func (c *CUDA) ShellExports(priorLDPath, priorXLAFlags string) string {
	env := c.Env(priorLDPath, priorXLAFlags)
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`))
	}
	return b.String()
}

// ErrNoCUDA is returned (wrapped) by FindCUDA when no plugin is installed.
var ErrNoCUDA = errors.New("no CUDA PJRT plugin found")

// SearchRoots returns the folders FindCUDA looks in, in order: the folder
// named by TOKENSCALE_CUDA_ROOT; $VIRTUAL_ENV's site-packages; the
// site-packages of the python3 on PATH; common virtual-environment and
// system Python locations; PJRT_PLUGIN_LIBRARY_PATH; go-xla's own install
// folders (~/.local/lib/go-xla, /usr/local/lib/go-xla).
func SearchRoots() []string {
	var roots []string
	add := func(p ...string) {
		for _, x := range p {
			if x != "" {
				roots = append(roots, x)
			}
		}
	}
	glob := func(pattern string) {
		m, _ := filepath.Glob(pattern)
		sort.Strings(m)
		add(m...)
	}
	add(os.Getenv("TOKENSCALE_CUDA_ROOT"))
	if v := os.Getenv("VIRTUAL_ENV"); v != "" {
		glob(filepath.Join(v, "lib", "python3*", "site-packages"))
	}
	add(pythonSitePackages()...)
	for _, pat := range []string{
		"/opt/*/.venv/lib/python3*/site-packages",
		"/opt/*/venv/lib/python3*/site-packages",
		"/opt/*/lib/python3*/site-packages",
		"/usr/local/lib/python3*/dist-packages",
		"/usr/local/lib/python3*/site-packages",
		"/usr/lib/python3/dist-packages",
	} {
		glob(pat)
	}
	if home, err := os.UserHomeDir(); err == nil {
		glob(filepath.Join(home, ".venv", "lib", "python3*", "site-packages"))
		glob(filepath.Join(home, ".local", "lib", "python3*", "site-packages"))
	}
	for _, p := range filepath.SplitList(os.Getenv("PJRT_PLUGIN_LIBRARY_PATH")) {
		add(p)
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, ".local", "lib", "go-xla"))
	}
	add("/usr/local/lib/go-xla")
	return dedup(roots)
}

// pythonSitePackages asks the python3 on PATH for its site-packages, with a
// short timeout; it returns nothing when there is no python3.
func pythonSitePackages() []string {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c",
		"import site,sys; print('\\n'.join(site.getsitepackages()+[site.getusersitepackages()]))").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

func dedup(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if abs, err := filepath.Abs(x); err == nil {
			x = abs
		}
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// FindCUDA looks for an installed CUDA PJRT plugin in roots (SearchRoots()
// when nil) and returns the first complete layout. A site-packages folder
// qualifies when it holds jax_plugins/xla_cuda*/xla_cuda_plugin.so (from the
// jax-cuda13-plugin or jax-cuda12-plugin wheels); a go-xla folder when it holds
// nvidia/pjrt_c_api_cuda_plugin.so or pjrt_c_api_cuda_plugin.so. The error
// lists every folder searched.
func FindCUDA(roots []string) (*CUDA, error) {
	if roots == nil {
		roots = SearchRoots()
	}
	for _, root := range roots {
		if c := inspectSitePackages(root); c != nil {
			return c, nil
		}
		if c := inspectGoXLA(root); c != nil {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w (looked for jax_plugins/xla_cuda*/xla_cuda_plugin.so and go-xla's pjrt_c_api_cuda_plugin.so in: %s); install the jax-cuda13-plugin and jax-cuda13-pjrt wheels (with their nvidia-* dependencies) or set TOKENSCALE_CUDA_ROOT to the site-packages that has them",
		ErrNoCUDA, strings.Join(roots, ", "))
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func inspectSitePackages(root string) *CUDA {
	plugins, _ := filepath.Glob(filepath.Join(root, "jax_plugins", "xla_cuda*", "xla_cuda_plugin.so"))
	if len(plugins) == 0 {
		return nil
	}
	// Prefer the newest CUDA major (xla_cuda13 over xla_cuda12).
	sort.Sort(sort.Reverse(sort.StringSlice(plugins)))
	c := &CUDA{Plugin: plugins[0], Source: "site-packages", Root: root}
	if nv := filepath.Join(root, "nvidia"); isDir(nv) {
		c.NvidiaDir = nv
		c.CUDADataDir, c.LibDirs = scanNvidia(nv)
	}
	return c
}

func inspectGoXLA(root string) *CUDA {
	for _, p := range []string{
		filepath.Join(root, "nvidia", "pjrt_c_api_cuda_plugin.so"),
		filepath.Join(root, "pjrt_c_api_cuda_plugin.so"),
	} {
		if !isFile(p) {
			continue
		}
		c := &CUDA{Plugin: p, Source: "go-xla", Root: root}
		nv := filepath.Join(filepath.Dir(filepath.Dir(p)), "nvidia")
		if isDir(nv) {
			c.NvidiaDir = nv
			c.CUDADataDir, c.LibDirs = scanNvidia(nv)
		}
		return c
	}
	return nil
}

// scanNvidia finds, under an nvidia wheels folder, the CUDA data dir (one with
// nvvm/libdevice, preferring cu13 then cuda_nvcc) and every lib folder.
func scanNvidia(nv string) (dataDir string, libDirs []string) {
	for _, cand := range []string{"cu13", "cu12", "cuda_nvcc"} {
		if d := filepath.Join(nv, cand); isDir(filepath.Join(d, "nvvm", "libdevice")) {
			dataDir = d
			break
		}
	}
	if dataDir == "" {
		m, _ := filepath.Glob(filepath.Join(nv, "*", "nvvm", "libdevice"))
		sort.Strings(m)
		if len(m) > 0 {
			dataDir = filepath.Dir(filepath.Dir(m[0]))
		}
	}
	m, _ := filepath.Glob(filepath.Join(nv, "*", "lib"))
	sort.Strings(m)
	for _, d := range m {
		if isDir(d) {
			libDirs = append(libDirs, d)
		}
	}
	return dataDir, libDirs
}

// HasNvidiaGPU reports whether an NVIDIA device node is present.
func HasNvidiaGPU() bool {
	m, _ := filepath.Glob("/dev/nvidia[0-9]*")
	return len(m) > 0
}
