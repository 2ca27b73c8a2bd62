package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// These run over real loopback sockets and the real clock: what a handler
// on this machine sees. Each waits on the engine's observer, never sleeps.

// observed is an Observe that hands each attempt to a channel.
func observed() (func(Attempt), chan Attempt) {
	ch := make(chan Attempt, 16)
	return func(a Attempt) { ch <- a }, ch
}

func next(t *testing.T, ch chan Attempt) Attempt {
	t.Helper()
	return basiqtest.Receive(t, ch, "attempt")
}

// A body whose key order, spacing, escapes and trailing newline any
// re-encoding would change reaches the handler byte for byte, and verifies
// there with the library.
func TestTheBodyArrivesByteForByte(t *testing.T) {
	body := []byte("{\"zeta\":1,   \"alpha\" : [1.50, 2e3 ],\n\t\"name\":\"caf\\u00e9 <b>\",\"big\":12345678901234567890}\n")
	var generic any
	_ = json.Unmarshal(body, &generic)
	if again, _ := json.Marshal(generic); bytes.Equal(again, body) {
		t.Fatal("the test body survives a re-marshal: it proves nothing")
	}
	secret := mustSecret(t)
	wh, _ := standardwebhooks.NewWebhook(secret.Reveal())
	received := make(chan []byte, 1)
	var verifyErr atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := new(bytes.Buffer)
		_, _ = got.ReadFrom(r.Body)
		if err := wh.Verify(got.Bytes(), r.Header); err != nil {
			verifyErr.Store(err)
		}
		if ua := r.Header.Values("User-Agent"); len(ua) != 1 || ua[0] != UserAgent {
			verifyErr.Store(fmt.Errorf("User-Agent %q, want %s once", ua, UserAgent))
		}
		received <- got.Bytes()
	}))
	defer srv.Close()
	observe, attempts := observed()
	e := newEngine(t, Options{Observe: observe, LoopbackOnly: true})
	if _, err := e.Send(Endpoint{URL: srv.URL + "/hook", Secret: secret}, Message{EventType: "user.created", Payload: body}); err != nil {
		t.Fatal(err)
	}
	body[0] = 'X' // the engine has its own copy
	if a := next(t, attempts); !a.OK() {
		t.Fatalf("the attempt: %+v", a)
	}
	got := <-received
	body[0] = '{'
	if !bytes.Equal(got, body) {
		t.Errorf("the handler received\n%q\nwant\n%q", got, body)
	}
	if err := verifyErr.Load(); err != nil {
		t.Errorf("the library's verifier refused it: %v", err)
	}
}

func TestARedirectIsNotFollowed(t *testing.T) {
	var followed atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	defer elsewhere.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/stolen", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	observe, attempts := observed()
	e := newEngine(t, Options{Observe: observe, Schedule: []time.Duration{0, 0}})
	_, _ = e.Send(Endpoint{URL: srv.URL, Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)})
	for range 2 {
		a := next(t, attempts)
		if a.Outcome != Redirected || a.Status != 307 || a.Location != elsewhere.URL+"/stolen" || !strings.Contains(a.Err, "not followed") {
			t.Errorf("the attempt: %s %d %q %q, want a redirect recorded, not followed", a.Outcome, a.Status, a.Location, a.Err)
		}
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the redirect's target got %d requests", n)
	}
}

func TestAClosedPortIsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	observe, attempts := observed()
	e := newEngine(t, Options{Observe: observe, LoopbackOnly: true})
	_, _ = e.Send(Endpoint{URL: "http://" + addr, Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)})
	if a := next(t, attempts); a.Outcome != Unreachable || !strings.Contains(a.Err, "refused") || a.Next.IsZero() {
		t.Errorf("the attempt: %s %q, next %v; want unreachable, retried", a.Outcome, a.Err, a.Next)
	}
}

func TestCheckLoopback(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:3000/hook":  true,
		"http://127.8.9.1/hook":       true,
		"https://[::1]:8443/":         true,
		"http://localhost:3000":       true,
		"http://LOCALHOST./x":         true,
		"http://[::ffff:127.0.0.1]/":  true,
		"http://example.com/hook":     false,
		"http://10.0.0.7:3000/":       false,
		"http://0.0.0.0:3000/":        false,
		"http://127.0.0.1.nip.io/":    false,
		"http://localhost.evil.com/":  false,
		"https://au-api.basiq.io/":    false,
		"http://[::ffff:10.0.0.1]/":   false,
		"ftp://127.0.0.1/":            false,
		"127.0.0.1:3000":              false,
		"http://user:pw@127.0.0.1/":   false,
		"http:///nohost":              false,
		"http://127.0.0.1:3000/%zz":   false,
		" http://127.0.0.1:3000/ok ":  true,
		"http://[fe80::1%25eth0]:80/": false,
	} {
		err := CheckLoopback(raw)
		if (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok %v", raw, err, ok)
		}
	}
	err := CheckLoopback("http://example.com/hook")
	if !errors.Is(err, ErrNotLoopback) || err.Error() != "example.com is not this machine: webhooks are delivered only to this machine: 127.0.0.1 (or another 127.x address), [::1] or localhost" {
		t.Errorf("the refusal reads %q", err)
	}
}

// LoopbackOnly checks again at the moment of connecting, after the name is
// resolved.
func TestLoopbackOnlyRefusesToConnectElsewhere(t *testing.T) {
	for address, ok := range map[string]bool{"127.0.0.1:80": true, "[::1]:80": true, "10.1.2.3:80": false, "93.184.216.34:443": false} {
		if err := loopbackOnly("tcp", address, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v", address, err)
		}
	}
}

// A handler not started yet (or on another port) is the first thing most
// people meet: the attempt says so in words, with the address tried.
func TestNothingListeningIsSaidPlainly(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // the port is free now: a dial is refused
	observe, ch := observed()
	e := newEngine(t, Options{Observe: observe, Schedule: []time.Duration{0}})
	if _, err := e.Send(Endpoint{URL: "http://" + addr + "/webhooks", Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	a := next(t, ch)
	if a.Outcome != Unreachable || !strings.Contains(a.Err, "nothing listens at "+addr+" (connection refused)") {
		t.Errorf("the attempt: %s %q, want unreachable, saying nothing listens at %s", a.Outcome, a.Err, addr)
	}
}
