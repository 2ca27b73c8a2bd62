// Package basiqtest holds what tests of the client, of the quickstart and
// of the webhook engine share: a clock that never sleeps, an in-memory
// network for synctest bubbles, a bounded wait for what a handler receives.
package basiqtest

import (
	"sync"
	"time"
)

// Clock is a basiq.Clock for tests: After fires at once and moves Now on by
// what was asked, and every wait is recorded, so polling and backoff run
// with no sleeps and a test can see the delays.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

// NewClock starts at a fixed time, so outputs that show it are stable.
func NewClock() *Clock {
	return &Clock{now: time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)}
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After moves the time on by d and fires.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

// Advance moves the time on without a wait.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Waits are the durations After was asked for, in order.
func (c *Clock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}
