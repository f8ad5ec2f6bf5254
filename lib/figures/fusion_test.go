package figures

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/train"
)

func TestFusionFigures(t *testing.T) {
	for _, opts := range [][]plots.Option{nil, {plots.Param("N", 1), plots.Configs("vq")}, {plots.Param("N", 16), plots.Param("vision", 0)}} {
		if _, err := Build("fig6", opts...); err != nil {
			t.Errorf("fig6 %v: %v", opts, err)
		}
	}
	for _, bad := range [][]plots.Option{{plots.Param("N", 0)}, {plots.Param("N", 2.5)}, {plots.Configs("sideways")}, {plots.Configs("vq", "vqq")}} {
		if _, err := Build("fig6", bad...); err == nil {
			t.Errorf("fig6: want an error for bad options")
		}
	}
	SetTrainingRuns(TrainingRun{Label: "a", Log: []train.StepLog{{Step: 1, Loss: 3, GradNorm: 2}, {Step: 2, Loss: 2, GradNorm: 1}}})
	defer SetTrainingRuns()
	f, err := Build("fig15", plots.LogY(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Legend) != 1 || len(f.Panels) != 2 {
		t.Errorf("fig15: %d legend entries, %d panels", len(f.Legend), len(f.Panels))
	}
	SetTrainingRuns(TrainingRun{Label: "empty"})
	if _, err := Build("fig15"); err == nil {
		t.Error("fig15: want an error for an empty run")
	}
}
