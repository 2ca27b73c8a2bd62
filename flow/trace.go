package flow

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
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
// each one to that file, owner-readable only (see openPrivate).
func NewTraceLog(path string) (*TraceLog, func(), error) {
	t := &TraceLog{}
	if path == "" {
		return t, func() {}, nil
	}
	f, err := openPrivate(path)
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

// openPrivate creates path afresh, 0600, for writing. An existing regular
// file is removed first rather than reused: its mode, and any hard link to
// it, stay out of the trace. It never writes through a symbolic link (a link
// in /tmp could point it at any file of ours): one is refused, and O_EXCL
// fails rather than follow one that appears meanwhile.
func openPrivate(path string) (*os.File, error) {
	info, err := os.Lstat(path)
	switch {
	case err == nil && !info.Mode().IsRegular():
		return nil, fmt.Errorf("%s is a %s, not a plain file: give a new path for the trace", path, fileKind(info.Mode()))
	case err == nil:
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
}

// fileKind names what a path is, for an error a person reads.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	default:
		return "special file"
	}
}

// Add records one exchange; the client calls it from any goroutine.
func (t *TraceLog) Add(x basiq.Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i := t.samePoll(x); i >= 0 {
		// The events' poll (every second in the demo) answered as before: the
		// newest copy replaces the old, so the inspector keeps the rest.
		t.last = append(t.last[:i], t.last[i+1:]...)
	}
	if len(t.last) == traceKeep {
		t.last = append(t.last[:0], t.last[1:]...)
	}
	t.last = append(t.last, x)
	if t.file != nil {
		writeExchange(t.file, x)
	}
}

// samePoll is where the last poll of the events with x's request is kept,
// when it answered just as x did; -1 when none is, or x is another request.
func (t *TraceLog) samePoll(x basiq.Exchange) int {
	if x.Method != http.MethodGet || !isEventsPoll(x.URL) {
		return -1
	}
	for i := len(t.last) - 1; i >= 0; i-- {
		if p := t.last[i]; p.Method == x.Method && p.URL == x.URL {
			if p.Status == x.Status && p.ResponseBody == x.ResponseBody && p.Err == x.Err {
				return i
			}
			return -1
		}
	}
	return -1
}

// isEventsPoll reports whether a request's URL is GET /events' (a list,
// not one event).
func isEventsPoll(rawURL string) bool {
	path, _, _ := strings.Cut(rawURL, "?")
	return strings.HasSuffix(path, "/events")
}

// WriteOnly records x in the --debug file only, keeping nothing in memory:
// for a command with no request inspector (listen, which runs for days).
func (t *TraceLog) WriteOnly(x basiq.Exchange) {
	t.mu.Lock()
	defer t.mu.Unlock()
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

// writeExchange writes x as lines of text, every string from the server
// through text.Safe: a `cat` or `less` of the trace must not run what a
// server put in a body or header (ESC, BEL, OSC 52 that sets the clipboard).
func writeExchange(w io.Writer, x basiq.Exchange) {
	fmt.Fprintf(w, "%s %s %s -> %d in %s", x.Time.Format("15:04:05.000"), x.Method, text.Safe(x.URL), x.Status, x.Duration.Round(1e6))
	if x.CorrelationID != "" {
		fmt.Fprintf(w, " (correlation id %s)", text.Safe(x.CorrelationID))
	}
	if x.Err != "" {
		fmt.Fprintf(w, " error: %s", text.Safe(x.Err))
	}
	fmt.Fprintln(w)
	writeHalf(w, ">", x.RequestHeader, x.RequestBody, x.RequestBytes)
	if x.ResponseNotKept {
		writeHalf(w, "<", x.ResponseHeader, "", 0)
		fmt.Fprintf(w, "< (body not kept: %d bytes, a token answer, status %d)\n", x.ResponseBytes, x.Status)
	} else {
		writeHalf(w, "<", x.ResponseHeader, x.ResponseBody, x.ResponseBytes)
	}
	fmt.Fprintln(w)
}

// writeHalf writes one side of an exchange: its headers, then its body and,
// when the trace kept only the start of it, how long it was.
func writeHalf(w io.Writer, dir string, h http.Header, body string, size int) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "%s %s: %s\n", dir, text.Safe(k), text.Safe(strings.Join(h[k], ", ")))
	}
	if body != "" {
		for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
			fmt.Fprintf(w, "%s %s\n", dir, text.Safe(line))
		}
	}
	if size > basiq.TraceBodyLimit {
		fmt.Fprintf(w, "%s (the first %d bytes of %d)\n", dir, basiq.TraceBodyLimit, size)
	}
}
