package wizard

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/headless"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

// The failure matrix: what each kind of failure of each call of the
// quickstart does, in both faces, against the simulator with the fault
// aimed at that call. It is the spec:
//   - headless, a failed call stops the run: the exit code below, a problem
//     that says what was being done, and no later call of the quickstart;
//   - in the wizard the problem offers a key that tries again, and once Basiq
//     is well again that key completes the run, with never a second user made
//     without a yes.
var matrix = []struct {
	call     string // the route, as the simulator's fault spec names it
	hits     string // which of its requests fail: "#1+" every one, "#2+" from the second
	step     int    // where it is in the quickstart (stepOf)
	doing    string // what the problem says was being done
	headless int    // the headless exit code
	retry    string // the wizard's key that tries again ("" where nothing fails on screen)
	existing bool   // with --user-id: an existing user is looked up, and its jobs listed before the link
}{
	{"POST /token", "#1+", 1, "checking the key", qs.ExitFailed, "enter", false},
	{"POST /users", "#1+", 2, "creating the user", qs.ExitFailed, "enter", false},
	{"GET /users/{id}", "#1+", 2, "looking up the user", qs.ExitFailed, "enter", true},
	{"POST /token", "#2+", 3, "minting a client token", qs.ExitFailed, "enter", false}, // the second token is the client's: minted while the new user shows, said at consent
	{"GET /users/{id}/jobs", "#1+", 3, "checking the user's jobs", qs.ExitFailed, "r", true},
	{"GET /jobs/{id}", "#1+", 4, "checking the job", qs.ExitFailed, "r", false},
	{"GET /institutions/{id}", "#1+", 5, "", qs.ExitOK, "", false}, // only the bank's name: its id stands in
	{"GET /users/{id}/accounts", "#1+", 5, "loading the accounts", qs.ExitFailed, "r", false},
	{"GET /users/{id}/transactions", "#1+", 6, "loading transactions", qs.ExitOK, "r", false}, // headless never asks
}

// stepOf places a request in the quickstart: 1 the key, 2 the user, 3 the
// consent link (the client token and the user's jobs, asked at once), 4 the
// job, 5 the accounts (and the bank's name, at once), 6 transactions.
func stepOf(x basiq.Exchange) int {
	method := x.Method
	u, _ := url.Parse(x.URL)
	for _, r := range []struct {
		route string
		step  int
	}{
		{"POST /users", 2}, {"GET /users/{id}", 2}, {"GET /users/{id}/jobs", 3}, {"GET /jobs/{id}", 4},
		{"GET /institutions/{id}", 5}, {"GET /users/{id}/accounts", 5}, {"GET /users/{id}/transactions", 6},
	} {
		m, path, _ := strings.Cut(r.route, " ")
		if m == method && routeMatches(path, u.Path) {
			return r.step
		}
	}
	if strings.Contains(x.RequestBody, "CLIENT_ACCESS") {
		return 3 // the client token, for the consent link
	}
	return 1
}

// wayOn are the cells where trying the same request again cannot help, and
// the keys that go on instead.
var wayOn = map[string][]string{
	"GET /users/{id}#1+=404": {"ctrl+o", "enter"}, // no such user: create one instead
	"GET /jobs/{id}#1+=404":  {"esc"},             // no such job: back to consent (then a)
}

// faultKinds are the failures each call meets: a network error, a 5xx, a
// 429, a proxy's HTML page, a body cut short, a 4xx, an unknown id, and no
// answer at all.
var faultKinds = []string{"reset", "503", "429", "html", "truncate", "400", "404", "hang"}

func TestFailureMatrix(t *testing.T) {
	for _, row := range matrix {
		for _, kind := range faultKinds {
			name := fmt.Sprintf("%s%s=%s", row.call, row.hits, kind)
			t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
				t.Parallel()
				spec := row.call + row.hits + "=" + kind
				t.Run("headless", func(t *testing.T) {
					m := newMatrixRun(t, spec, row.existing)
					var stdout, stderr bytes.Buffer
					code := headless.Run(context.Background(), m.cfg, headless.OutputTable, &stdout, &stderr)
					if code != row.headless {
						t.Fatalf("exit %d, want %d\n%s", code, row.headless, &stderr)
					}
					if row.headless == qs.ExitOK {
						return
					}
					if !strings.Contains(strings.ToLower(stderr.String()), row.doing) {
						t.Errorf("the problem does not say it was %s:\n%s", row.doing, &stderr)
					}
					if later := m.callsAfter(row.step); len(later) > 0 {
						t.Errorf("calls after the failed step: %q", later)
					}
					if n := m.usersMade(); n > 1 {
						t.Errorf("%d users made", n)
					}
				})
				t.Run("wizard", func(t *testing.T) {
					m := newMatrixRun(t, spec, row.existing)
					w := (&rig{cfg: m.cfg}).start(t)
					if row.retry == "" {
						w.asAPerson(func(m Model) bool { return m.session.Accounts.Loaded })
						return
					}
					w.asAPerson(func(m Model) bool { return failing(m.session) })
					keys := wayOn[spec]
					if keys == nil {
						keys = []string{row.retry}
					}
					if h := w.helpLine(); !strings.Contains(h, keys[0]+" ") {
						t.Errorf("the help line does not offer %q:\n%s", keys[0], h)
					}
					m.sim.Heal()
					for _, k := range keys {
						w.send(uitest.Press(k))
					}
					confirmed := false
					w.until("tried again", func(m Model) bool { return !failing(m.session) || m.session.User.AskCreateAgain })
					if w.m.session.User.AskCreateAgain {
						confirmed = true // the last POST may have made the user: another only after a yes
						w.send(uitest.Press("y"))
					}
					w.asAPerson(func(m Model) bool {
						if row.call == "GET /users/{id}/transactions" {
							f := m.session.Feeds[m.session.Accounts.List[0].ID]
							return f != nil && len(f.Items) > 0
						}
						return m.session.Accounts.Loaded
					})
					if n, most := m.usersMade(), map[bool]int{false: 1, true: 2}[confirmed]; n > most {
						t.Errorf("%d users made (a second asked for: %v)", n, confirmed)
					}
				})
			})
		}
	}
}

// asAPerson runs the wizard, pressing what a person would to go on (enter
// on the user form, enter to consent, enter to the accounts, t for transactions),
// until done holds.
func (w *runner) asAPerson(done func(Model) bool) {
	w.t.Helper()
	consentedTo := 0 // the link consent was given for, so once a link
	for steps := 0; !done(w.m); steps++ {
		s := w.m.session
		switch {
		case steps > 5000:
			w.t.Fatalf("never got there; screen:\n%s", w.screen())
		case s.Stage == qs.StageConsent && s.Consent.Waiting && !s.Consent.AutoConsenting && consentedTo != s.Link.Gen:
			consentedTo = s.Link.Gen
			w.send(uitest.Press("a")) // the demo's persona, where no browser opens
		case len(w.queue) > 0:
			w.runOne()
		case s.Stage == qs.StageUser && !s.User.Working && !failing(s):
			w.send(uitest.Press("enter")) // create the demo's user, then on to consent
		case s.Stage == qs.StageConnect && s.Accounts.Loaded:
			w.send(uitest.Press("enter")) // on to the accounts
		case s.Stage == qs.StageAccounts && len(s.Feeds) == 0:
			w.send(uitest.Press("t"))
		default:
			w.t.Fatalf("stuck; screen:\n%s", w.screen())
		}
	}
}

// failing reports whether the session shows a failure a person must act on:
// a problem, a field Basiq refused, or a page of transactions that failed.
func failing(s *qs.Session) bool {
	if s.Problem != nil && !s.Problem.Warning || len(s.User.FieldErrors) > 0 {
		return true
	}
	for _, f := range s.Feeds {
		if f.Problem != nil {
			return true
		}
	}
	return false
}

// matrixRun is one cell's simulator, client and record of requests.
type matrixRun struct {
	sim *simulator.Server
	cfg flow.Config

	mu        sync.Mutex
	exchanges []basiq.Exchange
}

func newMatrixRun(t *testing.T, faults string, existingUser bool) *matrixRun {
	t.Helper()
	m := &matrixRun{sim: simulator.New(simulator.Options{Faults: simulator.MustParseFaults(faults)})}
	baseURL, err := m.sim.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.sim.Close() })
	clock := basiq.Clock(basiqtest.NewClock()) // retries and polls wait on it: no sleeps
	cfg := basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL, Clock: clock, Trace: m.record}
	if strings.HasSuffix(faults, "=hang") || strings.HasSuffix(faults, "=429") {
		// Bounds in real time, short: a server that never answers (or, on
		// this clock, says "come back in a second" forever) costs a test a
		// few seconds, not a minute. Elsewhere the client's own, so a slow
		// machine is not taken for a slow server.
		cfg.IdleTimeout, cfg.AttemptTimeout, cfg.CallTimeout = 500*time.Millisecond, 700*time.Millisecond, 1200*time.Millisecond
	}
	client, err := basiq.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.cfg = flow.Config{
		Demo:    true,
		Persona: qs.SandboxPersona,
		Clock:   clock,
		Jitter:  func() float64 { return 0.5 },
		// Long: waits pass at once on this clock, so --timeout would come
		// before the client's bounds (real time), as it never does for real.
		Timeout: 1000 * time.Hour,
		StartDemo: func() (flow.Demo, error) {
			return flow.Demo{API: client, APIURL: baseURL, ConsentBase: m.sim.ConsentBase(),
				AutoConsent: func(ctx context.Context, token, inst, login, _ string) ([]string, error) {
					password, _ := simulator.Persona(login)
					return m.sim.CompleteConsent(ctx, token, inst, login, password)
				}}, nil
		},
	}
	if existingUser {
		m.cfg.UserID = m.userMadeBefore(t, baseURL)
	}
	return m
}

func (m *matrixRun) record(x basiq.Exchange) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.exchanges = append(m.exchanges, x)
}

// userMadeBefore makes a user with a client of its own (its requests are
// neither faulted nor recorded: they are not the run's).
func (m *matrixRun) userMadeBefore(t *testing.T, baseURL string) string {
	t.Helper()
	c, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL})
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.CreateUser(context.Background(), basiq.NewUser{Email: "before@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// usersMade counts the POST /users that Basiq answered with a 2xx.
func (m *matrixRun) usersMade() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, x := range m.exchanges {
		if x.Method == http.MethodPost && strings.HasSuffix(x.URL, "/users") && x.Status/100 == 2 {
			n++
		}
	}
	return n
}

// callsAfter are the requests of a later step than step: none may run once it failed.
func (m *matrixRun) callsAfter(step int) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var later []string
	for _, x := range m.exchanges {
		if stepOf(x) > step {
			later = append(later, x.Method+" "+x.URL)
		}
	}
	return later
}

// routeMatches reports whether a path is the route's, a segment written {…} matching any.
func routeMatches(route, path string) bool {
	want, got := strings.Split(route, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i] != got[i] && !strings.HasPrefix(want[i], "{") {
			return false
		}
	}
	return true
}
