package train

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/core/tensors"
)

// The pure-Go backend has one device and no collectives, so what runs here
// is: a one-device mesh takes the plain path (bit-identical step), meshes
// the backend cannot serve are refused with a clear error, and the
// per-device splitting of the inputs is exact. The sharded graphs
// themselves (AutoSharding over ≥ 2 devices) need a multi-device XLA
// backend.
func TestMeshOneDeviceIsPlain(t *testing.T) {
	mesh, err := distributed.NewDeviceMesh([]int{1}, []string{"data"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	lp, plain := oneStep(t, filepath.Join(dir, "plain"), func(*Options) {})
	lm, meshed := oneStep(t, filepath.Join(dir, "mesh"), func(o *Options) { o.Mesh = mesh })
	sameStep(t, "one-device mesh", lp, lm, plain, meshed)
}

func TestMeshErrors(t *testing.T) {
	two, err := distributed.NewDeviceMesh([]int{2}, []string{"data"})
	if err != nil {
		t.Fatal(err)
	}
	m, ex := toySetup(t, t.TempDir(), 4)
	defer m.Close()
	opt := toyOptions(1)
	opt.Mesh = two
	if _, err := NewTrainer(m, ex, opt); err == nil || !strings.Contains(err.Error(), "needs 2 devices") {
		t.Errorf("two-device mesh on a one-device backend: %v", err)
	}
}

func TestShardInputs(t *testing.T) {
	f := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 4, 2)
	ids := tensors.FromFlatDataAndDimensions([]int32{10, 11, 12, 13}, 4)
	ok := tensors.FromFlatDataAndDimensions([]bool{true, false, false, true}, 4)
	out, err := shardInputs([]*tensors.Tensor{f, ids, ok}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 6 {
		t.Fatalf("%d shards, want 2 devices × 3 inputs", len(out))
	}
	want := []any{
		[]float32{1, 2, 3, 4}, []int32{10, 11}, []bool{true, false},
		[]float32{5, 6, 7, 8}, []int32{12, 13}, []bool{false, true},
	}
	for i, w := range want {
		got := out[i].(*tensors.Tensor)
		var same bool
		switch w := w.(type) {
		case []float32:
			same = slices.Equal(tensors.MustCopyFlatData[float32](got), w) && got.Shape().Dimensions[1] == 2
		case []int32:
			same = slices.Equal(tensors.MustCopyFlatData[int32](got), w)
		case []bool:
			same = slices.Equal(tensors.MustCopyFlatData[bool](got), w)
		}
		if !same || got.Shape().Dimensions[0] != 2 {
			t.Errorf("shard %d: %v, want %v", i, got, w)
		}
	}
	if one, _ := shardInputs([]*tensors.Tensor{f}, 1); one[0] != any(f) {
		t.Error("one device should pass the inputs through")
	}
	if _, err := shardInputs([]*tensors.Tensor{tensors.FromFlatDataAndDimensions([]float32{1, 2, 3}, 3)}, 2); err == nil {
		t.Error("3 rows over 2 devices was accepted")
	}
}
