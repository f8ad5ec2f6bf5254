// Package backend chooses the GoMLX compute backend for every model in
// tokenscale, in one place.
//
// The default is GoMLX's pure-Go backend ("go"), which needs nothing
// installed. XLA/PJRT (e.g. "xla:cuda") is used only when asked for, through
// the GOMLX_BACKEND environment variable or the Config argument of New, and
// never downloads a plugin unless the user opts in with
// TOKENSCALE_ALLOW_DOWNLOAD=1.
//
// It implements no part of the paper; it is plumbing shared by lib/llama,
// lib/clip, lib/fusion and lib/vlm.
package backend

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend"
)

// EnvVar is the environment variable that selects the backend (GoMLX's own).
const EnvVar = compute.ConfigEnvVar

// Default is the backend configuration used when nothing is asked for.
const Default = "go"

var (
	mu     sync.Mutex
	cached = map[string]compute.Backend{}
)

func init() {
	// GoMLX's XLA binding downloads PJRT plugins on first use unless told not
	// to; this machine class has no network, and users should opt in.
	if os.Getenv("TOKENSCALE_ALLOW_DOWNLOAD") != "1" {
		if _, ok := os.LookupEnv("GOMLX_NO_AUTO_INSTALL"); !ok {
			_ = os.Setenv("GOMLX_NO_AUTO_INSTALL", "1")
		}
	}
}

// Config returns the backend configuration in force: GOMLX_BACKEND when set
// and non-empty, otherwise Default.
func Config() string {
	if c := strings.TrimSpace(os.Getenv(EnvVar)); c != "" {
		return c
	}
	return Default
}

// New returns the backend named by Config(), creating it once per process and
// configuration. Errors name what is missing instead of panicking.
func New() (compute.Backend, error) { return NewWithConfig(Config()) }

// MustNew is New for examples and tests; it panics on error.
func MustNew() compute.Backend {
	b, err := New()
	if err != nil {
		panic(err)
	}
	return b
}

// NewWithConfig returns the backend for config ("go", "xla:cuda",
// "xla:/abs/path/plugin.so", ...), cached per configuration.
func NewWithConfig(config string) (b compute.Backend, err error) {
	mu.Lock()
	defer mu.Unlock()
	if b, ok := cached[config]; ok {
		return b, nil
	}
	name, _, _ := strings.Cut(config, ":")
	known := compute.List()
	found := false
	for _, k := range known {
		if k == name {
			found = true
		}
	}
	if !found {
		return nil, fmt.Errorf("backend: %q is not compiled in (available: %s); set %s to one of them",
			config, strings.Join(known, ", "), EnvVar)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("backend: cannot start %q: %v", config, r)
		}
	}()
	resolved, err := resolveCUDA(config)
	if err != nil {
		return nil, err
	}
	b, err = compute.NewWithConfig(resolved)
	if err != nil {
		return nil, fmt.Errorf("backend: cannot start %q: %w", config, err)
	}
	cached[config] = b
	return b, nil
}

// resolveCUDA turns "xla:cuda[,options]" into "xla:/abs/plugin.so[,options]"
// using FindCUDA, and sets XLA_FLAGS for this process, unless the user pointed
// go-xla at plugins already (PJRT_PLUGIN_LIBRARY_PATH). Other configurations
// pass through unchanged.
func resolveCUDA(config string) (string, error) {
	name, rest, _ := strings.Cut(config, ":")
	plugin, opts, _ := strings.Cut(rest, ",")
	if name != "xla" || plugin != "cuda" || os.Getenv("PJRT_PLUGIN_LIBRARY_PATH") != "" {
		return config, nil
	}
	c, err := FindCUDA(nil)
	if err != nil {
		hint := ""
		if !HasNvidiaGPU() {
			hint = " (and no NVIDIA GPU is visible: /dev/nvidia* is missing)"
		}
		return "", fmt.Errorf("backend: %q was asked for, but %w%s; set %s=go (the default) to use the pure-Go backend", config, err, hint, EnvVar)
	}
	for k, v := range c.Env(os.Getenv("LD_LIBRARY_PATH"), os.Getenv("XLA_FLAGS")) {
		if k == "LD_LIBRARY_PATH" || k == EnvVar {
			continue // read by the dynamic loader at start-up; see ShellExports
		}
		_ = os.Setenv(k, v)
	}
	out := "xla:" + c.Plugin
	if opts != "" {
		out += "," + opts
	}
	return out, nil
}
