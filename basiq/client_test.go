package basiq

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestNewBaseURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"", true},
		{"https://au-api.basiq.io/", true},
		{"http://127.0.0.1:8080", true},
		{"http://localhost:8080", true},
		{"http://[::1]:8080", true},
		{"http://au-api.basiq.io", false},
		{"http://192.168.1.2:8080", false},
		{"ftp://au-api.basiq.io", false},
		{"au-api.basiq.io", false},
	} {
		c, err := New(Config{BaseURL: tc.url})
		if (err == nil) != tc.ok {
			t.Errorf("New(%q): err = %v, want ok=%v", tc.url, err, tc.ok)
		}
		if tc.url == "" && err == nil && c.BaseURL() != DefaultBaseURL {
			t.Errorf("default base = %q", c.BaseURL())
		}
	}
}

func TestServerTokenRequest(t *testing.T) {
	api := newFakeAPI(t)
	api.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		checks := map[string]string{
			"Authorization": r.Header.Get("Authorization"), "basiq-version": r.Header.Get("basiq-version"),
			"Content-Type": r.Header.Get("Content-Type"), "User-Agent": r.Header.Get("User-Agent"), "body": string(body),
		}
		want := map[string]string{
			"Authorization": "Basic " + testKey, "basiq-version": "3.0",
			"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "basiq-onboard/dev", "body": "scope=SERVER_ACCESS",
		}
		for k, v := range want {
			if checks[k] != v {
				t.Errorf("/token %s = %q, want %q", k, checks[k], v)
			}
		}
		return false
	}
	c := api.client(t, newFakeClock())
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := api.tokens.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1 (cached)", n)
	}
}

func TestUserAgentFromConfig(t *testing.T) {
	api := newFakeAPI(t)
	var got atomic.Value
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("User-Agent") + "|" + r.Header.Get("Authorization") + "|" + r.Header.Get("Accept"))
		writeJSON(w, 200, userJSON(r.PathValue("id")))
	})
	c := api.client(t, newFakeClock(), func(c *Config) { c.UserAgent = "basiq-onboard/1.2.3" })
	if _, err := c.GetUser(context.Background(), testUserID); err != nil {
		t.Fatal(err)
	}
	if want := "basiq-onboard/1.2.3|Bearer " + api.Issued()[0] + "|application/json"; got.Load() != want {
		t.Errorf("headers = %q, want %q", got.Load(), want)
	}
}

func TestTokenRefreshSchedule(t *testing.T) {
	for _, tc := range []struct {
		name      string
		expiresIn int
		advance   time.Duration
		want      int32
	}{
		{"reused within 30 minutes", 3600, 29 * time.Minute, 1},
		{"refreshed after 30 minutes", 3600, 30 * time.Minute, 2},
		{"refreshed with under 5 minutes left", 600, 5*time.Minute + time.Second, 2},
		{"reused with over 5 minutes left", 600, 4 * time.Minute, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.expiresIn = tc.expiresIn
			clock := newFakeClock()
			c := api.client(t, clock)
			ctx := context.Background()
			if err := c.Authenticate(ctx); err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.advance)
			if err := c.Authenticate(ctx); err != nil {
				t.Fatal(err)
			}
			if n := api.tokens.Load(); n != tc.want {
				t.Errorf("token requests = %d, want %d", n, tc.want)
			}
		})
	}
}

func TestBadAPIKey(t *testing.T) {
	api := newFakeAPI(t)
	c := api.client(t, newFakeClock(), func(c *Config) { c.APIKey = "bm90LWEta2V5" })
	err := c.Authenticate(context.Background())
	if !IsBadAPIKey(err) {
		t.Fatalf("IsBadAPIKey(%v) = false", err)
	}
	if IsNotFound(err) {
		t.Error("a bad key is not a missing resource")
	}
	want := "basiq: POST /token: 404 parameter-not-valid: Unable to authenticate. Please, check your API key (correlation id corr-1)"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	noKey, _ := New(Config{BaseURL: api.srv.URL})
	if err := noKey.Authenticate(context.Background()); !IsBadAPIKey(err) {
		t.Errorf("no key: %v", err)
	}
}

// A token rejected mid-flow (expired, or invalid) is refreshed once and the
// call repeated with the new one.
func TestExpiredTokenMidFlow(t *testing.T) {
	for _, tc := range []struct {
		status              int
		code, title, detail string
	}{
		{403, "access-denied", "Access denied.", "Token has expired"},
		{401, "invalid-authorization-token", "Invalid authorization token.", ""},
	} {
		t.Run(tc.code, func(t *testing.T) {
			api := newFakeAPI(t)
			calls := api.route("GET /jobs/{id}", func(_ int32, w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer "+api.Issued()[0] {
					writeError(w, tc.status, tc.code, tc.title, tc.detail)
					return
				}
				writeJSON(w, 200, map[string]any{"type": "job", "id": r.PathValue("id"), "steps": []any{}})
			})
			c := api.client(t, newFakeClock())
			job, err := c.GetJob(context.Background(), testJobID)
			if err != nil {
				t.Fatal(err)
			}
			if job.ID != testJobID {
				t.Errorf("job id = %q", job.ID)
			}
			if api.tokens.Load() != 2 || calls.Load() != 2 {
				t.Errorf("tokens = %d, GETs = %d, want 2 and 2", api.tokens.Load(), calls.Load())
			}
		})
	}
}

// An error that every answer repeats: the client refreshes its token once
// for an expired one, retries only what may be retried, up to MaxAttempts, and
// returns an error that says which it was.
func TestAnErrorEveryAnswerRepeats(t *testing.T) {
	for _, tc := range []struct {
		name                string
		status              int
		code, title, detail string
		retryAfter          string
		maxAttempts         int
		is                  func(error) bool
		tokens, calls       int32
	}{
		{name: "an expired token is refreshed once, not in a loop", status: 403, code: "access-denied", title: "Access denied.", detail: "Token has expired",
			is: IsTokenExpired, tokens: 2, calls: 2},
		{name: "a wrong scope is not refreshed", status: 403, code: "forbidden-access", title: "Forbidden Access", detail: "Access to this resource is forbidden",
			is: func(err error) bool { return IsWrongScope(err) && !IsTokenExpired(err) }, tokens: 1, calls: 1},
		{name: "retry gives up", status: 503, code: "service-unavailable", title: "Service Unavailable", detail: "Service Unavailable. Try again later.",
			maxAttempts: 3, is: IsUnavailable, tokens: 1, calls: 3},
		{name: "no retry on 400", status: 400, code: "x", title: "X", detail: "x", is: isAnError, tokens: 1, calls: 1},
		{name: "no retry on 404", status: 404, code: "x", title: "X", detail: "x", is: isAnError, tokens: 1, calls: 1},
		{name: "no retry on 500", status: 500, code: "x", title: "X", detail: "x", is: isAnError, tokens: 1, calls: 1},
		{name: "a Retry-After too long is returned, not waited", status: 429, code: "too-many-requests", title: "Too many requests", detail: "Query limit reached.",
			retryAfter: "3600", is: IsRateLimited, tokens: 1, calls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			calls := api.route("GET /users/{id}", func(_ int32, w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				writeError(w, tc.status, tc.code, tc.title, tc.detail)
			})
			clock := newFakeClock()
			c := api.client(t, clock, func(c *Config) {
				if tc.maxAttempts != 0 {
					c.MaxAttempts = tc.maxAttempts
				}
			})
			_, err := c.GetUser(context.Background(), testUserID)
			if !tc.is(err) {
				t.Fatalf("got %v", err)
			}
			if api.tokens.Load() != tc.tokens || calls.Load() != tc.calls {
				t.Errorf("tokens = %d, GETs = %d, want %d and %d", api.tokens.Load(), calls.Load(), tc.tokens, tc.calls)
			}
			if tc.retryAfter != "" && len(clock.Waits()) != 0 {
				t.Errorf("waits = %v, want none", clock.Waits())
			}
		})
	}
}

func isAnError(err error) bool { return err != nil }

func TestConcurrentColdClientOneToken(t *testing.T) {
	api := newFakeAPI(t)
	release := make(chan struct{})
	api.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		<-release // hold the first token request so the others pile up
		return false
	}
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, userJSON(r.PathValue("id")))
	})
	c := api.client(t, newFakeClock())
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	var started sync.WaitGroup
	started.Add(50)
	for range 50 {
		wg.Go(func() {
			started.Done()
			_, err := c.GetUser(context.Background(), testUserID)
			errs <- err
		})
	}
	started.Wait()
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := api.tokens.Load(); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
}

func TestRetryThree503sThenOK(t *testing.T) {
	api := newFakeAPI(t)
	calls := api.route("GET /users/{id}/jobs", func(n int32, w http.ResponseWriter, r *http.Request) {
		if n <= 3 {
			writeError(w, 503, "service-unavailable", "Service Unavailable", "Service Unavailable. Try again later.")
			return
		}
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{map[string]any{"type": "job", "id": testJobID}}})
	})
	clock := newFakeClock()
	c := api.client(t, clock)
	jobs, err := c.ListUserJobs(context.Background(), testUserID)
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || calls.Load() != 4 {
		t.Errorf("jobs = %d, calls = %d", len(jobs), calls.Load())
	}
	// Jitter 1 gives the full exponential ceiling.
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}
	if got := clock.Waits(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("waits = %v, want %v", got, want)
	}
}

func TestRetryFullJitter(t *testing.T) {
	api := newFakeAPI(t)
	api.route("GET /users/{id}", func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.WriteHeader(504)
			return
		}
		writeJSON(w, 200, userJSON(testUserID))
	})
	clock := newFakeClock()
	c := api.client(t, clock, func(c *Config) { c.Jitter = func() float64 { return 0.5 } })
	if _, err := c.GetUser(context.Background(), testUserID); err != nil {
		t.Fatal(err)
	}
	if got := clock.Waits(); len(got) != 1 || got[0] != 250*time.Millisecond {
		t.Errorf("waits = %v, want [250ms]", got)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		want         time.Duration
	}{
		{"seconds", "7", 7 * time.Second},
		{"http date", "", 42 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			clock := newFakeClock()
			api.route("GET /users/{id}", func(n int32, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					h := tc.header
					if h == "" {
						h = clock.Now().Add(42 * time.Second).Format(http.TimeFormat)
					}
					w.Header().Set("Retry-After", h)
					writeError(w, 429, "too-many-requests", "Too many requests", "Query limit reached.")
					return
				}
				writeJSON(w, 200, userJSON(testUserID))
			})
			c := api.client(t, clock)
			if _, err := c.GetUser(context.Background(), testUserID); err != nil {
				t.Fatal(err)
			}
			if got := clock.Waits(); len(got) != 1 || got[0] != tc.want {
				t.Errorf("waits = %v, want [%v]", got, tc.want)
			}
		})
	}
}

func TestHTMLPage502(t *testing.T) {
	api := newFakeAPI(t)
	api.mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>")
	})
	c := api.client(t, newFakeClock(), func(c *Config) { c.MaxAttempts = 1 })
	_, err := c.GetJob(context.Background(), testJobID)
	want := "basiq: GET /jobs/" + testJobID + ": 502 with an HTML page instead of JSON (a proxy or gateway answered)"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if !IsUnavailable(err) {
		t.Error("a 502 is unavailable")
	}
}

func TestEmptyAndHugeBodies(t *testing.T) {
	huge := strings.Repeat("x", maxBodyBytes+1)
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"empty error", 500, "", "500 with an empty body"},
		{"empty success", 200, "", "200 with an empty body"},
		{"huge error", 400, huge, "400 with a body over 10 MiB"},
		{"huge success", 200, `{"type":"user","id":"` + huge + `"}`, "200 with a body over 10 MiB"},
		{"not json", 400, "Bad Request", "400 with a body that is not Basiq's JSON error list"},
		{"html success", 200, "<html><body>login</body></html>", "200 with an HTML page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := api.client(t, newFakeClock())
			_, err := c.GetUser(context.Background(), testUserID)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %.200v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestErrorJSON(t *testing.T) {
	api := newFakeAPI(t)
	api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, map[string]any{"type": "list", "correlationId": "abc", "data": []any{
			map[string]any{"type": "error", "code": "parameter-not-valid", "title": "Parameter not valid.", "detail": "Email has invalid format",
				"source": map[string]any{"pointer": "users/email", "parameter": "email"}},
			map[string]any{"type": "error", "code": "parameter-not-valid", "source": nil},
		}})
	})
	c := api.client(t, newFakeClock())
	_, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	want := "basiq: POST /users: 400 parameter-not-valid: Email has invalid format (and 1 more) (correlation id abc)"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
	if e.Code() != "parameter-not-valid" || e.Title() != "Parameter not valid." || e.Field() != "email" || len(e.Items) != 2 || e.UserMayExist {
		t.Errorf("error = %+v, field %q", e, e.Field())
	}
	e.Items = e.Items[:1]
	if want := "basiq: POST /users: 400 parameter-not-valid: Email has invalid format (correlation id abc)"; e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
}

func TestCreateUser(t *testing.T) {
	api := newFakeAPI(t)
	var body atomic.Value
	api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body.Store(r.Header.Get("Content-Type") + " " + string(b))
		writeJSON(w, 201, userJSON(testUserID))
	})
	c := api.client(t, newFakeClock())
	u, err := c.CreateUser(context.Background(), NewUser{Email: " max@example.com ", Mobile: "+61 410 888 999"})
	if err != nil || u.ID != testUserID {
		t.Fatalf("user %+v, err %v", u, err)
	}
	if want := `application/json {"email":"max@example.com","mobile":"+61410888999"}`; body.Load() != want {
		t.Errorf("sent %q, want %q", body.Load(), want)
	}
	// Local validation: no round trip.
	before := api.tokens.Load()
	if _, err := c.CreateUser(context.Background(), NewUser{}); !errors.Is(err, ErrEmailOrMobileRequired) {
		t.Errorf("empty user: %v", err)
	}
	if _, err := c.CreateUser(context.Background(), NewUser{Email: "nope"}); !errors.Is(err, ErrEmailFormat) {
		t.Errorf("bad email: %v", err)
	}
	if api.tokens.Load() != before {
		t.Error("validation failures made requests")
	}
}

func TestCreateUserConnectionDroppedNotRetried(t *testing.T) {
	api := newFakeAPI(t)
	posts := api.route("POST /users", func(_ int32, w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	c := api.client(t, newFakeClock())
	_, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	if !UserMayExist(err) || posts.Load() != 1 {
		t.Fatalf("err = %v, posts = %d", err, posts.Load())
	}
}

func TestCreateUser5xxNotRetried(t *testing.T) {
	api := newFakeAPI(t)
	posts := api.route("POST /users", func(_ int32, w http.ResponseWriter, r *http.Request) {
		writeError(w, 503, "service-unavailable", "Service Unavailable", "Service Unavailable. Try again later.")
	})
	c := api.client(t, newFakeClock())
	_, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	if !UserMayExist(err) || !IsUnavailable(err) || posts.Load() != 1 {
		t.Fatalf("err = %v, posts = %d", err, posts.Load())
	}
	if !strings.Contains(err.Error(), "not retried, as it reached Basiq and the user may have been created") {
		t.Errorf("message does not say why it was not retried: %v", err)
	}
}

// refusingTransport fails the first n POST /users with a dial error, as a
// refused connection does, before anything is sent.
type refusingTransport struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (rt *refusingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.URL.Path == "/users" && rt.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return rt.next.RoundTrip(r)
}

func TestCreateUserRetriedWhenNeverSent(t *testing.T) {
	api := newFakeAPI(t)
	posts := api.route("POST /users", func(_ int32, w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, userJSON(testUserID))
	})
	rt := &refusingTransport{next: http.DefaultTransport}
	rt.n.Store(2)
	clock := newFakeClock()
	c := api.client(t, clock, func(c *Config) { c.HTTPClient = &http.Client{Transport: rt} })
	u, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	if err != nil || u.ID != testUserID {
		t.Fatalf("user %+v, err %v", u, err)
	}
	if posts.Load() != 1 || len(clock.Waits()) != 2 {
		t.Errorf("posts = %d, waits = %v", posts.Load(), clock.Waits())
	}
}

func TestNetworkErrors(t *testing.T) {
	// A closed listener: connection refused on every attempt.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	clock := newFakeClock()
	c, _ := New(Config{APIKey: testKey, BaseURL: "http://" + addr, Clock: clock, Jitter: func() float64 { return 0 }})
	err = c.Authenticate(context.Background())
	if !IsNetwork(err) || IsUnavailable(err) || len(clock.Waits()) != 3 {
		t.Errorf("err = %v, waits = %v", err, clock.Waits())
	}
	if want := "basiq: POST /token: no answer: nothing listens at " + addr + " (connection refused)"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message = %q, want %q", err, want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = c.Authenticate(ctx)
	if IsNetwork(err) || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestClientTokenAndConsentURL(t *testing.T) {
	api := newFakeAPI(t)
	var forms []string
	var mu sync.Mutex
	api.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		forms = append(forms, string(b))
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		return false
	}
	clock := newFakeClock()
	c := api.client(t, clock)
	tok, exp, err := c.ClientToken(context.Background(), testUserID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ClientToken(context.Background(), testUserID); err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(clock.Now().Add(time.Hour)) || !strings.Contains(tok, "CLIENT_ACCESS") {
		t.Errorf("token %q expires %v", tok, exp)
	}
	if want := "scope=CLIENT_ACCESS&userId=" + testUserID; len(forms) != 2 || forms[0] != want {
		t.Errorf("forms = %q, want two of %q (never cached)", forms, want)
	}
	if _, _, err := c.ClientToken(context.Background(), "nope"); !errors.Is(err, ErrIDFormat) {
		t.Errorf("bad id: %v", err)
	}

	u, err := ConsentURL("", ConsentOptions{Token: "a.b.c", Action: "connect", State: "s 1&x", InstitutionID: "AU00000"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://consent.basiq.io/home?action=connect&institutionId=AU00000&state=s+1%26x&token=a.b.c"; u != want {
		t.Errorf("got  %s\nwant %s", u, want)
	}
	if u, _ := ConsentURL("http://127.0.0.1:9/home", ConsentOptions{Token: "t"}); u != "http://127.0.0.1:9/home?token=t" {
		t.Errorf("local: %s", u)
	}
	if _, err := ConsentURL("", ConsentOptions{}); err == nil {
		t.Error("no token accepted")
	}
	if _, err := ConsentURL("http://evil.example/home", ConsentOptions{Token: "t"}); err == nil {
		t.Error("plain http accepted")
	}
}

func TestResources(t *testing.T) {
	api := newFakeAPI(t)
	const acct, conn = "14aa946c-0000-4000-8000-000000000001", "64011b56-0000-4000-8000-000000000002"
	var filter, deleted atomic.Value
	api.mux.HandleFunc("GET /users/{id}/accounts", func(w http.ResponseWriter, r *http.Request) {
		filter.Store(r.URL.Query().Get("filter"))
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{map[string]any{"type": "account", "id": acct, "balance": "-6081.50", "class": map[string]any{"type": "credit-card", "product": "Hooli Visa"}}}})
	})
	api.mux.HandleFunc("GET /users/{id}/accounts/{aid}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "account", "id": r.PathValue("aid"), "lastUpdated": "2020-09-09T11:07:04Z"})
	})
	api.mux.HandleFunc("GET /users/{id}/connections", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{map[string]any{"type": "connection", "id": conn, "status": "active", "institution": map[string]any{"id": "AU00000"}}}})
	})
	api.mux.HandleFunc("POST /users/{id}/connections/{cid}/refresh", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 202, map[string]any{"type": "job", "id": testJobID, "links": map[string]any{"self": "x"}})
	})
	api.mux.HandleFunc("GET /institutions/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "institution", "id": "AU00000", "name": "Hooli Bank", "stats": map[string]any{"averageDurationMs": map[string]any{"verifyCredentials": 8154, "total": 31588}}})
	})
	api.mux.HandleFunc("DELETE /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		deleted.Store(r.PathValue("id"))
		w.WriteHeader(204)
	})
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 404, "resource-not-found", "Requested resource is not found", "Requested user does not exist.")
	})
	c := api.client(t, newFakeClock())
	ctx := context.Background()

	accts, err := c.ListAccounts(ctx, testUserID, Eq("institution.id", "AU00000"), Ne("account.id", "x"))
	if err != nil || len(accts) != 1 || accts[0].Balance != "-6081.50" || accts[0].Class.Product != "Hooli Visa" {
		t.Errorf("accounts %+v, err %v", accts, err)
	}
	if want := "institution.id.eq('AU00000'),account.id.ne('x')"; filter.Load() != want {
		t.Errorf("filter = %q, want %q", filter.Load(), want)
	}
	if _, err := c.ListAccounts(ctx, testUserID, Eq("account.id", "it's")); err == nil {
		t.Error("quote in filter accepted")
	}
	a, err := c.GetAccount(ctx, testUserID, acct)
	if err != nil || a.ID != acct || a.LastUpdated.IsZero() {
		t.Errorf("account %+v, err %v", a, err)
	}
	if _, err := c.GetAccount(ctx, testUserID, "../../x"); err == nil {
		t.Error("path-changing account id accepted")
	}
	conns, err := c.ListConnections(ctx, testUserID)
	if err != nil || len(conns) != 1 || conns[0].Institution.ID != "AU00000" {
		t.Errorf("connections %+v, err %v", conns, err)
	}
	jobID, err := c.RefreshConnection(ctx, testUserID, conn)
	if err != nil || jobID != testJobID {
		t.Errorf("refresh job %q, err %v", jobID, err)
	}
	inst, err := c.GetInstitution(ctx, "AU00000")
	if err != nil || inst.AverageTotal() != 31588*time.Millisecond || inst.DisplayName() != "Hooli Bank" {
		t.Errorf("institution %+v, err %v", inst, err)
	}
	if err := c.DeleteUser(ctx, testUserID); err != nil || deleted.Load() != testUserID {
		t.Errorf("delete: %v", err)
	}
	_, err = c.GetUser(ctx, testUserID)
	if !IsNotFound(err) || err.Error() != "basiq: GET /users/"+testUserID+": 404 resource-not-found: Requested user does not exist. (correlation id corr-1)" {
		t.Errorf("not found: %v", err)
	}
	if _, err := c.GetJob(ctx, "../token"); !errors.Is(err, ErrIDFormat) {
		t.Errorf("bad job id: %v", err)
	}
}

func TestTransactionPages(t *testing.T) {
	api := newFakeAPI(t)
	var queries []url.Values
	var mu sync.Mutex
	api.mux.HandleFunc("GET /users/{id}/transactions", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.Query())
		mu.Unlock()
		page := map[string]any{"type": "list", "links": map[string]any{"self": "x"}}
		switch r.URL.Query().Get("next") {
		case "":
			page["data"] = []any{map[string]any{"type": "transaction", "id": "t1", "amount": "-1.50"}}
			// Basiq's links name its own host; the client must stay on ours.
			page["links"] = map[string]any{"next": "https://au-api.basiq.io/users/" + testUserID + "/transactions?next=p2"}
		case "p2":
			page["data"] = []any{map[string]any{"type": "transaction", "id": "t2"}, map[string]any{"type": "transaction", "id": "t3"}}
		}
		writeJSON(w, 200, page)
	})
	c := api.client(t, newFakeClock())
	p := c.Transactions(testUserID, TransactionQuery{AccountID: "acc-1", Limit: 1000})
	var ids []string
	for p.More() {
		txs, err := p.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range txs {
			ids = append(ids, tx.ID)
		}
	}
	if fmt.Sprint(ids) != "[t1 t2 t3]" {
		t.Errorf("ids = %v", ids)
	}
	if len(queries) != 2 || queries[0].Get("limit") != "500" || queries[0].Get("filter") != "account.id.eq('acc-1')" || queries[1].Get("next") != "p2" {
		t.Errorf("queries = %v", queries)
	}
	if txs, err := p.Next(context.Background()); txs != nil || err != nil {
		t.Errorf("after the end: %v %v", txs, err)
	}
	if q := c.Transactions(testUserID, TransactionQuery{}); q.q.Limit != 500 {
		t.Errorf("default limit %d", q.q.Limit)
	}
}

func TestCurl(t *testing.T) {
	x := Exchange{Method: "POST", URL: "https://au-api.basiq.io/token", RequestHeader: http.Header{
		"Authorization": {"Basic [redacted]"}, "Basiq-Version": {"3.0"}, "Content-Type": {"application/x-www-form-urlencoded"},
	}, RequestBody: "scope=SERVER_ACCESS"}
	want := `curl -X POST https://au-api.basiq.io/token -H "Authorization: Basic $BASIQ_API_KEY" -H 'Basiq-Version: 3.0' -H 'Content-Type: application/x-www-form-urlencoded' --data-raw scope=SERVER_ACCESS`
	if got := x.Curl(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	x = Exchange{Method: "GET", URL: "https://h/users/x?filter=a.eq('b')", RequestHeader: http.Header{"Authorization": {"Bearer [redacted]"}}}
	if got, want := x.Curl(), `curl 'https://h/users/x?filter=a.eq('\''b'\'')' -H "Authorization: Bearer $BASIQ_TOKEN"`; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestConcurrentExpiredTokenOneRefresh(t *testing.T) {
	api := newFakeAPI(t)
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer "+api.Issued()[0] {
			writeError(w, 403, "access-denied", "Access denied.", "Token has expired")
			return
		}
		writeJSON(w, 200, userJSON(testUserID))
	})
	c := api.client(t, newFakeClock())
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.GetUser(context.Background(), testUserID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := api.tokens.Load(); n != 2 {
		t.Errorf("token requests = %d, want 2 (one refresh shared)", n)
	}
}

func TestErrorJSONNotMistakenForHTML(t *testing.T) {
	e := decodeError(400, nil, []byte(`{"type":"list","data":[{"code":"x","detail":"<body> is not allowed"}]}`))
	if e.Body != "" || e.Detail() != "<body> is not allowed" {
		t.Errorf("got %+v", e)
	}
}

func TestTraceFields(t *testing.T) {
	api := newFakeAPI(t)
	api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, 400, "parameter-not-valid", "Parameter not valid.", "Provided email is in bad format.")
	})
	var traces []Exchange
	var mu sync.Mutex
	c := api.client(t, newFakeClock(), func(c *Config) {
		c.Trace = func(x Exchange) { mu.Lock(); traces = append(traces, x); mu.Unlock() }
	})
	_, _ = c.CreateUser(context.Background(), NewUser{Email: "max@example.com"})
	if len(traces) != 2 {
		t.Fatalf("traces = %d, want 2 (/token, /users)", len(traces))
	}
	tok, users := traces[0], traces[1]
	if tok.URL != api.srv.URL+"/token" || tok.Status != 200 || tok.RequestBody != "scope=SERVER_ACCESS" ||
		tok.ResponseBody != "" || !tok.ResponseNotKept || tok.ResponseBytes < 20 || tok.RequestHeader.Get("Authorization") != "Basic [redacted]" {
		t.Errorf("token exchange = %+v", tok)
	}
	if users.Method != "POST" || users.Status != 400 || users.CorrelationID != "corr-1" || users.RequestBody != `{"email":"max@example.com"}` ||
		!strings.Contains(users.ResponseBody, "bad format") || users.RequestHeader.Get("Authorization") != "Bearer [redacted]" ||
		users.ResponseHeader.Get("Content-Type") != "application/json" {
		t.Errorf("users exchange = %+v", users)
	}
	if want := `curl -X POST ` + api.srv.URL + `/users -H 'Accept: application/json' -H "Authorization: Bearer $BASIQ_TOKEN"`; !strings.HasPrefix(users.Curl(), want) {
		t.Errorf("curl = %s", users.Curl())
	}
}

func TestCreateUserCancelledBeforeSending(t *testing.T) {
	api := newFakeAPI(t)
	c := api.client(t, newFakeClock())
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.CreateUser(ctx, NewUser{Email: "max@example.com"})
	if !errors.Is(err, context.Canceled) || UserMayExist(err) || IsNetwork(err) {
		t.Errorf("err = %v", err)
	}
}

func TestAnUnreadableAnswerIsAskedForAgainWhereThatChangesNothing(t *testing.T) {
	api := newFakeAPI(t)
	gets := api.route("GET /institutions/{id}", func(n int32, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"type":"institution","id":"AU0`)) // a 200 cut short by a proxy
			return
		}
		writeJSON(w, 200, map[string]any{"type": "institution", "id": "AU00000", "name": "Hooli Bank"})
	})
	posts := api.route("POST /users", func(_ int32, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_, _ = w.Write([]byte(`{"type":"user","id":"7f1c`))
	})
	c := api.client(t, newFakeClock())
	if inst, err := c.GetInstitution(context.Background(), "AU00000"); err != nil || inst.Name != "Hooli Bank" || gets.Load() != 2 {
		t.Errorf("GET after a cut body: %+v, %v, %d requests; want the second answer", inst, err, gets.Load())
	}
	if _, err := c.CreateUser(context.Background(), NewUser{Email: "max@example.com"}); !UserMayExist(err) || posts.Load() != 1 {
		t.Errorf("POST /users with a cut 201: %v after %d posts; want one post and 'may exist'", err, posts.Load())
	}
}

func TestA429WithRetryAfterIsWaitedOutNotCountedAsAFailedAttempt(t *testing.T) {
	api := newFakeAPI(t)
	calls := api.route("GET /institutions/{id}", func(n int32, w http.ResponseWriter, r *http.Request) {
		if n <= 6 { // more than MaxAttempts, each telling when to come back
			w.Header().Set("Retry-After", "1")
			writeError(w, 429, "too-many-requests", "Too many requests", "Query limit reached.")
			return
		}
		writeJSON(w, 200, map[string]any{"type": "institution", "id": "AU00000", "name": "Hooli Bank"})
	})
	clock := newFakeClock()
	c := api.client(t, clock)
	if inst, err := c.GetInstitution(context.Background(), "AU00000"); err != nil || inst.Name != "Hooli Bank" || calls.Load() != 7 {
		t.Errorf("after six 429s with Retry-After: %+v, %v, %d requests", inst, err, calls.Load())
	}
}

func TestFirstPageIsTheRequestTheClientSends(t *testing.T) {
	api := newFakeAPI(t)
	var sent []string
	var mu sync.Mutex
	api.mux.HandleFunc("GET /users/{id}/transactions", func(w http.ResponseWriter, r *http.Request) {
		path, _ := url.PathUnescape(r.URL.EscapedPath())
		query, _ := url.QueryUnescape(r.URL.RawQuery)
		mu.Lock()
		sent = append(sent, path+"?"+query)
		mu.Unlock()
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{}, "links": map[string]any{"self": "x"}})
	})
	c := api.client(t, newFakeClock())
	for _, q := range []TransactionQuery{
		{},
		{AccountID: "acc-1", Limit: 50},
		{Limit: 50, Filters: []Filter{Eq("transaction.direction", "debit"), {Field: "transaction.postDate", Op: "gteq", Value: "2026-01-01"}}},
	} {
		mu.Lock()
		sent = nil
		mu.Unlock()
		if _, _, err := c.TransactionsPage(context.Background(), testUserID, q, ""); err != nil {
			t.Fatal(err)
		}
		if want := q.FirstPage(testUserID); len(sent) != 1 || sent[0] != want {
			t.Errorf("%+v: sent %q, FirstPage says %q", q, sent, want)
		}
	}
}

// A URL that is not Basiq's (a web server, a webhook handler on that port)
// answers POST /token with a 404 of its own: not a bad key, and said so.
func TestA404ThatIsNotBasiqsIsNotABadKey(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, APIKey: "a-key", Clock: newFakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Authenticate(context.Background())
	if IsBadAPIKey(err) || !IsNotBasiq(err) {
		t.Errorf("IsBadAPIKey %v, IsNotBasiq %v for %v: want a URL that is not Basiq's", IsBadAPIKey(err), IsNotBasiq(err), err)
	}
}
