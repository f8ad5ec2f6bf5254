// Package pq is the binary min-heap that both BPE tokenizers use to pick the
// next merge (lib/tokenizer/sentencepiece, lib/tokenizer/clipbpe). It is
// generic over an element type that orders itself, so the comparison is
// inlined rather than called through container/heap's interface.
package pq

// Ordered is an element that knows whether it comes before another.
type Ordered[T any] interface {
	Before(T) bool
}

// Heap is a binary min-heap under Before; the zero value is empty, and
// h[0] is the minimum when len(h) > 0.
type Heap[T Ordered[T]] []T

// Push adds c.
func (h *Heap[T]) Push(c T) {
	*h = append(*h, c)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].Before(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

// Pop removes and returns the minimum; h must not be empty.
func (h *Heap[T]) Pop() T {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		best := l
		if r := l + 1; r < len(s) && s[r].Before(s[l]) {
			best = r
		}
		if !s[best].Before(s[i]) {
			break
		}
		s[i], s[best] = s[best], s[i]
		i = best
	}
	*h = s
	return top
}
