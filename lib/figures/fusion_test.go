package figures

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/train/trainlog"
)

func TestFusionFigures(t *testing.T) {
	l := Layout("test layout", []string{"IMG", "IMG", "QUE", "QED", "EOS", "EOS"}, []string{"TXT", "FUSED", "FUSED", "TXT", "ANS"})
	f, err := Build("fig6", l)
	if err != nil {
		t.Fatal(err)
	}
	if f.Panels[0].Title.Text != "test layout" {
		t.Errorf("fig6 title %q", f.Panels[0].Title.Text)
	}
	if _, err := Build("fig6"); err == nil || !strings.Contains(err.Error(), "figures.Layout") {
		t.Errorf("fig6 without a layout: %v", err)
	}
	run := Training(TrainingRun{Label: "a", Log: []trainlog.StepLog{{Step: 1, Loss: 3, GradNorm: 2}, {Step: 2, Loss: 2, GradNorm: 1}}})
	f, err = Build("fig15", run, plots.LogY(true))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Legend) != 1 || len(f.Panels) != 2 {
		t.Errorf("fig15: %d legend entries, %d panels", len(f.Legend), len(f.Panels))
	}
	if _, err := Build("fig15", Training(TrainingRun{Label: "empty"})); err == nil {
		t.Error("fig15: want an error for an empty run")
	}
	if _, err := Build("fig15"); err == nil || !strings.Contains(err.Error(), "figures.Training") {
		t.Errorf("fig15 without runs: %v", err)
	}
}

func TestTokenRuns(t *testing.T) {
	got := tokenRuns([]string{"IMG", "IMG", "QUE", "EOS", "EOS", "QED", "QED"})
	want := []tokenRun{{"IMG", 0, 2}, {"QUE", 2, 3}, {"EOS", 3, 4}, {"EOS", 4, 5}, {"QED", 5, 7}}
	if len(got) != len(want) {
		t.Fatalf("tokenRuns = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("run %d = %v, want %v", i, got[i], want[i])
		}
	}
}
