package wizard

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/consent"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// toUser gets past the key with the good key, declining to save it.
func (r *rig) toUser(t *testing.T) *runner {
	t.Helper()
	w := r.start(t).settle()
	w.send(apikey.SubmittedMsg{Key: flowtest.GoodKey}).settle()
	w.send(keys.IntentMsg{Intent: keys.No}).settle()
	if w.stage() != qs.StageUser {
		t.Fatalf("after a good key the wizard is on %v, want user", w.stage())
	}
	return w
}

// toConsent creates the user and goes on to consent; the link is shown and
// the first wait for the job is queued (the fake lists no new job until told).
func (r *rig) toConsent(t *testing.T) *runner {
	t.Helper()
	w := r.toUser(t)
	w.send(user.SubmittedMsg{Email: "max@example.com"})
	w.until("showed the new user", func(m Model) bool { return m.session.User.User.ID != "" })
	w.send(user.ConsentAskedMsg{})
	return w.until("showed the link and tried the browser", func(m Model) bool {
		return m.session.Consent.Waiting && !m.session.Consent.Browser.Opening
	})
}

func TestWrongKeyIsExplainedAndKeptThenTheRightOneIsSaved(t *testing.T) {
	r := newRig()
	w := r.start(t).settle()
	w.send(apikey.SubmittedMsg{Key: "wrong-key"}).settle()
	if w.stage() != qs.StageKey {
		t.Fatalf("a wrong key moved the wizard to %v", w.stage())
	}
	w.sees("did not recognise it")
	w.send(apikey.SubmittedMsg{Key: flowtest.GoodKey}).settle()
	w.sees("Save it in the test keyring")
	w.keys("y")
	if r.store.key != flowtest.GoodKey || w.stage() != qs.StageUser {
		t.Errorf("saved %q, on %v; want the typed key saved and the user step", r.store.key, w.stage())
	}
	w.sees("Key saved in the test keyring")
	for _, s := range []string{w.screen(), w.m.Summary()} {
		if strings.Contains(s, flowtest.GoodKey) {
			t.Fatal("the API key is on screen")
		}
	}
}

func TestKeyFromTheEnvironmentIsTrimmedAndCheckedAtOnce(t *testing.T) {
	r := newRig()
	r.cfg.EnvKey = "  " + flowtest.GoodKey + "\n"
	w := r.start(t).settle()
	if w.stage() != qs.StageUser || !slices.Equal(r.keys, []string{flowtest.GoodKey}) || r.store.key != "" {
		t.Errorf("on %v, keys tried %q, saved %q: want the trimmed key once, unsaved", w.stage(), r.keys, r.store.key)
	}
	if w.m.session.CanGoBack() {
		t.Error("esc would go back to a key the user never typed")
	}
}

func TestSavedKeyIsUsedAndNotOfferedForSavingAgain(t *testing.T) {
	r := newRig()
	r.store.key = flowtest.GoodKey
	w := r.start(t).settle()
	if w.stage() != qs.StageUser || strings.Contains(w.screen(), "Save it") {
		t.Fatalf("the saved key: on %v\n%s", w.stage(), w.screen())
	}
}

func TestDemoStartsTheSimulatorSkipsTheKeyAndStopsItOnClose(t *testing.T) {
	r := newRig()
	closed := r.demo("")
	w := r.start(t).settle()
	if w.stage() != qs.StageUser || w.m.where() != "demo" {
		t.Fatalf("demo: on %v at %q", w.stage(), w.m.where())
	}
	w.sees("nothing leaves this machine", "enter with nothing typed creates max@example.com")
	w.keys("esc")
	if w.stage() != qs.StageUser {
		t.Error("esc in the demo went back to a key the user never gave")
	}
	w.keys("enter")
	if c := r.api.Count("POST /users"); c != 1 {
		t.Fatalf("enter made %d users", c)
	}
	w.sees("Created user "+flowtest.UserID, qs.ExampleEmail)
	if e := w.m.session.User.User.Email; e != qs.ExampleEmail {
		t.Errorf("the demo made %q, want %s", e, qs.ExampleEmail)
	}
	w.m.Close()
	if !*closed {
		t.Error("closing the wizard left the simulator running")
	}
}

func TestConsentOpensTheBrowserAndTheNewJobIsTheOneNotThereBefore(t *testing.T) {
	r := newRig()
	r.cfg.UserID = flowtest.UserID // an existing user, with a job from before
	old := flowtest.Job("0ld00000-0000-4000-8000-000000000000", basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	old.Created = r.clock.Now().Add(time.Hour) // a clock skewed ahead fools a comparison of times, not a snapshot
	r.api.UserJobs = [][]basiq.Job{{old}, {old}}
	w := r.start(t).settle()
	w.send(apikey.SubmittedMsg{Key: flowtest.GoodKey}).settle()
	w.send(keys.IntentMsg{Intent: keys.No})
	w.until("showed the link and tried the browser", func(m Model) bool {
		return m.session.Consent.Waiting && !m.session.Consent.Browser.Opening
	})
	if len(r.opened) != 1 || !strings.Contains(r.opened[0], "token=client-token-for-"+flowtest.UserID) {
		t.Fatalf("browser opened %q, want the consent link with the client token", r.opened)
	}
	w.sees("It opened in your", "Waiting for a connection")
	// The hint names the bank as the job screen will, before its record is in.
	w.sees("Sandbox bank: Hooli Bank · login Wentworth-Smith · password whislter")
	w.until("polled past the snapshot", func(m Model) bool { return r.api.Count("GET /users/"+flowtest.UserID+"/jobs") >= 3 })
	if w.stage() != qs.StageConsent {
		t.Fatalf("an old job was taken for the new connection (on %v)", w.stage())
	}
	r.api.UserJobs = [][]basiq.Job{{old, flowtest.Job(flowtest.JobID, basiq.StepPending, basiq.StepPending, basiq.StepPending)}}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{
		flowtest.Job(flowtest.JobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending),
		flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepInProgress),
		flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess),
	}
	r.api.Accounts = flowtest.Accounts()
	w.until("watched the job", stageIs(qs.StageConnect))
	w.until("named the bank", func(m Model) bool { return m.session.Institutions["AU00000"].Name != "" })
	w.sees("Verifying credentials", "Connecting Hooli Bank")
	w.toAccounts().settle()
	for _, wait := range r.clock.Waits() {
		if wait < time.Second {
			t.Errorf("polled after %v: more than one request a second", wait)
		}
	}
	w.sees("Transaction 14000", "4 accounts")
	w.keys("q") // a user given by id: never offered for deletion
	final := w.m.Summary()
	for _, want := range []string{"Transaction 14000", flowtest.UserID, flowtest.JobID, "$BASIQ_API_KEY", "USER_ID=" + flowtest.UserID, "BASIQ_API_URL=https://au-api.basiq.io", `"$BASIQ_API_URL/users/$USER_ID/accounts"`} {
		if !strings.Contains(final, want) {
			t.Errorf("the last frame lacks %q:\n%s", want, final)
		}
	}
	if !w.quit || w.m.ExitCode() != qs.ExitOK {
		t.Errorf("quit %v, exit code %d; want 0", w.quit, w.m.ExitCode())
	}
}

func TestConsentPastTheTimeoutOffersToWaitLongerOrANewLink(t *testing.T) {
	r := newRig()
	w := r.toConsent(t)
	r.clock.Advance(11 * time.Minute)
	w.send(clockTickMsg{})
	w.sees("No connection after 10m0s", "w wait longer", "b new consent link")
	w.send(uitest.Press("w")).until("waited longer", func(m Model) bool { return !m.session.Consent.TimedOut })
	if strings.Contains(w.screen(), "No connection after") {
		t.Errorf("after w the timeout is still shown:\n%s", w.screen())
	}
	r.clock.Advance(11 * time.Minute)
	gen := w.m.session.Link.Gen
	w.send(clockTickMsg{}, uitest.Press("b"))
	w.until("showed a new link", func(m Model) bool { return m.session.Link.Gen != gen && m.session.Consent.Waiting })
	if n := r.api.Count("POST /token CLIENT_ACCESS"); n != 2 {
		t.Errorf("b minted %d links in all, want a new one (2)", n)
	}
}

func TestFailedJobExplainsOffersRetryAndExitsOne(t *testing.T) {
	r := newRig()
	w := r.toConsent(t)
	failed := flowtest.Job(flowtest.JobID, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	failed.Steps[0].Result = &basiq.StepResult{Type: "error", Code: "account-not-accessible-requires-user-action",
		Title: "Account not accessible", Detail: "The bank needs you to log in to its website."}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{failed}
	w.send(consent.JobsPastedMsg{IDs: []string{flowtest.JobID}}).until("saw the failure", func(m Model) bool { return m.session.Problem != nil })
	w.settle()
	w.sees("Account not accessible", "Could not connect to Hooli Bank", "Press u to retry the connection")
	if h := w.helpLine(); !strings.Contains(h, "u retry the connection") || !strings.Contains(h, "r consent again") {
		t.Errorf("help line %q: the keys that work after a failure", h)
	}
	refreshed := "b1111111-0000-4000-8000-000000000002"
	r.api.Refreshed = refreshed
	r.api.Jobs[refreshed] = []basiq.Job{flowtest.Job(refreshed, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)}
	w.send(uitest.Press("u")).until("polled the new job", func(m Model) bool { return r.api.Count("GET /jobs/"+refreshed) > 0 })
	if !slices.Contains(r.api.Calls(), "POST /users/"+flowtest.UserID+"/connections/conn-1/refresh") {
		t.Fatalf("retry did not refresh the connection: %q", r.api.Calls())
	}
	w.runOne()
	w.sees("Connecting Hooli Bank")

	// Quitting on a failed job exits 1, and the last frame says why.
	r2 := newRig()
	w2 := r2.toConsent(t)
	r2.api.Jobs[flowtest.JobID] = []basiq.Job{failed}
	w2.send(consent.JobsPastedMsg{IDs: []string{flowtest.JobID}}).settle()
	w2.keys("q", "n") // quit, and keep the user it made
	if w2.m.ExitCode() != qs.ExitFailed || !strings.Contains(w2.m.Summary(), "Account not accessible") {
		t.Errorf("exit %d, summary:\n%s", w2.m.ExitCode(), w2.m.Summary())
	}
}

func TestPollingBacksOffOnErrorsAndRecovers(t *testing.T) {
	r := newRig()
	r.cfg.JobIDs = []string{flowtest.JobID} // watched at once: no consent poll in between
	busy := flowtest.Unavailable("/jobs/" + flowtest.JobID)
	r.api.JobErrs[flowtest.JobID] = []error{busy, busy}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	w := r.toUser(t)
	before := len(r.clock.Waits())
	w.send(user.SubmittedMsg{Email: "max@example.com"})
	w.until("said when it tries again", func(m Model) bool {
		j := m.session.Jobs.ByID[flowtest.JobID]
		return j != nil && j.PollProblem != nil
	})
	w.sees("Checking again in")
	w.until("recovered", func(m Model) bool { return m.session.Jobs.AllSucceeded() })
	waits := r.clock.Waits()[before:]
	if len(waits) != 2 || waits[1] <= waits[0] || waits[0] < qs.JobPollEvery {
		t.Errorf("waits after two 503s = %v, want growing and never under %v", waits, qs.JobPollEvery)
	}
}

func TestCtrlCCancelsTheRequestInFlightAndExits130(t *testing.T) {
	r := newRig()
	r.api.Block = make(chan struct{})
	w := r.toUser(t)
	w.send(user.SubmittedMsg{Email: "max@example.com"})
	// The create command blocks until cancelled: run it as Bubble Tea would, in its own goroutine.
	results := make(chan tea.Msg, 64)
	for _, cmd := range w.queue {
		go func() { results <- flatten(cmd) }()
	}
	w.queue = nil
	w.send(uitest.Press("ctrl+c"))
	if w.m.ExitCode() != qs.ExitInterrupted {
		t.Errorf("ctrl+c exit code %d, want 130", w.m.ExitCode())
	}
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		select {
		case msg := <-results:
			if ev, ok := msg.(eventMsg); ok {
				if got, ok := ev.ev.(qs.UserLoaded); ok {
					if !errors.Is(got.Err, context.Canceled) {
						t.Errorf("the request ended with %v, want context.Canceled", got.Err)
					}
					return
				}
			}
		case <-guard.C:
			t.Fatal("the request in flight was not cancelled")
		}
	}
}

// flatten runs a command and, for a batch, the command among it that answers with an event.
func flatten(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if batch, ok := msg.(tea.BatchMsg); ok {
		out := make(chan tea.Msg, len(batch))
		for _, c := range batch {
			go func() { out <- flatten(c) }()
		}
		for range batch {
			if m := <-out; m != nil {
				if _, ok := m.(eventMsg); ok {
					return m
				}
			}
		}
		return nil
	}
	return msg
}

func TestAPIValidationErrorLandsNextToTheField(t *testing.T) {
	r := newRig()
	r.api.CreateErr = &basiq.Error{Status: 400, Method: "POST", Path: "/users", Items: []basiq.ErrorItem{{
		Code: "parameter-not-valid", Title: "Parameter value is not valid", Detail: "Mobile number is not a valid Australian number.",
		Source: &basiq.ErrorSource{Pointer: "mobile"}}}}
	w := r.toUser(t)
	w.send(user.SubmittedMsg{Mobile: "+61400000000"}).settle()
	if w.stage() != qs.StageUser {
		t.Fatalf("a rejected user moved the wizard to %v", w.stage())
	}
	w.sees("not a valid Australian number")
}

func TestExistingUserIsLookedUpNotCreated(t *testing.T) {
	r := newRig()
	r.cfg.UserID = flowtest.UserID
	w := r.start(t)
	w.send(apikey.SubmittedMsg{Key: flowtest.GoodKey}).settle()
	w.send(keys.IntentMsg{Intent: keys.No})
	w.sees("Looking up user 7f1c2a4e")
	w.until("showed the link", func(m Model) bool { return m.session.Consent.Waiting })
	if r.api.Count("POST /users") != 0 || w.stage() != qs.StageConsent {
		t.Errorf("calls %q, on %v: an existing user goes on to consent, none created", r.api.Calls(), w.stage())
	}
}

func TestEscGoesBackOneStepAndNeverMakesASecondUser(t *testing.T) {
	r := newRig()
	w := r.toConsent(t)
	gen := w.m.session.Link.Gen
	w.send(uitest.Press("esc")).until("went back", stageIs(qs.StageUser))
	if w.m.session.Link.Gen == gen {
		t.Fatalf("esc on consent: on %v, link generation %d (was %d)", w.stage(), w.m.session.Link.Gen, gen)
	}
	w.sees("Created user " + flowtest.UserID)
	w.send(uitest.Press("enter")).until("showed the link again", func(m Model) bool { return m.session.Consent.Waiting })
	if n := r.api.Count("POST /users"); n != 1 {
		t.Errorf("%d users made, want 1", n)
	}
}

func TestFailedConsentLinkCanBeRetriedOrLeftWithEsc(t *testing.T) {
	r := newRig()
	limited := &basiq.Error{Status: 429, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Code: "too-many-requests", Title: "Too many requests."}}}
	// The client token fails while the new user is shown, and again on consent.
	r.api.ClientTokenErrs = []error{limited, limited}
	w := r.toUser(t)
	w.send(user.SubmittedMsg{Email: "max@example.com"})
	w.until("showed the new user", func(m Model) bool { return m.session.User.User.ID != "" }).settle()
	w.send(uitest.Press("enter")).settle()
	w.sees("Too many requests")
	if h := w.helpLine(); !strings.Contains(h, "r try again") {
		t.Errorf("help line %q lacks the retry", h)
	}
	w.send(uitest.Press("r")).until("showed the link", func(m Model) bool { return m.session.Consent.Waiting })
	w.send(uitest.Press("esc")).until("went back", stageIs(qs.StageUser))
	if r.api.Count("POST /users") != 1 {
		t.Errorf("esc: on %v with %d users", w.stage(), r.api.Count("POST /users"))
	}
}

func TestUnknownPastedJobGoesBackToConsentAndThePersonaFinishes(t *testing.T) {
	r := newRig()
	r.demo("")
	r.consented[qs.SandboxPersona] = []string{flowtest.JobID}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	r.api.Accounts = flowtest.Accounts()
	w := r.start(t).settle()
	w.keys("enter")
	w.send(uitest.Press("enter")).until("showed the link", func(m Model) bool { return m.session.Consent.Waiting })
	unknown := "deadbeef-0000-4000-8000-000000000000"
	w.send(consent.JobsPastedMsg{IDs: []string{unknown}})
	w.until("said the job is unknown", func(m Model) bool { return m.session.Problem != nil })
	w.sees("Basiq has no job " + unknown)
	if strings.Contains(w.screen(), "h47m") {
		t.Errorf("the elapsed time of a job never fetched:\n%s", w.screen())
	}
	if h := w.helpLine(); !strings.Contains(h, "esc back") {
		t.Errorf("help line %q lacks the way back", h)
	}
	w.send(uitest.Press("esc")).until("showed a new link", func(m Model) bool { return m.session.Consent.Waiting })
	w.send(uitest.Press("a")).toAccounts()
	if !slices.Equal(r.logins, []string{qs.SandboxPersona}) {
		t.Errorf("consented as %q", r.logins)
	}
}

func TestDemoPersonaConsentsOnceThenReopenedConsentIsTheUsers(t *testing.T) {
	r := newRig()
	r.demo("bighead")
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Failed(flowtest.JobID, "invalid-credentials")}
	r.consented["bighead"] = []string{flowtest.JobID}
	w := r.start(t).settle()
	w.keys("enter")
	w.send(uitest.Press("enter")).settle()
	if len(r.opened) != 0 || !slices.Equal(r.logins, []string{"bighead"}) {
		t.Fatalf("opened %q, consented as %q; want bighead's consent and no browser", r.opened, r.logins)
	}
	w.sees("Cannot login to target institution")
	w.send(uitest.Press("r")).until("showed a new link", func(m Model) bool {
		return m.session.Consent.Waiting && !m.session.Consent.Browser.Opening
	})
	if len(r.opened) != 1 || len(r.logins) != 1 {
		t.Errorf("reopened consent: browser %q, logins %q; want the browser, no second bighead", r.opened, r.logins)
	}
	w.sees("Press a to complete consent as Wentworth-Smith")
}

func TestTransactionsAfterAFailedFirstPageCanBeAskedForAgain(t *testing.T) {
	r := newRig()
	w := r.toConsent(t)
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	r.api.Accounts = flowtest.Accounts()
	r.api.TxnErrs = []error{flowtest.Unavailable("/users/" + flowtest.UserID + "/transactions")}
	r.api.Transactions = []basiq.Transaction{{ID: "t1", Description: "COFFEE", Amount: "-4.50", Currency: "AUD", PostDate: "2026-11-20"}}
	w.send(consent.JobsPastedMsg{IDs: []string{flowtest.JobID}}).toAccounts().settle()
	w.keys("t")
	w.sees("Service unavailable")
	if strings.Contains(w.screen(), "Loading transactions…") {
		t.Errorf("loading stays after a failed page:\n%s", w.screen())
	}
	w.keys("r")
	w.sees("COFFEE")
	w.keys("esc", "space")
	if w.m.accountsScreen.TakesEsc() {
		t.Error("esc did not go back to the table")
	}
}

func TestKeysAreRightWhereReadmeSaysAndNothingActsBehindTheSmallCover(t *testing.T) {
	r := newRig()
	r.cfg.Traces = func() []basiq.Exchange { return nil }
	w := r.start(t).settle()
	w.keys("?")
	if s := w.screen(); strings.Contains(s, "Keys on this screen") || !strings.Contains(s, "f1 help") {
		t.Fatalf("in the key field, ? should type and the help line should offer f1:\n%s", s)
	}
	w.keys("f1")
	w.sees("Keys on this screen")
	w.keys("f1", "f2")
	w.sees("No requests yet")
	w.keys("f1")
	w.sees("Keys on this screen", "copy as curl")
	w.keys("esc", "esc")
	w.send(tea.WindowSizeMsg{Width: 60, Height: 20})
	w.sees("needs a bigger window", "80x24")
	w.keys("ctrl+d")
	if w.m.session.Key.Checking {
		t.Error("a key acted behind the 'bigger window' cover")
	}
	w.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	w.sees("Your API key")
}

// demoToAccounts runs the demo to its accounts: enter, enter, and the
// sandbox persona's job done at once.
func (r *rig) demoToAccounts(t *testing.T) *runner {
	t.Helper()
	r.demo(qs.SandboxPersona)
	r.consented[qs.SandboxPersona] = []string{flowtest.JobID}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	r.api.Accounts = flowtest.Accounts()
	w := r.start(t).settle()
	w.keys("enter")
	return w.send(uitest.Press("enter")).toAccounts().settle()
}

func TestSummaryAfterTheDemoPointsAtBasiqNotTheStoppedSimulator(t *testing.T) {
	w := newRig().demoToAccounts(t)
	w.keys("q", "n")
	s := w.m.Summary()
	for _, want := range []string{"simulator has stopped", "BASIQ_API_URL=" + basiq.DefaultBaseURL, `"$BASIQ_API_URL/token"`, `"$BASIQ_API_URL/users/$USER_ID/accounts"`, "USER_ID=paste-a-user-id-here"} {
		if !strings.Contains(s, want) {
			t.Errorf("the summary lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "127.0.0.1") || strings.Contains(s, "USER_ID="+flowtest.UserID) {
		t.Errorf("after the demo the calls point at what no longer exists:\n%s", s)
	}
	for _, l := range strings.Split(s, "\n") {
		if w := lipgloss.Width(l); w > 100 {
			t.Errorf("a line of %d columns wraps in the 100 columns it was made for: %q", w, l)
		}
	}
}

func TestARunningStepsTimeMovesWithTheSpinnerNotOnceASecond(t *testing.T) {
	r := newRig()
	r.cfg.JobIDs = []string{flowtest.JobID}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)}
	w := r.toUser(t)
	w.send(user.SubmittedMsg{Email: "max@example.com"})
	w.until("saw the step running", func(m Model) bool {
		j := m.session.Jobs.ByID[flowtest.JobID]
		return j != nil && j.Seen
	})
	w.sees("Verifying credentials      0.0s")
	r.clock.Advance(300 * time.Millisecond)
	w.send(spinner.TickMsg{})
	w.sees("Verifying credentials      0.3s")
}

func TestQRCodeHasTheWindowAloneAndAnyKeyReturns(t *testing.T) {
	r := newRig()
	r.cfg.Traces = func() []basiq.Exchange { return nil }
	w := r.toConsent(t)
	w.send(tea.WindowSizeMsg{Width: 200, Height: 60})
	w.send(uitest.Press("v"))
	if s := w.screen(); strings.Contains(s, "basiq-onboard") || !strings.Contains(s, "▀") || !strings.Contains(s, "Any key returns") {
		t.Fatalf("the QR code should have the window to itself:\n%s", s)
	}
	w.send(uitest.Press("i"))
	if w.m.showInspector || w.m.consentScreen.m.ShowingQR() {
		t.Fatal("a key on the QR code should return to consent, and do nothing else")
	}
	w.sees("Consent in the browser", "basiq-onboard")
	w.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	w.send(uitest.Press("v"))
	w.sees("The QR code needs a bigger window", "this one is 80x24")
	w.send(uitest.Press("ctrl+c"))
	if w.m.ExitCode() != qs.ExitInterrupted {
		t.Errorf("ctrl+c on the QR code: exit %d, want 130", w.m.ExitCode())
	}
}

func TestAfterAnUnknownIDTheFormForANewUserStaysOpen(t *testing.T) {
	r := newRig()
	w := r.toUser(t)
	w.keys("ctrl+o")
	w.send(uitest.Type("7f1c2a4e-0000-4000-8000-0b2e9c3d4f5a")...)
	w.keys("enter")
	w.sees("No user with this id")
	w.keys("ctrl+o")
	w.send(clockTickMsg{}).settle()
	w.sees("Create a user")
	if strings.Contains(w.screen(), "Use an existing user") {
		t.Errorf("the id form came back:\n%s", w.screen())
	}
}

func TestBasiqsWordOnAFieldGoesOnceItsValueChanges(t *testing.T) {
	r := newRig()
	r.api.CreateErr = &basiq.Error{Status: 400, Method: "POST", Path: "/users", Items: []basiq.ErrorItem{{
		Code: "parameter-not-valid", Title: "Parameter value is not valid", Detail: "Mobile number is not a valid Australian number.",
		Source: &basiq.ErrorSource{Pointer: "mobile"}}}}
	w := r.toUser(t)
	w.keys("tab")
	w.send(uitest.Type("+61400000000")...)
	w.keys("enter")
	w.sees("not a valid Australian number")
	w.keys("backspace")
	w.send(clockTickMsg{}).settle()
	if strings.Contains(w.screen(), "not a valid Australian number") {
		t.Errorf("Basiq's word came back on a value it never saw:\n%s", w.screen())
	}
}

func TestAnUnknownJobIsNotShownAsStillBeingChecked(t *testing.T) {
	r := newRig()
	w := r.toConsent(t)
	unknown := "deadbeef-0000-4000-8000-000000000000"
	w.send(consent.JobsPastedMsg{IDs: []string{unknown}})
	w.until("said the job is unknown", func(m Model) bool { return m.session.Problem != nil })
	r.clock.Advance(5 * time.Second)
	w.send(clockTickMsg{})
	if s := w.screen(); strings.Contains(s, "Asking Basiq about the job") || strings.Contains(s, "so far") || !strings.Contains(s, "stopped") {
		t.Errorf("nothing is being checked, yet:\n%s", s)
	}
}
