package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/tokenscale/tokenscale/lib/check"
	"io"
	"strconv"
	"strings"

	"github.com/tokenscale/tokenscale/lib/clip"
)

func init() {
	register(&command{
		name:    "clip",
		summary: "CLIP towers from a Hugging Face folder: hidden states and embeddings (vision | text)",
		run: func(env *cmdEnv, args []string) error {
			return dispatch(env, "clip", map[string]func(*cmdEnv, []string) error{
				"vision": runClipVision,
				"text":   runClipText,
			}, args)
		},
	})
}

func runClipVision(env *cmdEnv, args []string) error {
	fs := newFlags(env, "clip vision", "clip vision --model DIR --pixels FILE.json [--layer N]")
	dir := fs.String("model", "", "Hugging Face CLIPModel folder (config.json + model.safetensors)")
	pixels := fs.String("pixels", "", "JSON file holding pixel_values [B][3][H][W], already normalised (- for stdin)")
	layer := fs.Int("layer", 0, "also print hidden_states[N] as \"hidden_state\" (negative counts from the end: -1 last, -2 penultimate)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *pixels == "" {
		return usagef("clip vision: --model and --pixels are required")
	}
	layerSet := false
	fs.Visit(func(f *flag.Flag) { layerSet = layerSet || f.Name == "layer" })
	if layerSet {
		// hidden_states holds the embeddings and every layer's output: L+1
		// entries, indexed 0…L or −(L+1)…−1.
		cfg, err := clip.LoadConfig(*dir)
		if err != nil {
			return err
		}
		l := cfg.Vision.NumHiddenLayers
		if err := checkFlags("clip vision", check.IntWhy("--layer", *layer, -(l+1), l, fmt.Sprintf("vision_config.num_hidden_layers is %d", l))); err != nil {
			return err
		}
	}
	px, err := readPixels(env, *pixels)
	if err != nil {
		return err
	}
	m, err := clip.Load(*dir)
	if err != nil {
		return err
	}
	r, err := m.Vision(px)
	if err != nil {
		return err
	}
	fields := []jsonField{
		{"last_hidden_state", r.LastHiddenState},
		{"penultimate_hidden_state", r.PenultimateHiddenState},
		{"pooled_output", r.Pooled},
	}
	if m.HasVisualProjection {
		fields = append(fields, jsonField{"image_embeds", r.ImageEmbeds})
	}
	if layerSet {
		h, err := m.VisionLayer(px, *layer)
		if err != nil {
			return err
		}
		fields = append(fields, jsonField{"hidden_state", h})
	}
	return writeJSONArrays(env.stdout, fields)
}

func runClipText(env *cmdEnv, args []string) error {
	fs := newFlags(env, "clip text", "clip text --model DIR --ids 49406,320,49407")
	dir := fs.String("model", "", "Hugging Face CLIPModel folder (config.json + model.safetensors)")
	idsFlag := fs.String("ids", "", "comma-separated token ids (from `tokenscale tokenize --kind clip`)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dir == "" || *idsFlag == "" {
		return usagef("clip text: --model and --ids are required")
	}
	var ids []int
	for i, f := range strings.Split(*idsFlag, ",") {
		id, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return usagef("clip text: --ids item %d %q is not an integer", i+1, f)
		}
		ids = append(ids, id)
	}
	m, err := clip.Load(*dir)
	if err != nil {
		return err
	}
	r, err := m.Text([][]int{ids})
	if err != nil {
		return err
	}
	fields := []jsonField{
		{"last_hidden_state", r.LastHiddenState[0]},
		{"pooled_output", r.Pooled.Row(0)},
		{"pool_position", r.PoolPositions[0]},
	}
	if m.HasTextProjection {
		fields = append(fields, jsonField{"text_embeds", r.TextEmbeds.Row(0)})
	}
	return writeJSONArrays(env.stdout, fields)
}

// readPixels reads a [B][3][H][W] JSON array of numbers.
func readPixels(env *cmdEnv, path string) (clip.Array, error) {
	r, _, closeIn, err := env.openInput(path)
	if err != nil {
		return clip.Array{}, err
	}
	defer closeIn()
	var px [][][][]float32
	if err := json.NewDecoder(bufio.NewReader(r)).Decode(&px); err != nil {
		return clip.Array{}, fmt.Errorf("%s: want a JSON array [B][3][H][W] of numbers: %v", path, err)
	}
	if len(px) == 0 || len(px[0]) == 0 || len(px[0][0]) == 0 || len(px[0][0][0]) == 0 {
		return clip.Array{}, fmt.Errorf("%s: pixel array is empty", path)
	}
	c, h, w := len(px[0]), len(px[0][0]), len(px[0][0][0])
	data := make([]float32, 0, len(px)*c*h*w)
	for b := range px {
		if len(px[b]) != c {
			return clip.Array{}, fmt.Errorf("%s: image %d has %d channels, image 0 has %d", path, b, len(px[b]), c)
		}
		for ch := range px[b] {
			if len(px[b][ch]) != h {
				return clip.Array{}, fmt.Errorf("%s: image %d channel %d has %d rows, want %d", path, b, ch, len(px[b][ch]), h)
			}
			for y := range px[b][ch] {
				if len(px[b][ch][y]) != w {
					return clip.Array{}, fmt.Errorf("%s: image %d channel %d row %d has %d values, want %d", path, b, ch, y, len(px[b][ch][y]), w)
				}
				data = append(data, px[b][ch][y]...)
			}
		}
	}
	return clip.NewArray(data, len(px), c, h, w)
}

// jsonField is one member of a JSON object: a clip.Array (written as nested
// lists) or any JSON-encodable value.
type jsonField struct {
	name  string
	value any
}

// writeJSONArrays writes one JSON object, arrays as nested lists with
// float32 precision.
func writeJSONArrays(w io.Writer, fields []jsonField) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("{")
	for i, f := range fields {
		if i > 0 {
			bw.WriteString(", ")
		}
		name, _ := json.Marshal(f.name)
		bw.Write(name)
		bw.WriteString(": ")
		if a, ok := f.value.(clip.Array); ok {
			writeNested(bw, a.Shape, a.Data)
			continue
		}
		b, err := json.Marshal(f.value)
		if err != nil {
			return err
		}
		bw.Write(b)
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeNested(w *bufio.Writer, shape []int, data []float32) {
	if len(shape) == 0 {
		w.Write(strconv.AppendFloat(nil, float64(data[0]), 'g', -1, 32))
		return
	}
	n := len(data) / max(shape[0], 1)
	w.WriteByte('[')
	for i := 0; i < shape[0]; i++ {
		if i > 0 {
			w.WriteByte(',')
		}
		writeNested(w, shape[1:], data[i*n:(i+1)*n])
	}
	w.WriteByte(']')
}
