package figures

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/branch"
	"github.com/tokenscale/tokenscale/lib/lab/labresult"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// TestLoadLabCSVDrawsTheSameFigures: a sweep written as CSV and loaded
// back draws the lab's fits and differences exactly as the sweep in memory.
func TestLoadLabCSVDrawsTheSameFigures(t *testing.T) {
	res := testLabResult(t)
	path := filepath.Join(t.TempDir(), "sweep.csv")
	var buf bytes.Buffer
	if err := labresult.WriteCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadLab(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"lab-fig8", "lab-fig9", "lab-fig11", "lab-fig12"} {
		a := render(t, id, Lab(res, "sweep.csv"))
		b := render(t, id, loaded)
		if !bytes.Equal(a, b) {
			t.Errorf("%s from the CSV differs from the sweep in memory", id)
		}
	}
	// The CSV has no training losses.
	if _, err := Build("lab-loss", loaded); err == nil {
		t.Error("lab-loss from a CSV without losses: want an error")
	}
}

func render(t *testing.T, id string, opts ...plots.Option) []byte {
	t.Helper()
	f, err := Build(id, opts...)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	b, err := f.Render("png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		src        Source
		path, want string
	}{
		{FromLab, write("a.csv", "config,N,question_kind,accuracy\nVision Queries,two,local,0.5\n"), "a.csv:2: field N"},
		{FromLab, write("b.csv", "config,N,question_kind,accuracy\nVQQ,2,local,0.5\n"), "b.csv:2: field config"},
		{FromLab, write("c.csv", "config,N,kind,accuracy\n"), "c.csv:1: no column \"question_kind\""},
		{FromLab, t.TempDir(), "holds no finished run"},
		{FromBranch, write("d.json", `[{"Model": "x"}]`), "d.json: curve 0"},
		{FromTraining, write("e.jsonl", "{\"step\": 1}\nnot json\n"), "e.jsonl:2"},
		{FromEval, write("f.csv", "config,N,benchmark,metric\n"), "f.csv"},
		{FromLab, filepath.Join(dir, "missing.csv"), "missing.csv"},
	} {
		_, err := Load(tc.src, tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%s, %s) = %v, want an error containing %q", tc.src, filepath.Base(tc.path), err, tc.want)
		}
	}
}

func TestLoadBranchRoundTrip(t *testing.T) {
	cs := []branch.Curve{constCurve(t, "A", 20), constCurve(t, "B", 30)}
	path := filepath.Join(t.TempDir(), "curves.json")
	var buf bytes.Buffer
	if err := branch.WriteCurves(&buf, cs); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadBranch(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"fig3a", "fig4a", "fig4b", "fig10", "fig14", "branch-psi"} {
		if !bytes.Equal(render(t, id, Branch(cs...)), render(t, id, loaded)) {
			t.Errorf("%s from the JSON differs from the estimates in memory", id)
		}
	}
}
