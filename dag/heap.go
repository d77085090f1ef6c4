package dag

import (
	"cmp"
	"container/heap"
)

// minHeap is a priority queue of keys, smallest first. It keeps ties between
// ready nodes in key order for Sort and Walk.
type minHeap[K cmp.Ordered] struct{ keys []K }

func (h *minHeap[K]) push(k K)   { heap.Push((*heapImpl[K])(h), k) }
func (h *minHeap[K]) pop() K     { return heap.Pop((*heapImpl[K])(h)).(K) }
func (h *minHeap[K]) len() int   { return len(h.keys) }
func (h *minHeap[K]) drain() []K { k := h.keys; h.keys = nil; return k }

// heapImpl adapts minHeap to container/heap without exporting the methods.
type heapImpl[K cmp.Ordered] minHeap[K]

func (h *heapImpl[K]) Len() int           { return len(h.keys) }
func (h *heapImpl[K]) Less(i, j int) bool { return h.keys[i] < h.keys[j] }
func (h *heapImpl[K]) Swap(i, j int)      { h.keys[i], h.keys[j] = h.keys[j], h.keys[i] }
func (h *heapImpl[K]) Push(x any)         { h.keys = append(h.keys, x.(K)) }
func (h *heapImpl[K]) Pop() any {
	k := h.keys[len(h.keys)-1]
	h.keys = h.keys[:len(h.keys)-1]
	return k
}
