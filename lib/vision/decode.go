package vision

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
)

// MaxPixels bounds W·H of an image accepted by [Decode], so a small file that
// claims a huge size cannot exhaust memory.
const MaxPixels = 100_000_000

// Format names the container format of an image file from its first bytes:
// "png", "jpeg", "gif", "bmp", "webp", "tiff" or "" when unknown.
func Format(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return "jpeg"
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return "gif"
	case bytes.HasPrefix(head, []byte("BM")):
		return "bmp"
	case len(head) >= 12 && bytes.Equal(head[:4], []byte("RIFF")) && bytes.Equal(head[8:12], []byte("WEBP")):
		return "webp"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "tiff"
	}
	return ""
}

// Load reads and decodes a PNG or JPEG file. See [Decode].
func Load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vision: %w", err)
	}
	defer f.Close()
	return Decode(f, path)
}

// Decode decodes a PNG or JPEG image from r; name (a file name, or any label)
// is used in error messages. Other formats, empty input, corrupt data and
// images larger than [MaxPixels] give a one-line error.
func Decode(r io.Reader, name string) (image.Image, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(12)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("vision: %s: %w", name, err)
	}
	if len(head) == 0 {
		return nil, fmt.Errorf("vision: %s: empty file, not an image", name)
	}
	format := Format(head)
	var decode func(io.Reader) (image.Image, error)
	var config func(io.Reader) (image.Config, error)
	switch format {
	case "png":
		decode, config = png.Decode, png.DecodeConfig
	case "jpeg":
		decode, config = jpeg.Decode, jpeg.DecodeConfig
	case "":
		return nil, fmt.Errorf("vision: %s: not a PNG or JPEG image (unrecognised leading bytes % x)", name, head[:min(len(head), 8)])
	default:
		return nil, fmt.Errorf("vision: %s: unsupported image format %s (want PNG or JPEG)", name, format)
	}
	// Read everything so the size check and the decode see the same bytes.
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("vision: %s: %w", name, err)
	}
	cfg, err := config(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("vision: %s: corrupt %s: %v", name, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("vision: %s: %s image has empty size %d×%d", name, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("vision: %s: %s image of %d×%d pixels exceeds the limit of %d pixels", name, format, cfg.Width, cfg.Height, MaxPixels)
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("vision: %s: corrupt %s: %v", name, format, err)
	}
	return img, nil
}
