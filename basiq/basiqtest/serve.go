package basiqtest

import (
	"errors"
	"net"
	"net/http"
	"testing"
)

// Serve runs h on a pipe network for the bubble and gives the network and
// a transport that reaches it; both stop when the test ends, and a server
// that stopped for another reason fails the test.
func Serve(t testing.TB, h http.Handler) (*Pipes, *http.Transport) {
	t.Helper()
	pn := NewPipes()
	srv := &http.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(pn) }()
	tr := &http.Transport{DialContext: pn.Dial}
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			t.Errorf("a test server stopped: %v", err)
		}
		tr.CloseIdleConnections()
	})
	return pn, tr
}
