package wizard

import (
	"context"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

// rig is a wizard on a fake Basiq and a clock that never sleeps.
type rig struct {
	api    *flowtest.API
	clock  *basiqtest.Clock
	store  *fakeStore
	opened []string
	keys   []string // every key a client was made for
	// consented are the jobs the demo's automatic consent starts, by login.
	consented map[string][]string
	logins    []string // the logins the demo consented as
	cfg       flow.Config
}

func newRig() *rig {
	r := &rig{api: flowtest.New(), clock: basiqtest.NewClock(), store: &fakeStore{}, consented: map[string][]string{}}
	r.cfg = flow.Config{
		NewAPI: func(key string) (flow.API, error) {
			r.keys = append(r.keys, key)
			if key != flowtest.GoodKey {
				return &flowtest.API{AuthErr: flowtest.BadKey}, nil
			}
			return r.api, nil
		},
		Keys:        r.store,
		Clock:       r.clock,
		OpenBrowser: func(url string) error { r.opened = append(r.opened, url); return nil },
		Jitter:      func() float64 { return 0.5 },
		Where:       "au-api.basiq.io",
		APIURL:      "https://au-api.basiq.io",
		Timeout:     10 * time.Minute,
	}
	return r
}

// demo makes the rig start in the demo, on the same fake Basiq.
func (r *rig) demo(persona string) *bool {
	closed := new(bool)
	r.cfg.Demo, r.cfg.Persona = true, persona
	r.cfg.StartDemo = func() (flow.Demo, error) {
		return flow.Demo{API: r.api, APIURL: "http://127.0.0.1:1", ConsentBase: "http://127.0.0.1:1/consent/home",
			AutoConsent: func(ctx context.Context, token, inst, login, _ string) ([]string, error) {
				r.logins = append(r.logins, login)
				return r.consented[login], nil
			},
			Close: func() { *closed = true }}, nil
	}
	return closed
}

// fakeStore is an in-memory KeyStore: one key, and the origin it was saved for.
type fakeStore struct{ key, origin string }

func (s *fakeStore) Load(origin string) (string, error) {
	if s.origin != "" && origin != s.origin {
		return "", nil
	}
	return s.key, nil
}
func (s *fakeStore) Where() (string, bool) { return "the test keyring", false }
func (s *fakeStore) Save(origin, key string) error {
	s.key, s.origin = key, origin
	return nil
}

// runner runs the wizard as Bubble Tea would, one command at a time and in
// order: each command's message goes back to Update. Animation (spinner
// frames) is dropped; the clock ticks only when a test sends a tick.
type runner struct {
	t     *testing.T
	m     Model
	queue []tea.Cmd
	quit  bool
}

// start builds the wizard at 100x30 and runs what it starts with.
func (r *rig) start(t *testing.T) *runner {
	t.Helper()
	m := New(r.cfg, true)
	m.noTicks = true
	w := &runner{t: t, m: m}
	w.queue = append(w.queue, m.Init())
	w.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	return w
}

func (w *runner) send(msgs ...tea.Msg) *runner {
	w.t.Helper()
	for _, msg := range msgs {
		next, cmd := w.m.Update(msg)
		m, ok := next.(Model)
		if !ok {
			w.t.Fatalf("Update returned %T", next)
		}
		w.m = m
		w.queue = append(w.queue, cmd)
	}
	w.helpListsEachKeyOnce()
	return w
}

// helpListsEachKeyOnce fails the test where the help line holds a key
// twice: each key is listed once, with what it does there. Every state a
// wizard test reaches is checked, as send is how each gets there.
func (w *runner) helpListsEachKeyOnce() {
	w.t.Helper()
	line := strings.TrimSpace(w.helpLine())
	seen := map[string]bool{}
	for _, item := range strings.Split(line, " · ") {
		if strings.HasSuffix(item, "…") {
			continue // cut at the window's edge
		}
		k, _, _ := strings.Cut(item, " ")
		if seen[k] {
			w.t.Fatalf("the help line lists %s twice: %q\n%s", k, line, w.screen())
		}
		seen[k] = true
	}
}

// keys presses keys by name (uitest.Press), then lets the wizard settle.
func (w *runner) keys(names ...string) *runner {
	w.t.Helper()
	for _, k := range names {
		w.send(uitest.Press(k))
		w.settle()
	}
	return w
}

// until runs commands until done holds; it fails the test if they run out
// first, or if the wizard never gets there.
func (w *runner) until(what string, done func(Model) bool) *runner {
	w.t.Helper()
	for steps := 0; !done(w.m); steps++ {
		if len(w.queue) == 0 || steps > 5000 {
			w.t.Fatalf("never %s; screen:\n%s", what, w.screen())
		}
		w.runOne()
	}
	return w
}

// settle runs commands until none is left; polling that never ends is a test bug.
func (w *runner) settle() *runner {
	w.t.Helper()
	for steps := 0; len(w.queue) > 0; steps++ {
		if steps > 5000 {
			w.t.Fatalf("the wizard never settled; screen:\n%s", w.screen())
		}
		w.runOne()
	}
	return w
}

func (w *runner) runOne() {
	cmd := w.queue[0]
	w.queue = w.queue[1:]
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil, spinner.TickMsg, clockTickMsg:
	case tea.BatchMsg:
		w.queue = append(w.queue, msg...)
	case tea.QuitMsg:
		w.quit = true
	default:
		w.send(msg)
	}
}

func (w *runner) stage() qs.Stage { return w.m.session.Stage }

func (w *runner) screen() string { return ansi.Strip(w.m.View().Content) }

// sees fails the test unless every text is on screen, whatever the
// spaces between its words (the help's columns are as wide as their keys).
func (w *runner) sees(texts ...string) {
	w.t.Helper()
	s := w.screen()
	words := strings.Join(strings.Fields(s), " ")
	for _, text := range texts {
		if !strings.Contains(s, text) && !strings.Contains(words, strings.Join(strings.Fields(text), " ")) {
			w.t.Errorf("the screen lacks %q:\n%s", text, s)
		}
	}
}

// helpLine is the last line of the screen: the keys that work there.
func (w *runner) helpLine() string {
	lines := strings.Split(strings.TrimRight(w.screen(), "\n"), "\n")
	return lines[len(lines)-1]
}

// toAccounts waits until the accounts are in, which the job view says
// without leaving, then goes to them with enter.
func (w *runner) toAccounts() *runner {
	w.t.Helper()
	w.until("loaded the accounts", func(m Model) bool { return m.session.Accounts.Loaded })
	if w.stage() != qs.StageConnect {
		w.t.Fatalf("the accounts arrived and the wizard moved on its own to %v", w.stage())
	}
	w.sees("The accounts are in. Press enter")
	if h := w.helpLine(); !strings.Contains(h, "enter accounts") {
		w.t.Errorf("help line %q lacks enter", h)
	}
	return w.send(uitest.Press("enter")).until("showed the accounts", stageIs(qs.StageAccounts))
}

func stageIs(s qs.Stage) func(Model) bool { return func(m Model) bool { return m.session.Stage == s } }
