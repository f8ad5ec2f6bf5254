package vlm

import "github.com/tokenscale/tokenscale/lib/fusion"

// DescribeLLM prints the LLM input of one sample as in the paper's Figure 6:
// runs of fused tokens ("FUSED", the QED slots), answer targets ("ANS") and
// other text ("TXT"), each text run decoded with decode when given.
func DescribeLLM(ids []int32, slot, target []bool, decode func([]int32) string) string {
	labels := llmLabels(slot, target)
	var text func(a, b int) string
	if decode != nil {
		text = func(a, b int) string {
			if labels[a] == "FUSED" {
				return ""
			}
			return decode(ids[a:b])
		}
	}
	return fusion.FormatRuns(fusion.Runs(labels), text)
}

// ToyLayout returns both Figure-6 lines — the fusion input and the LLM input
// — of a toy sample with the given questions and answers, N and M, mode, and
// vision tokens (the toy tokenizer's words decode the text).
func ToyLayout(c Config, mode fusion.Mode, visionTokens int, questions, answers []string) (fusionLine, llmLine string, err error) {
	tok := NewWordTokenizer(c.Words)
	seq, err := toySequence(c, tok, mode, visionTokens, questions)
	if err != nil {
		return "", "", err
	}
	ids, slot, target := ToyChat(tok, c.N, c.M, questions, answers)
	dec := func(x []int32) string { return toyDecodeAll(tok, x) }
	return seq.Describe(dec), DescribeLLM(ids, slot, target, dec), nil
}

// toyDecodeAll decodes words and names the specials.
func toyDecodeAll(t *WordTokenizer, ids []int32) string {
	names := map[int32]string{WordBOS: "<s>", WordEOS: "</s>", WordInst: "[INST]", WordEInst: "[/INST]", WordUnk: "<unk>"}
	out := ""
	for i, id := range ids {
		w, ok := names[id]
		if !ok {
			w = t.Decode([]int32{id})
		}
		if i > 0 {
			out += " "
		}
		out += w
	}
	return out
}

// llmLabels names every position of an LLM input: "FUSED" for the fused
// tokens' slots, "ANS" for answer targets, "TXT" for other text.
func llmLabels(slot, target []bool) []string {
	labels := make([]string, len(slot))
	for i := range slot {
		switch {
		case slot[i]:
			labels[i] = "FUSED"
		case target[i]:
			labels[i] = "ANS"
		default:
			labels[i] = "TXT"
		}
	}
	return labels
}

// toySequence is the fusion input of a toy sample in mode.
func toySequence(c Config, tok *WordTokenizer, mode fusion.Mode, visionTokens int, questions []string) (fusion.Sequence, error) {
	s := fusion.Sample{VisionTokens: visionTokens}
	for _, q := range questions {
		s.Questions = append(s.Questions, tok.Encode(q))
	}
	return c.Layout().Build(s, mode)
}
