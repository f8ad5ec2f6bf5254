package vlm

import (
	"math"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/tokenscale/tokenscale/lib/safetensors"
)

// Growing the text position table keeps the folder's rows, draws the new
// ones from the old table's N(mean, std), updates the config, and survives
// a save and load (the checkpoint's table wins over the CLIP folder's).
func TestExtendTextPositions(t *testing.T) {
	dir := t.TempDir()
	m := toyModel(t, dir)
	defer m.Close()
	const path = "/clip/text_model/embeddings/position_embedding/weight"
	old := m.Config.Text.MaxPositionEmbeddings
	ck, err := safetensors.Open(filepath.Join(m.Config.CLIPPath, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	orig, dims, err := ck.Float32("text_model.embeddings.position_embedding.weight")
	if err != nil {
		t.Fatal(err)
	}
	d := dims[1]
	for _, tc := range []struct{ n, want int }{{old + 24, old + 24}, {old + 8, old + 24}} { // growing, then a no-op
		if err := m.ExtendTextPositions(tc.n, 7); err != nil {
			t.Fatal(err)
		}
		if m.Config.Text.MaxPositionEmbeddings != tc.want {
			t.Errorf("n=%d: max_position_embeddings %d, want %d", tc.n, m.Config.Text.MaxPositionEmbeddings, tc.want)
		}
		if got := m.Store.GetVariable(path).Shape().Dimensions; got[0] != tc.want || got[1] != d {
			t.Errorf("n=%d: table %v, want [%d %d]", tc.n, got, tc.want, d)
		}
	}
	got := tensors.MustCopyFlatData[float32](m.Store.GetVariable(path).MustValue())
	for i, v := range orig {
		if got[i] != v {
			t.Fatalf("old entry %d changed: %g → %g", i, v, got[i])
		}
	}
	stats := func(x []float32) (mean, std float64) {
		f := make([]float64, len(x))
		for i, v := range x {
			f[i] = float64(v)
		}
		return stat.MeanStdDev(f, nil) // sample standard deviation
	}
	om, os := stats(orig)
	nm, ns := stats(got[len(orig):])
	if math.Abs(nm-om) > 0.25*os || math.Abs(ns/os-1) > 0.25 {
		t.Errorf("new rows N(%.4f, %.4f), old table N(%.4f, %.4f)", nm, ns, om, os)
	}

	saved := filepath.Join(dir, "ck")
	if err := m.Save(saved, SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Config.Text.MaxPositionEmbeddings != old+24 {
		t.Errorf("reloaded max_position_embeddings %d", r.Config.Text.MaxPositionEmbeddings)
	}
	back := tensors.MustCopyFlatData[float32](r.Store.GetVariable(path).MustValue())
	if len(back) != len(got) {
		t.Fatalf("reloaded table has %d entries, want %d", len(back), len(got))
	}
	for i := range got {
		if back[i] != got[i] {
			t.Fatalf("reloaded entry %d: %g, want %g", i, back[i], got[i])
		}
	}

	noText := ToyConfig(4)
	noText.Text = nil
	bare, err := New(noText, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if err := bare.ExtendTextPositions(64, 1); err == nil {
		t.Error("a model without a text tower: want an error")
	}
}
