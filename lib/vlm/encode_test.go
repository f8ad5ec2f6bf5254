package vlm

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/fusion"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/tokenizer/clipbpe"
	"github.com/tokenscale/tokenscale/lib/tokenizer/tokentest"
)

// wordLLM adapts the toy word tokenizer to lib/chat's interface, standing in
// for the Llama-2 SentencePiece model.
type wordLLM struct{ *WordTokenizer }

func (w wordLLM) Encode(text string) []int {
	var out []int
	for _, id := range w.WordTokenizer.Encode(text) {
		out = append(out, int(id))
	}
	return out
}
func (wordLLM) BOS() int                  { return int(WordBOS) }
func (wordLLM) EOS() int                  { return int(WordEOS) }
func (wordLLM) PAD() int                  { return int(WordPad) }
func (w wordLLM) IDToPiece(id int) string { return w.Decode([]int32{int32(id)}) }

// The paper-size encoding: CLIP BPE questions for the fusion side and
// lib/chat's Llama-2 vision format with N and M QED slots.
func TestEncodeWithPaperFormat(t *testing.T) {
	ct, err := clipbpe.Load(tokentest.CLIPVocab(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	img := filepath.Join(dir, "a.png")
	f, _ := os.Create(img)
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 80, 60)))
	f.Close()
	c := PaperConfig()
	rec := Record{Image: img, Messages: []Message{{"user", "What is in the image?"}, {"assistant", "A square."},
		{"user", "Which colour?"}, {"assistant", "Red."}}}
	ex, err := c.EncodeWith(rec, Tokenizers{CLIP: ct, LLM: wordLLM{NewWordTokenizer(ToyWords)}})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Views != 10 || len(ex.Questions) != 2 || ex.Answers[1][len(ex.Answers[1])-1] != 49407 {
		t.Errorf("views %d, questions %d, answers %v", ex.Views, len(ex.Questions), ex.Answers)
	}
	if got := ct.Encode("What is in the image?"); len(ex.Questions[0]) != len(got) || int(ex.Questions[0][0]) != got[0] {
		t.Errorf("question ids %v, want %v", ex.Questions[0], got)
	}
	slots := 0
	for _, s := range ex.Slot {
		if s {
			slots++
		}
	}
	if slots != fusion.FusedTokens(256, 8, 2) {
		t.Errorf("%d QED slots, want 264", slots)
	}
	in, err := c.MakeInputs([]Example{ex}, fusion.VisionQuestionQueries, Shapes{})
	if err != nil {
		t.Fatal(err)
	}
	if in.Shapes.T != 1450+len(ex.Questions[0])+len(ex.Questions[1])+264 {
		t.Errorf("fusion length %d", in.Shapes.T)
	}
	line := DescribeLLM(ex.LLMIDs, ex.Slot, ex.Target, nil)
	if !strings.Contains(line, "[FUSED ×256]") || !strings.Contains(line, "[FUSED ×8]") {
		t.Errorf("LLM layout %s", line)
	}
	var _ chat.Tokenizer = wordLLM{}
}

// AnswerWith runs the real-tokenizer path end to end on a toy model (the
// word tokenizer stands in for both tokenizers).
func TestAnswerWith(t *testing.T) {
	dir := t.TempDir()
	m := toyModel(t, dir)
	defer m.Close()
	recs, err := ReadRecords(mustToyData(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	w := wordLLM{NewWordTokenizer(m.Config.Words)}
	tz := Tokenizers{CLIP: w, LLM: w}
	ids, err := m.AnswerWith(tz, recs[0].Image, []string{"where is the square?"}, nil, llama.GenerateOptions{MaxNewTokens: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 || len(ids) > 3 {
		t.Errorf("generated %v", ids)
	}
	if _, err := m.AnswerWith(tz, recs[0].Image, []string{"q"}, []string{"a"}, llama.GenerateOptions{}); err == nil {
		t.Error("no open question: want an error")
	}
}

func mustToyData(t *testing.T, dir string) string {
	t.Helper()
	p, err := WriteToyDataset(filepath.Join(dir, "d"), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// With the real tokenizer files, a paper-size config encodes records itself.
func TestEncodeRealTokenizers(t *testing.T) {
	c := PaperConfig()
	c.CLIPVocab = tokentest.CLIPVocab(t)
	c.LlamaTokenizer = tokentest.LlamaModel(t)
	dir := t.TempDir()
	img := filepath.Join(dir, "a.png")
	f, _ := os.Create(img)
	png.Encode(f, image.NewRGBA(image.Rect(0, 0, 30, 30)))
	f.Close()
	ex, err := c.Encode(Record{Image: img, Messages: []Message{{"user", "Describe it."}, {"assistant", "A black square."}}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range ex.Slot {
		if s {
			n++
		}
	}
	// <s> first, N = 256 slots, the answer ends with </s> (id 2) as a target.
	if ex.LLMIDs[0] != 1 || n != 256 || ex.LLMIDs[len(ex.LLMIDs)-1] != 2 || !ex.Target[len(ex.Target)-1] {
		t.Errorf("ids %v… slots %d", ex.LLMIDs[:4], n)
	}
	c.LlamaTokenizer = ""
	if _, err := c.Encode(Record{Image: img, Messages: []Message{{"user", "q"}, {"assistant", "a"}}}); err == nil {
		t.Error("missing llama_tokenizer: want an error")
	}
}
