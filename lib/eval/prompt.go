package eval

import "strings"

// CaptionPrompt is VLMEvalKit's COCO_VAL prompt, used when the file has no
// question column (the trailing space is VLMEvalKit's).
const CaptionPrompt = `Please describe this image in general. Directly provide the description, do not include prefix like "This image depicts". `

// vqaSuffix is appended by VLMEvalKit's generic VQA datasets (TextVQA,
// ChartQA, OCRVQA); OCRBench has its own class and does not add it.
const vqaSuffix = "\nAnswer the question using a single word or phrase."

// mcqSuffix ends VLMEvalKit's multiple-choice prompt (trailing space and
// newline are VLMEvalKit's).
const mcqSuffix = "Please select the correct answer from the options above. \n"

// Prompt builds the text VLMEvalKit's default prompt of benchmark b gives the
// model for it (the paper's wrapper does not override the defaults; spec
// §5.1). The image comes first in the message; this is the text that follows.
//
//   - Yes/no (POPE, MME, HallusionBench): the question as stored (MME's
//     questions already end in "Please answer yes or no.").
//   - Multiple choice: "Hint: <hint>\n" when there is a hint, then
//     "Question: <question>\n", "Options:\n", one "<L>. <text>\n" per
//     non-empty option, and "Please select the correct answer from the
//     options above. \n".
//   - Caption: the question if the row has one, else [CaptionPrompt].
//   - Open VQA: the question plus "\nAnswer the question using a single word
//     or phrase." for TextVQA, ChartQA and OCRVQA; the bare question for
//     OCRBench.
func Prompt(b Benchmark, it *Item) string {
	switch b.Kind {
	case MultipleChoice:
		var s strings.Builder
		if h := strings.TrimSpace(it.Hint); h != "" && h != "nan" {
			s.WriteString("Hint: " + it.Hint + "\n")
		}
		s.WriteString("Question: " + it.Question + "\n")
		if len(it.Options) > 0 {
			s.WriteString("Options:\n")
			for _, o := range it.Options {
				s.WriteString(o.Letter + ". " + o.Text + "\n")
			}
			s.WriteString(mcqSuffix)
		}
		return s.String()
	case Caption:
		if it.Question != "" {
			return it.Question
		}
		return CaptionPrompt
	case OpenVQA:
		if b.Name == "OCRBench" {
			return it.Question
		}
		return it.Question + vqaSuffix
	}
	return it.Question
}
