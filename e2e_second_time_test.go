package main

// End-to-end tests of issue 19's second-time paths: the built binary, as a
// person runs it a second time. Each test is named after the item.

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
)

// authLog is every Authorization header a simulator received.
type authLog struct {
	mu   sync.Mutex
	seen []string
}

func (l *authLog) add(h string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, h)
}

// basicWith reports whether any request carried key as its Basic credentials.
func (l *authLog) basicWith(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, h := range l.seen {
		if v, ok := strings.CutPrefix(h, "Basic "); ok && (v == key || decoded(v) == key) {
			return true
		}
	}
	return false
}

func decoded(s string) string {
	b, _ := base64.StdEncoding.DecodeString(s)
	return string(b)
}

// loggedSimulator is a simulator in this process on its own loopback port,
// logging the Authorization header of every request.
func loggedSimulator(t *testing.T) (apiURL string, log *authLog) {
	t.Helper()
	log = &authLog{}
	srv := simulator.New(simulator.Options{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r.Header.Get("Authorization"))
		srv.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts.URL, log
}

// Issue 19 item 5: a key saved against one simulator is never sent to a
// second one on another port; the first gets it again.
func TestItem5AKeySavedForOneSimulatorIsNeverSentToAnother(t *testing.T) {
	first, firstLog := loggedSimulator(t)
	second, secondLog := loggedSimulator(t)
	key := simulator.DemoAPIKey // both simulators would accept it
	env, home := cleanEnv(t)
	withAPI := func(apiURL string) []string {
		return append(append([]string{}, env...), "BASIQ_API_URL="+apiURL, "BASIQ_CONSENT_URL="+apiURL+"/consent/home")
	}

	// Save the key against the first.
	s := startTmux(t, withAPI(first), 100, 30)
	s.waitFor("API key")
	s.text(key)
	s.keys("Enter")
	s.waitFor("Save it in")
	s.keys("y")
	// ctrl+c as soon as the next screen shows, not waiting for "Key saved":
	// the save, off the event loop, is waited for at the end
	// (flow.Performer.Close), so quitting right after y loses nothing.
	s.waitFor("Create a user")
	s.keys("C-c")
	s.exitCode()
	secrets, err := os.ReadFile(filepath.Join(home, ".config", "basiq-onboard", "secrets.json"))
	if err != nil || !strings.Contains(string(secrets), first) {
		t.Fatalf("the key was not saved for %s (%v):\n%s", first, err, secrets)
	}

	// The second, headless: no key of its own, so no key at all.
	cmd := exec.Command(binary(t), "--plain", "--email", "max@example.com", "--no-browser")
	cmd.Env = withAPI(second)
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); !ok || exit.ExitCode() != 2 || !strings.Contains(string(out), "No API key") {
		t.Errorf("headless against the second simulator: %v\n%s", err, out)
	}
	// And in the wizard: the key screen asks, with nothing being checked.
	s = startTmux(t, withAPI(second), 100, 30)
	s.waitFor("paste your API key")
	if p := s.pane(); strings.Contains(p, "Exchanging") || strings.Contains(p, "saved key") {
		t.Errorf("the wizard against the second simulator tried a saved key:\n%s", p)
	}
	s.keys("C-c")
	s.exitCode()
	if secondLog.basicWith(key) {
		t.Errorf("the second simulator received the first one's key: %q", secondLog.seen)
	}

	// The first gets it back, so the check above could have failed.
	cmd = exec.Command(binary(t), "--plain", "--email", "max@example.com", "--no-browser", "--timeout", "2s")
	cmd.Env = withAPI(first)
	out, _ = cmd.CombinedOutput()
	if !firstLog.basicWith(key) || !strings.Contains(string(out), "Exchanging the saved key") {
		t.Errorf("the first simulator did not get its saved key back:\n%s", out)
	}
}
