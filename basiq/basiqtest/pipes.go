package basiqtest

import (
	"context"
	"net"
	"sync"
	"syscall"
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
