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
	var errs []error
	_, err := c.CreateUser(ctx, NewUser{Email: "max@example.com"})
	errs = append(errs, err)
	_, err = c.GetUser(ctx, testUserID)
	errs = append(errs, err)
	_, err = c.GetJob(ctx, testJobID)
	errs = append(errs, err)
	_, err = c.ListAccounts(ctx, testUserID)
	errs = append(errs, err)
	_, err = c.ListConnections(ctx, testUserID)
	errs = append(errs, err)
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
