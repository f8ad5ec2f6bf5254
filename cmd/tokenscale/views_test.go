package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestViewsSizes(t *testing.T) {
	// The worked examples of docs/model.md#hd-9-views.
	for _, tc := range []struct {
		size          string
		views, tokens int
		grid          [2]int
	}{
		{"800x600", 10, 1450, [2]int{3, 3}}, {"640x480", 10, 1450, [2]int{3, 3}}, {"512x512", 10, 1450, [2]int{3, 3}},
		{"100x100", 10, 1450, [2]int{3, 3}}, {"1920x1080", 7, 1015, [2]int{2, 3}}, {"500x1500", 9, 1305, [2]int{4, 2}},
	} {
		out, errOut, code := runCLI(t, "", "views", "--size", tc.size, "--format", "json")
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.size, code, errOut)
		}
		var rep viewsReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v: %s", tc.size, err, out)
		}
		if rep.Views != tc.views || rep.Tokens != tc.tokens || rep.Grid != tc.grid {
			t.Errorf("%s: views %d tokens %d grid %v, want %d %d %v", tc.size, rep.Views, rep.Tokens, rep.Grid, tc.views, tc.tokens, tc.grid)
		}
	}
}

func writePNG(t *testing.T, dir string, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "pic.png")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestViewsImage(t *testing.T) {
	dir := t.TempDir()
	img := writePNG(t, dir, 640, 360) // 16:9 like 1920×1080
	outDir := filepath.Join(dir, "views")
	out, errOut, code := runCLI(t, "", "views", "--image", img, "--out", outDir, "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep viewsReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Width != 640 || rep.Height != 360 || rep.Views != 7 || rep.Tokens != 1015 || rep.Resized != [2]int{1008, 567} || rep.Grid != [2]int{2, 3} {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Files) != 8 {
		t.Fatalf("files %v, want 7 views + mosaic", rep.Files)
	}
	for _, f := range rep.Files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !strings.HasSuffix(f, "mosaic.png") && (cfg.Width != 336 || cfg.Height != 336) {
			t.Errorf("%s: %d×%d, want 336×336", f, cfg.Width, cfg.Height)
		}
	}
	// Text output.
	out, _, code = runCLI(t, "", "views", "--image", img)
	if code != 0 || !strings.Contains(out, "vision tokens: 7 × 145 = 1015") {
		t.Errorf("text output (exit %d):\n%s", code, out)
	}
}

func TestViewsErrors(t *testing.T) {
	dir := t.TempDir()
	var gifBuf bytes.Buffer
	gif.Encode(&gifBuf, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White}), nil)
	gifPath := filepath.Join(dir, "anim.gif")
	os.WriteFile(gifPath, gifBuf.Bytes(), 0o644)
	png := writePNG(t, dir, 50, 40)
	data, _ := os.ReadFile(png)
	cut := filepath.Join(dir, "cut.png")
	os.WriteFile(cut, data[:len(data)/2], 0o644)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"views", "--image", gifPath}, 1, "unsupported image format gif"},
		{[]string{"views", "--image", cut}, 1, "corrupt png"},
		{[]string{"views", "--image", filepath.Join(dir, "none.png")}, 1, "none.png"},
		{[]string{"views"}, 2, "exactly one of"},
		{[]string{"views", "--size", "12by5"}, 2, "WxH"},
		{[]string{"views", "--size", "100x100", "--hd", "0"}, 2, "--hd"},
		{[]string{"views", "--size", "100x100", "--format", "xml"}, 2, "--format"},
		{[]string{"views", "--size", "100000x1"}, 1, "too elongated"},
	} {
		_, errOut, code := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
