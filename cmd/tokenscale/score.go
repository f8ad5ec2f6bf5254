package main

import (
	"github.com/tokenscale/tokenscale/lib/eval"
)

func init() {
	register(&command{
		name:    "score",
		summary: "score existing predictions (JSONL) of a benchmark as VLMEvalKit does; prints JSON metrics",
		run:     runScore,
	})
}

func runScore(env *cmdEnv, args []string) error {
	fs := newFlags(env, "score", `score --bench NAME --predictions FILE.jsonl

Scores a predictions file, one JSON object per line:
  {"index": …, "prediction": "…", "answer": "…"}
with "references": ["…", …] for captions (or an answer holding a Python list;
"answer" may then be left out),
"options": {"A": "…", …} to extract multiple-choice answers by option text,
"category" for POPE/OCRBench and per-category splits, "l2-category" and
"split" for those reports (ChartQA's human/augmented), "image_key" pairing
MME's two questions per image, "l2-category" (and set_id/figure_id/
question_id, or VLMEvalKit's index) for HallusionBench.
NAME is a benchmark (VLMEvalKit or paper spelling): POPE, MME, HallusionBench,
MMStar, SEEDBench_IMG, SEEDBench2, SEEDBench2_Plus, AI2D_TEST, ScienceQA_TEST,
RealWorldQA, COCO_VAL, TextVQA_VAL, ChartQA_TEST, OCRVQA_TESTCORE, OCRBench.
--vlmevalkit picks the version of VLMEvalKit's scoring rules: 2024-12 (the
default; VLMEvalKit commit ae10ca4d of 2024-12-31, in force when the paper was
evaluated) or 2026-08 (commit e8e78f05 of 2026-08-18). They differ in ChartQA's
relaxed accuracy, the VQA period rule and multiple-choice extraction.`)
	bench := fs.String("bench", "", "benchmark name (required)")
	preds := fs.String("predictions", "", "predictions file, JSONL (required)")
	rulesFlag := rulesFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rules, err := parseRulesFlag(*rulesFlag)
	if err != nil {
		return err
	}
	if *bench == "" || *preds == "" {
		return usagef("score: --bench and --predictions are required")
	}
	b, err := eval.Lookup(*bench)
	if err != nil {
		return usagef("%v", err)
	}
	ps, err := eval.ReadPredictions(*preds)
	if err != nil {
		return usagef("%v", err)
	}
	m, err := rules.Score(b, ps)
	if err != nil {
		return usagef("%v", err)
	}
	return printJSON(env.stdout, map[string]any{"benchmark": b.Name, "items": len(ps), "vlmevalkit": rules.Version, "metrics": m})
}
