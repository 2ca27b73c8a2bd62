package listenview

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

func TestMain(m *testing.M) { uitest.MainInUTC(m) }

const userID = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"

// events is a Basiq in memory: the events API and the entities its links name.
type events struct {
	mu    sync.Mutex
	list  []basiq.Event // newest first
	err   error
	links []string
}

func (e *events) raise(id, typ string, at time.Time) {
	entity, action, _ := strings.Cut(typ, ".")
	e.mu.Lock()
	defer e.mu.Unlock()
	e.list = append([]basiq.Event{{Type: "event", ID: id, CreatedDate: at.UTC().Format(time.RFC3339), Entity: entity, EventType: action, UserID: userID,
		DataRef: "http://127.0.0.1:8080/users/" + userID, Data: json.RawMessage(`{"id":"` + userID + `","type":"user"}`),
		Links: basiq.EventLinks{Self: "http://127.0.0.1:8080/events/" + id}}}, e.list...)
}

func (e *events) ScanEvents(_ context.Context, _ basiq.EventFilter, keep func(basiq.Event) bool) ([]basiq.Event, int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var kept []basiq.Event
	for _, ev := range e.list {
		if keep(ev) {
			kept = append(kept, ev)
		}
	}
	return kept, len(e.list), e.err
}

func (e *events) GetLink(_ context.Context, link string) (json.RawMessage, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.links = append(e.links, link)
	return json.RawMessage(`{"type":"user","id":"` + userID + `","email":"max@example.com"}`), nil
}

// handler answers deliveries: 500 to the first, 200 after; it keeps the webhook-ids.
type handler struct {
	mu  sync.Mutex
	ids []string
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.ReadAll(r.Body)
	h.mu.Lock()
	h.ids = append(h.ids, r.Header.Get("webhook-id"))
	n := len(h.ids)
	h.mu.Unlock()
	if n == 1 {
		http.Error(w, `{"error":"the database is down"}`, 500)
		return
	}
	_, _ = io.WriteString(w, "ok")
}

func (h *handler) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.ids...)
}

// serve runs h on an in-memory network and gives the transport that reaches it.
func serve(t *testing.T, h http.Handler) *http.Transport {
	_, tr := basiqtest.Serve(t, h)
	return tr
}

// harness runs the model as Bubble Tea would: each command in a goroutine
// of its own, each message back through Update, in the bubble.
type harness struct {
	t    *testing.T
	m    Model
	msgs chan tea.Msg
	quit bool
}

func newHarness(t *testing.T, api flow.EventsAPI, h http.Handler, w, height int) *harness {
	run, err := flow.PrepareListen(flow.ListenOptions{API: api, APIURL: "http://127.0.0.1:8080", To: "http://localhost:3000/webhooks",
		Transport: serve(t, h)})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, m: New(context.Background(), run, Options{IsDark: true, NoTicks: true}), msgs: make(chan tea.Msg, 4096)}
	hs.send(tea.WindowSizeMsg{Width: w, Height: height})
	hs.run(hs.m.Init())
	hs.settle()
	return hs
}

func (h *harness) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if msg := cmd(); msg != nil {
			h.msgs <- msg
		}
	}()
}

func (h *harness) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			h.run(c)
		}
	case tea.QuitMsg:
		h.quit = true
	default:
		next, cmd := h.m.Update(msg)
		h.m = next.(Model)
		h.run(cmd)
	}
}

// settle handles messages until none is coming without time passing, and
// lets a redraw the model put off to its next frame come.
func (h *harness) settle() {
	for {
		synctest.Wait()
		select {
		case msg := <-h.msgs:
			h.send(msg)
		default:
			if !h.m.syncPending {
				return
			}
			time.Sleep(frameEvery)
		}
	}
}

// wait lets d pass in the bubble, handling what comes meanwhile.
func (h *harness) wait(d time.Duration) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		time.Sleep(100 * time.Millisecond)
		h.settle()
	}
}

func (h *harness) press(keys ...string) {
	for _, k := range keys {
		h.send(uitest.Press(k))
		h.settle()
	}
}

var secretShown = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`)

// screen is the frame as text, the random secret replaced.
func (h *harness) screen() string {
	return secretShown.ReplaceAllString(uitest.Render(h.m.Frame(), 0), "whsec_(this run's secret)")
}

func TestTheViewShowsEventsOpensOneAndResendsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api, hook := &events{}, &handler{}
		api.raise("e1", "user.created", time.Now().Add(-time.Minute))
		h := newHarness(t, api, hook, 100, 30)
		api.raise("e2", "consent.created", time.Now())
		h.wait(7 * time.Second) // the first delivery's retry is due 5 s after its 500
		screen := h.screen()
		for _, want := range []string{"basiq-onboard · listen · 127.0.0.1:8080", "→ localhost:3000/webhooks", "Events · 2 forwarded · 2 delivered",
			"Backfilled 1 event", "user.created", "consent.created", "✓ 200", "enter open · r resend"} {
			if !strings.Contains(screen, want) {
				t.Errorf("the view lacks %q:\n%s", want, screen)
			}
		}
		h.press("down", "enter") // the older one: user.created, its 500 then its retry
		opened := h.screen()
		for _, want := range []string{"user.created · event e1", "webhook-id msg_e1", "attempt 1  ✗ 500", `{"error":"the database is down"}`,
			"attempt 2  ✓ 200", "What it links to", "esc back"} {
			if !strings.Contains(opened, want) {
				t.Errorf("the opened event lacks %q:\n%s", want, opened)
			}
		}
		h.press("end")
		if end := h.screen(); !strings.Contains(end, "max@example.com") || !strings.Contains(end, "Basiq's snapshot") {
			t.Errorf("the end of the opened event lacks the entity or the event's data:\n%s", end)
		}
		if len(api.links) != 1 || api.links[0] != "http://127.0.0.1:8080/users/"+userID {
			t.Errorf("the entity was fetched as %q", api.links)
		}
		h.press("r")
		h.wait(time.Second)
		if got := hook.received(); len(got) != 4 || got[3] != "msg_e1" {
			t.Errorf("after r the handler received %q, want msg_e1 again", got)
		}
		if !strings.Contains(h.screen(), "attempt 3  ✓ 200") {
			t.Errorf("the resend's answer is not shown:\n%s", h.screen())
		}
		h.press("esc", "q")
		if !h.quit || h.m.ExitCode() != 0 {
			t.Errorf("q: quit %v, exit %d", h.quit, h.m.ExitCode())
		}
	})
}

func TestGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(strings.Join([]string{itoa(size[0]), itoa(size[1])}, "x"), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				time.Sleep(14 * time.Hour) // 14:00 on the bubble's day: the times show as times of today
				api, hook := &events{}, &handler{}
				start := time.Now()
				for i, typ := range []string{"user.created", "consent.created", "connection.created", "connection.activated", "account.updated", "transactions.updated"} {
					api.raise("e"+itoa(i+1), typ, start.Add(time.Duration(i-6)*time.Second))
				}
				h := newHarness(t, api, hook, size[0], size[1])
				h.wait(2 * time.Second)
				uitest.Golden(t, h.screen())
				h.m.Close()
			})
		})
	}
}

func TestWhatEndsListenStaysOnScreenUntilQ(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &events{err: &basiq.Error{Status: 404, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Code: "parameter-not-valid", Detail: "Unable to authenticate"}}}}
		h := newHarness(t, api, &handler{}, 100, 30)
		screen := h.screen()
		if !strings.Contains(screen, "Basiq did not accept the API key") || !strings.Contains(screen, "q quit") || strings.Contains(screen, "enter open") {
			t.Errorf("the problem, with only q to press:\n%s", screen)
		}
		if h.quit {
			t.Fatal("listen quit at once: the problem left the screen")
		}
		h.press("enter", "r")
		if h.quit {
			t.Fatal("a key other than q quit")
		}
		h.press("q")
		if !h.quit || h.m.ExitCode() != 1 {
			t.Errorf("q after the problem: quit %v, exit %d, want 1", h.quit, h.m.ExitCode())
		}
	})
}

func TestCtrlCStopsListeningWithExitZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &events{}, &handler{}, 80, 24)
		if !strings.Contains(h.screen(), "No events yet") {
			t.Errorf("an empty listen:\n%s", h.screen())
		}
		h.press("?")
		if !strings.Contains(h.screen(), "Keys on this screen") {
			t.Errorf("? shows no help:\n%s", h.screen())
		}
		h.press("ctrl+c")
		if !h.quit || h.m.ExitCode() != 0 {
			t.Errorf("ctrl+c: quit %v, exit %d", h.quit, h.m.ExitCode())
		}
	})
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// The help screen lists q quit: q quits from it, as it says.
func TestQQuitsFromTheHelpScreen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &events{}, &handler{}, 80, 24)
		h.press("?")
		if !strings.Contains(h.screen(), "q") || !strings.Contains(h.screen(), "Keys on this screen") {
			t.Fatalf("? shows no help with q:\n%s", h.screen())
		}
		h.press("q")
		if !h.quit || h.m.ExitCode() != 0 {
			t.Errorf("q in the help screen: quit %v, exit %d", h.quit, h.m.ExitCode())
		}
	})
}
