package caption

// Scores holds the COCO caption metrics of one corpus, on the 0–1 scale
// (CIDEr on its own scale, where 1 is a typical strong score).
type Scores struct {
	BLEU   [4]float64 // BLEU-1…BLEU-4
	ROUGEL float64
	CIDEr  float64
}

// Score computes BLEU-1…4, ROUGE-L and CIDEr-D of items scored together.
func Score(items []Item) (Scores, error) {
	var s Scores
	var err error
	if s.BLEU, err = BLEU(items); err != nil {
		return s, err
	}
	if s.ROUGEL, err = ROUGEL(items); err != nil {
		return s, err
	}
	if s.CIDEr, _, err = CIDEr(items); err != nil {
		return s, err
	}
	return s, nil
}

// Percent returns the metrics ×100 under the names VLMEvalKit and the paper
// use: "BLEU-1"…"BLEU-4", "ROUGE-L", "CIDEr".
func (s Scores) Percent() map[string]float64 {
	return map[string]float64{
		"BLEU-1":  100 * s.BLEU[0],
		"BLEU-2":  100 * s.BLEU[1],
		"BLEU-3":  100 * s.BLEU[2],
		"BLEU-4":  100 * s.BLEU[3],
		"ROUGE-L": 100 * s.ROUGEL,
		"CIDEr":   100 * s.CIDEr,
	}
}
