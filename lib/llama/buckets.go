package llama

import "math/bits"

// Sequence-length buckets. A compiled graph has fixed shapes, and GoMLX keeps
// at most a few dozen compiled graphs per executor, so a model run over
// sequences of hundreds of distinct lengths (the paper's Section-3
// measurement over preference pairs) would compile a graph per length and
// then fail. Forward and HiddenStates therefore right-pad every sequence to
// a bucket length. The attention is causal, so a real position never sees
// the padding after it: its outputs are those of the unpadded run (the
// masked scores become exact zeros after the softmax).

// minBucket is the smallest padded length.
const minBucket = 16

// BucketLength returns the padded length of a sequence of n tokens: n
// rounded up to a multiple of 2^(⌊log₂ n⌋−2), at least 16. There are four
// buckets per octave, so padding adds at most a quarter of the length and
// lengths up to 2^k use at most 4(k−3) buckets. It returns n itself when
// n ≤ 0.
func BucketLength(n int) int {
	if n <= 0 {
		return n
	}
	if n <= minBucket {
		return minBucket
	}
	step := 1 << max(bits.Len(uint(n))-1-2, 0)
	return (n + step - 1) / step * step
}

// numBuckets returns how many distinct BucketLength values lengths 1 …
// maxLen can take (at least one).
func numBuckets(maxLen int) int {
	if maxLen <= minBucket {
		return 1
	}
	return 4*(bits.Len(uint(maxLen-1))-4) + 1
}

// execCacheSize is the number of compiled graphs an executor of this model
// keeps: every bucket up to max_position_embeddings (or 2^16 positions when
// it is not set), with room for a few batch sizes.
func (m *Model) execCacheSize() int {
	maxLen := m.Config.MaxPositions
	if maxLen <= 0 {
		maxLen = 1 << 16
	}
	return max(32, 2*numBuckets(maxLen))
}
