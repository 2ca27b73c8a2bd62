package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// recordingHandler keeps every delivery as it came, to verify once the
// secret is known (the wizard prints it as it starts).
type recordingHandler struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []recorded
}

type recorded struct {
	header http.Header
	body   []byte
}

func newRecordingHandler(t *testing.T) *recordingHandler {
	h := &recordingHandler{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, recorded{header: r.Header.Clone(), body: body})
		h.mu.Unlock()
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *recordingHandler) deliveries() []recorded {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

var (
	wizardSecret = regexp.MustCompile(`signed with\s+(whsec_[A-Za-z0-9+/=]+)`)
	eventRow     = regexp.MustCompile(`(?m)^\s*›?\d\d:\d\d:\d\d\s+([a-z]+\.[a-z]+)\s+\S+\s+✓ 200`)
)

// TestTmuxDemoForwardToTheEventsViewAndTheHandlerSeeTheSameEvents: one
// command, --demo --forward-to, and a handler receives what Basiq would
// send for a whole onboarding, signed with the secret printed at the start;
// the Events view lists the same events, each with the handler's 200.
func TestTmuxDemoForwardToTheEventsViewAndTheHandlerSeeTheSameEvents(t *testing.T) {
	for _, size := range [][2]int{{100, 30}, {80, 24}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			hook := newRecordingHandler(t)
			env, _ := cleanEnv(t)
			s := startTmux(t, env, size[0], size[1], "--demo", "--forward-to", hook.srv.URL+"/webhooks")
			s.demoToTheAccounts()
			s.keys("BTab")
			pane := s.waitFor("12 forwarded · 12 delivered")
			m := wizardSecret.FindStringSubmatch(strings.ReplaceAll(pane, "\n", " "))
			if m == nil {
				t.Fatalf("no secret printed:\n%s", pane)
			}
			wh, err := standardwebhooks.NewWebhook(m[1])
			if err != nil {
				t.Fatal(err)
			}
			var handled []string
			for _, d := range hook.deliveries() {
				if err := wh.Verify(d.body, d.header); err != nil {
					t.Errorf("a delivery does not verify with the printed secret: %v", err)
				}
				var p struct{ EventTypeID string }
				_ = json.Unmarshal(d.body, &p)
				handled = append(handled, p.EventTypeID)
			}
			// What the view lists: the screen's rows, newest first, and
			// those below the fold once the list scrolls.
			s.keys("End")
			var shown []string
			for _, row := range eventRow.FindAllStringSubmatch(s.pane(), -1) {
				shown = append(shown, row[1])
			}
			shown = dedupTail(shown)
			slices.Reverse(shown)
			if len(handled) != 12 {
				t.Errorf("the handler received %d events, want the onboarding's 12: %v", len(handled), handled)
			}
			count := func(list []string) map[string]int {
				n := map[string]int{}
				for _, x := range list {
					n[x]++
				}
				return n
			}
			if size[1] >= 30 && fmt.Sprint(count(shown)) != fmt.Sprint(count(handled)) {
				t.Errorf("the view shows %v, the handler received %v", count(shown), count(handled))
			}
			if len(handled) > 0 && handled[0] != "user.created" {
				t.Errorf("the first delivery is %s, want user.created (oldest first)", handled[0])
			}
			s.quit(keepTheUser)
			if code := s.exitCode(); code != "0" {
				t.Errorf("exit %s, want 0", code)
			}
		})
	}
}

// dedupTail keeps the rows of the last screen: the pane's scrollback holds
// earlier frames too, and the list is the last 12 (or fewer, in a small
// window) rows matched.
func dedupTail(rows []string) []string {
	if len(rows) > 12 {
		return rows[len(rows)-12:]
	}
	return rows
}

// TestTheDemoForwardsWithOneSecretOfItsOwnAcrossRuns: two headless demo
// runs with --forward-to print the same secret (the store's demo slot),
// although each demo's simulator has a port of its own, and the handler's
// deliveries of both verify with it.
func TestTheDemoForwardsWithOneSecretOfItsOwnAcrossRuns(t *testing.T) {
	hook := newRecordingHandler(t)
	env, _ := cleanEnv(t)
	var secrets []string
	for range 2 {
		cmd := exec.Command(binary(t), "--demo", "--forward-to", hook.srv.URL, "--json")
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("the demo run: %v\n%s", err, &stderr)
		}
		m := wizardSecret.FindStringSubmatch(stderr.String())
		if m == nil || !strings.HasPrefix(stderr.String(), "Forwarding the user's Basiq events to "+hook.srv.URL) {
			t.Fatalf("no secret printed at the start:\n%s", &stderr)
		}
		secrets = append(secrets, m[1])
		var result struct {
			Events []struct {
				Forwarded *struct{ State string }
			}
		}
		if err := json.Unmarshal(out, &result); err != nil || len(result.Events) != 12 {
			t.Fatalf("--json's events: %v, %d of them", err, len(result.Events))
		}
		for _, e := range result.Events {
			if e.Forwarded == nil || e.Forwarded.State != "delivered" {
				t.Errorf("an event was not delivered by the end of the run: %+v", e.Forwarded)
			}
		}
		if strings.Contains(string(out), secrets[len(secrets)-1]) {
			t.Error("the secret is in --json's output")
		}
	}
	if secrets[0] != secrets[1] {
		t.Errorf("the demo's secret changed between runs: %s, then %s", secrets[0], secrets[1])
	}
	wh, _ := standardwebhooks.NewWebhook(secrets[0])
	got := hook.deliveries()
	if len(got) != 24 {
		t.Errorf("the handler received %d deliveries, want two onboardings' 24", len(got))
	}
	for _, d := range got {
		if err := wh.Verify(d.body, d.header); err != nil {
			t.Errorf("a delivery does not verify: %v", err)
		}
	}
}
