// Package clipbpe is CLIP's byte-level BPE text tokenizer, read from OpenAI's
// bpe_simple_vocab_16e6.txt.gz or from a Hugging Face folder (vocab.json +
// merges.txt, and added_tokens.json when present).
//
// Text goes through the steps of CLIP's own tokenizer:
//
//  1. clean-up: HTML entities are unescaped twice (as html.unescape does) and
//     the ends are trimmed; every run of whitespace becomes one space;
//  2. lower-casing with Python's str.lower rules (İ → i̇, final Σ → ς);
//  3. pre-tokenising with CLIP's pattern, written by hand:
//     <|startoftext|> | <|endoftext|> | 's | 't | 're | 've | 'm | 'll | 'd |
//     a run of letters | one digit | a run of other non-space characters;
//  4. each pre-token's UTF-8 bytes are mapped to printable characters (the
//     bytes-to-unicode map), the last one marked with </w>, and merged by rank
//     (the lowest-ranked adjacent pair first, every occurrence of it left to
//     right, then the next), exactly as CLIP's bpe() does, but with a priority
//     queue so a long word costs O(n log n) rather than O(n²).
//
// ftfy's repairs (mojibake, quote uncurling, NFC) are not applied: the shared
// reference cases keep ’ as it is, which ftfy would have turned into '.
//
// EncodeWithSpecials wraps the ids in <|startoftext|> (49406) and
// <|endoftext|> (49407), with no truncation; Encode does not (Hugging Face's
// add_special_tokens=False). AddTokens adds tokens that the encoder then
// recognises in text and that extend the vocabulary, such as the fusion
// module's query placeholders <|placeholder_qed_i|> (paper §4.2–4.3, App. C).
//
// It is the tokenizer of the paper's fusion module and of the CLIP text tower
// used in stage-1 training.
package clipbpe
