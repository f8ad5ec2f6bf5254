// Package chat builds Llama-2 chat sequences segment by segment, with a type
// for every token, as the paper's model and its Section-3 measurements use
// them (§3.5 and §4.3; docs/model.md#projection-and-llm-input).
//
// A conversation (an optional system prompt and question/answer turns) becomes
//
//	<s>                                     BOS
//	[INST] <<SYS>>\n{system}\n<</SYS>>\n\n  SYS   (or "[INST]", INST, when there is no system prompt)
//	N × QED slot                            QED   (llama-2-vision placement; none when N = 0)
//	{question 1}                            QUE
//	[/INST]                                 INST
//	{answer 1} </s>                         ANS   (the trailing " </s>" is part of the answer)
//	<s>[INST]                               INST
//	M × QED slot                            QED
//	{question 2}                            QUE
//	[/INST]                                 INST
//	{answer 2} </s>                         ANS
//	…
//
// Every segment is tokenised on its own (SentencePiece adds its dummy-prefix
// space to each one, as Hugging Face's Llama tokenizer does with
// add_special_tokens=False, and as Meta's reference chat code does for each
// turn), and the literal <s> and </s> of the template are the BOS and EOS ids.
// This differs from tokenising the whole string at the segment joins; the
// paper's code works segment by segment, so this package does too. Questions
// and answers are trimmed of surrounding whitespace, as the Llama-2 chat
// templates do; the system prompt is used as given. A last turn with an empty
// answer is a prompt for generation: the sequence ends with [/INST].
//
// The QED slots hold a placeholder id (the tokenizer's PAD, else EOS); the
// vision-language model overwrites their input embeddings with the projected
// outputs of the fusion module (§4.3, Figure 6). N slots precede the first
// question and M each later one, which makes N + (k−1)·M fused tokens for k
// questions. With no slots (N = M = 0) and no system prompt this is the plain
// Llama-2 chat format that Section 3 of the paper measures: the hidden states
// at AnswerPositions are the mapped tokens whose differences give Ê(n) and
// ĝ(n) (Eq. 15–16).
//
// Token types are the bit flags of the paper code's EnumTokenType (docs/model.md#token-types):
// PAD 1, INST 2, SYS 4, IMG 8, QUE 16, ANS 32, BOS 64, EOS 128, QED 256,
// TXT 512.
package chat
