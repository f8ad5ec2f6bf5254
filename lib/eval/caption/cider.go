package caption

import (
	"math"
)

const (
	ciderN     = 4   // n-gram orders 1…4
	ciderSigma = 6.0 // σ of the Gaussian length penalty
)

// ciderVec is the TF-IDF representation of one caption.
type ciderVec struct {
	v      [ciderN]map[string]float64
	norm   [ciderN]float64
	length float64 // number of bigrams, as pycocoevalcap counts "length"
}

// CIDEr returns the corpus CIDEr-D score (pycocoevalcap's Cider: the mean
// of the per-item scores, each already ×10 as in the original definition;
// the paper prints it ×100) and the per-item scores.
func CIDEr(items []Item) (float64, []float64, error) {
	if err := checkItems(items); err != nil {
		return 0, nil, err
	}
	// Document frequency over the reference sets of the corpus.
	df := make(map[string]float64)
	refCounts := make([][]map[string]int, len(items))
	for i, it := range items {
		seen := make(map[string]bool)
		for _, r := range it.References {
			c := ngramCounts(pyFields(r), ciderN)
			refCounts[i] = append(refCounts[i], c)
			for g := range c {
				seen[g] = true
			}
		}
		for g := range seen {
			df[g]++
		}
	}
	logI := math.Log(float64(len(items)))
	toVec := func(counts map[string]int) ciderVec {
		var cv ciderVec
		for k := range cv.v {
			cv.v[k] = make(map[string]float64)
		}
		for g, tf := range counts {
			k := ngramOrder(g) - 1
			w := float64(tf) * (logI - math.Log(max(1, df[g])))
			cv.v[k][g] = w
			cv.norm[k] += w * w
			if k == 1 {
				cv.length += float64(tf)
			}
		}
		for k := range cv.norm {
			cv.norm[k] = math.Sqrt(cv.norm[k])
		}
		return cv
	}
	scores := make([]float64, len(items))
	var total float64
	for i, it := range items {
		c := toVec(ngramCounts(pyFields(it.Candidate), ciderN))
		var acc [ciderN]float64
		for _, rc := range refCounts[i] {
			r := toVec(rc)
			delta := c.length - r.length
			pen := math.Exp(-delta * delta / (2 * ciderSigma * ciderSigma))
			for k := 0; k < ciderN; k++ {
				var dot float64
				for g, w := range c.v[k] {
					dot += min(w, r.v[k][g]) * r.v[k][g]
				}
				if c.norm[k] != 0 && r.norm[k] != 0 {
					dot /= c.norm[k] * r.norm[k]
				}
				acc[k] += dot * pen
			}
		}
		var mean float64
		for k := range acc {
			mean += acc[k]
		}
		mean /= ciderN
		scores[i] = mean / float64(len(it.References)) * 10
		total += scores[i]
	}
	return total / float64(len(items)), scores, nil
}
