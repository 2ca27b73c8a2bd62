package flow

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// fakeClock is a clock for tests: After fires at once and moves the time on
// by what was asked, and records every wait, so polling runs with no sleeps.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeAPI answers like Basiq from fields the test sets, and records calls.
type fakeAPI struct {
	mu          sync.Mutex
	calls       []string
	authErr     error
	createErr   error
	block       chan struct{} // when set, CreateUser waits for ctx or this
	user        basiq.User
	userJobs    []basiq.Job
	jobs        map[string][]basiq.Job // successive answers for GetJob; the last repeats
	jobErrs     map[string][]error
	accounts    []basiq.Account
	refreshed   string
	clientToken string
}

func (f *fakeAPI) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeAPI) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeAPI) Authenticate(ctx context.Context) error { f.record("POST /token"); return f.authErr }
func (f *fakeAPI) ClientToken(ctx context.Context, userID string) (string, time.Time, error) {
	f.record("POST /token CLIENT_ACCESS " + userID)
	tok := f.clientToken
	if tok == "" {
		tok = "client-token-for-" + userID
	}
	return tok, time.Date(2026, 11, 24, 15, 5, 0, 0, time.UTC), nil
}
func (f *fakeAPI) CreateUser(ctx context.Context, u basiq.NewUser) (basiq.User, error) {
	f.record("POST /users " + u.Email)
	if f.block != nil {
		select {
		case <-ctx.Done():
			return basiq.User{}, ctx.Err()
		case <-f.block:
		}
	}
	if f.createErr != nil {
		return basiq.User{}, f.createErr
	}
	user := f.user
	user.Email = u.Email
	return user, nil
}
func (f *fakeAPI) GetUser(ctx context.Context, id string) (basiq.User, error) {
	f.record("GET /users/" + id)
	if id != f.user.ID {
		return basiq.User{}, &basiq.Error{Status: 404, Method: "GET", Path: "/users/" + id,
			Items: []basiq.ErrorItem{{Code: "resource-not-found", Title: "Requested resource is not found."}}}
	}
	return f.user, nil
}
func (f *fakeAPI) GetJob(ctx context.Context, id string) (basiq.Job, error) {
	f.record("GET /jobs/" + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	if errs := f.jobErrs[id]; len(errs) > 0 {
		f.jobErrs[id] = errs[1:]
		if errs[0] != nil {
			return basiq.Job{}, errs[0]
		}
	}
	answers := f.jobs[id]
	if len(answers) == 0 {
		return basiq.Job{}, &basiq.Error{Status: 404, Method: "GET", Path: "/jobs/" + id,
			Items: []basiq.ErrorItem{{Code: "resource-not-found", Title: "Requested resource is not found."}}}
	}
	if len(answers) > 1 {
		f.jobs[id] = answers[1:]
	}
	return answers[0], nil
}
func (f *fakeAPI) ListUserJobs(ctx context.Context, userID string) ([]basiq.Job, error) {
	f.record("GET /users/" + userID + "/jobs")
	return f.userJobs, nil
}
func (f *fakeAPI) ListAccounts(ctx context.Context, userID string, filters ...basiq.Filter) ([]basiq.Account, error) {
	f.record("GET /users/" + userID + "/accounts")
	return f.accounts, nil
}
func (f *fakeAPI) GetInstitution(ctx context.Context, id string) (basiq.Institution, error) {
	f.record("GET /institutions/" + id)
	return basiq.Institution{ID: id, Name: "Hooli Bank"}, nil
}
func (f *fakeAPI) RefreshConnection(ctx context.Context, userID, connectionID string) (string, error) {
	f.record("POST /users/" + userID + "/connections/" + connectionID + "/refresh")
	return f.refreshed, nil
}
func (f *fakeAPI) Transactions(userID string, q basiq.TransactionQuery) *basiq.TransactionPages {
	return nil
}

// fakeStore is an in-memory KeyStore.
type fakeStore struct {
	key      string
	insecure bool
}

func (s *fakeStore) Load() (string, error) { return s.key, nil }
func (s *fakeStore) Where() (string, bool) { return "the test keyring", s.insecure }
func (s *fakeStore) Save(key string) error { s.key = key; return nil }

// results runs a command the way Bubble Tea would, batches included, and
// delivers every message it produces on the returned channel. Commands that
// only animate (spinner frames, the clock) are left out: they would tick forever.
func results(cmd tea.Cmd) <-chan tea.Msg {
	out := make(chan tea.Msg, 64)
	var run func(tea.Cmd)
	var wg sync.WaitGroup
	run = func(c tea.Cmd) {
		if c == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := c()
			if batch, ok := msg.(tea.BatchMsg); ok {
				for _, inner := range batch {
					run(inner)
				}
				return
			}
			if msg != nil && !isAnimation(msg) {
				out <- msg
			}
		}()
	}
	run(cmd)
	return out
}

func isAnimation(msg tea.Msg) bool {
	switch msg.(type) {
	case clockTickMsg:
		return true
	}
	return reflect.TypeOf(msg).String() == "spinner.TickMsg"
}

// outbox holds what one command produced, for tests that take several
// different messages from it.
type outbox struct {
	ch    <-chan tea.Msg
	early []tea.Msg // taken from ch while looking for another type
}

func run(cmd tea.Cmd) *outbox { return &outbox{ch: results(cmd)} }

// take returns the first message of type T from the box, and fails the test
// (after a generous guard, not a sleep) if none comes.
func take[T tea.Msg](t *testing.T, box *outbox) T {
	t.Helper()
	for i, msg := range box.early {
		if m, ok := msg.(T); ok {
			box.early = append(box.early[:i], box.early[i+1:]...)
			return m
		}
	}
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		select {
		case msg := <-box.ch:
			if m, ok := msg.(T); ok {
				return m
			}
			box.early = append(box.early, msg)
		case <-guard.C:
			var zero T
			t.Fatalf("no %T came from the command", zero)
			return zero
		}
	}
}

// await is take for a command whose other results do not matter.
func await[T tea.Msg](t *testing.T, cmd tea.Cmd) T {
	t.Helper()
	return take[T](t, run(cmd))
}

// update feeds one message and returns the new model and its command.
func update(t *testing.T, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(msg)
	nm, ok := next.(Model)
	if !ok {
		t.Fatalf("Update returned %T", next)
	}
	return nm, cmd
}

// step feeds msg, then feeds back the first result of type T it leads to.
func step[T tea.Msg](t *testing.T, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	m, cmd := update(t, m, msg)
	return update(t, m, await[T](t, cmd))
}

func press(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+d":
		return tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}
	case "f1":
		return tea.KeyPressMsg{Code: tea.KeyF1}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}
