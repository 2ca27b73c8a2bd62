package basiqtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// Arrivals is a loopback handler that notes when each request reaches it,
// for benchmarks of how long a delivery takes to arrive.
type Arrivals struct {
	URL      string // the handler's, at /webhooks
	received chan time.Time
}

// NewArrivals starts the handler; it stops when the benchmark ends.
func NewArrivals(b *testing.B) *Arrivals {
	a := &Arrivals{received: make(chan time.Time, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		a.received <- time.Now()
	}))
	b.Cleanup(srv.Close)
	a.URL = srv.URL + "/webhooks"
	return a
}

// Since waits for the next request and gives how long after start it came.
func (a *Arrivals) Since(start time.Time) time.Duration { return (<-a.received).Sub(start) }

// ReportLatencies reports the median, the 99th percentile and the longest
// of latencies, in milliseconds; it never fails.
func ReportLatencies(b *testing.B, latencies []time.Duration) {
	slices.Sort(latencies)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(latencies[len(latencies)/2]), "median-ms")
	b.ReportMetric(ms(latencies[len(latencies)*99/100]), "p99-ms")
	b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
}
