package pq

import (
	"math/rand/v2"
	"slices"
	"testing"
)

type item struct{ key, seq int }

func (a item) Before(b item) bool { return a.key < b.key || (a.key == b.key && a.seq < b.seq) }

func TestHeapSorts(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1000} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		var h Heap[item]
		var want []item
		for i := range n {
			it := item{key: rng.IntN(10), seq: i}
			h.Push(it)
			want = append(want, it)
		}
		slices.SortFunc(want, func(a, b item) int {
			if a.Before(b) {
				return -1
			}
			return 1
		})
		for i := range n {
			if got := h.Pop(); got != want[i] {
				t.Fatalf("n=%d pop %d = %v, want %v", n, i, got, want[i])
			}
		}
		if len(h) != 0 {
			t.Fatalf("n=%d: %d left", n, len(h))
		}
	}
}
