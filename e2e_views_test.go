package main

// End-to-end tests of the views of the user and of coming back: the built
// binary in tmux, against the demo and against `basiq-onboard simulator`.

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

func TestTmuxDemoAnotherBankThenQuitDeletesTheUser(t *testing.T) {
	env, home := cleanEnv(t)
	trace := filepath.Join(home, "trace.txt")
	s := startTmux(t, env, 100, 30, "--demo", "--no-browser", "--debug", trace)
	s.demoToTheAccounts()
	s.keys("Tab", "Tab")
	s.waitFor("1 connection")
	s.keys("b")
	s.waitFor("Connect another bank")
	s.waitFor("Press a to connect Pied Piper Bank as Wentworth-Smith")
	s.keys("a")
	// Pied Piper asks its security question; the demo's consent answers it.
	s.holds(s.waitFor("Connected Pied Piper Bank"), "the job view (Pied Piper's answered question)", "✓ Answering a security question")
	p := s.seeTheAccounts("-$465,828.04") // the overall total, drawn last: the whole table is on the pane
	s.holds(p, "the one table across banks", "Hooli Bank", "Pied Piper Bank", "-$232,914.02", "-$465,828.04")
	s.quit(deleteTheUser)
	s.exits("0", "")
	// How we know the user went: the wizard's last words name the DELETE,
	// and the request trace has Basiq's 204 for it.
	after := s.pane()
	id := regexp.MustCompile(`Deleted the user \(DELETE /users/([0-9a-f-]{36})\)`).FindStringSubmatch(strings.Join(strings.Fields(after), " "))
	if id == nil {
		t.Fatalf("the summary does not say the user was deleted:\n%s", after)
	}
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`DELETE http://127\.0\.0\.1:\d+/users/` + id[1] + ` -> 204`).Match(b) {
		t.Errorf("the trace has no 204 for DELETE /users/%s", id[1])
	}
}

// tokenRecorder is a proxy in front of the simulator that keeps every
// access token it hands out, to look for them where they must not be.
type tokenRecorder struct {
	mu       sync.Mutex
	tokens   []string
	newUsers int // POST /users answered
}

func (r *tokenRecorder) serve(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodPost && resp.Request.URL.Path == "/users" {
			r.mu.Lock()
			r.newUsers++
			r.mu.Unlock()
		}
		if resp.Request.URL.Path != "/token" {
			return nil
		}
		token, err := flowtest.AccessToken(resp)
		if token != "" {
			r.mu.Lock()
			r.tokens = append(r.tokens, token)
			r.mu.Unlock()
		}
		return err
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (r *tokenRecorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.tokens...)
}

func TestTmuxASecondStartOffersToContinueAndStateHoldsNoSecret(t *testing.T) {
	simURL, apiKey := startSimulator(t)
	var rec tokenRecorder
	apiURL := rec.serve(t, simURL)
	env, home := cleanEnv(t, "BASIQ_API_URL="+apiURL, "BASIQ_API_KEY="+apiKey, "BASIQ_CONSENT_URL="+simURL+"/consent/home")
	state := filepath.Join(home, ".config", "basiq-onboard", "state.json")

	first := startTmux(t, env, 100, 30, "--no-browser")
	userID := first.createUser("max@example.com")
	first.keys("Enter")
	first.waitFor("Waiting for a connection") // the consent link: a client token was minted too
	first.waitForFile(state)
	first.keys("C-c") // quit, keeping the user
	first.exits("130", "ctrl+c: ")

	b, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(state); info.Mode().Perm() != 0o600 {
		t.Errorf("state.json has mode %o, want 0600", info.Mode().Perm())
	}
	if !bytes.Contains(b, []byte(userID)) || !bytes.Contains(b, []byte(apiURL)) {
		t.Errorf("state.json does not keep the user for this API:\n%s", b)
	}
	secrets := append([]string{apiKey}, rec.seen()...)
	if len(secrets) < 3 {
		t.Fatalf("saw %d secrets: want the key, a server token and a client token", len(secrets))
	}
	for _, secret := range secrets {
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("state.json holds a secret (%.12s…):\n%s", secret, b)
		}
	}
	if m := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.`).Find(b); m != nil || bytes.Contains(b, []byte("token")) {
		t.Errorf("state.json holds something like a token:\n%s", b)
	}

	second := startTmux(t, env, 100, 30, "--no-browser")
	second.waitFor("Continue where you left off?")
	second.holds(second.waitFor("Continue with user "+userID[:8]+"…?"), "the offer", "enter continue", "n start fresh")
	second.keys("Enter")
	second.waitFor("Waiting for a connection") // the same user, on to consent: it has no bank yet
	second.keys("C-c")
	second.exits("130", "ctrl+c: ")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.newUsers != 1 {
		t.Errorf("%d users made: continuing should make none", rec.newUsers)
	}
}
