package wizard

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

// live runs the wizard as Bubble Tea would, in a synctest bubble: every
// command in a goroutine of its own, each message back to Update, so the
// events' polling (which never settles) runs on the bubble's clock.
type live struct {
	t    *testing.T
	mu   sync.Mutex
	m    Model
	msgs chan tea.Msg
	ctx  context.Context
}

func runLive(t *testing.T, cfg flow.Config, width, height int) *live {
	l := &live{t: t, m: New(cfg, true), msgs: make(chan tea.Msg, 1024)}
	ctx, cancel := context.WithCancel(context.Background())
	l.ctx = ctx
	t.Cleanup(func() {
		l.m.Close()
		cancel()
		synctest.Wait()
	})
	go func() {
		for {
			select {
			case msg := <-l.msgs:
				l.update(msg)
			case <-ctx.Done():
				return
			}
		}
	}()
	l.m.noTicks = true
	l.update(tea.WindowSizeMsg{Width: width, Height: height})
	l.run(l.m.initCmds)
	return l
}

func (l *live) update(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			l.run(c)
		}
		return
	}
	l.mu.Lock()
	next, cmd := l.m.Update(msg)
	l.m = next.(Model)
	l.mu.Unlock()
	l.run(cmd)
}

func (l *live) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		msg := cmd()
		select {
		case l.msgs <- msg:
		case <-l.ctx.Done():
		}
	}()
}

func (l *live) press(keys ...string) {
	for _, k := range keys {
		l.msgs <- uitest.Press(k)
		time.Sleep(10 * time.Millisecond) // the bubble's clock: no time passes for real
		synctest.Wait()
	}
}

func (l *live) screen() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return ansi.Strip(l.m.View().Content)
}

// waitFor lets the bubble's time pass until the screen shows all of want.
func (l *live) waitFor(what string, want ...string) string {
	l.t.Helper()
	for range 120 {
		time.Sleep(500 * time.Millisecond)
		synctest.Wait()
		s := l.screen()
		if containsAll(s, want) {
			return s
		}
	}
	l.t.Fatalf("never %s; screen:\n%s", what, l.screen())
	return ""
}

func containsAll(s string, want []string) bool {
	for _, w := range want {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// simulated is the simulator served in the bubble, a client of it, and a
// user who has connected Hooli (so --user-id goes to the views).
func simulated(t *testing.T, faults string) (*simulator.Server, *basiq.Client, string) {
	sim := simulator.New(simulator.Options{StepDelay: time.Second, Faults: simulator.MustParseFaults(faults)})
	_, tr := basiqtest.Serve(t, sim.Handler())
	client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: "http://127.0.0.1:9", HTTPClient: &http.Client{Transport: tr}, Redactor: basiq.NewRedactor()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	userID, _ := flowtest.ConsentedUser(t, ctx, client, sim, "max@example.com")
	time.Sleep(5 * time.Second) // the job's three steps, on the bubble's clock
	return sim, client, userID
}

func liveConfig(client *basiq.Client, userID string) flow.Config {
	return flow.Config{
		NewAPI:   func(string) (flow.API, error) { return client, nil },
		EnvKey:   "key",
		UserID:   userID,
		Events:   true,
		Where:    "127.0.0.1:9",
		APIURL:   client.BaseURL(),
		Timeout:  10 * time.Minute,
		Redactor: basiq.NewRedactor(),
		Jitter:   func() float64 { return 0.5 },
	}
}

// TestTheEventsViewShowsAnEventRaisedOutsideTheWizard: the Events view
// lists the user's events newest first, says which request it reads, and
// an event raised by something else (the simulator's trigger route, as
// `basiq-onboard trigger` raises it) turns up while the wizard runs; enter
// opens it with its payload and the entity it links to.
func TestTheEventsViewShowsAnEventRaisedOutsideTheWizard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, client, userID := simulated(t, "")
		l := runLive(t, liveConfig(client, userID), 100, 30)
		l.waitFor("showed the accounts", "Hooli Bank · 4 accounts")
		l.press("shift+tab")
		s := l.waitFor("showed the user's events", "Events · 12 of this user", "GET /events?filter=user.id.eq('"+userID[:8]+"…')", "connection.activated", "transactions.updated")
		if i, j := strings.Index(s, "transactions.updated"), strings.Index(s, "user.created"); i < 0 || j < 0 || i > j {
			t.Errorf("not newest first:\n%s", s)
		}
		if _, err := client.TriggerEvent(context.Background(), "user.updated", userID); err != nil {
			t.Fatal(err)
		}
		s = l.waitFor("showed the triggered event", "Events · 13 of this user", "user.updated")
		if !strings.Contains(strings.SplitN(s, "user.updated", 2)[0], "Type") || strings.Index(s, "user.updated") > strings.Index(s, "transactions.updated") {
			t.Errorf("the new event is not at the top:\n%s", s)
		}
		l.press("home", "enter")
		l.waitFor("opened the event", "user.updated · event", "The payload Basiq's webhook carries", `"eventTypeId": "user.updated"`, "What it links to", `"accounts": {`)
		l.press("esc")
		l.waitFor("came back to the list", "Events · 13 of this user")
	})
}

// TestEventsThatFailToLoadSayWhyWithRTryAgain: GET /events answering 500,
// a proxy's HTML page or 429 says so in the Events view at 80x24, with r
// try again first on the help line; r reads them again, and once Basiq
// answers the events are there.
func TestEventsThatFailToLoadSayWhyWithRTryAgain(t *testing.T) {
	for _, fault := range []struct{ kind, says string }{
		{"500", "GET /events failed"},
		{"html", "GET /events failed"},
		{"429-no-retry-after", "GET /events failed"},
	} {
		t.Run(fault.kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, client, userID := simulated(t, "GET /events#1-40="+fault.kind)
				l := runLive(t, liveConfig(client, userID), 80, 24)
				l.waitFor("showed the accounts", "Hooli Bank · 4 accounts")
				l.press("shift+tab")
				s := l.waitFor("said the events failed", fault.says, "r try again")
				help := strings.TrimSpace(s[strings.LastIndex(strings.TrimRight(s, "\n "), "\n"):])
				if !strings.HasPrefix(help, "r try again") {
					t.Errorf("the help line %q does not start with r try again", help)
				}
				if strings.Contains(s, "Loading…") {
					t.Errorf("a failure still says Loading…:\n%s", s)
				}
				for range 40 { // the faults run out: r until the events come
					l.press("r")
					if strings.Contains(l.screen(), "Events · 12 of this user") {
						break
					}
					time.Sleep(time.Second)
				}
				s = l.waitFor("showed the events once Basiq answered", "Events · 12 of this user", "transactions.updated")
				if strings.Contains(s, "r try again") {
					t.Errorf("the failure outlived the answer:\n%s", s)
				}
			})
		})
	}
}

// TestAHandlerThatFailsNeverStopsTheWizardAndItsAnswerShows: with
// --forward-to a handler that answers 500 to every first attempt, the
// wizard goes on as ever; the Events view shows each failure with what the
// handler said, then Basiq's retry 5 s on delivering it, with the same
// webhook-id, signed with the secret shown.
func TestAHandlerThatFailsNeverStopsTheWizardAndItsAnswerShows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, client, userID := simulated(t, "")
		var mu sync.Mutex
		tries := map[string]int{}
		secret, err := webhook.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		_, hookTr := basiqtest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := secret.Verify(body, r.Header, time.Now()); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			id := r.Header.Get("webhook-id")
			if tries[id]++; tries[id] == 1 {
				http.Error(w, `{"error":"the database is down"}`, http.StatusInternalServerError)
			}
		}))
		cfg := liveConfig(client, userID)
		cfg.ForwardTo, cfg.ForwardSecret, cfg.ForwardTransport = "http://localhost:3000/webhooks", secret, hookTr
		l := runLive(t, cfg, 100, 30)
		l.waitFor("showed the accounts", "Hooli Bank · 4 accounts")
		l.press("shift+tab")
		// The user's events are from before this run: shown, not forwarded.
		l.waitFor("showed the user's events", "Events · 0 forwarded", "Forwarding to http://localhost:3000/webhooks", secret.Reveal())
		if _, err := client.TriggerEvent(context.Background(), "user.updated", userID); err != nil {
			t.Fatal(err)
		}
		l.press("home")
		l.waitFor("showed the failure", "user.updated", "✗ 500", "retry in", `{"error":"the database is down"}`)
		l.waitFor("showed the retry delivered", "1 forwarded · 1 delivered", "✓ 200")
		l.mu.Lock()
		summary := l.m.Summary()
		l.mu.Unlock()
		if !strings.Contains(summary, "Forwarded 1 of the user's Basiq events to http://localhost:3000/webhooks: 1 delivered.") {
			t.Errorf("the summary does not say what was forwarded:\n%s", summary)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(tries) != 1 {
			t.Errorf("the handler was sent %d events, want the one raised during the run", len(tries))
		}
		for id, n := range tries {
			if n != 2 {
				t.Errorf("%s was tried %d times, want the 500 and its retry", id, n)
			}
		}
	})
}
