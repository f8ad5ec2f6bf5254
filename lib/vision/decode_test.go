package vision

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func encoded(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 100, 255})
		}
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadGood(t *testing.T) {
	for _, format := range []string{"png", "jpeg"} {
		p := writeFile(t, "img."+format, encoded(t, format, 64, 48))
		img, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
			t.Errorf("%s: size %v", format, b)
		}
		v, err := ProcessFile(p, 9)
		if err != nil || v.K() != 10 {
			t.Errorf("%s: ProcessFile: %v", format, err)
		}
	}
}

func TestLoadBad(t *testing.T) {
	pngData := encoded(t, "png", 64, 48)
	jpegData := encoded(t, "jpeg", 64, 48)
	// A PNG whose header claims 200000×200000 pixels.
	huge := append([]byte(nil), pngData...)
	copy(huge[16:24], []byte{0, 3, 0x0d, 0x40, 0, 3, 0x0d, 0x40})
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29]))
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.png", nil, "empty file"},
		{"anim.gif", encoded(t, "gif", 8, 8), "unsupported image format gif"},
		{"pic.bmp", append([]byte("BM"), make([]byte, 60)...), "unsupported image format bmp"},
		{"pic.webp", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), "unsupported image format webp"},
		{"notes.txt", []byte("hello, this is text"), "not a PNG or JPEG"},
		{"cut.png", pngData[:len(pngData)/2], "corrupt png"},
		{"cut.jpg", jpegData[:40], "corrupt jpeg"},
		{"header.png", pngData[:20], "corrupt png"},
		{"huge.png", huge, "exceeds the limit"},
	} {
		p := writeFile(t, tc.name, tc.data)
		_, err := Load(p)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, tc.want) || !strings.Contains(msg, tc.name) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line naming the file and containing %q", tc.name, msg, tc.want)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.png")); err == nil || !strings.Contains(err.Error(), "missing.png") {
		t.Errorf("missing file: %v", err)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ head, want string }{
		{"\x89PNG\r\n\x1a\n", "png"}, {"\xff\xd8\xff\xe0", "jpeg"}, {"GIF89a", "gif"},
		{"II*\x00", "tiff"}, {"MM\x00*", "tiff"}, {"hello", ""},
	} {
		if got := Format([]byte(tc.head)); got != tc.want {
			t.Errorf("Format(%q) = %q, want %q", tc.head, got, tc.want)
		}
	}
}
