package vlm

import (
	"fmt"
	"sync"

	"github.com/tokenscale/tokenscale/lib/chat"
	"github.com/tokenscale/tokenscale/lib/llama"
	"github.com/tokenscale/tokenscale/lib/tokenizer/clipbpe"
	"github.com/tokenscale/tokenscale/lib/tokenizer/sentencepiece"
)

// TextEncoder is what the fusion side needs from the CLIP tokenizer
// (*clipbpe.Tokenizer satisfies it): ids without <|startoftext|> and
// <|endoftext|>.
type TextEncoder interface {
	Encode(text string) []int
}

// Tokenizers are the paper-size tokenizers: CLIP BPE for the fusion-side
// questions and answers, and the Llama-2 SentencePiece model for the chat
// sequence (lib/chat's Llama-2 format with QED slots).
type Tokenizers struct {
	CLIP TextEncoder
	LLM  chat.Tokenizer
	// System overrides the default system prompt of the vision chat format.
	System string
}

// EncodeWith tokenises a record with real tokenizers (§4.3, Figure 6): the
// questions by CLIP BPE (no BOS) for the fusion input, each answer by CLIP
// BPE plus eos for stage 1, and the conversation in lib/chat's Llama-2
// vision format with N slots before the first question and M before each
// later one; slots are the QED positions, targets the ANS positions (answer
// text and its " </s>").
func (c Config) EncodeWith(rec Record, tz Tokenizers) (Example, error) {
	if tz.CLIP == nil || tz.LLM == nil {
		return Example{}, fmt.Errorf("vlm: EncodeWith needs both tokenizers")
	}
	qs, as, err := rec.QA()
	if err != nil {
		return Example{}, fmt.Errorf("vlm: %s: %w", rec.Image, err)
	}
	return c.encodeWith(rec.Image, qs, as, tz)
}

// encodeWith builds an Example; answers may be one shorter than questions
// (the last turn left open for generation).
func (c Config) encodeWith(image string, qs, as []string, tz Tokenizers) (Example, error) {
	if len(as) != len(qs) && len(as) != len(qs)-1 {
		return Example{}, fmt.Errorf("vlm: %d questions need %d or %d answers, got %d", len(qs), len(qs), len(qs)-1, len(as))
	}
	pix, views, err := c.Pixels(image)
	if err != nil {
		return Example{}, err
	}
	return c.encodeViews(image, pix, views, qs, as, tz)
}

// encodeViews is encodeWith on pixels already made (name labels errors).
func (c Config) encodeViews(name string, pix []float32, views int, qs, as []string, tz Tokenizers) (Example, error) {
	ex := Example{Pixels: pix, Views: views}
	conv := chat.Conversation{System: tz.System}
	for k, q := range qs {
		ex.Questions = append(ex.Questions, toInt32(tz.CLIP.Encode(q)))
		turn := chat.Turn{User: q}
		if k < len(as) {
			ex.Answers = append(ex.Answers, append(toInt32(tz.CLIP.Encode(as[k])), c.Fusion.EOS))
			turn.Assistant = as[k]
		}
		conv.Turns = append(conv.Turns, turn)
	}
	seq, err := chat.Build(tz.LLM, conv, chat.VisionOptions(c.N, c.M))
	if err != nil {
		return Example{}, fmt.Errorf("vlm: %s: %w", name, err)
	}
	ex.LLMIDs = toInt32(seq.IDs)
	ex.Slot = seq.Mask(chat.QED)
	ex.Target = seq.Mask(chat.ANS)
	return ex, nil
}

// AnswerWith answers questions[len(answers)] about the image at path with
// real tokenizers (the paper-size path): the conversation in lib/chat's
// Llama-2 vision format, vision and fusion once, then KV-cache decoding.
// It returns the generated Llama token ids.
func (m *Model) AnswerWith(tz Tokenizers, imagePath string, questions, answers []string, opts llama.GenerateOptions) ([]int, error) {
	if tz.CLIP == nil || tz.LLM == nil {
		return nil, fmt.Errorf("vlm: AnswerWith needs both tokenizers")
	}
	if len(answers) != len(questions)-1 {
		return nil, fmt.Errorf("vlm: AnswerWith answers the last of %d questions and needs %d earlier answers, got %d", len(questions), len(questions)-1, len(answers))
	}
	ex, err := m.Config.encodeWith(imagePath, questions, answers, tz)
	if err != nil {
		return nil, err
	}
	if opts.StopTokens == nil {
		opts.StopTokens = []int{tz.LLM.EOS()}
	}
	return m.Generate(ex, opts)
}

var (
	tokMu    sync.Mutex
	tokCache = map[[2]string]Tokenizers{}
)

// LoadTokenizers loads (once per pair of paths) the CLIP BPE vocabulary and
// the Llama SentencePiece model named by CLIPVocab and LlamaTokenizer.
func (c Config) LoadTokenizers() (Tokenizers, error) {
	if c.CLIPVocab == "" || c.LlamaTokenizer == "" {
		return Tokenizers{}, fmt.Errorf("vlm: tokenizer %q needs clip_vocab and llama_tokenizer in the model config", c.Tokenizer)
	}
	key := [2]string{c.CLIPVocab, c.LlamaTokenizer}
	tokMu.Lock()
	defer tokMu.Unlock()
	if tz, ok := tokCache[key]; ok {
		return tz, nil
	}
	ct, err := clipbpe.Load(c.CLIPVocab)
	if err != nil {
		return Tokenizers{}, fmt.Errorf("vlm: %w", err)
	}
	sp, err := sentencepiece.Load(c.LlamaTokenizer)
	if err != nil {
		return Tokenizers{}, fmt.Errorf("vlm: %w", err)
	}
	tz := Tokenizers{CLIP: ct, LLM: sp}
	tokCache[key] = tz
	return tz, nil
}

func toInt32(x []int) []int32 {
	out := make([]int32, len(x))
	for i, v := range x {
		out[i] = int32(v)
	}
	return out
}
