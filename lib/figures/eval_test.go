package figures

import (
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/plots"
	"github.com/tokenscale/tokenscale/lib/results"
)

func TestEvalSweepFigure(t *testing.T) {
	rows, err := results.ReadAll(strings.NewReader("config,N,benchmark,metric,value\n"+
		"Vision Question Queries,1,MMStar,Overall,20\n"+
		"Vision Question Queries,8,MMStar,Overall,30\n"+
		"Vision Question Queries,64,MMStar,Overall,38\n"+
		"Vision Question Queries,8,Lab,accuracy,0\n"), "mine.csv")
	if err != nil {
		t.Fatal(err)
	}
	mine := Eval("mine.csv", rows)
	f, err := Build("eval-sweep", mine)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Panels) != 1 || !strings.Contains(f.Title, "mine.csv") || len(f.Legend) != 4 {
		t.Errorf("%d panels, title %q, %d legend entries; want 1 (the Table-1 metric), naming mine.csv, 4", len(f.Panels), f.Title, len(f.Legend))
	}
	f, err = Build("eval-sweep", mine, plots.Metrics("Overall@MMStar", "accuracy@Lab"))
	if err != nil {
		t.Fatal(err)
	}
	// MMStar has the user's fit and the paper's; the lab metric has no fit.
	if title := f.Panels[0].Title.Text; !strings.Contains(title, "you α = ") || !strings.Contains(title, "paper α = ") {
		t.Errorf("MMStar panel title %q", title)
	}
	if title := f.Panels[1].Title.Text; !strings.Contains(title, "you no fit") || strings.Contains(title, "paper") {
		t.Errorf("lab panel title %q", title)
	}
	if _, err := f.Render("png"); err != nil {
		t.Fatal(err)
	}
	if _, err := Build("eval-sweep", mine, plots.Metrics("Overall@SEEDBench IMG")); err == nil || !strings.Contains(err.Error(), "Overall@MMStar") {
		t.Errorf("unknown metric: err = %v, want one listing the metrics present", err)
	}
	// Without results the paper's side is drawn and the title says what to run.
	f, err = Build("eval-sweep")
	if err != nil || !strings.Contains(f.Title, "tokenscale eval sweep") || len(f.Legend) != 2 {
		t.Errorf("no results: %v, title %q", err, f.Title)
	}
}
