package vlm

import (
	"fmt"
	"image"
	"strings"

	"github.com/tokenscale/tokenscale/lib/llama"
)

// AnswerImage answers questions[len(answers)] about an image in memory,
// given the earlier turns, with greedy decoding of at most maxNew tokens,
// and returns the answer text. It uses the model's own tokenizers:
//   - "words" (toy models): the word vocabulary and the toy chat layout;
//   - "clip+llama2" (the paper's layout): CLIP BPE for the fusion-side
//     questions, Llama-2 SentencePiece in lib/chat's Llama-2 chat template
//     with N and M fused-token slots ([Model.AnswerWith]); decoding stops at
//     Llama's </s>, and the text is the SentencePiece decoding of the new
//     ids.
//
// The image becomes the model's views ([Config.ImagePixels]: one global view
// for HD = 0, the paper's HD-n views otherwise); the configuration's Mode
// (vqq, vq, vq-ft) decides whether the fusion module sees the question.
func (m *Model) AnswerImage(img image.Image, questions, answers []string, maxNew int) (string, error) {
	if len(answers) >= len(questions) {
		return "", fmt.Errorf("vlm: nothing to answer: %d questions, %d answers", len(questions), len(answers))
	}
	if maxNew < 1 {
		return "", fmt.Errorf("vlm: max new tokens %d, want at least 1", maxNew)
	}
	qs := questions[:len(answers)+1]
	pix, views, err := m.Config.ImagePixels(img)
	if err != nil {
		return "", err
	}
	switch m.Config.Tokenizer {
	case "words":
		tok := NewWordTokenizer(m.Config.Words)
		ex := Example{Pixels: pix, Views: views}
		for _, q := range qs {
			ex.Questions = append(ex.Questions, tok.Encode(q))
		}
		ex.LLMIDs, ex.Slot, ex.Target = ToyChat(tok, m.Config.N, m.Config.M, qs, answers)
		out, err := m.Generate(ex, llama.GenerateOptions{MaxNewTokens: maxNew})
		if err != nil {
			return "", err
		}
		ids := make([]int32, len(out))
		for i, id := range out {
			ids[i] = int32(id)
		}
		return tok.Decode(ids), nil
	case "clip+llama2":
		tz, err := m.Config.LoadTokenizers()
		if err != nil {
			return "", err
		}
		dec, ok := tz.LLM.(interface{ Decode([]int) (string, error) })
		if !ok {
			return "", fmt.Errorf("vlm: the Llama tokenizer %T cannot decode", tz.LLM)
		}
		ex, err := m.Config.encodeViews("image", pix, views, qs, answers, tz)
		if err != nil {
			return "", err
		}
		eos := tz.LLM.EOS()
		out, err := m.Generate(ex, llama.GenerateOptions{MaxNewTokens: maxNew, StopTokens: []int{eos}})
		if err != nil {
			return "", err
		}
		if n := len(out); n > 0 && out[n-1] == eos {
			out = out[:n-1]
		}
		text, err := dec.Decode(out)
		if err != nil {
			return "", fmt.Errorf("vlm: decode the answer: %w", err)
		}
		return strings.TrimSpace(text), nil
	}
	return "", fmt.Errorf("vlm: unknown tokenizer %q (words or clip+llama2)", m.Config.Tokenizer)
}
