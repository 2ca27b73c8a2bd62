package flow

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// traceKeep is how many exchanges the request inspector can show.
const traceKeep = 200

// TraceLog collects the client's HTTP exchanges (already redacted by the
// client) for the request inspector, and writes them to the --debug file.
type TraceLog struct {
	mu   sync.Mutex
	last []basiq.Exchange
	file io.Writer
}

// NewTraceLog keeps exchanges in memory and, when path is not "", writes
// each one to that file (created owner-readable only).
func NewTraceLog(path string) (*TraceLog, func(), error) {
	t := &TraceLog{}
	if path == "" {
		return t, func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, nil, err
	}
	t.file = f
	return t, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.file = nil
		f.Close()
	}, nil
}

// Add records one exchange; the client calls it from any goroutine.
func (t *TraceLog) Add(x basiq.Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.last) == traceKeep {
		t.last = append(t.last[:0], t.last[1:]...)
	}
	t.last = append(t.last, x)
	if t.file != nil {
		writeExchange(t.file, x)
	}
}

// Snapshot returns the kept exchanges, oldest first.
func (t *TraceLog) Snapshot() []basiq.Exchange {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]basiq.Exchange(nil), t.last...)
}

func writeExchange(w io.Writer, x basiq.Exchange) {
	fmt.Fprintf(w, "%s %s %s -> %d in %s", x.Time.Format("15:04:05.000"), x.Method, x.URL, x.Status, x.Duration.Round(1e6))
	if x.CorrelationID != "" {
		fmt.Fprintf(w, " (correlation id %s)", x.CorrelationID)
	}
	if x.Err != "" {
		fmt.Fprintf(w, " error: %s", x.Err)
	}
	fmt.Fprintln(w)
	writeHalf(w, ">", x.RequestHeader, x.RequestBody)
	writeHalf(w, "<", x.ResponseHeader, x.ResponseBody)
	fmt.Fprintln(w)
}

func writeHalf(w io.Writer, dir string, h http.Header, body string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "%s %s: %s\n", dir, k, strings.Join(h[k], ", "))
	}
	if body != "" {
		for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			fmt.Fprintf(w, "%s %s\n", dir, line)
		}
	}
}
