package nb

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPaperNotebooksLinkNoGoMLX: the notebooks that draw only the paper's
// numbers (01–05) and the random walk of Figure 1 (10) import packages
// whose dependencies hold no GoMLX and no cgo of our own or of a library
// (the standard library's runtime/cgo, net and os/user come with GoNB's
// display library, and build without cgo too).
func TestPaperNotebooksLinkNoGoMLX(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH: install Go to list the notebooks' dependencies")
	}
	srcs, err := filepath.Glob(filepath.Join("..", "notebooks", "src", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	imp := regexp.MustCompile(`"(github\.com/tokenscale/tokenscale/[^"]+)"`)
	checked := 0
	for _, src := range srcs {
		base := filepath.Base(src)
		if !regexp.MustCompile(`^(0[1-5]|10)-`).MatchString(base) {
			continue
		}
		raw, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		pkgs := map[string]bool{}
		for _, m := range imp.FindAllStringSubmatch(string(raw), -1) {
			pkgs[m[1]] = true
		}
		args := []string{"list", "-deps", "-f", `{{.ImportPath}} {{if .CgoFiles}}{{if not .Standard}}cgo{{end}}{{end}}`}
		for p := range pkgs {
			args = append(args, p)
		}
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: go list: %v\n%s", base, err, out)
		}
		for _, line := range strings.Split(string(out), "\n") {
			if strings.HasPrefix(line, "github.com/gomlx/") || strings.HasSuffix(line, " cgo") {
				t.Errorf("%s links %s", base, line)
			}
		}
		checked++
	}
	if checked != 6 {
		t.Errorf("checked %d notebooks, want 6 (01–05 and 10)", checked)
	}
}
