package fusion

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// The decoder stack is checked against the shared golden Llama (an
// independent PyTorch implementation of Hugging Face's LlamaForCausalLM).
func TestDecoderMatchesGoldenLlama(t *testing.T) {
	dir := "../../../shared/golden/llama-tiny"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/golden/llama-tiny absent: golden parity test skipped")
	}
	var cfg struct {
		DecoderConfig
		Vocab int `json:"vocab_size"`
	}
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Cases []struct {
			InputIDs []int32     `json:"input_ids"`
			Logits   [][]float64 `json:"logits"`
			Hidden   [][]float64 `json:"last_hidden_state"`
		} `json:"cases"`
	}
	raw, _ = os.ReadFile(filepath.Join(dir, "expected.json"))
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	ck, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	be := backend.MustNew()
	store := model.NewStore()
	loader := &Loader{Backend: be}
	loader.Mount("/", ck)
	store.SetLoader(loader)
	exec, err := model.NewExec(be, store, func(scope *model.Scope, ids *Node) (*Node, *Node) {
		B, T := ids.Shape().Dim(0), ids.Shape().Dim(1)
		ms := scope.In("model")
		x := Embed(ms.In("embed_tokens"), ids, cfg.Vocab, cfg.Hidden, 0.02, dtypes.Float32)
		pos := Iota(ids.Graph(), shapes.Make(dtypes.Int32, B, T), 1)
		valid := Ones(ids.Graph(), shapes.Make(dtypes.Bool, B, T))
		h, _ := Decoder(ms, cfg.DecoderConfig, x, pos, CausalMask(valid), nil, nil, nil)
		return h, Linear(scope.In("lm_head"), h, cfg.Vocab, 0.02)
	})
	if err != nil {
		t.Fatal(err)
	}
	for ci, c := range exp.Cases {
		out, err := exec.Call(tensors.FromFlatDataAndDimensions(c.InputIDs, 1, len(c.InputIDs)))
		if err != nil {
			t.Fatal(err)
		}
		if loader.Err != nil {
			t.Fatal(loader.Err)
		}
		hid := tensors.MustCopyFlatData[float32](out[0])
		logits := tensors.MustCopyFlatData[float32](out[1])
		maxDiff := 0.0
		for i, row := range c.Hidden {
			for j, want := range row {
				maxDiff = math.Max(maxDiff, math.Abs(float64(hid[i*cfg.Hidden+j])-want))
			}
		}
		for i, row := range c.Logits {
			for j, want := range row {
				maxDiff = math.Max(maxDiff, math.Abs(float64(logits[i*cfg.Vocab+j])-want))
			}
		}
		if maxDiff > 1e-4 {
			t.Errorf("case %d: max |diff| = %g vs golden", ci, maxDiff)
		}
	}
	// Every variable came from the checkpoint (none freshly initialised).
	for v := range store.IterVariables() {
		name, _ := HFName(v.Path(), "/")
		if _, ok := ck.Info(name); !ok && v.Trainable {
			t.Errorf("variable %s not in the checkpoint", v.Path())
		}
	}
}
