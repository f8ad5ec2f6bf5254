package benchgen

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenscale/tokenscale/lib/eval"
	"github.com/tokenscale/tokenscale/lib/vlm/toysquare"
)

func TestWriteDeterministicAndReadable(t *testing.T) {
	dir := t.TempDir()
	for _, b := range eval.Benchmarks() {
		p1, p2 := filepath.Join(dir, b.Name+"1.tsv"), filepath.Join(dir, b.Name+"2.tsv")
		if err := Write(p1, b, 6, 42); err != nil {
			t.Fatal(err)
		}
		if err := Write(p2, b, 6, 42); err != nil {
			t.Fatal(err)
		}
		d1, _ := os.ReadFile(p1)
		d2, _ := os.ReadFile(p2)
		if !bytes.Equal(d1, d2) {
			t.Errorf("%s: not deterministic in the seed", b.Name)
		}
		items, err := eval.ReadAll(p1, b)
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		for _, it := range items {
			img, err := png.Decode(bytes.NewReader(it.Images[0]))
			if err != nil || img.Bounds().Dx() != ImageSize {
				t.Fatalf("%s index %s: image %v", b.Name, it.Index, err)
			}
		}
	}
}

func TestMMEPairsShareImages(t *testing.T) {
	b, _ := eval.Lookup("MME")
	p := filepath.Join(t.TempDir(), "mme.tsv")
	if err := Write(p, b, 8, 5); err != nil {
		t.Fatal(err)
	}
	items, _ := eval.ReadAll(p, b)
	for i := 0; i+1 < len(items); i += 2 {
		a, c := items[i], items[i+1]
		if !bytes.Equal(a.Images[0], c.Images[0]) || a.ImageKey != c.ImageKey || a.Answer == c.Answer {
			t.Errorf("items %s/%s: not a yes/no pair on one image", a.Index, c.Index)
		}
	}
}

func TestImageSizeOption(t *testing.T) {
	b, _ := eval.Lookup("ChartQA")
	p := filepath.Join(t.TempDir(), "c.tsv")
	if err := WriteOptions(p, b, 2, 1, Options{ImageSize: 48}); err != nil {
		t.Fatal(err)
	}
	items, err := eval.ReadAll(p, b)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(items[0].Images[0]))
	if err != nil || img.Bounds().Dx() != 48 {
		t.Errorf("image %v, %v; want 48 px", img.Bounds(), err)
	}
	if err := WriteOptions(p, b, 2, 1, Options{ImageSize: 8}); err == nil {
		t.Error("8-pixel images: no error")
	}
}

func TestSquareStyle(t *testing.T) {
	dir := t.TempDir()
	for _, b := range eval.Benchmarks() {
		p := filepath.Join(dir, b.Name+".tsv")
		err := WriteOptions(p, b, 6, 2, Options{Style: StyleSquare})
		if b.Kind == eval.YesNo {
			if err == nil {
				t.Errorf("%s: square style wrote a yes/no file", b.Name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		items, err := eval.ReadAll(p, b)
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		img, err := png.Decode(bytes.NewReader(items[0].Images[0]))
		if err != nil || img.Bounds().Dx() != 16 {
			t.Fatalf("%s: image %v", b.Name, err)
		}
		// The square's colour is at the centre of its quadrant and the
		// opposite quadrant is white.
		if b.Kind == eval.MultipleChoice {
			for _, it := range items {
				if it.Category != "colour" {
					continue
				}
				img, _ := png.Decode(bytes.NewReader(it.Images[0]))
				var want string
				for _, o := range it.Options {
					if o.Letter == it.Answer {
						want = o.Text
					}
				}
				found := false
				for _, c := range []struct{ x, y int }{{4, 4}, {12, 4}, {4, 12}, {12, 12}} {
					r, g, bl, _ := img.At(c.x, c.y).RGBA()
					sc := toysquare.Colours[want]
					if uint8(r>>8) == sc.R && uint8(g>>8) == sc.G && uint8(bl>>8) == sc.B {
						found = true
					}
				}
				if !found {
					t.Errorf("%s item %s: no %s square drawn", b.Name, it.Index, want)
				}
			}
		}
	}
	if err := WriteOptions(filepath.Join(dir, "x.tsv"), eval.Benchmarks()[3], 2, 1, Options{Style: "dots"}); err == nil {
		t.Error("unknown style: no error")
	}
}
