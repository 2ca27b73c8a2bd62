package quickstart

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Issue 19: the paths a person takes the second time, or one key off the
// README's order. Each test is named after the item.

var (
	badKey       = &basiq.Error{Status: 404, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Code: "parameter-not-valid", Title: "Parameter not valid.", Detail: "Unable to authenticate with provided API key."}}}
	tooManyToken = &basiq.Error{Status: 403, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Title: "Forbidden", Detail: "Invalid request"}}}
	refused      = &basiq.Error{Method: "POST", Path: "/token"} // no answer: a connection refused
)

// fromKeyScreenToDemo is an interactive session on the real API that a
// person turns into the demo from the key screen (ctrl+d or d), after the
// real API's last session was recalled.
func fromKeyScreenToDemo(t *testing.T) *driver {
	t.Helper()
	d, effs := drive(t, Config{Interactive: true, KeyStore: true})
	want[Recall](t, effs)
	want[LoadSavedKey](t, effs)
	d.apply(SavedKeyLoaded{})
	d.apply(Remembered{Memory: Memory{UserID: userID, Created: true}})
	want[StartDemo](t, d.apply(DemoAsked{}))
	want[CheckKey](t, d.apply(DemoStarted{}))
	d.apply(KeyChecked{Source: KeyDemo})
	if d.s.Stage != StageUser || !d.s.Demo {
		t.Fatalf("on %v (demo %v), want the demo's user form", d.s.Stage, d.s.Demo)
	}
	return d
}

func TestItem4TheDemosEmptyFormMakesMaxWhereverTheDemoStarted(t *testing.T) {
	for name, d := range map[string]*driver{
		"--demo":              demoAtTheForm(t),
		"from the key screen": fromKeyScreenToDemo(t),
	} {
		effs := d.apply(UserSubmitted{})
		create, ok := first[CreateUser](effs)
		if !ok || create.User.Email != ExampleEmail || d.s.Problem != nil {
			t.Errorf("%s: enter on the empty form: %s, problem %+v; want %s created", name, describe(effs), d.s.Problem, ExampleEmail)
		}
	}
}

func demoAtTheForm(t *testing.T) *driver {
	d, _ := drive(t, Config{Interactive: true, Demo: true})
	d.apply(DemoStarted{})
	d.apply(KeyChecked{Source: KeyDemo})
	return d
}

// first is the first effect of type T, if any.
func first[T Effect](effs []Effect) (T, bool) {
	for _, e := range effs {
		if x, ok := e.(T); ok {
			return x, true
		}
	}
	var zero T
	return zero, false
}

func TestItem5TheDemoNeverOffersTheRealAPIsSavedSession(t *testing.T) {
	d := fromKeyScreenToDemo(t)
	if d.s.User.Offer != nil {
		t.Errorf("the demo offers the real API's user: %+v", d.s.User.Offer)
	}
	// An answer that comes late, once the demo runs, is not the demo's either.
	d.apply(Remembered{Memory: Memory{UserID: userID}})
	if d.s.User.Offer != nil {
		t.Errorf("a late recall is offered in the demo: %+v", d.s.User.Offer)
	}
	if effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true}); has[Remember](effs) {
		t.Error("the demo's user was remembered")
	}
}

func TestItem5OnlyABadKeyIsTheSavedKeyThatNoLongerWorks(t *testing.T) {
	for name, err := range map[string]error{
		"refused":          refused,
		"503":              &basiq.Error{Status: 503, Method: "POST", Path: "/token", Items: []basiq.ErrorItem{{Code: "service-unavailable", Title: "Service unavailable."}}},
		"timeout":          fmt.Errorf("POST /token: %w", context.DeadlineExceeded),
		"403 token limits": tooManyToken,
	} {
		d, _ := drive(t, Config{Interactive: true, KeyStore: true})
		check := want[CheckKey](t, d.apply(SavedKeyLoaded{Key: "saved"}))
		d.apply(KeyChecked{Source: check.Source, Err: err})
		p := d.s.Problem
		switch {
		case p == nil:
			t.Fatalf("%s: no problem", name)
		case strings.Contains(p.What, "no longer works"):
			t.Errorf("%s: %q blames the key", name, p.What)
		case !strings.Contains(p.What, "the saved key") || !strings.Contains(p.Next, "The saved key is kept."):
			t.Errorf("%s: %q / %q: say it was the saved key, and that it is kept", name, p.What, p.Next)
		case !p.Offers(RemedyRetry):
			t.Errorf("%s: no retry offered: %+v", name, p.Remedies)
		}
		// Retrying tries the saved key again.
		if again := want[CheckKey](t, d.apply(RetryAsked{})); again.Key != "saved" || again.Source != KeyFromStore {
			t.Errorf("%s: retry checks %+v", name, again)
		}
	}
	d, _ := drive(t, Config{Interactive: true, KeyStore: true})
	d.apply(SavedKeyLoaded{Key: "saved"})
	d.apply(KeyChecked{Source: KeyFromStore, Err: badKey})
	if p := d.s.Problem; p == nil || !strings.HasPrefix(p.What, "The saved key no longer works.") || p.Offers(RemedyRetry) {
		t.Errorf("a key Basiq does not know: %+v", p)
	}
}

// failedDemoJob runs a headless demo to a job that failed at the bank.
func failedDemoJob(t *testing.T) *driver {
	t.Helper()
	d, _ := drive(t, Config{Demo: true, NoBrowser: "no display", Timeout: time.Minute})
	d.apply(DemoStarted{})
	d.apply(KeyChecked{Source: KeyDemo})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	effs = d.apply(LinkMinted{Gen: want[MintLink](t, effs).Gen, Token: "tok", URL: "http://127.0.0.1:1/consent/home?token=tok"})
	auto := want[AutoConsent](t, effs)
	effs = d.apply(AutoConsented{Gen: auto.Gen, JobIDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if done, code := d.s.Finished(); !done || code != ExitFailed {
		t.Fatalf("finished %v, exit %d", done, code)
	}
	return d
}

func TestItem6AfterAFailedDemoTheAdviceIsOnlyWhatStillWorks(t *testing.T) {
	d := failedDemoJob(t)
	advice := d.s.Resume(d.s.Problem)
	if strings.Contains(advice, "--user-id") || !strings.Contains(advice, "basiq-onboard --demo") {
		t.Errorf("after a failed demo: %q; its user went with the simulator", advice)
	}
	if d.s.ResumeFlags() != "" {
		t.Errorf("resume flags %q for a user that no longer exists", d.s.ResumeFlags())
	}
	// A demo past --timeout: a new demo, with more time.
	d2, _ := drive(t, Config{Demo: true, Timeout: 4 * time.Second})
	d2.apply(DemoStarted{})
	d2.apply(KeyChecked{Source: KeyDemo})
	effs := d2.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	d2.now = d2.now.Add(5 * time.Second)
	d2.apply(LinkMinted{Gen: want[MintLink](t, effs).Gen, Token: "tok", URL: "u"})
	if p := d2.s.Problem; p == nil || p.Call != CallTimeout || strings.Contains(p.Next, "--user-id") || !strings.Contains(p.Next, "demo again") {
		t.Errorf("a demo past --timeout: %+v", p)
	}
	// Outside the demo the same failure is consent again, for that user.
	r, _ := toConsent(t, headless)
	r.apply(JobsPasted{IDs: []string{newJob}})
	r.apply(JobPolled{Gen: r.s.Jobs.Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if advice := r.s.Resume(r.s.Problem); advice != "Consent again for the same user: basiq-onboard --user-id "+userID {
		t.Errorf("a real API's failed job: %q", advice)
	}
}

func TestItem9ATimeoutNamesItsLastCauseWithCodeAndCorrelationID(t *testing.T) {
	d, effs := toConsent(t, Config{EnvKey: "key", Email: "a@b.co", NoBrowser: "x", Timeout: 10 * time.Second})
	poll := want[ListJobs](t, effs)
	html := &basiq.Error{Status: 502, Method: "GET", Path: "/users/" + userID + "/jobs", Body: "an HTML page instead of JSON (a proxy or gateway answered)"}
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Err: html}) // worked around: polled again
	poll = want[ListJobs](t, effs)
	d.now = d.now.Add(time.Minute)
	want[Finish](t, d.apply(Tick{})) // the deadline, between two polls
	p := d.s.Problem
	if p == nil || p.Code != CodeTimeout || !strings.Contains(p.Meaning, "502 with an HTML page") {
		t.Fatalf("timeout problem %+v: want code timeout, and the HTML 502 named", p)
	}
	r := d.s.Result().Problem
	if r == nil || r.Code != CodeTimeout || r.What != p.What || r.Meaning != p.Meaning || r.Next == "" {
		t.Errorf("the result's problem: %+v", r)
	}
	// With Basiq's error, its title, detail and correlation id too; a call
	// that went well since leaves nothing to name but the timeout.
	d, effs = toConsent(t, Config{EnvKey: "key", Email: "a@b.co", NoBrowser: "x", Timeout: 10 * time.Second})
	limited := &basiq.Error{Status: 429, CorrelationID: "c-1", Items: []basiq.ErrorItem{{Code: "too-many-requests", Title: "Too many requests.", Detail: "Query limit reached."}}}
	poll = want[ListJobs](t, effs)
	poll = want[ListJobs](t, d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Err: limited}))
	d.now = d.now.Add(time.Minute)
	d.apply(Tick{})
	if p := d.s.Problem; p.CorrelationID != "c-1" || p.Title != "Too many requests." || p.Detail != "Query limit reached." {
		t.Errorf("timeout after a 429: %+v", p)
	}
	d, effs = toConsent(t, Config{EnvKey: "key", Email: "a@b.co", NoBrowser: "x", Timeout: 10 * time.Second})
	poll = want[ListJobs](t, effs)
	poll = want[ListJobs](t, d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Err: limited}))
	d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Jobs: []basiq.Job{{ID: oldJob}}})
	d.now = d.now.Add(time.Minute)
	d.apply(Tick{})
	if p := d.s.Problem; p.Code != CodeTimeout || p.CorrelationID != "" || strings.Contains(p.Meaning, "429") || p.Meaning == "" {
		t.Errorf("timeout after the trouble passed: %+v", p)
	}
}

func TestItem9AFailedJobsProblemCarriesBasiqsTitleAndDetail(t *testing.T) {
	d, _ := toConsent(t, headless)
	d.apply(JobsPasted{IDs: []string{newJob}})
	d.apply(JobPolled{Gen: d.s.Jobs.Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	r := d.s.Result().Problem
	if r == nil || r.Code != "invalid-credentials" || r.Title != "Cannot login" || r.Detail != "Account is locked." || r.What == "" || r.Next == "" {
		t.Errorf("the result's problem: %+v", r)
	}
	// A run that went well has none.
	if ok := toAccounts(t, Config{EnvKey: "k"}); ok.s.Result().Problem != nil {
		t.Errorf("a problem in a good run's result: %+v", ok.s.Result().Problem)
	}
}

func TestItem17BasiqsTitleAndDetailAreNotSaidTwice(t *testing.T) {
	j := failedJob(newJob, "invalid-credentials")
	j.Steps[0].Result.Title = "Cannot login to target institution, check credentials."
	j.Steps[0].Result.Detail = "Cannot login to target institution using supplied credentials. Please check credentials and try again."
	p := JobProblem(j, "Hooli")
	if strings.Count(p.What, "Cannot login to target institution") != 1 {
		t.Errorf("what %q says it twice", p.What)
	}
}

func TestItem14NoticesGoWhenWhatTheySpokeOfIsGone(t *testing.T) {
	d := toAccounts(t, Config{EnvKey: "k"})
	load := want[LoadAccounts](t, d.apply(RetryAsked{}))
	d.apply(AccountsLoaded{Seq: load.Seq, Err: unavailable})
	if !d.s.Notice.Warning {
		t.Fatalf("a failed refresh of the accounts: notice %+v", d.s.Notice)
	}
	load = want[LoadAccounts](t, d.apply(RetryAsked{}))
	if d.s.Notice.Text != "" {
		t.Errorf("the failure notice stays while the accounts are read again: %+v", d.s.Notice)
	}
	d.apply(AccountsLoaded{Seq: load.Seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	if d.s.Notice.Text != "" {
		t.Errorf("the failure notice outlived the retry that worked: %+v", d.s.Notice)
	}
	// A refresh that failed, then worked.
	d.s.Explore.View = ViewConnections
	d.apply(RefreshAsked{ID: "conn-1"})
	d.apply(ConnectionRefreshed{Gen: d.s.Jobs.Gen, Err: unavailable})
	if d.s.Notice.About != CallRefresh {
		t.Fatalf("a failed refresh: notice %+v", d.s.Notice)
	}
	d.apply(RefreshAsked{ID: "conn-1"})
	if d.s.Notice.Text != "" {
		t.Errorf("the refresh's failure stays as it is tried again: %+v", d.s.Notice)
	}
	// The demo's word on the key step goes once past the user.
	dd := demoAtTheForm(t)
	if dd.s.Notice.Text == "" {
		t.Fatal("no demo notice at the form")
	}
	dd.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	dd.apply(ConsentAsked{})
	if dd.s.Notice.Text != "" {
		t.Errorf("at consent the notice still says %q", dd.s.Notice.Text)
	}
}

func TestItem16UWithOneConnectionSaysItRefreshesIt(t *testing.T) {
	d := toAccounts(t, Config{EnvKey: "k"})
	d.apply(ViewAsked{View: ViewConnections})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{active}})
	d.s.Institutions["AU00000"] = basiq.Institution{ID: "AU00000", Name: "Hooli Bank"}
	effs := d.apply(RefreshAllAsked{})
	want[RefreshAll](t, effs)
	if b := d.s.Explore.Busy; !strings.Contains(b, "the only connection, to Hooli Bank") {
		t.Errorf("busy %q", b)
	}
}

// consentAs runs the demo's automatic consent on the link being made, to a
// job id that then ends as j.
func consentAs(t *testing.T, d *driver, effs []Effect, id string, j basiq.Job) {
	t.Helper()
	mint := want[MintLink](t, effs)
	if snap, ok := first[ListJobs](effs); ok && snap.Purpose == ListSnapshot {
		d.apply(JobsListed{Gen: snap.Gen, Purpose: ListSnapshot})
	}
	d.apply(LinkMinted{Gen: mint.Gen, Token: "tok", URL: "http://127.0.0.1:1/consent/home?token=tok"})
	if d.s.Stage != StageConsent || !d.s.Consent.Waiting {
		t.Fatalf("on %v (waiting %v), want consent", d.s.Stage, d.s.Consent.Waiting)
	}
	want[AutoConsent](t, d.apply(AutoConsentAsked{}))
	effs = d.apply(AutoConsented{Gen: d.s.Link.Gen, JobIDs: []string{id}})
	j.ID = id
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: id, Job: j})
}

func TestItem18EveryConsentThatConnectedABankIsOnceInTheScriptsList(t *testing.T) {
	d := demoAtTheForm(t)
	d.s.Institutions["AU00000"] = basiq.Institution{ID: "AU00000", Name: "Hooli Bank"}
	d.s.Institutions[SecondBank] = basiq.Institution{ID: SecondBank, Name: "Pied Piper Bank"}
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	d.apply(ConsentAsked{})
	failed := failedJob("", "invalid-credentials")
	failed.Institution = &basiq.Ref{ID: "AU00000"}
	consentAs(t, d, effs, "job-1", failed)
	// Consent again: a login again on the connection the bank refused.
	effs = d.apply(RetryAsked{})
	if d.s.Link.ConnectionID == "" {
		t.Fatalf("consent again is not a login again on the connection: %+v", d.s.Link)
	}
	done := job("", basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	done.Institution = &basiq.Ref{ID: "AU00000"}
	consentAs(t, d, effs, "job-2", done)
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	d.apply(AccountsAsked{})
	// Another bank.
	effs = d.apply(NewLinkAsked{})
	pp := job("", basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	pp.Institution = &basiq.Ref{ID: SecondBank}
	consentAs(t, d, effs, "job-3", pp)
	got := d.s.BankConsents()
	wantConsents := []BankConsent{{Bank: "Hooli Bank"}, {Action: basiq.ConsentConnect, Bank: "Pied Piper Bank"}}
	if len(got) != 2 || got[0] != wantConsents[0] || got[1] != wantConsents[1] {
		t.Errorf("the script's consents %+v, want %+v (the refused login and its retry once)", got, wantConsents)
	}
	if len(d.s.Consented) != 3 {
		t.Errorf("consents recorded %+v, want all three", d.s.Consented)
	}
	// Jobs watched with --job-id are no consent of this session.
	if n := len(toAccounts(t, Config{EnvKey: "k"}).s.Consented); n != 0 {
		t.Errorf("--job-id recorded %d consents", n)
	}
}
