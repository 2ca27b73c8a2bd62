package listen

import (
	"fmt"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// BenchmarkAPollOfAWeeksEvents is the core's work of one poll once listen
// is running, an event a second: a list of n events (GET /events gives the
// last 7 days, with no paging), one of them new. It reports what a poll
// costs besides its request.
func BenchmarkAPollOfAWeeksEvents(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			now := t0.Add(time.Hour)
			s := New(Config{PollEvery: time.Second})
			s.Apply(now, Started{})
			listed := make([]basiq.Event, n)
			for i := range listed {
				listed[i] = ev(fmt.Sprintf("e%06d", i), "transactions.updated", now.Add(-time.Duration(i)*time.Minute/10))
			}
			s.Apply(now, Polled{Events: listed})
			b.ResetTimer()
			for i := range b.N {
				now = now.Add(time.Second) // an event a second, the poll's interval
				listed[0] = ev(fmt.Sprintf("new%09d", i), "user.updated", now)
				s.Apply(now, Polled{Events: listed})
			}
		})
	}
}
