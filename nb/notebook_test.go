package nb

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotebookThroughJupyter runs a small notebook through the real headless
// runner (kernels/run-notebooks: Jupyter's nbclient + the GoNB kernel): the
// figure cell must write its PNG, the failing cell must stop the run with
// the notebook and cell named, and the cell after it must not run.
// It needs `kernels/install` to have run (make test does that first).
func TestNotebookThroughJupyter(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Jupyter and compiles Go cells (about 10-20 s); skipped with -short")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "kernels", "jupyter", "kernels", "gonb", "kernel.json")); err != nil {
		t.Skip("GoNB kernel not installed: run kernels/install (make test does)")
	}
	py := os.Getenv("TOKENSCALE_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import nbclient, nbconvert").Run(); err != nil {
		t.Skipf("Jupyter (nbclient, nbconvert) not importable by %s: run kernels/install", py)
	}

	dir := t.TempDir()
	cells := []string{
		"!" + filepath.Join(root, "kernels", "nbsetup") + "\nimport \"github.com/tokenscale/tokenscale/nb\"",
		"%%\nnb.Figure(\"fig2\")\np := nb.NewProgress(\"steps\", 3)\nfor range 3 {\n\tp.Add(1)\n}\np.Done()",
		"%%\nfor i := range 200 {\n\tnb.Markdown(fmt.Sprintf(\"burst %d of 200\", i+1))\n}",
		"%%\nnb.Check(0, errors.New(\"deliberate failure\"))",
		"%%\nfmt.Println(\"must not run\")",
	}
	nbPath := filepath.Join(dir, "t.ipynb")
	writeNotebook(t, nbPath, cells)
	out := filepath.Join(dir, "out")
	cmd := exec.Command(py, filepath.Join(root, "kernels", "run-notebooks"), "--out", out, "--timeout", "300", nbPath)
	cmd.Env = append(os.Environ(), "JUPYTER_PATH="+filepath.Join(root, "kernels", "jupyter"))
	outb, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("runner: %v (want exit 1); output:\n%s", err, outb)
	}
	msg := string(outb)
	for _, want := range []string{"FAILED t.ipynb, cell 4", "deliberate failure", "exit status 1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("runner output lacks %q:\n%s", want, msg)
		}
	}
	if fi, err := os.Stat(filepath.Join(out, "figures", "fig2.png")); err != nil || fi.Size() < 10000 {
		t.Errorf("figure cell did not write out/figures/fig2.png: %v", err)
	}
	// The executed notebook is saved; the last cell has no outputs.
	b, err := os.ReadFile(filepath.Join(out, "notebooks", "t.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	var executed struct {
		Cells []struct {
			Outputs []json.RawMessage `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &executed); err != nil {
		t.Fatal(err)
	}
	if n := len(executed.Cells); n != 5 || len(executed.Cells[1].Outputs) == 0 || len(executed.Cells[4].Outputs) != 0 {
		t.Fatalf("executed notebook: %d cells; the figure cell should have output and the last none", n)
	}
	// The figure is shown as PNG; the progress bar ends at 3/3 (updated in place).
	fig := string(executed.Cells[1].Outputs[0])
	if !strings.Contains(fig, "image/png") {
		t.Errorf("figure output is not a PNG: %.200s", fig)
	}
	var all strings.Builder
	for _, o := range executed.Cells[1].Outputs {
		all.Write(o)
	}
	if s := all.String(); !strings.Contains(s, "<progress") || !strings.Contains(s, "3/3") {
		t.Errorf("progress bar output missing or not at 3/3: %.600s", s)
	}
	// A cell that ends right after many outputs keeps all of them, in order
	// (GoNB drops what is still in its pipe when the cell's program exits,
	// unless nb waits for it).
	burst := executed.Cells[2].Outputs
	if len(burst) != 200 || !strings.Contains(string(burst[0]), "burst 1 of 200") || !strings.Contains(string(burst[199]), "burst 200 of 200") {
		last := ""
		if len(burst) > 0 {
			last = string(burst[len(burst)-1])
		}
		t.Errorf("burst cell: %d outputs, want 200 ending with \"burst 200 of 200\"; last: %.200s", len(burst), last)
	}
}

// writeNotebook writes a GoNB notebook of code cells.
func writeNotebook(t *testing.T, path string, sources []string) {
	t.Helper()
	type cell struct {
		CellType string   `json:"cell_type"`
		Metadata struct{} `json:"metadata"`
		Source   string   `json:"source"`
		Outputs  []any    `json:"outputs"`
		ExecCnt  *int     `json:"execution_count"`
	}
	nbk := map[string]any{
		"nbformat": 4, "nbformat_minor": 4,
		"metadata": map[string]any{"kernelspec": map[string]string{"name": "gonb", "display_name": "Go (gonb)", "language": "go"}},
	}
	var cs []cell
	for _, s := range sources {
		cs = append(cs, cell{CellType: "code", Source: s, Outputs: []any{}})
	}
	nbk["cells"] = cs
	b, err := json.MarshalIndent(nbk, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
