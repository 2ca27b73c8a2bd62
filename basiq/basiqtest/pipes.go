package basiqtest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
)

// Pipes is an in-memory network for tests in a testing/synctest bubble: a
// server's net.Listener whose every Dial is one end of a net.Pipe, so real
// HTTP runs with no socket, and a goroutine waiting on it is one the bubble
// knows about (a loopback socket would keep its fake clock from moving).
type Pipes struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

// NewPipes makes the network; Close (the server's, or its own) stops it.
func NewPipes() *Pipes {
	return &Pipes{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Dial is an http.Transport's DialContext: the address is ignored, every
// connection goes to the one server; after Close it is refused, as a port
// nobody listens on.
func (p *Pipes) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.closed:
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
}

// Accept is the server's side of the next Dial.
func (p *Pipes) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	}
}

// Close stops the network: Accept ends, Dial is refused.
func (p *Pipes) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

// Addr gives a server a loopback URL, which a client accepts over http.
func (p *Pipes) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "127.0.0.1:9" }

// Serve runs h on a new pipe network until the test ends, and gives the
// network and a transport that reaches it; a handler that stops with an
// error of its own fails the test.
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
			t.Errorf("the test handler stopped: %v", err)
		}
		tr.CloseIdleConnections()
	})
	return pn, tr
}
