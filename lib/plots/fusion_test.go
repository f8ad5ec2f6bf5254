package plots

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/train"
)

func TestFusionFigures(t *testing.T) {
	for _, opts := range [][]Option{nil, {Param("N", 1), Configs("vq")}, {Param("N", 16), Param("vision", 0)}} {
		if _, err := Build("fig6", opts...); err != nil {
			t.Errorf("fig6 %v: %v", opts, err)
		}
	}
	for _, bad := range [][]Option{{Param("N", 0)}, {Param("N", 2.5)}, {Configs("sideways")}, {Configs("vq", "vqq")}} {
		if _, err := Build("fig6", bad...); err == nil {
			t.Errorf("fig6: want an error for bad options")
		}
	}
	SetTrainingRuns(TrainingRun{Label: "a", Log: []train.StepLog{{Step: 1, Loss: 3, GradNorm: 2}, {Step: 2, Loss: 2, GradNorm: 1}}})
	defer SetTrainingRuns()
	f, err := Build("fig15", LogY(true))
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
