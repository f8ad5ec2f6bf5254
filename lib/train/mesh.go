package train

import (
	"fmt"

	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Data-parallel training over a device mesh (Options.Mesh). The
// accumulation and apply graphs keep lib/train's gradient accumulation and
// are handed to XLA's partitioner (GoMLX's AutoSharding strategy): every
// batch input is sharded along its first axis over all the mesh's axes,
// variables (weights, accumulators, AdamW moments) are replicated (the
// store's default under AutoSharding), and the partitioner inserts the
// all-reduce of the gradients. GoMLX's own Trainer.DistributedTrainStep is
// not used because it refuses gradient accumulation, which the paper's
// recipe needs (App. C: 64 steps).
//
// A mesh of one device is the plain path: the graphs are built and run
// exactly as without a mesh.

// useMesh configures the trainer's two executors for opt.Mesh (nothing for
// nil or a one-device mesh).
func (t *Trainer) useMesh(mesh *distributed.DeviceMesh) error {
	if mesh == nil || mesh.NumDevices() <= 1 {
		return nil
	}
	n := mesh.NumDevices()
	if have := t.Model.Backend.NumDevices(); n > have {
		return fmt.Errorf("train: mesh %s needs %d devices, backend %q has %d", mesh, n, t.Model.Backend.Name(), have)
	}
	if t.Opt.BatchSize%n != 0 {
		return fmt.Errorf("train: batch size %d is not a multiple of the mesh's %d devices", t.Opt.BatchSize, n)
	}
	batch, err := distributed.NewShardingSpec(mesh, distributed.AxisSpec(mesh.AxesNames()))
	if err != nil {
		return fmt.Errorf("train: mesh %s: %w", mesh, err)
	}
	for _, e := range []*model.Exec{t.acc, t.apply} {
		// The last input spec serves every remaining input; the two scalar
		// outputs (loss, gradient norm) are replicated.
		e.AutoSharding(mesh).WithInputShardingSpecs(batch).
			WithOutputShardingSpecs(distributed.NewReplicatedShardingSpec(mesh))
	}
	t.shards = n
	return nil
}

// shardInputs splits every tensor along its first axis into n equal parts
// and returns them device by device ([device 0's inputs…, device 1's…]),
// the order GoMLX's AutoSharding executor takes per-device arguments in.
// n ≤ 1 returns the inputs unchanged.
func shardInputs(in []*tensors.Tensor, n int) ([]any, error) {
	if n <= 1 {
		out := make([]any, len(in))
		for i, t := range in {
			out[i] = t
		}
		return out, nil
	}
	parts := make([][]*tensors.Tensor, len(in))
	for i, t := range in {
		p, err := splitFirstAxis(t, n)
		if err != nil {
			return nil, fmt.Errorf("train: input %d: %w", i, err)
		}
		parts[i] = p
	}
	out := make([]any, 0, n*len(in))
	for d := range n {
		for i := range in {
			out = append(out, parts[i][d])
		}
	}
	return out, nil
}

// splitFirstAxis cuts t into n tensors of dims[0]/n rows each.
func splitFirstAxis(t *tensors.Tensor, n int) ([]*tensors.Tensor, error) {
	s := t.Shape()
	if s.Rank() == 0 || s.Dimensions[0]%n != 0 {
		return nil, fmt.Errorf("shape %s: the first axis must be a multiple of the %d devices", s, n)
	}
	dims := append([]int{s.Dimensions[0] / n}, s.Dimensions[1:]...)
	sub := shapes.Make(s.DType, dims...)
	out := make([]*tensors.Tensor, n)
	var err error
	t.ConstBytes(func(data []byte) {
		per := len(data) / n
		for d := range n {
			out[d] = tensors.FromShape(sub)
			if e := out[d].MutableBytes(func(dst []byte) { copy(dst, data[d*per:(d+1)*per]) }); e != nil {
				err = e
			}
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
