package flow

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/accounts"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/consent"
	"github.com/basiq-onboard/basiq-onboard/ui/jobs"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

const (
	testUserID = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	testJobID  = "a03e4df4-0000-4000-8000-000000000001"
	goodKey    = "NjA0ZmY0ZTgtZ29vZC1rZXk6c2VjcmV0"
)

var badKeyErr = &basiq.Error{Status: 404, Method: "POST", Path: "/token",
	Items: []basiq.ErrorItem{{Code: "parameter-not-valid", Title: "Parameter not valid.", Detail: "Unable to authenticate with provided API key."}}}

type rig struct {
	api      *fakeAPI
	clock    *fakeClock
	store    *fakeStore
	opened   []string
	keysSeen []string
	cfg      Config
}

func newRig() *rig {
	r := &rig{
		api:   &fakeAPI{user: basiq.User{ID: testUserID}, jobs: map[string][]basiq.Job{}, jobErrs: map[string][]error{}},
		clock: newFakeClock(),
		store: &fakeStore{},
	}
	r.cfg = Config{
		NewAPI: func(key string) (API, error) {
			r.keysSeen = append(r.keysSeen, key)
			if key != goodKey {
				return &fakeAPI{authErr: badKeyErr}, nil
			}
			return r.api, nil
		},
		Keys:        r.store,
		Clock:       r.clock,
		OpenBrowser: func(url string) error { r.opened = append(r.opened, url); return nil },
		Where:       "au-api.basiq.io",
		APIURL:      "https://au-api.basiq.io",
		Timeout:     10 * time.Minute,
	}
	return r
}

// start builds the wizard at 100x30 and runs Init's key-loading command.
func (r *rig) start(t *testing.T) Model {
	t.Helper()
	m := New(r.cfg)
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 100, Height: 30})
	return m
}

func screen(m Model) string { return m.View().Content }

func job(id string, statuses ...string) basiq.Job {
	titles := []string{basiq.StepVerifyCredentials, basiq.StepRetrieveAccounts, basiq.StepRetrieveTransactions}
	j := basiq.Job{Type: "job", ID: id, Created: time.Date(2026, 11, 24, 14, 5, 30, 0, time.UTC),
		Institution: &basiq.Ref{Type: "institution", ID: "AU00000"},
		Links:       basiq.Links{Source: "https://au-api.basiq.io/users/" + testUserID + "/connections/conn-1"}}
	for i, s := range statuses {
		j.Steps = append(j.Steps, basiq.Step{Title: titles[i], Status: s})
	}
	return j
}

// toUserStep gets a wizard past the key with the good key, declining to save it.
func (r *rig) toUserStep(t *testing.T) Model {
	t.Helper()
	m := r.start(t)
	m, _ = step[keyCheckedMsg](t, m, apikey.SubmittedMsg{Key: goodKey})
	m, _ = update(t, m, apikey.SaveAnsweredMsg{Save: false})
	if m.CurrentStep() != StepUser {
		t.Fatalf("after a good key the wizard is on %v, want user", m.CurrentStep())
	}
	return m
}

// toConsentStep creates the user and continues to consent with the link minted.
func (r *rig) toConsentStep(t *testing.T) (Model, tea.Cmd) {
	t.Helper()
	m := r.toUserStep(t)
	m, cmd := step[userReadyMsg](t, m, user.SubmittedMsg{Email: "max@example.com"})
	m, _ = update(t, m, await[consentLinkMsg](t, cmd))
	m, cmd = update(t, m, user.ContinueMsg{})
	if m.CurrentStep() != StepConsent {
		t.Fatalf("after continue the wizard is on %v, want consent", m.CurrentStep())
	}
	return m, cmd
}

func TestWrongKeyIsExplainedAndKeptThenTheRightOneIsSaved(t *testing.T) {
	r := newRig()
	m := r.start(t)
	m, _ = step[keyCheckedMsg](t, m, apikey.SubmittedMsg{Key: "wrong-key"})
	if m.CurrentStep() != StepKey {
		t.Fatalf("a wrong key moved the wizard to %v", m.CurrentStep())
	}
	if s := screen(m); !strings.Contains(s, "did not recognise this key") {
		t.Errorf("the key screen does not say the key was not recognised:\n%s", s)
	}
	m, _ = step[keyCheckedMsg](t, m, apikey.SubmittedMsg{Key: goodKey})
	if m.CurrentStep() != StepKey || !strings.Contains(screen(m), "the test keyring") {
		t.Fatalf("a good typed key should be offered for saving first:\n%s", screen(m))
	}
	m, cmd := update(t, m, apikey.SaveAnsweredMsg{Save: true})
	m, _ = update(t, m, await[keySavedMsg](t, cmd))
	if r.store.key != goodKey {
		t.Errorf("saved key = %q, want the key typed", r.store.key)
	}
	if m.CurrentStep() != StepUser {
		t.Errorf("after saving, the wizard is on %v, want user", m.CurrentStep())
	}
	for _, s := range []string{screen(m), m.Summary()} {
		if strings.Contains(s, goodKey) {
			t.Fatal("the API key is on screen")
		}
	}
}

func TestKeyFromTheEnvironmentIsTrimmedAndCheckedAtOnce(t *testing.T) {
	r := newRig()
	r.cfg.EnvKey = "  " + goodKey + "\n"
	m := r.start(t)
	m, _ = update(t, m, await[keyCheckedMsg](t, m.Init()))
	if m.CurrentStep() != StepUser {
		t.Fatalf("BASIQ_API_KEY did not take the wizard to the user step (on %v)", m.CurrentStep())
	}
	if !slices.Equal(r.keysSeen, []string{goodKey}) {
		t.Errorf("keys tried = %q, want the trimmed key once", r.keysSeen)
	}
	if r.store.key != "" {
		t.Error("a key from the environment was saved without asking")
	}
}

func TestSavedKeyIsUsedNextTime(t *testing.T) {
	r := newRig()
	r.store.key = goodKey
	m := r.start(t)
	m, cmd := update(t, m, await[savedKeyMsg](t, m.Init()))
	m, _ = update(t, m, await[keyCheckedMsg](t, cmd))
	if m.CurrentStep() != StepUser {
		t.Fatalf("the saved key did not take the wizard to the user step (on %v)", m.CurrentStep())
	}
}

func TestDemoStartsTheSimulatorAndSkipsTheKey(t *testing.T) {
	r := newRig()
	closed := false
	r.cfg.StartDemo = func() (Demo, error) {
		return Demo{API: r.api, APIURL: "http://127.0.0.1:1", ConsentBase: "http://127.0.0.1:1/consent/home", Close: func() { closed = true }}, nil
	}
	r.cfg.Demo = true
	m := r.start(t)
	m, _ = update(t, m, await[demoStartedMsg](t, m.Init()))
	if m.CurrentStep() != StepUser || m.where != "demo" {
		t.Fatalf("demo: step %v, where %q", m.CurrentStep(), m.where)
	}
	if s := screen(m); !strings.Contains(s, "nothing leaves this machine") {
		t.Errorf("the demo does not say it runs locally:\n%s", s)
	}
	if _, cmd := update(t, m, press("enter")); cmd == nil || await[user.SubmittedMsg](t, cmd).Email != "max@example.com" {
		t.Error("in the demo, enter on the user form should create the made-up user at once")
	}
	if m, _ = update(t, m, press("esc")); m.CurrentStep() != StepUser {
		t.Error("esc in the demo went back to a key the user never gave")
	}
	m.Close()
	if !closed {
		t.Error("closing the wizard left the simulator running")
	}
}

func TestDemoKeyOnTheKeyScreen(t *testing.T) {
	r := newRig()
	started := false
	r.cfg.StartDemo = func() (Demo, error) { started = true; return Demo{API: r.api}, nil }
	m := r.start(t)
	m, _ = step[demoStartedMsg](t, m, apikey.DemoMsg{})
	if !started || m.CurrentStep() != StepUser {
		t.Fatalf("the demo key did not start the demo (started %v, step %v)", started, m.CurrentStep())
	}
}

func TestConsentOpensTheBrowserAndDiscoversTheNewJob(t *testing.T) {
	r := newRig()
	old := job("old-job", basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	old.Created = r.clock.Now().Add(-time.Hour)
	r.api.userJobs = []basiq.Job{old}
	m, cmd := r.toConsentStep(t)
	if len(r.opened) != 0 {
		t.Fatal("the browser opened before the consent screen asked")
	}
	box := run(cmd)
	opened := take[browserOpenedMsg](t, box)
	if len(r.opened) != 1 || !strings.Contains(r.opened[0], "token=client-token-for-"+testUserID) {
		t.Fatalf("browser opened %q, want the consent link with the client token", r.opened)
	}
	m, _ = update(t, m, opened)

	// First poll: only an old job, so keep waiting.
	m, cmd = update(t, m, take[userJobsMsg](t, box))
	if m.CurrentStep() != StepConsent {
		t.Fatalf("an old job was taken for the new connection (step %v)", m.CurrentStep())
	}
	r.api.userJobs = append(r.api.userJobs, job(testJobID, basiq.StepPending, basiq.StepPending, basiq.StepPending))
	r.api.jobs[testJobID] = []basiq.Job{
		job(testJobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending),
		job(testJobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepInProgress),
	}
	m, cmd = update(t, m, await[userJobsMsg](t, cmd))
	if m.CurrentStep() != StepConnect {
		t.Fatalf("the new job was not picked up (step %v)", m.CurrentStep())
	}
	for _, w := range r.clock.waits {
		if w < time.Second {
			t.Errorf("polled after %v: more than one request a second", w)
		}
	}
	m, cmd = update(t, m, await[jobPolledMsg](t, cmd))
	if s := screen(m); !strings.Contains(s, "Verifying credentials") {
		t.Errorf("the job view does not show the first step:\n%s", s)
	}
	r.api.accounts = []basiq.Account{{ID: "acc-1", Name: "Transaction 14000", Currency: "AUD", Balance: "34076.00", AvailableFunds: "34076.00", Institution: "AU00000", Status: "available", Class: basiq.AccountClass{Type: "transaction"}}}
	m, cmd = update(t, m, await[jobPolledMsg](t, cmd))
	m, _ = update(t, m, await[accountsMsg](t, cmd))
	if m.CurrentStep() != StepAccounts {
		t.Fatalf("accounts retrieved but the wizard is on %v", m.CurrentStep())
	}
	if s := screen(m); !strings.Contains(s, "Transaction 14000") {
		t.Errorf("the accounts table does not show the account:\n%s", s)
	}
	m, _ = update(t, m, accounts.QuitMsg{})
	final := m.Summary()
	for _, want := range []string{"Transaction 14000", testUserID, testJobID, "$BASIQ_API_KEY", "/users/" + testUserID + "/accounts"} {
		if !strings.Contains(final, want) {
			t.Errorf("the last frame lacks %q:\n%s", want, final)
		}
	}
	if m.ExitCode() != exitOK {
		t.Errorf("exit code %d, want 0", m.ExitCode())
	}
}

func TestPastedRedirectURLWatchesItsJobs(t *testing.T) {
	r := newRig()
	m, _ := r.toConsentStep(t)
	r.api.jobs[testJobID] = []basiq.Job{job(testJobID, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)}
	m, cmd := update(t, m, consent.JobsPastedMsg{IDs: []string{testJobID}})
	if m.CurrentStep() != StepConnect {
		t.Fatalf("a pasted job id did not start watching (step %v)", m.CurrentStep())
	}
	if got := await[jobPolledMsg](t, cmd); got.id != testJobID {
		t.Errorf("polled %q, want the pasted job", got.id)
	}
}

func TestConsentPastTheTimeoutOffersToWaitLonger(t *testing.T) {
	r := newRig()
	m, _ := r.toConsentStep(t)
	r.clock.Advance(11 * time.Minute)
	m, _ = update(t, m, clockTickMsg{})
	if s := screen(m); !strings.Contains(strings.ToLower(s), "wait longer") {
		t.Fatalf("past --timeout the consent screen does not offer to wait longer:\n%s", s)
	}
	m, _ = update(t, m, consent.WaitLongerMsg{})
	if s := screen(m); strings.Contains(strings.ToLower(s), "wait longer") {
		t.Errorf("after w the timeout is still shown:\n%s", s)
	}
}

func TestFailedJobExplainsOffersRetryAndExitsOne(t *testing.T) {
	r := newRig()
	m, _ := r.toConsentStep(t)
	failed := job(testJobID, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	failed.Steps[0].Result = &basiq.StepResult{Type: "error", Code: "account-not-accessible-requires-user-action",
		Title: "Account not accessible", Detail: "The bank needs you to log in to its website."}
	r.api.jobs[testJobID] = []basiq.Job{failed}
	m, cmd := update(t, m, consent.JobsPastedMsg{IDs: []string{testJobID}})
	m, cmd = update(t, m, await[jobPolledMsg](t, cmd))
	m, _ = update(t, m, await[institutionMsg](t, cmd))
	if s := screen(m); !strings.Contains(s, "Account not accessible") || !strings.Contains(s, "Hooli Bank") {
		t.Fatalf("the failure, or the bank, is not on screen:\n%s", s)
	}
	r.api.refreshed = "b1111111-0000-4000-8000-000000000002"
	r.api.jobs[r.api.refreshed] = []basiq.Job{job(r.api.refreshed, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)}
	m, cmd = step[refreshedMsg](t, m, jobs.RetryMsg{JobID: testJobID})
	if !slices.Contains(r.api.Calls(), "POST /users/"+testUserID+"/connections/conn-1/refresh") {
		t.Fatalf("retry did not refresh the connection: %q", r.api.Calls())
	}
	got := await[jobPolledMsg](t, cmd)
	if got.id != r.api.refreshed {
		t.Errorf("after retry the wizard polls %q, want the new job", got.id)
	}
	m, _ = update(t, m, got)
	if s := ansi.Strip(screen(m)); !strings.Contains(s, "Connecting Hooli Bank") {
		t.Errorf("the retried job is not headed by its bank's name:\n%s", s)
	}
	// Quitting on a failed job exits 1.
	m2, _ := r.toConsentStep(t)
	r.api.jobs[testJobID] = []basiq.Job{failed}
	m2, cmd = update(t, m2, consent.JobsPastedMsg{IDs: []string{testJobID}})
	m2, _ = update(t, m2, await[jobPolledMsg](t, cmd))
	m2, _ = update(t, m2, jobs.QuitMsg{})
	if m2.ExitCode() != exitFailed {
		t.Errorf("quitting after a failed job exits %d, want 1", m2.ExitCode())
	}
	if !strings.Contains(m2.Summary(), "Account not accessible") {
		t.Errorf("the last frame does not say why the job failed:\n%s", m2.Summary())
	}
}

func TestPollingBacksOffOnErrorsAndRecovers(t *testing.T) {
	r := newRig()
	m, _ := r.toConsentStep(t)
	busy := &basiq.Error{Status: 503, Method: "GET", Path: "/jobs/" + testJobID, Items: []basiq.ErrorItem{{Code: "service-unavailable", Title: "Service Unavailable"}}}
	r.api.jobErrs[testJobID] = []error{busy, busy}
	r.api.jobs[testJobID] = []basiq.Job{job(testJobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	m, cmd := update(t, m, consent.JobsPastedMsg{IDs: []string{testJobID}})
	m, cmd = update(t, m, await[jobPolledMsg](t, cmd))
	if s := screen(m); !strings.Contains(s, "Checking again in") {
		t.Errorf("a 503 while polling is not shown with when the next try is:\n%s", s)
	}
	r.clock.waits = nil
	m, cmd = update(t, m, await[jobPolledMsg](t, cmd))
	m, _ = update(t, m, await[jobPolledMsg](t, cmd))
	if len(r.clock.waits) != 2 || r.clock.waits[1] <= r.clock.waits[0] || r.clock.waits[0] < jobPollEvery {
		t.Errorf("waits after two 503s = %v, want growing and never under %v", r.clock.waits, jobPollEvery)
	}
	if m.jobStates[testJobID].State() != basiq.JobSucceeded {
		t.Errorf("the job did not recover after the errors")
	}
}

func TestCtrlCCancelsTheRequestInFlight(t *testing.T) {
	r := newRig()
	r.api.block = make(chan struct{})
	m := r.toUserStep(t)
	m, cmd := update(t, m, user.SubmittedMsg{Email: "max@example.com"})
	ch := results(cmd)
	m, quit := update(t, m, press("ctrl+c"))
	if m.ExitCode() != exitInterrupted {
		t.Errorf("ctrl+c exit code %d, want 130", m.ExitCode())
	}
	if _, ok := quit().(tea.QuitMsg); !ok {
		t.Error("ctrl+c did not quit the program")
	}
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		select {
		case msg := <-ch:
			if got, ok := msg.(userReadyMsg); ok {
				if !errors.Is(got.err, context.Canceled) {
					t.Errorf("the request ended with %v, want context.Canceled", got.err)
				}
				return
			}
		case <-guard.C:
			t.Fatal("the request in flight was not cancelled")
		}
	}
}

func TestAPIValidationErrorLandsNextToTheField(t *testing.T) {
	r := newRig()
	r.api.createErr = &basiq.Error{Status: 400, Method: "POST", Path: "/users", Items: []basiq.ErrorItem{{
		Code: "parameter-not-valid", Title: "Parameter value is not valid", Detail: "Mobile number is not a valid Australian number.",
		Source: &basiq.ErrorSource{Pointer: "mobile"}}}}
	m := r.toUserStep(t)
	m, _ = step[userReadyMsg](t, m, user.SubmittedMsg{Mobile: "+61400000000"})
	if m.CurrentStep() != StepUser {
		t.Fatalf("a rejected user moved the wizard to %v", m.CurrentStep())
	}
	if s := screen(m); !strings.Contains(s, "not a valid Australian number") {
		t.Errorf("Basiq's validation message is not on the form:\n%s", s)
	}
}

func TestExistingUserIDSkipsCreation(t *testing.T) {
	r := newRig()
	m := r.toUserStep(t)
	m, cmd := step[userReadyMsg](t, m, user.ExistingUserMsg{ID: testUserID})
	if m.CurrentStep() != StepConsent {
		t.Fatalf("an existing user did not go on to consent (step %v)", m.CurrentStep())
	}
	m, _ = update(t, m, await[consentLinkMsg](t, cmd))
	if slices.ContainsFunc(r.api.Calls(), func(c string) bool { return strings.HasPrefix(c, "POST /users") }) {
		t.Error("a user was created although an existing id was given")
	}
	if m.consentLink == "" {
		t.Error("no consent link for the existing user")
	}
}

func TestEscGoesBackOneStep(t *testing.T) {
	r := newRig()
	m, _ := r.toConsentStep(t)
	gen := m.pollGen
	m, _ = update(t, m, press("esc"))
	if m.CurrentStep() != StepUser {
		t.Fatalf("esc on consent went to %v, want user", m.CurrentStep())
	}
	if m.pollGen == gen {
		t.Error("going back did not stop polling for the consent")
	}
	m, _ = update(t, m, press("esc"))
	if m.CurrentStep() != StepKey {
		t.Fatalf("esc on the user form went to %v, want key", m.CurrentStep())
	}
}

func TestSmallTerminalGetsAPoliteMessage(t *testing.T) {
	r := newRig()
	m := New(r.cfg)
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 60, Height: 20})
	if s := screen(m); !strings.Contains(s, "80") || !strings.Contains(s, "24") {
		t.Errorf("at 60x20 the wizard does not say it needs 80x24:\n%s", s)
	}
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if s := screen(m); !strings.Contains(s, "API key") {
		t.Errorf("at 80x24 the key screen is not shown:\n%s", s)
	}
}

func TestPollDelayNeverFasterThanTheBaseAndCapped(t *testing.T) {
	for failures := 0; failures < 10; failures++ {
		for _, j := range []float64{0, 0.5, 0.999} {
			d := pollDelay(jobPollEvery, failures, func() float64 { return j })
			if d < jobPollEvery || d > maxPollBackoff {
				t.Errorf("pollDelay(%d failures, jitter %v) = %v, want within [%v, %v]", failures, j, d, jobPollEvery, maxPollBackoff)
			}
		}
	}
}

func TestInATextFieldQuestionMarkTypesAndF1ShowsHelp(t *testing.T) {
	r := newRig()
	m := r.start(t)
	m, _ = update(t, m, press("?"))
	if s := ansi.Strip(screen(m)); strings.Contains(s, "Keys on this screen") || !strings.Contains(s, "f1 help") {
		t.Fatalf("in the key field, ? should type and the help line should offer f1:\n%s", s)
	}
	m, _ = update(t, m, press("f1"))
	if s := ansi.Strip(screen(m)); !strings.Contains(s, "Keys on this screen") || strings.Contains(s, "back") {
		t.Fatalf("f1 did not show the keys, or offers esc back from the first step:\n%s", s)
	}
	m, _ = update(t, m, press("f1"))
	if s := screen(m); strings.Contains(s, "Keys on this screen") {
		t.Fatalf("f1 did not close the help:\n%s", s)
	}
}

func TestDemoPersonaConsentsOnceThenReopenedConsentIsTheUsers(t *testing.T) {
	r := newRig()
	r.cfg.StartDemo = func() (Demo, error) {
		return Demo{API: r.api, APIURL: "http://127.0.0.1:1", ConsentBase: "http://127.0.0.1:1/consent/home"}, nil
	}
	r.cfg.Demo, r.cfg.Persona = true, "bighead"
	m := r.start(t)
	m, _ = update(t, m, await[demoStartedMsg](t, m.Init()))
	m, cmd := step[userReadyMsg](t, m, user.SubmittedMsg{Email: "max@example.com"})
	m, _ = update(t, m, await[consentLinkMsg](t, cmd))
	m, cmd = update(t, m, user.ContinueMsg{})
	await[consent.AutoConsentMsg](t, cmd)
	if len(r.opened) != 0 {
		t.Fatalf("the browser opened although --persona consents: %q", r.opened)
	}
	// After bighead's job fails, r reopens consent: now the user's to give.
	m, cmd = update(t, m, jobs.ReconsentMsg{})
	m, cmd = update(t, m, await[consentLinkMsg](t, cmd))
	await[browserOpenedMsg](t, cmd)
	if len(r.opened) != 1 || m.CurrentStep() != StepConsent {
		t.Errorf("reopened consent: browser opened %q, step %v; want the consent page in the browser", r.opened, m.CurrentStep())
	}
}
