package webhook

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

// BenchmarkDelivery is the time from handing a message to the engine to the
// handler's receipt of its body, over loopback (target: under 5 ms). It
// reports the median and the 99th percentile; it never fails.
func BenchmarkDelivery(b *testing.B) {
	handler := basiqtest.NewArrivals(b)
	e, err := New(Options{LoopbackOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	to := Endpoint{URL: handler.URL, Secret: mustSecret(b)}
	body := payload("transactions.updated", "bench")
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := e.Send(to, Message{EventType: "transactions.updated", Payload: body}); err != nil {
			b.Fatal(err)
		}
		latencies = append(latencies, handler.Since(start))
	}
	b.StopTimer()
	basiqtest.ReportLatencies(b, latencies)
}

// BenchmarkRecordedMessage is the memory one message keeps in the history
// once delivered (a Basiq payload, one attempt): what a full history of
// 1,000 costs.
func BenchmarkRecordedMessage(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"received":true}`)
	}))
	defer srv.Close()
	done := make(chan struct{}, 64)
	e, err := New(Options{History: b.N + 1, Observe: func(Attempt) { done <- struct{}{} }})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	to := Endpoint{URL: srv.URL, Secret: mustSecret(b)}
	body := payload("transactions.updated", "8f7a1c2e-5b3d-4e6f-9a8b-7c6d5e4f3a2b")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if _, err := e.Send(to, Message{EventType: "transactions.updated", Payload: body, Tag: "3fa85f64-5717-4562-b3fc-2c963f66afa6"}); err != nil {
			b.Fatal(err)
		}
		<-done
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if n := len(e.Messages("")); n != b.N {
		b.Fatalf("%d messages kept, want %d", n, b.N)
	}
	b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/float64(b.N), "heap-B/message")
}
