package dueheap

import (
	"container/heap"
	"testing"
	"time"
)

type task struct {
	name  string
	at    time.Time
	index int
}

func (t *task) DueAt() time.Time   { return t.at }
func (t *task) SetHeapIndex(i int) { t.index = i }

// The soonest comes first, an item moved with Fix (by the index it was told)
// takes its new place, and a popped item knows it is out.
func TestSoonestFirst(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var h Heap[*task]
	tasks := map[string]*task{}
	for i, name := range []string{"c", "a", "d", "b"} {
		tasks[name] = &task{name: name, at: start.Add(time.Duration([]int{3, 1, 4, 2}[i]) * time.Second)}
		heap.Push(&h, tasks[name])
	}
	tasks["d"].at = start // d is due first now
	heap.Fix(&h, tasks["d"].index)
	heap.Remove(&h, tasks["c"].index)
	var order string
	for h.Len() > 0 {
		x := heap.Pop(&h).(*task)
		if x.index != -1 {
			t.Errorf("%s popped with index %d", x.name, x.index)
		}
		order += x.name
	}
	if order != "dab" {
		t.Errorf("popped %q, want dab", order)
	}
}
