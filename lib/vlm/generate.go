package vlm

import (
	"fmt"
	"github.com/tokenscale/tokenscale/lib/vision"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tokenscale/tokenscale/lib/llama"
)

// PromptEmbeddings runs the vision tower, the merge, the fusion module and
// the projection once and returns the LLM input embeddings [B, L, D] with the
// fused tokens in the QED slots (§4.3, Figure 6).
func (c Config) PromptEmbeddings(root *model.Scope, in []*Node) *Node {
	vt := c.VisionTokens(root, in[inPixels])
	h := c.FusionStates(root, vt, in[inFusionIDs], in[inFusionValid], in[inIsVision], in[inVisionIdx])
	B, T, H := h.Shape().Dim(0), h.Shape().Dim(1), h.Shape().Dim(2)
	fused := Gather(Reshape(h, B*T, H), InsertAxes(in[inFusedIdx], -1))
	return c.LLMEmbeddings(root, fused, in[inLLMIDs], in[inSlotIdx])
}

// LLM returns the frozen Llama of the model as a lib/llama model over the
// same variables (for generation with its KV cache).
func (m *Model) LLM() *llama.Model {
	if m.llm == nil {
		cfg := m.Config.LLM.Llama()
		cfg.EOSTokenIDs = []int{2} // Llama-2's </s>, and the toy tokenizer's
		m.llm = &llama.Model{Config: cfg, Backend: m.Backend, Root: m.Store.Scope("/" + ScopeLLM)}
	}
	return m.llm
}

// Generate answers the last question of ex (whose LLM sequence ends with
// [/INST]): the vision and fusion stages run once to build the prompt
// embeddings, then the LLM decodes with its KV cache (lib/llama). It returns
// the new token ids (ending with the stop token when one was produced).
func (m *Model) Generate(ex Example, opts llama.GenerateOptions) (ids []int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("vlm: generate: %v", r)
		}
	}()
	in, err := m.Config.MakeInputs([]Example{ex}, m.Config.FusionMode(), Shapes{})
	if err != nil {
		return nil, err
	}
	if m.prompt == nil {
		m.prompt, err = model.NewExec(m.Backend, m.Store, func(scope *model.Scope, xs []*Node) *Node {
			return m.Config.PromptEmbeddings(scope, xs)
		})
		if err != nil {
			return nil, err
		}
	}
	emb, err := m.prompt.Call(in.Args()[:inLabels]...)
	if err != nil {
		return nil, fmt.Errorf("vlm: generate: %w", err)
	}
	if m.Loader.Err != nil {
		return nil, m.Loader.Err
	}
	defer emb[0].FinalizeAll()
	if opts.StopTokens == nil && m.Config.Tokenizer == "words" {
		opts.StopTokens = []int{int(WordEOS)}
	}
	return m.LLM().GenerateFromEmbeddings(emb[0], opts)
}

// AnswerToy answers questions[len(answers)] about the image at path, given
// the earlier turns, with the toy word tokenizer (greedy decoding).
func (m *Model) AnswerToy(imagePath string, questions, answers []string, maxNew int) (string, error) {
	if m.Config.Tokenizer != "words" {
		return "", fmt.Errorf("vlm: AnswerToy needs the word tokenizer, the model uses %q", m.Config.Tokenizer)
	}
	img, err := vision.Load(imagePath)
	if err != nil {
		return "", err
	}
	return m.AnswerImage(img, questions, answers, maxNew)
}
