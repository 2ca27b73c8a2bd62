package basiq

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The time-bound tests run in testing/synctest bubbles against newPipedAPI:
// the clock is fake, so a minute of a dripping server takes no real time,
// and a nil Config.Clock is that fake clock too.

// drip answers 200 and then one byte of JSON whitespace every interval,
// for ever: a server that is alive but never finishes.
func drip(w http.ResponseWriter, r *http.Request, every time.Duration) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	for {
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(every):
		}
		if _, err := io.WriteString(w, " "); err != nil {
			return
		}
	}
}

// TestTimeBounds: a server that drips, goes silent or stops mid-body ends
// the call at the bound that applies, with words a user understands.
func TestTimeBounds(t *testing.T) {
	getUser := func(ctx context.Context, c *Client) error { _, err := c.GetUser(ctx, testUserID); return err }
	createUser := func(ctx context.Context, c *Client) error {
		_, err := c.CreateUser(ctx, NewUser{Email: "max@example.com"})
		return err
	}
	for _, tc := range []struct {
		name      string
		route     string
		answer    http.HandlerFunc
		config    func(*Config)
		call      func(context.Context, *Client) error
		took      time.Duration
		attempts  int32
		says      string
		userMaybe bool
	}{
		{
			// A drip never goes quiet, so each attempt runs to its own bound:
			// one of 30s, a backoff of 0.5s, and one cut by the call budget.
			name: "drip with the defaults", route: "GET /users/{id}",
			answer: func(w http.ResponseWriter, r *http.Request) { drip(w, r, 200*time.Millisecond) },
			config: func(*Config) {}, call: getUser, took: defaultCallTimeout, attempts: 2,
			says: "basiq: GET /users/" + testUserID + ": 200 OK came, then the body broke off: Basiq took too long: gave up after 60s, retries included",
		},
		{
			name: "drip after creating, attempt bound from Config", route: "POST /users",
			answer: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				drip(w, r, 200*time.Millisecond)
			},
			config: func(c *Config) { c.AttemptTimeout = 3 * time.Second }, call: createUser, took: 3 * time.Second, attempts: 1,
			says: "basiq: POST /users: 201 Created came, then the body broke off: Basiq took too long to answer (over 3s); not retried", userMaybe: true,
		},
		{
			name: "silence, idle bound from Config", route: "POST /users",
			answer: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			config: func(c *Config) { c.IdleTimeout = 2 * time.Second }, call: createUser, took: 2 * time.Second, attempts: 1,
			says: "basiq: POST /users: no answer: Basiq stopped answering (nothing came for 2s); not retried", userMaybe: true,
		},
		{
			name: "a body that stops", route: "GET /users/{id}",
			answer: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusOK)
				io.WriteString(w, `{"type":"user",`)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			config: func(c *Config) { c.MaxAttempts = 1 }, call: getUser, took: defaultIdleTimeout, attempts: 1,
			says: "basiq: GET /users/" + testUserID + ": 200 OK came, then the body broke off: Basiq stopped answering (nothing came for 15s)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := newPipedAPI(t)
				var attempts atomic.Int32
				api.mux.HandleFunc(tc.route, func(w http.ResponseWriter, r *http.Request) {
					attempts.Add(1)
					io.ReadAll(r.Body)
					tc.answer(w, r)
				})
				c := api.client(t, nil, tc.config)
				start := time.Now()
				err := tc.call(t.Context(), c)
				took := time.Since(start)
				if !IsTimeout(err) || !IsNetwork(err) || !errors.Is(err, context.DeadlineExceeded) || UserMayExist(err) != tc.userMaybe {
					t.Fatalf("err = %v: want a timeout, with the user maybe made: %v", err, tc.userMaybe)
				}
				if !strings.HasPrefix(err.Error(), tc.says) {
					t.Errorf("got  %q\nwant it to start %q", err, tc.says)
				}
				if took != tc.took || attempts.Load() != tc.attempts {
					t.Errorf("took %v in %d attempts, want %v in %d", took, attempts.Load(), tc.took, tc.attempts)
				}
			})
		})
	}
}

func TestSlowSteadyBodyIsNotIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := newPipedAPI(t)
		api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			body, _ := json.Marshal(userJSON(testUserID))
			for _, b := range body {
				time.Sleep(200 * time.Millisecond)
				w.Write([]byte{b})
				w.(http.Flusher).Flush()
			}
		})
		c := api.client(t, nil, func(c *Config) {
			c.IdleTimeout, c.AttemptTimeout, c.CallTimeout = time.Second, 5*time.Minute, 5*time.Minute
		})
		start := time.Now()
		u, err := c.GetUser(t.Context(), testUserID)
		if err != nil || u.ID != testUserID {
			t.Fatalf("user %+v, err %v", u, err)
		}
		if took := time.Since(start); took < 10*time.Second {
			t.Errorf("took %v: the body should have taken far longer than the 1s idle bound", took)
		}
	})
}

func TestRedirectsNotFollowed(t *testing.T) {
	var mu sync.Mutex
	var reached []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		reached = append(reached, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		writeJSON(w, 201, userJSON(testUserID))
	}))
	t.Cleanup(elsewhere.Close)
	api := newFakeAPI(t)
	api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/users", http.StatusTemporaryRedirect)
	})
	var traces []Exchange
	c := api.client(t, newFakeClock(), func(c *Config) {
		c.Trace = func(x Exchange) { mu.Lock(); traces = append(traces, x); mu.Unlock() }
	})
	_, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	e, ok := asError(err)
	if !ok || e.Status != http.StatusTemporaryRedirect || e.Location != elsewhere.URL+"/users" || UserMayExist(err) {
		t.Fatalf("err = %v", err)
	}
	want := `basiq: POST /users: 307 with a redirect to "` + elsewhere.URL + `/users" (API calls never follow one)`
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	last := traces[len(traces)-1]
	if last.Status != http.StatusTemporaryRedirect || last.ResponseHeader.Get("Location") != elsewhere.URL+"/users" || len(traces) != 2 {
		t.Errorf("traces = %d, the last %+v; want /token, then the 307 with its Location", len(traces), last)
	}

	// The API key is never sent elsewhere either.
	api.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, elsewhere.URL+"/token", http.StatusPermanentRedirect)
		return true
	}
	fresh := api.client(t, newFakeClock())
	if err := fresh.Authenticate(context.Background()); err == nil || !strings.Contains(err.Error(), "308 with a redirect to") {
		t.Errorf("token redirect: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reached) != 0 {
		t.Errorf("the redirect target got %q", reached)
	}
}

func TestCreateUserAnswerCutShortMayExist(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   string
	}{
		{"json cut short", func(w http.ResponseWriter) {
			w.WriteHeader(201)
			io.WriteString(w, `{"type":"user","id":"86c79d8c-5033`)
		}, "201 with a body cut short"},
		{"connection closed mid-body", func(w http.ResponseWriter) {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			buf.WriteString("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n{\"type\":\"user\",\"id\":\"86c7")
			buf.Flush()
			conn.Close()
		}, "201 Created came, then the body broke off: unexpected EOF"},
		{"no id", func(w http.ResponseWriter) { writeJSON(w, 201, map[string]any{"type": "user"}) }, "201 with an answer without the new user's id"},
		{"html", func(w http.ResponseWriter) {
			w.WriteHeader(200)
			io.WriteString(w, "<html><body>Welcome</body></html>")
		}, "200 with an HTML page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			var posts atomic.Int32
			api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
				posts.Add(1)
				io.ReadAll(r.Body)
				tc.answer(w)
			})
			c := api.client(t, newFakeClock())
			_, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
			if !UserMayExist(err) || posts.Load() != 1 {
				t.Fatalf("err = %v, POSTs = %d; want one POST and the user may exist", err, posts.Load())
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || !strings.Contains(msg, "not retried") {
				t.Errorf("message %q should say %q and that it was not retried", msg, tc.want)
			}
		})
	}
}

func TestCreateUserRetriedOn429(t *testing.T) {
	for _, tc := range []struct {
		name       string
		retryAfter []string // one 429 each, then a 201
		waits      string
		posts      int32
		created    bool
	}{
		{"retry-after honoured", []string{"3"}, "[3s]", 2, true},
		{"backoff without retry-after", []string{"", ""}, "[500ms 1s]", 3, true},
		{"retry-after past the call budget", []string{"90"}, "[]", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			var posts atomic.Int32
			api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
				io.ReadAll(r.Body)
				if n := int(posts.Add(1)); n <= len(tc.retryAfter) {
					if ra := tc.retryAfter[n-1]; ra != "" {
						w.Header().Set("Retry-After", ra)
					}
					writeError(w, 429, "too-many-requests", "Too many requests", "Query limit reached.")
					return
				}
				writeJSON(w, 201, userJSON(testUserID))
			})
			clock := newFakeClock()
			c := api.client(t, clock)
			u, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
			if tc.created && (err != nil || u.ID != testUserID) {
				t.Fatalf("user %+v, err %v", u, err)
			}
			if !tc.created && (!IsRateLimited(err) || UserMayExist(err)) {
				t.Fatalf("err = %v, want a 429 that made no user", err)
			}
			if got := clock.Waits(); posts.Load() != tc.posts || fmt.Sprint(got) != tc.waits {
				t.Errorf("POSTs = %d, waits = %v; want %d and %s", posts.Load(), got, tc.posts, tc.waits)
			}
		})
	}
}
