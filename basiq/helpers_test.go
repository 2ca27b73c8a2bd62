package basiq

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

const (
	testKey    = "dGVzdC1hcHAtaWQ6dGVzdC1zZWNyZXQta2V5LTEyMzQ1"
	testUserID = "86c79d8c-5033-46b3-b16e-d6cee4200fb3"
	testJobID  = "a03e4df4-dc05-4cd3-9af0-0f28a13ea614"
)

// newFakeClock is the shared test clock (basiqtest.Clock): it never sleeps.
func newFakeClock() *basiqtest.Clock { return basiqtest.NewClock() }

// fakeAPI is a minimal Basiq: /token hands out numbered tokens, and every
// other route is whatever the test registers.
type fakeAPI struct {
	t         *testing.T
	srv       *httptest.Server
	http      *http.Client // nil: the client's default
	mux       *http.ServeMux
	tokens    atomic.Int32
	expiresIn int
	tokenHook func(w http.ResponseWriter, r *http.Request) bool // true = handled
	mu        sync.Mutex
	issued    []string
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := newFakeRoutes(t)
	f.srv = httptest.NewServer(f.mux)
	t.Cleanup(f.srv.Close)
	return f
}

// newPipedAPI is newFakeAPI reached through in-memory pipes instead of
// loopback sockets, for tests in a testing/synctest bubble: a goroutine
// waiting on a socket would keep the bubble's fake clock from moving.
func newPipedAPI(t *testing.T) *fakeAPI {
	f := newFakeRoutes(t)
	f.srv = httptest.NewUnstartedServer(f.mux)
	f.srv.Listener.Close()
	pipes := basiqtest.NewPipes()
	f.srv.Listener = pipes
	f.srv.Start()
	transport := &http.Transport{DialContext: pipes.Dial}
	f.http = &http.Client{Transport: transport}
	t.Cleanup(func() {
		transport.CloseIdleConnections()
		f.srv.Close()
	})
	return f
}

// newFakeRoutes is the fake API's handlers, not yet served.
func newFakeRoutes(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, mux: http.NewServeMux(), expiresIn: 3600}
	f.mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if f.tokenHook != nil && f.tokenHook(w, r) {
			return
		}
		if r.Header.Get("Authorization") != "Basic "+testKey {
			writeError(w, 404, "parameter-not-valid", "We have encountered an error", "Unable to authenticate. Please, check your API key")
			return
		}
		n := f.tokens.Add(1)
		if err := r.ParseForm(); err != nil {
			t.Errorf("token form: %v", err)
		}
		tok := fmt.Sprintf("eyJ.tok-%s-%d.sig", r.PostForm.Get("scope"), n)
		f.mu.Lock()
		f.issued = append(f.issued, tok)
		f.mu.Unlock()
		writeJSON(w, 200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": f.expiresIn})
	})
	return f
}

func (f *fakeAPI) Issued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.issued...)
}

// route serves pattern with answer, which gets the call's number (from 1);
// the counter it returns says how many calls came.
func (f *fakeAPI) route(pattern string, answer func(n int32, w http.ResponseWriter, r *http.Request)) *atomic.Int32 {
	var calls atomic.Int32
	f.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) { answer(calls.Add(1), w, r) })
	return &calls
}

func (f *fakeAPI) client(t *testing.T, clock Clock, mod ...func(*Config)) *Client {
	cfg := Config{APIKey: testKey, BaseURL: f.srv.URL, HTTPClient: f.http, Clock: clock, Jitter: func() float64 { return 1 }}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, title, detail string) {
	writeJSON(w, status, map[string]any{
		"type": "list", "correlationId": "corr-1",
		"data": []map[string]any{{"type": "error", "code": code, "title": title, "detail": detail}},
	})
}

func userJSON(id string) map[string]any {
	return map[string]any{"type": "user", "id": id, "email": "max@example.com", "mobile": "+61410888999",
		"links": map[string]any{"self": "https://au-api.basiq.io/users/" + id}}
}

// errOf is the error of a call that also returns a value, for a list of
// calls whose errors are checked together.
func errOf[T any](_ T, err error) error { return err }
