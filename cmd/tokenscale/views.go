package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/check"
	"github.com/tokenscale/tokenscale/lib/vision"
)

func init() {
	register(&command{
		name:    "views",
		summary: "HD-9 views of an image (or a size): layout, vision-token count, view PNGs",
		run:     runViews,
	})
}

// viewsReport is the JSON output of `tokenscale views --format json`.
type viewsReport struct {
	Image         string   `json:"image,omitempty"`
	Width         int      `json:"width"`
	Height        int      `json:"height"`
	HD            int      `json:"hd"`
	Views         int      `json:"views"`
	Grid          [2]int   `json:"grid"`
	Resized       [2]int   `json:"resized"`
	Padded        [2]int   `json:"padded"`
	Transposed    bool     `json:"transposed"`
	Global        [3]int   `json:"global"`
	TokensPerView int      `json:"tokens_per_view"`
	Tokens        int      `json:"tokens"`
	Files         []string `json:"files,omitempty"`
}

func runViews(env *cmdEnv, args []string) error {
	fs := newFlags(env, "views", "views (--image FILE | --size WxH) [--hd 9] [--out DIR] [--cell 112] [--format text|json]")
	image := fs.String("image", "", "PNG or JPEG image")
	size := fs.String("size", "", "an image size WxH instead of an image (layout and counts only)")
	hd := fs.Int("hd", vision.DefaultHD, "local-crop budget (9 for the paper's HD-9)")
	out := fs.String("out", "", "write the views as PNGs (view-00-global.png, view-01-r0c0.png, ...) and mosaic.png to this folder")
	cell := fs.Int("cell", 112, "side of one view in mosaic.png, in pixels")
	format := fs.String("format", "text", "output format: text or json")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*image == "") == (*size == "") {
		return usagef("views: give exactly one of --image or --size")
	}
	if *format != "text" && *format != "json" {
		return usagef("views: --format %q: want text or json", *format)
	}
	// 100 local crops (Appendix C's HD-9 uses 9) and mosaic cells up to
	// 1024 pixels keep the views and the mosaic within a few hundred MB.
	if err := checkFlags("views", check.Int("--hd", *hd, 1, 100), check.Int("--cell", *cell, 8, 1024)); err != nil {
		return err
	}
	if *out != "" && *image == "" {
		return usagef("views: --out needs --image")
	}
	rep := viewsReport{Image: *image, HD: *hd, TokensPerView: vision.TokensPerView}
	var layout vision.Layout
	var views *vision.Views
	if *size != "" {
		w, h, ok := parseSize(*size)
		if !ok {
			return usagef("views: --size %q: want WxH with positive integers, e.g. 1920x1080", *size)
		}
		l, err := vision.HDLayout(w, h, *hd)
		if err != nil {
			return err
		}
		layout = l
	} else {
		v, err := vision.ProcessFile(*image, *hd)
		if err != nil {
			return err
		}
		views, layout = v, v.Layout
	}
	side, gw, gh, err := vision.GlobalSize(layout.Width, layout.Height)
	if err != nil {
		return err
	}
	rep.Width, rep.Height = layout.Width, layout.Height
	rep.Views, rep.Tokens = layout.Views(), layout.Tokens()
	rep.Grid = [2]int{layout.Rows, layout.Cols}
	rep.Resized = [2]int{layout.ResizedW, layout.ResizedH}
	rep.Padded = [2]int{layout.PaddedW, layout.PaddedH}
	rep.Transposed = layout.Transposed
	rep.Global = [3]int{side, gw, gh}

	if *out != "" {
		files, err := writeViewFiles(*out, views, layout, *cell)
		if err != nil {
			return err
		}
		rep.Files = files
	}

	if *format == "json" {
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(env.stdout, string(b))
		return err
	}
	writeViewsText(env.stdout, rep, layout)
	return nil
}

// writeViewFiles writes each view as a PNG (view-00-global.png,
// view-01-r0c0.png, …) and mosaic.png, cells of side cell, into out, and
// returns their paths.
func writeViewFiles(out string, views *vision.Views, layout vision.Layout, cell int) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	var files []string
	px := views.Pixels()
	for k := 0; k < px.K; k++ {
		name := "view-00-global.png"
		if k > 0 {
			r, c := (k-1)/layout.Cols, (k-1)%layout.Cols
			name = fmt.Sprintf("view-%02d-r%dc%d.png", k, r, c)
		}
		path := filepath.Join(out, name)
		if err := vision.SavePNG(path, px.Image(k)); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	m, err := vision.Mosaic(px, layout, cell)
	if err != nil {
		return nil, usagef("views: --cell: %v", err)
	}
	path := filepath.Join(out, "mosaic.png")
	if err := vision.SavePNG(path, m); err != nil {
		return nil, err
	}
	return append(files, path), nil
}

// writeViewsText writes the report for a reader: the image, the local
// views' resize, padding and grid, the global view, the token count and
// the files written.
func writeViewsText(w io.Writer, rep viewsReport, layout vision.Layout) {
	name := rep.Image
	if name == "" {
		name = "size"
	}
	fmt.Fprintf(w, "%s: %d×%d\n", name, rep.Width, rep.Height)
	t := ""
	if rep.Transposed {
		t = " (portrait: the rule runs on the transposed image)"
	}
	fmt.Fprintf(w, "local views: resized to %d×%d, padded with white to %d×%d, grid %d×%d = %d crops of 336×336%s\n",
		rep.Resized[0], rep.Resized[1], rep.Padded[0], rep.Padded[1], rep.Grid[0], rep.Grid[1], layout.Locals(), t)
	side, gw, gh := rep.Global[0], rep.Global[1], rep.Global[2]
	fmt.Fprintf(w, "global view: %d×%d on a black %d×%d square, then 336×336\n", gw, gh, side, side)
	fmt.Fprintf(w, "views: %d (1 global + %d local); vision tokens: %d × %d = %d\n",
		rep.Views, layout.Locals(), rep.Views, rep.TokensPerView, rep.Tokens)
	for _, f := range rep.Files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
}

// parseSize parses "WxH" (x, X or ×).
func parseSize(s string) (w, h int, ok bool) {
	s = strings.NewReplacer("×", "x", "X", "x").Replace(strings.TrimSpace(s))
	a, b, found := strings.Cut(s, "x")
	if !found {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 {
		return 0, 0, false
	}
	return w, h, true
}
