package nb

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/figures"
	"github.com/tokenscale/tokenscale/lib/plots"
)

// withFigureDir points figure output at a fresh directory for one test.
func withFigureDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	SetFigureDir(dir)
	t.Cleanup(func() { mu.Lock(); figDir, figDirSet = "", false; mu.Unlock() })
	var buf bytes.Buffer
	SetTextOutput(&buf)
	t.Cleanup(func() { SetTextOutput(os.Stdout) })
	return dir
}

func TestFigureWritesPNGOutsideKernel(t *testing.T) {
	dir := withFigureDir(t)
	for _, tc := range []struct {
		opts     []plots.Option
		wantName string // "" = id plus a hash
	}{
		{nil, "fig2.png"},
		{[]plots.Option{plots.Param("g", 0.2)}, ""},
		{[]plots.Option{plots.Param("g", 0.2), plots.LogY(false)}, ""},
	} {
		path := Figure("fig2", tc.opts...)
		if filepath.Dir(path) != dir {
			t.Fatalf("Figure wrote %q, want a file in %s", path, dir)
		}
		base := filepath.Base(path)
		if tc.wantName != "" && base != tc.wantName {
			t.Errorf("Figure(fig2, %d options) wrote %s, want %s", len(tc.opts), base, tc.wantName)
		}
		if tc.wantName == "" && (base == "fig2.png" || !strings.HasPrefix(base, "fig2-")) {
			t.Errorf("Figure(fig2, %d options) wrote %s, want fig2-<hash>.png", len(tc.opts), base)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s is not a PNG: %v", path, err)
		}
		// fig2's default canvas is 11 x 4.8 inches at plots.DPI.
		hIn := 4.8
		wantH := int(hIn*plots.DPI + 0.5)
		if w, h := img.Bounds().Dx(), img.Bounds().Dy(); w != 11*plots.DPI || h != wantH {
			t.Errorf("%s is %dx%d pixels, want %dx%d", base, w, h, 11*plots.DPI, wantH)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("want 3 distinct files for 3 option sets, got %d", len(entries))
	}
}

func TestShowSVG(t *testing.T) {
	dir := withFigureDir(t)
	f, err := figures.Build("fig2")
	if err != nil {
		t.Fatal(err)
	}
	path := ShowSVG(f)
	if path != filepath.Join(dir, "fig2.svg") {
		t.Fatalf("ShowSVG wrote %q", path)
	}
	b, _ := os.ReadFile(path)
	if !bytes.Contains(b[:min(len(b), 200)], []byte("<svg")) {
		t.Errorf("%s does not start like an SVG: %q", path, b[:min(len(b), 80)])
	}
}

func TestFigureDirFromEnv(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(FigureDirEnv, dir)
	if got := FigureDir(); got != dir {
		t.Errorf("FigureDir() = %q with %s=%q", got, FigureDirEnv, dir)
	}
	t.Setenv(FigureDirEnv, "")
	if got := FigureDir(); got != filepath.Join("out", "figures") {
		t.Errorf("FigureDir() outside a kernel with nothing set = %q, want out/figures", got)
	}
}

func TestFailOutsideKernelPanicsWithTheError(t *testing.T) {
	withFigureDir(t)
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"unknown figure", func() { Figure("no-such-figure") }, "unknown figure"},
		{"bad option", func() { Figure("fig2", plots.Param("g", 3)) }, "outside [0, 1]"},
		{"Check", func() { Check(0, errors.New("boom")) }, "boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				if !ok || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("recovered %v, want an error containing %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
	if v := Check(7, nil); v != 7 {
		t.Errorf("Check(7, nil) = %d", v)
	}
}

func TestTable(t *testing.T) {
	tb := &Table{Caption: "T", Header: []string{"a", "bb"}, Rows: [][]string{{"<x>", "1"}, {"y", "22"}}, Notes: "n"}
	h := tb.HTML()
	for _, want := range []string{"<caption", "&lt;x&gt;", "<th", "<td", ">n</p>"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	if strings.Contains(h, "<x>") {
		t.Error("HTML does not escape cells")
	}
	if !strings.Contains(h, `text-align:right;font-variant-numeric:tabular-nums">22<`) {
		t.Error("numeric cells are not right-aligned")
	}
	for _, tc := range []struct {
		s    string
		want bool
	}{{"0.0335", true}, {"-1.99e-59", true}, {"10^-554", true}, {"—", true}, {"MME", false}, {"10^x", false}, {"", false}} {
		if got := isNumber(tc.s); got != tc.want {
			t.Errorf("isNumber(%q) = %v", tc.s, got)
		}
	}
	var buf bytes.Buffer
	SetTextOutput(&buf)
	defer SetTextOutput(os.Stdout)
	tb.Show()
	want := "T\na    bb\n<x>  1\ny    22\nn\n"
	if buf.String() != want {
		t.Errorf("Show outside a kernel printed %q, want %q", buf.String(), want)
	}
}

func TestProgressOutsideKernel(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress("work", 4, false, &buf)
	for range 6 { // past the total: clamps
		p.Add(1)
	}
	p.Done()
	p.Add(1) // after Done: ignored
	if p.Count() != 4 {
		t.Errorf("Count = %d, want 4", p.Count())
	}
	if out := buf.String(); !strings.Contains(out, "work") || !strings.Contains(out, "4/4") {
		t.Errorf("progress output %q lacks the description or 4/4", out)
	}
}
