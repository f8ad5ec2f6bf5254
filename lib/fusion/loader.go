package fusion

import (
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// HFName maps a variable path under scopePrefix to a Hugging Face tensor
// name: "/llm/model/layers/0/mlp/up_proj/weight" with scopePrefix "/llm"
// gives "model.layers.0.mlp.up_proj.weight". ok is false outside the prefix.
func HFName(path, scopePrefix string) (name string, ok bool) {
	p := strings.TrimSuffix(scopePrefix, "/") + "/"
	if !strings.HasPrefix(path, p) {
		return "", false
	}
	return strings.ReplaceAll(strings.TrimPrefix(path, p), "/", "."), true
}

// Loader feeds variables from safetensors checkpoints: every variable whose
// path lies under one of the mounted scope prefixes is read, on first use,
// from the tensor of the same dotted name (float tensors as float32, or as
// FloatDType says; others as stored). Variables not found keep their
// initialiser.
type Loader struct {
	Backend compute.Backend
	mounts  []mount
	// FloatDType, when set, gives the dtype a float tensor is served in for
	// a variable path (e.g. bfloat16 under /llm for a model that holds its
	// Llama in bfloat16); nil serves every float tensor as float32.
	FloatDType func(fullPath string) dtypes.DType
	// Err holds the first read error (shape or dtype mismatch, I/O).
	Err error
}

type mount struct {
	prefix string
	ck     *safetensors.Checkpoint
}

// Mount serves variables under scopePrefix from ck.
func (l *Loader) Mount(scopePrefix string, ck *safetensors.Checkpoint) {
	l.mounts = append(l.mounts, mount{prefix: scopePrefix, ck: ck})
}

// LoadVariable implements model.Loader.
func (l *Loader) LoadVariable(store *model.Store, fullPath string) (*tensors.Tensor, bool) {
	for _, m := range l.mounts {
		name, ok := HFName(fullPath, m.prefix)
		if !ok {
			continue
		}
		info, ok := m.ck.Info(name)
		if !ok {
			continue
		}
		dt := dtypes.InvalidDType // non-float tensors (counters) load as stored
		switch info.DType {
		case "F16", "BF16", "F32", "F64":
			dt = dtypes.Float32
			if l.FloatDType != nil {
				dt = l.FloatDType(fullPath)
			}
		}
		t, err := m.ck.Tensor(name, dt, l.Backend)
		if err != nil {
			if l.Err == nil {
				l.Err = err
			}
			return nil, false
		}
		return t, true
	}
	return nil, false
}

// DeleteVariable implements model.Loader.
func (l *Loader) DeleteVariable(*model.Store, string) error { return nil }
