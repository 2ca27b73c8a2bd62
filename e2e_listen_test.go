package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

// End-to-end tests of listen: the built binary against a Basiq on loopback
// that serves only the events API (the simulator's own events come with
// issue 23's simulator work), forwarding to a handler on loopback.

// fakeEvents is that Basiq: a token for any key, and the events raised so far.
type fakeEvents struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []map[string]any // oldest first
}

func newFakeEvents(t *testing.T) *fakeEvents {
	f := &fakeEvents{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/token":
			_, _ = io.WriteString(w, `{"access_token":"eyJhbGciOiJIUzI1NiJ9.dG9rZW4.c2ln","token_type":"Bearer","expires_in":3600}`)
		case r.URL.Path == "/events":
			f.mu.Lock()
			list := make([]map[string]any, 0, len(f.events))
			for i := len(f.events) - 1; i >= 0; i-- {
				list = append(list, f.events[i])
			}
			f.mu.Unlock()
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "list", "data": list})
		case strings.HasPrefix(r.URL.Path, "/users/"):
			_ = json.NewEncoder(w).Encode(map[string]any{"type": "user", "id": flowtest.UserID, "email": "max@example.com"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEvents) raise(id, typ string) {
	entity, action, _ := strings.Cut(typ, ".")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, map[string]any{"type": "event", "id": id, "createdDate": time.Now().UTC().Format(time.RFC3339),
		"entity": entity, "eventType": action, "userId": flowtest.UserID, "dataRef": f.srv.URL + "/users/" + flowtest.UserID,
		"data": map[string]any{"id": flowtest.UserID}, "links": map[string]any{"self": f.srv.URL + "/events/" + id}})
}

// printSecret is `listen --print-secret` for env's API.
func printSecret(t *testing.T, env []string) string {
	cmd := exec.Command(binary(t), "listen", "--print-secret")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("--print-secret: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// verifyingHandler answers 500 to the first delivery and 200 after, and
// sends each verified delivery's webhook-id on got.
func verifyingHandler(t *testing.T, secret string) (*httptest.Server, chan string) {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 100)
	var mu sync.Mutex
	n := 0
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		got <- r.Header.Get("webhook-id")
		if first {
			http.Error(w, `{"error":"the database is down"}`, 500)
		}
	}))
	t.Cleanup(h.Close)
	return h, got
}

func TestTmuxListenShowsForwardsOpensAndResends(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			api := newFakeEvents(t)
			env, _ := cleanEnv(t, "BASIQ_API_URL="+api.srv.URL, "BASIQ_API_KEY=a-key")
			hook, got := verifyingHandler(t, printSecret(t, env))
			api.raise("e1", "user.created")
			s := startTmux(t, env, size[0], size[1], "listen", "--forward-to", strings.TrimPrefix(hook.URL, "http://")+"/webhooks", "--retry-time-scale", "0.01")
			s.waitFor("Backfilled 1 event")
			s.waitFor("✓ 200") // the 500, then its retry 50 ms on
			api.raise("e2", "consent.created")
			s.waitFor("consent.created")
			for _, want := range []string{"msg_e1", "msg_e1", "msg_e2"} {
				if id := receive(t, got); id != want {
					t.Fatalf("the handler received %s, want %s", id, want)
				}
			}
			s.keys("Down", "Enter")
			s.waitFor("The payload sent")
			s.waitFor("attempt 2  ✓ 200")
			s.keys("r")
			if id := receive(t, got); id != "msg_e1" {
				t.Errorf("r sent %s, want msg_e1 again", id)
			}
			waitPressing(s, "End", "attempt 3  ✓ 200") // below the fold in a small window
			s.keys("Escape")
			s.waitFor("Events · 2 forwarded")
			if strings.Contains(s.pane(), "\x1b") {
				t.Error("an escape on screen")
			}
			s.keys("q")
			if code := s.exitCode(); code != "0" {
				t.Errorf("q: exit %s, want 0", code)
			}
			if alt, cursor, echo := s.terminal(); alt || !cursor || !echo {
				t.Errorf("the terminal after listen: alternate screen %v, cursor %v, echo %v", alt, cursor, echo)
			}
		})
	}
}

// waitPressing presses key until the screen shows want.
func waitPressing(s *tmuxSession, key, want string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(s.pane(), want) {
		if time.Now().After(deadline) {
			s.t.Fatalf("the screen never showed %q; it shows:\n%s", want, s.pane())
		}
		s.keys(key)
		<-tick.C
	}
}

func receive(t *testing.T, got chan string) string {
	t.Helper()
	select {
	case id := <-got:
		return id
	case <-time.After(30 * time.Second):
		t.Fatal("the handler received nothing in 30 s")
		return ""
	}
}

func TestTmuxListenStopsOnSIGTERMWithExitZero(t *testing.T) {
	api := newFakeEvents(t)
	env, _ := cleanEnv(t, "BASIQ_API_URL="+api.srv.URL, "BASIQ_API_KEY=a-key")
	s := startTmux(t, env, 100, 30, "listen", "--forward-to", "127.0.0.1:9")
	s.waitFor("No events yet")
	s.signal(syscall.SIGTERM)
	if code := s.exitCode(); code != "0" {
		t.Errorf("SIGTERM: exit %s, want 0", code)
	}
	if alt, cursor, echo := s.terminal(); alt || !cursor || !echo {
		t.Errorf("the terminal after SIGTERM: alternate screen %v, cursor %v, echo %v", alt, cursor, echo)
	}
}

// TestTheREADMEHandlerVerifiesWhatListenSends builds README's handler in
// Go and runs listen to it: every event arrives, verified.
func TestTheREADMEHandlerVerifiesWhatListenSends(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "<!-- a handler in Go -->\n```go\n")
	code, _, _ := strings.Cut(after, "```")
	if !ok || !strings.Contains(code, "wh.Verify(body, r.Header)") {
		t.Fatal("README has no handler in Go")
	}
	if lines := strings.Count(strings.TrimSpace(code[strings.Index(code, "func main() {"):]), "\n") - 1; lines > 14 {
		t.Errorf("the handler's main is %d lines", lines)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir, err := os.MkdirTemp(".", "readme-handler-") // inside the module: its go.mod has the library
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	src := strings.Replace(code, `"localhost:3000"`, fmt.Sprintf("%q", addr), 1)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	handlerBin := filepath.Join(t.TempDir(), "handler")
	if out, err := exec.Command("go", "build", "-o", handlerBin, "./"+filepath.Base(dir)).CombinedOutput(); err != nil {
		t.Fatalf("README's handler does not build: %v\n%s", err, out)
	}

	api := newFakeEvents(t)
	api.raise("e1", "user.created")
	api.raise("e2", "consent.created")
	env, _ := cleanEnv(t, "BASIQ_API_URL="+api.srv.URL, "BASIQ_API_KEY=a-key")
	handler := exec.Command(handlerBin)
	handler.Env = append(env, "BASIQ_WEBHOOK_SECRET="+printSecret(t, env))
	out := flowtest.Start(t, handler)

	listen := exec.Command(binary(t), "listen", "--forward-to", addr+"/webhooks")
	listen.Env = env
	var listenOut strings.Builder
	listen.Stdout = &listenOut
	if err := listen.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var printed []string
	deadline := time.AfterFunc(30*time.Second, func() { _ = handler.Process.Kill() })
	for len(printed) < 2 && lines.Scan() {
		printed = append(printed, lines.Text())
	}
	deadline.Stop()
	_ = listen.Process.Signal(syscall.SIGTERM)
	if err := listen.Wait(); err != nil {
		t.Errorf("listen after SIGTERM: %v, want exit 0", err)
	}
	if len(printed) != 2 || !strings.HasPrefix(printed[0], "msg_e1 ") || !strings.HasPrefix(printed[1], "msg_e2 ") {
		t.Fatalf("README's handler printed %q\nlisten printed:\n%s", printed, listenOut.String())
	}
	if !regexp.MustCompile(`✓ 200 in [0-9.]+m?s`).MatchString(listenOut.String()) {
		t.Errorf("listen's lines do not show the handler's 200:\n%s", listenOut.String())
	}
}

// simulatorPost is a request to the simulator with a server token of its
// demo key, as a developer's curl would make it; it returns the body.
func simulatorPost(t *testing.T, apiURL, apiKey, path, body string) []byte {
	t.Helper()
	tokReq, _ := http.NewRequest("POST", apiURL+"/token", strings.NewReader("scope=SERVER_ACCESS"))
	tokReq.Header.Set("Authorization", "Basic "+apiKey)
	tokReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tokReq.Header.Set("basiq-version", "3.0")
	resp, err := http.DefaultClient.Do(tokReq)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	req, _ := http.NewRequest("POST", apiURL+path, strings.NewReader(body))
	if body == "" {
		req, _ = http.NewRequest("GET", apiURL+path, nil)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("basiq-version", "3.0")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// TestTmuxListenToTheSimulatorShowsAnOnboardingsEvents: listen's view
// against the simulator while it onboards a user for real (its trigger
// route: a user, consent at Hooli as Wentworth-Smith, the job): the view
// shows the events, and the handler receives them all, in order.
func TestTmuxListenToTheSimulatorShowsAnOnboardingsEvents(t *testing.T) {
	apiURL, apiKey := startSimulator(t)
	env, _ := cleanEnv(t, "BASIQ_API_URL="+apiURL, "BASIQ_API_KEY="+apiKey)
	hook, got := verifyingHandler(t, printSecret(t, env))
	s := startTmux(t, env, 100, 30, "listen", "--forward-to", strings.TrimPrefix(hook.URL, "http://")+"/webhooks", "--retry-time-scale", "0.01")
	s.waitFor("Nothing to backfill")
	var trigger struct{ UserID string }
	_ = json.Unmarshal(simulatorPost(t, apiURL, apiKey, "/_simulator/trigger", `{"eventTypeId":"transactions.updated"}`), &trigger)
	// A user, a consent, a connection and its activation, Wentworth-Smith's
	// 4 accounts and their transactions.
	s.waitFor("Events · 12 forwarded")
	var listed struct {
		Data []struct{ ID string }
	}
	_ = json.Unmarshal(simulatorPost(t, apiURL, apiKey, "/events?filter=user.id.eq('"+trigger.UserID+"')", ""), &listed)
	var ids []string // oldest first
	for i := len(listed.Data) - 1; i >= 0; i-- {
		ids = append(ids, "msg_"+listed.Data[i].ID)
	}
	if len(ids) != 12 {
		t.Fatalf("the simulator raised %d events for the onboarding, want 12", len(ids))
	}
	var firsts []string // each id as it first came
	times := map[string]int{}
	for range len(ids) + 1 { // the first delivery's 500 comes again on its retry, 50 ms on
		id := receive(t, got)
		if times[id]++; times[id] == 1 {
			firsts = append(firsts, id)
		}
	}
	if strings.Join(firsts, " ") != strings.Join(ids, " ") {
		t.Errorf("the handler received\n%q\nthe simulator raised\n%q", firsts, ids)
	}
	if times[ids[0]] != 2 {
		t.Errorf("the first event came %d times, want its 500 and its retry with the same webhook-id", times[ids[0]])
	}
	s.waitFor("Events · 12 forwarded · 12 delivered")
	s.keys("End", "Enter") // the oldest: user.created, and the user it links to
	s.waitFor("user.created · event")
	s.waitFor("What it links to")
	waitPressing(s, "End", `"email": "trigger@example.com"`)
	s.keys("Escape") // alone: esc and q together read as alt+q
	s.waitFor("enter open")
	s.keys("q")
	if code := s.exitCode(); code != "0" {
		t.Errorf("q: exit %s", code)
	}
}
