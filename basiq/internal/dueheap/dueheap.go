// Package dueheap orders things by when they fall due: a container/heap of
// items that know their time and their place, for the two clocks of the
// project that wait on many things at once (the webhook engine's retries,
// the simulator's job steps).
package dueheap

import "time"

// Item is what a Heap holds: when it falls due, and where in the heap it
// is, which SetHeapIndex is told as it moves (-1 once popped), so that
// heap.Fix and heap.Remove can find it when its time changes.
type Item interface {
	DueAt() time.Time
	SetHeapIndex(int)
}

// Heap is a container/heap.Interface over items, the soonest first.
type Heap[T Item] []T

func (h Heap[T]) Len() int           { return len(h) }
func (h Heap[T]) Less(i, j int) bool { return h[i].DueAt().Before(h[j].DueAt()) }

func (h Heap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].SetHeapIndex(i)
	h[j].SetHeapIndex(j)
}

func (h *Heap[T]) Push(x any) {
	item := x.(T)
	item.SetHeapIndex(len(*h))
	*h = append(*h, item)
}

func (h *Heap[T]) Pop() any {
	old := *h
	n := len(old) - 1
	item := old[n]
	var zero T
	old[n] = zero // no reference kept past the end
	item.SetHeapIndex(-1)
	*h = old[:n]
	return item
}
