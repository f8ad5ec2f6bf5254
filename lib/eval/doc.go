// Package eval is the paper's evaluation harness (§5, Appendix D; docs/evaluation.md): the
// 15 benchmarks in VLMEvalKit's data format, the prompts and generation
// budgets the paper's model was run with, VLMEvalKit's scorers, a resumable
// runner and N-sweeps whose results feed the scaling-law fit (Eq. 21–22,
// Table 1, Figures 8/9/11/12).
//
// # Benchmarks and files
//
// [Benchmarks] lists the 15 datasets by VLMEvalKit name and by the name the
// paper prints: yes/no (POPE, MME, HallusionBench), multiple choice (MMStar,
// SEEDBench_IMG, SEEDBench2, SEEDBench2_Plus, AI2D_TEST, ScienceQA_TEST,
// RealWorldQA), captioning (COCO_VAL) and open VQA (TextVQA_VAL,
// ChartQA_TEST, OCRVQA_TESTCORE, OCRBench). [Open] streams a benchmark file in
// VLMEvalKit's TSV layout (index, base64 image, question, answer, options
// A…, hint, category, …) and reports malformed rows as [FormatError]s that
// name the file, row, line and column. Images come back as the decoded file
// bytes (decoding pixels is package vision's job).
//
// # Prompts and decoding
//
// [Prompt] builds the text of VLMEvalKit's default prompt for each dataset
// (the paper's wrapper keeps the defaults); Benchmark.MaxNewTokens is the
// greedy budget of the authors' model wrapper (MCQ and yes/no 32, COCO 32, OCRVQA/ChartQA 100,
// TextVQA 10, OCRBench 512).
//
// # Scorers and rule versions
//
// [Rules.Score] dispatches to the scorer of each benchmark; each one
// documents its formula and is checked on hand-computed cases in the tests.
// All use VLMEvalKit's exact-matching path (no LLM judge; whether the paper
// used one is not documented). VLMEvalKit's rules changed over time, so
// [Rules] holds them as named versions: "2024-12" ([DefaultRules], commit
// ae10ca4d of 2024-12-31, in force when the paper was evaluated) and
// "2026-08" (commit e8e78f05 of 2026-08-18); they differ in ChartQA's
// relaxed accuracy, the VQA period rule (TextVQA, yes/no extraction) and
// multiple-choice extraction. [Score] and the package-level scorers use the
// default. Text is lower-cased, trimmed and split as Python does (str.lower
// with its final-sigma and 'İ' rules, str.strip, str.split), numbers parsed
// as Python's float.
//
//   - [ScorePOPE]: F1 ("Overall"), accuracy, precision, recall of "Yes".
//   - [ScoreMME]: per category accuracy + accuracy+ (both questions of an
//     image right), summed into Perception, Cognition and Overall.
//   - [ScoreHallusion]: aAcc, fAcc (per figure), qAcc (per question), and
//     their mean "Overall".
//   - [Rules.ExtractChoice]: the option letter or the option text found in
//     the answer; accuracy overall, per l2-category and category, per split.
//   - [ScoreCaption]: BLEU-1…4, ROUGE-L, CIDEr ×100 from package caption,
//     on raw strings as VLMEvalKit hands them to pycocoevalcap.
//   - [Rules.VQAAccuracy] (TextVQA) with [Rules.NormalizeVQA];
//     [Rules.RelaxedMatch] (ChartQA, 5% numeric tolerance); [ExactMatch]
//     (OCRVQA); [ScoreOCRBench] (the count of answers found in the
//     prediction, "Final Score").
//
// Metric names are VLMEvalKit's, except where the paper's Appendix D names
// them otherwise (the tidy layout and Table 1 use these names):
//
//	benchmark        VLMEvalKit prints                 here
//	POPE             Overall acc precision recall      same; per category "category:<c>/<metric>"
//	MME              perception reasoning <category>   Perception Cognition "category:<c>"; Overall = their sum
//	HallusionBench   aAcc fAcc qAcc, rows per split    same, rows as "category:<c>/<metric>"; Overall = their mean
//	multiple choice  Overall <category> <l2-category>  Overall "category:<c>" "l2-category:<c>"; ×100
//	                 (a row per split)                 "split:<s>/Overall", …
//	COCO_VAL         Bleu (list of 4) ROUGE_L CIDEr    BLEU-1 … BLEU-4 ROUGE-L CIDEr
//	TextVQA, ChartQA,
//	OCRVQA           Overall <category> or <split>     Overall "category:<c>" or "split:<s>"
//	OCRBench         five groups, Final Score (Norm)   same names
//
// # Running models
//
// A model is an [Answerer]: given a [Request] (item, images, prompt, token
// budget) it returns the generated text. [Run] streams a benchmark file,
// appends each answer to a JSONL predictions file as soon as it is known and
// skips items already there, so an interrupted run resumes where it stopped;
// then it scores. [Sweep] does this for a list of N and [WriteTidy] writes the
// scores as config,N,benchmark,metric,value rows (the layout of `tokenscale
// data`, read by `tokenscale fit`). [Oracle] and [Constant] are reference
// answerers (ground truth; a fixed answer) for checking files and scorers.
// [LoadModel] opens a tokenscale checkpoint (paper layout or toy) as a
// [ModelAnswerer], which answers from the item's image bytes in memory.
// Package benchgen writes small synthetic benchmark files of every kind.
package eval
