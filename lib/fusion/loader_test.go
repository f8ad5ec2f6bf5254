package fusion

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/dtypes/bfloat16"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/backend"
	"github.com/tokenscale/tokenscale/lib/safetensors"
)

func TestLoaderServesDTypes(t *testing.T) {
	be, err := backend.New()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	vals := []float32{1, -2.5, 0.15625}
	err = safetensors.WriteTensors(path, map[string]*tensors.Tensor{
		"llm.w":  tensors.FromFlatDataAndDimensions(vals, 3),
		"proj.w": tensors.FromFlatDataAndDimensions(vals, 3),
		"step":   tensors.FromScalar(int64(7)),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	bf16UnderLLM := func(p string) dtypes.DType {
		if p == "/llm/w" {
			return dtypes.BFloat16
		}
		return dtypes.Float32
	}
	for _, tc := range []struct {
		name  string
		float func(string) dtypes.DType
		path  string
		want  dtypes.DType
	}{
		{"default float32", nil, "/llm/w", dtypes.Float32},
		{"bfloat16 where asked", bf16UnderLLM, "/llm/w", dtypes.BFloat16},
		{"float32 elsewhere", bf16UnderLLM, "/proj/w", dtypes.Float32},
		{"integers as stored", bf16UnderLLM, "/step", dtypes.Int64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &Loader{Backend: be, FloatDType: tc.float}
			l.Mount("/", ck)
			got, ok := l.LoadVariable(nil, tc.path)
			if !ok || l.Err != nil {
				t.Fatalf("not served: %v", l.Err)
			}
			if got.DType() != tc.want {
				t.Fatalf("dtype %s, want %s", got.DType(), tc.want)
			}
			if tc.want == dtypes.BFloat16 {
				var f []float32
				for _, x := range tensors.MustCopyFlatData[bfloat16.BFloat16](got) {
					f = append(f, x.Float32())
				}
				if !slices.Equal(f, vals) { // all three are exact in bfloat16
					t.Errorf("values %v, want %v", f, vals)
				}
			}
		})
	}
}
