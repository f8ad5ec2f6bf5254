// Package sentencepiece reads a SentencePiece BPE model (the Llama-2
// `tokenizer.model`) and encodes text into token ids and back.
//
// The model file is a serialised sentencepiece ModelProto; it is parsed with
// google.golang.org/protobuf's low-level protowire reader, so no generated code
// is needed. Only the parts that Llama-2 uses are implemented, and a model that
// needs anything else is refused with an error that names the setting:
//
//   - model type BPE (Unigram, word and char models are refused);
//   - the identity normaliser (no precompiled character map), with
//     add_dummy_prefix, remove_extra_whitespaces and escape_whitespaces
//     honoured as the model file sets them;
//   - byte fallback: a piece that is not in the vocabulary is written as its
//     UTF-8 bytes, one <0xXX> piece per byte;
//   - user-defined pieces (matched greedily, never merged) and unused pieces
//     (re-segmented into the pieces they were merged from).
//
// Encoding follows SentencePiece's BPE: the normalised text is split into
// characters, and the adjacent pair whose concatenation is a vocabulary piece
// with the highest score is merged first (ties go to the leftmost pair), until
// no pair is in the vocabulary. A priority queue with lazy deletion keeps this
// O(n log n) in the length of the text, so long inputs and long runs of one
// character are cheap. Malformed UTF-8 is replaced by U+FFFD, one per byte, as
// SentencePiece does.
//
// The tokenizer is the text side of the frozen Llama-2 backbone of the paper
// (§4.2, and the Section-3 measurements of §3.5 of the paper); the
// chat format built on it lives in lib/chat.
package sentencepiece
