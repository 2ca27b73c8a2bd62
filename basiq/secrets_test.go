package basiq

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

// TestSecretsNeverLeak runs a scripted flow, with failures, against a server
// that echoes credentials back in its answers, and greps every error string
// and every trace for the API key and the tokens.
func TestSecretsNeverLeak(t *testing.T) {
	api := newFakeAPI(t)
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		auth := r.Header.Get("Authorization")
		w.Header().Set("X-Echo", auth)
		writeJSON(w, status, map[string]any{"type": "list", "correlationId": auth, "data": []any{map[string]any{
			"type": "error", "code": "parameter-not-valid", "title": "Bad " + auth, "detail": "You sent " + auth,
			"source": map[string]any{"pointer": auth, "parameter": auth},
		}}})
	}
	var expired atomic.Bool
	api.mux.HandleFunc("POST /users", func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		if !expired.Swap(true) {
			writeError(w, 403, "access-denied", "Access denied.", "Token has expired")
			return
		}
		echo(w, r, 400)
	})
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { echo(w, r, 503) })
	api.mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		io.WriteString(w, "<html><body>"+r.Header.Get("Authorization")+"</body></html>")
	})
	api.mux.HandleFunc("GET /users/{id}/connections", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/?seen="+url.QueryEscape(r.Header.Get("Authorization")), http.StatusFound)
	})
	api.mux.HandleFunc("GET /users/{id}/accounts", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "list", "data": []any{}, "links": map[string]any{"self": r.Header.Get("Authorization")}})
	})

	var mu sync.Mutex
	var traces []Exchange
	c := api.client(t, newFakeClock(), func(c *Config) {
		c.Trace = func(x Exchange) {
			mu.Lock()
			traces = append(traces, x)
			mu.Unlock()
		}
	})
	ctx := context.Background()
	errs := []error{
		errOf(c.CreateUser(ctx, NewUser{Email: "max@example.com"})),
		errOf(c.GetUser(ctx, testUserID)),
		errOf(c.GetJob(ctx, testJobID)),
		errOf(c.ListAccounts(ctx, testUserID)),
		errOf(c.ListConnections(ctx, testUserID)),
	}
	tok, _, err := c.ClientToken(ctx, testUserID)
	errs = append(errs, err)
	bad, _ := New(Config{APIKey: "c2VjcmV0LWJhZC1rZXk=", BaseURL: api.srv.URL, Clock: newFakeClock(), Trace: c.trace})
	errs = append(errs, bad.Authenticate(ctx))

	secrets := append(api.Issued(), testKey, "c2VjcmV0LWJhZC1rZXk=", tok)
	if len(secrets) < 5 {
		t.Fatalf("flow too short: %v", secrets)
	}
	check := func(where, s string) {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				t.Errorf("%s leaks a secret: %.300s", where, s)
			}
		}
	}
	failures := 0
	for _, err := range errs {
		if err != nil {
			failures++
			check("error", err.Error())
			if e, ok := asError(err); ok {
				b, _ := json.Marshal(e)
				check("error fields", string(b)+e.Field()+e.Detail()+e.Title())
			}
		}
	}
	if failures < 4 {
		t.Errorf("only %d failures in the script", failures)
	}
	if len(traces) < 10 {
		t.Errorf("only %d traces", len(traces))
	}
	for _, x := range traces {
		b, _ := json.Marshal(x)
		check("trace", string(b))
		check("curl", x.Curl())
		if x.Status == 0 && x.Err == "" {
			t.Errorf("trace without status or error: %+v", x)
		}
	}
	// The traces still say where the credentials went.
	sawBasic := false
	for _, x := range traces {
		if strings.Contains(x.Curl(), "$BASIQ_API_KEY") {
			sawBasic = true
		}
	}
	if !sawBasic {
		t.Error("no curl with $BASIQ_API_KEY")
	}
}

// TestTokenAnswerIsNeverKept: the token route's answer is in no trace,
// whole, cut short or refused, only its length; what was left of a cut
// token is hidden where a server echoes it later.
func TestTokenAnswerIsNeverKept(t *testing.T) {
	api := newFakeAPI(t)
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6IlNFUlZFUl9BQ0NFU1MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	const lost = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6IlNFUlZFUl9BQ0NFU1MifQ.bG9zdC1zaWduYXR1cmUtbG9zdA"
	cut := `{"access_token":"` + lost[:len(lost)-1]
	var answered atomic.Int32
	api.tokenHook = func(w http.ResponseWriter, r *http.Request) bool {
		switch answered.Add(1) {
		case 1:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, cut) // cut just before the token's closing quote
		case 2:
			writeError(w, 503, "service-unavailable", "Service Unavailable", "Try again. "+token)
		default:
			writeJSON(w, 200, map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
		}
		return true
	}
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "user", "id": testUserID, "email": "max@example.com",
			"firstName": lost[len(lost)-23 : len(lost)-1]}) // only the cut answer had it
	})
	var traces []Exchange
	var mu sync.Mutex
	c := api.client(t, newFakeClock(), func(c *Config) {
		c.Trace = func(x Exchange) { mu.Lock(); traces = append(traces, x); mu.Unlock() }
	})
	if _, err := c.GetUser(context.Background(), testUserID); err != nil {
		t.Fatal(err)
	}
	tokens := 0
	for _, x := range traces {
		b, _ := json.Marshal(x)
		if leaked := basiqtest.Leaks(string(b)+x.Curl(), token, lost); len(leaked) > 0 {
			t.Errorf("%s %s (%d) leaks %q: %s", x.Method, x.URL, x.Status, leaked, b)
		}
		if !strings.HasSuffix(x.URL, "/token") {
			if !strings.Contains(x.ResponseBody, testUserID) {
				t.Errorf("the user's id is hidden too: %s", x.ResponseBody)
			}
			continue
		}
		tokens++
		if x.ResponseBody != "" || !x.ResponseNotKept || x.ResponseBytes == 0 || x.Status == 0 {
			t.Errorf("a token answer was kept, or its length or status lost: %+v", x)
		}
	}
	if tokens != 3 || len(traces) != 4 {
		t.Errorf("%d token answers of %d exchanges, want the cut one, the 503 and the good one, then the user", tokens, len(traces))
	}
	if x := traces[0]; x.ResponseBytes != len(cut) || x.Status != 200 {
		t.Errorf("the cut answer: %d bytes, status %d; want %d, 200", x.ResponseBytes, x.Status, len(cut))
	}
}

// TestTraceKeepsABodyTo64KiBWithItsLength: a 2 MiB answer costs the trace
// 64 KiB, and says how long it was.
func TestTraceKeepsABodyTo64KiBWithItsLength(t *testing.T) {
	api := newFakeAPI(t)
	name := strings.Repeat("é", 1<<20) // 2 MiB, two bytes a character
	api.mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "user", "id": testUserID, "firstName": name})
	})
	var last Exchange
	c := api.client(t, newFakeClock(), func(c *Config) { c.Trace = func(x Exchange) { last = x } })
	u, err := c.GetUser(context.Background(), testUserID)
	if err != nil || u.FirstName != name {
		t.Fatalf("the user, whole, is the client's answer: %v", err)
	}
	if len(last.ResponseBody) > TraceBodyLimit || len(last.ResponseBody) < TraceBodyLimit-1 || !utf8.ValidString(last.ResponseBody) {
		t.Errorf("kept %d bytes (valid UTF-8: %v), want the first %d", len(last.ResponseBody), utf8.ValidString(last.ResponseBody), TraceBodyLimit)
	}
	if last.ResponseBytes < 2<<20 {
		t.Errorf("the length kept is %d, want the whole body's", last.ResponseBytes)
	}
}
