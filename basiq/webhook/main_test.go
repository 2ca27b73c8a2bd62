package webhook

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

// TestMain fails the package if a test leaves a goroutine behind: an
// attempt that outlived Close, a timer loop never stopped, a connection
// never closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// delivery is one request a test handler received.
type delivery struct {
	at     time.Time
	header http.Header
	body   []byte
}

func (d delivery) id() string { return d.header.Get(HeaderID) }

// handler is a test handler: it records what it receives and answers what
// answer says (200 when nil).
type handler struct {
	mu     sync.Mutex
	got    []delivery
	answer func(n int, d delivery, w http.ResponseWriter, r *http.Request)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	d := delivery{at: time.Now(), header: r.Header.Clone(), body: body}
	h.mu.Lock()
	h.got = append(h.got, d)
	n := len(h.got)
	answer := h.answer
	h.mu.Unlock()
	if answer != nil {
		answer(n, d, w, r)
		return
	}
	_, _ = io.WriteString(w, "ok")
}

func (h *handler) deliveries() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got...)
}

// servePipe runs h on a pipe network for the bubble and gives the
// transport that reaches it; both stop when the test ends.
func servePipe(t *testing.T, h http.Handler) (*basiqtest.Pipes, *http.Transport) {
	t.Helper()
	return basiqtest.Serve(t, h)
}

// newEngine makes an engine that the test closes at its end.
func newEngine(t *testing.T, o Options) *Engine {
	t.Helper()
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func mustSecret(t testing.TB) Secret {
	t.Helper()
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}
