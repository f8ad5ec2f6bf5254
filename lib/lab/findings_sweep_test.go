package lab

import (
	"testing"

	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
)

// TestQuickSweepFindings runs `tokenscale lab --quick` (about two minutes
// on two cores; instant when the shared cache already holds it, which is
// where the notebook and the CLI then find it) and checks the paper's
// three findings on it.
func TestQuickSweepFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: trains the quick sweep (about two minutes on two cores)")
	}
	cfg := QuickSweep()
	cfg.CacheDir = DefaultCacheDir()
	res, err := cfg.Sweep(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Points {
		if p.Kind != "all" {
			t.Logf("%-24s N=%d %-6s accuracy %.3f ± %.3f", p.Config, p.N, p.Kind, p.Accuracy, p.Std)
		}
	}
	for i, f := range res.Findings() {
		t.Logf("finding %d: %s: %s", i+1, f.Claim, f.Value)
		if !f.Holds {
			t.Errorf("finding %d does not hold on the quick sweep: %s (%s)", i+1, f.Claim, f.Value)
		}
	}
}

// TestConfigNamesAreFusionModes checks that the configuration names of
// labresult (kept free of GoMLX) are the names lib/fusion gives its modes.
func TestConfigNamesAreFusionModes(t *testing.T) {
	want := map[fusion.Mode]string{fusion.VisionQuestionQueries: labresult.VQQ, fusion.VisionQueries: labresult.VQ, fusion.VisionQueriesFT: labresult.VQFT}
	for m, name := range want {
		if m.String() != name {
			t.Errorf("fusion mode %d is %q, labresult says %q", int(m), m.String(), name)
		}
	}
	if len(labresult.Configs()) != len(fusion.Modes) {
		t.Errorf("labresult.Configs() = %v, fusion has %d modes", labresult.Configs(), len(fusion.Modes))
	}
}
