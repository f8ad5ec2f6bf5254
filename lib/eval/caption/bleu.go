package caption

import (
	"fmt"
	"math"
)

// Item is one scored caption: the model's candidate and its references.
type Item struct {
	Candidate  string
	References []string
}

func checkItems(items []Item) error {
	if len(items) == 0 {
		return fmt.Errorf("caption: no items to score")
	}
	for i, it := range items {
		if len(it.References) == 0 {
			return fmt.Errorf("caption: item %d has no reference captions", i)
		}
	}
	return nil
}

// BLEU returns corpus-level BLEU-1…BLEU-4 (0–1 scale) as pycocoevalcap's
// Bleu(4) computes them with the "closest" reference length; see the package
// documentation for the formula.
func BLEU(items []Item) ([4]float64, error) {
	const n = 4
	const tiny, small = 1e-15, 1e-9
	var out [4]float64
	if err := checkItems(items); err != nil {
		return out, err
	}
	var matches, guesses [n]float64
	var candLen, refLen float64
	for _, it := range items {
		cand := pyFields(it.Candidate)
		maxRef := make(map[string]int)
		best, bestDiff := -1, math.MaxInt
		for _, r := range it.References {
			words := pyFields(r)
			for g, c := range ngramCounts(words, n) {
				if c > maxRef[g] {
					maxRef[g] = c
				}
			}
			d := len(words) - len(cand)
			if d < 0 {
				d = -d
			}
			if d < bestDiff || (d == bestDiff && len(words) < best) {
				best, bestDiff = len(words), d
			}
		}
		candLen += float64(len(cand))
		refLen += float64(best)
		for g, c := range ngramCounts(cand, n) {
			matches[ngramOrder(g)-1] += float64(min(c, maxRef[g]))
		}
		for k := 1; k <= n; k++ {
			guesses[k-1] += float64(max(0, len(cand)-k+1))
		}
	}
	prod := 1.0
	for k := 0; k < n; k++ {
		prod *= (matches[k] + tiny) / (guesses[k] + small)
		out[k] = math.Pow(prod, 1/float64(k+1))
	}
	if ratio := (candLen + tiny) / (refLen + small); ratio < 1 {
		bp := math.Exp(1 - 1/ratio)
		for k := range out {
			out[k] *= bp
		}
	}
	return out, nil
}
