package caption

import "strings"

// rougeBeta is the β of ROUGE-L's F-measure in pycocoevalcap.
const rougeBeta = 1.2

// lcs is the length of the longest common subsequence of a and b.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ROUGEL1 is ROUGE-L of one candidate against its references (0–1 scale),
// with tokens split on single spaces as pycocoevalcap does.
func ROUGEL1(candidate string, references []string) float64 {
	c := strings.Split(candidate, " ")
	var p, q float64
	for _, ref := range references {
		r := strings.Split(ref, " ")
		l := float64(lcs(r, c))
		p = max(p, l/float64(len(c)))
		q = max(q, l/float64(len(r)))
	}
	if p == 0 || q == 0 {
		return 0
	}
	b2 := rougeBeta * rougeBeta
	return (1 + b2) * p * q / (q + b2*p)
}

// ROUGEL returns the mean over items of [ROUGEL1] (0–1 scale).
func ROUGEL(items []Item) (float64, error) {
	if err := checkItems(items); err != nil {
		return 0, err
	}
	var sum float64
	for _, it := range items {
		sum += ROUGEL1(it.Candidate, it.References)
	}
	return sum / float64(len(items)), nil
}
