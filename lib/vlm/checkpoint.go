package vlm

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// File names of a checkpoint folder.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// Model is a configured model with its variables.
type Model struct {
	Config  Config
	Backend compute.Backend
	Store   *model.Store
	Loader  *fusion.Loader
	dir     string // folder relative paths in Config resolve against
	opened  []*safetensors.Checkpoint
	llm     *llama.Model
	prompt  *model.Exec
	argmax  *model.Exec
}

// New makes a model from cfg: the CLIP vision tower and the Llama come from
// cfg.CLIPPath and cfg.LLMPath when set (Hugging Face folders), everything
// else (and any part whose folder is unset) starts from its initialiser with
// the given seed. Variables are created lazily by the first graph built.
func New(cfg Config, seed int64) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("vlm: %w", err)
	}
	be, err := backend.New()
	if err != nil {
		return nil, err
	}
	m := newModel(cfg, be, "")
	m.Store.SetParam(model.ParamInitialSeed, seed)
	if err := m.mountParts(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// newModel makes the model's store and the loader that feeds it. The loader
// serves each part's float tensors in the dtype the model holds that part
// in: the LLM in cfg.LLM.HeldDType() (so a Llama saved in bfloat16 inside a
// checkpoint comes back in bfloat16), everything else in float32.
func newModel(cfg Config, be compute.Backend, dir string) *Model {
	held := cfg.LLM.HeldDType()
	ld := &fusion.Loader{Backend: be, FloatDType: func(p string) dtypes.DType {
		if PartOf(p) == "llm" {
			return held
		}
		return dtypes.Float32
	}}
	m := &Model{Config: cfg, Backend: be, Store: model.NewStore(), Loader: ld, dir: dir}
	m.Store.SetLoader(ld)
	return m
}

func (m *Model) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || m.dir == "" {
		return p
	}
	return filepath.Join(m.dir, p)
}

func (m *Model) mount(prefix, file string) error {
	ck, err := safetensors.Open(file)
	if err != nil {
		return fmt.Errorf("vlm: %w", err)
	}
	m.opened = append(m.opened, ck)
	m.Loader.Mount(prefix, ck)
	return nil
}

func (m *Model) mountParts() error {
	if p := m.resolve(m.Config.CLIPPath); p != "" {
		if err := m.mount("/"+ScopeCLIP, filepath.Join(p, WeightsFile)); err != nil {
			return err
		}
	}
	if p := m.resolve(m.Config.LLMPath); p != "" {
		if m.Config.LLM.DType == LLMBFloat16 {
			return m.holdLLM(p) // read and checked now, in bfloat16 (forward.go)
		}
		if err := m.mount("/"+ScopeLLM, filepath.Join(p, WeightsFile)); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the checkpoint files.
func (m *Model) Close() {
	for _, ck := range m.opened {
		ck.Close()
	}
	m.opened = nil
}

// Load opens a checkpoint folder written by Save: config.json and
// model.safetensors (the trained parts, and the CLIP/Llama parts when they
// were embedded); parts not embedded come from clip_path / llm_path
// (relative paths resolve against the folder).
func Load(dir string) (*Model, error) {
	cfg, err := ReadConfig(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, err
	}
	for _, p := range []*string{&cfg.CLIPVocab, &cfg.LlamaTokenizer} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	be, err := backend.New()
	if err != nil {
		return nil, err
	}
	m := newModel(cfg, be, dir)
	if err := m.mount("/", filepath.Join(dir, WeightsFile)); err != nil {
		return nil, err
	}
	if err := m.mountParts(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// SaveOptions choose what a checkpoint embeds.
type SaveOptions struct {
	EmbedLLM bool // write the Llama weights into the checkpoint (else reference llm_path)
	// Extra variables (e.g. optimizer state) are written when their path
	// passes this filter.
	Extra func(path string) bool
}

// Tensors returns the variables to save, keyed by their dotted names.
func (m *Model) Tensors(opt SaveOptions) (map[string]*tensors.Tensor, error) {
	out := map[string]*tensors.Tensor{}
	for v := range m.Store.IterVariables() {
		p := v.Path()
		part := PartOf(p)
		keep := false
		switch part {
		case "llm":
			keep = opt.EmbedLLM || m.Config.LLMPath == ""
		case "vision":
			// Stage 2 trains the vision tower: always written.
			keep = true
		case "":
			keep = opt.Extra != nil && opt.Extra(p) && !strings.Contains(p, "#")
		default:
			keep = true
		}
		if !keep || !v.HasValue() {
			continue
		}
		t, err := v.Value()
		if err != nil {
			return nil, fmt.Errorf("vlm: variable %s: %w", p, err)
		}
		name, _ := fusion.HFName(p, "/")
		out[name] = t
	}
	return out, nil
}

// Save writes config.json and model.safetensors into dir. The folder is
// written beside dir and renamed into place, so a crash never leaves a
// half-written checkpoint under dir's name. Relative clip_path / llm_path
// are rewritten relative to dir.
func (m *Model) Save(dir string, opt SaveOptions) error {
	named, err := m.Tensors(opt)
	if err != nil {
		return err
	}
	cfg := m.Config
	for _, p := range []*string{&cfg.CLIPPath, &cfg.LLMPath, &cfg.CLIPVocab, &cfg.LlamaTokenizer} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(m.resolve(*p))
		if err != nil {
			return err
		}
		*p = abs
	}
	if opt.EmbedLLM {
		cfg.LLMPath = ""
	}
	return WriteFolder(dir, cfg, named)
}

// WriteFolder writes cfg and tensors as a checkpoint folder, atomically:
// everything goes to a temporary sibling folder that is renamed over dir
// (an existing dir is moved aside first and removed after).
func WriteFolder(dir string, cfg any, named map[string]*tensors.Tensor) error {
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("vlm: save %s: %w", dir, err)
	}
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("vlm: save %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, ConfigFile), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("vlm: save %s: %w", dir, err)
	}
	if err := safetensors.WriteTensors(filepath.Join(tmp, WeightsFile), named, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("vlm: save %s: %w", dir, err)
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("vlm: save %s: %w", dir, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("vlm: save %s: %w", dir, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// TensorNames lists the dotted names a checkpoint would hold (sorted).
func TensorNames(named map[string]*tensors.Tensor) []string {
	out := make([]string, 0, len(named))
	for k := range named {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LLMUnchanged reports whether every LLM variable of the model that holds a
// value is bit-identical to the tensor of the same name in the Llama folder
// (llm_path): the frozen LLM must never move.
func (m *Model) LLMUnchanged() (bool, error) {
	p := m.resolve(m.Config.LLMPath)
	if p == "" {
		return false, fmt.Errorf("vlm: the model has no llm_path to compare with")
	}
	ck, err := safetensors.Open(filepath.Join(p, WeightsFile))
	if err != nil {
		return false, fmt.Errorf("vlm: %w", err)
	}
	defer ck.Close()
	compared := 0
	for v := range m.Store.IterVariables() {
		name, ok := fusion.HFName(v.Path(), "/"+ScopeLLM)
		if !ok || !v.HasValue() {
			continue
		}
		want, _, err := ck.Float32(name)
		if err != nil {
			return false, err
		}
		got, want := heldFloat32(v.MustValue(), want) // forward.go: a bfloat16 LLM compares with the rounded file values
		if len(got) != len(want) {
			return false, nil
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				return false, nil
			}
		}
		compared++
	}
	if compared == 0 {
		return false, fmt.Errorf("vlm: no LLM weights loaded yet (run the model once)")
	}
	return true, nil
}
