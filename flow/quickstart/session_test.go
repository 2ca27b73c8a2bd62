package quickstart

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// The session is driven by events alone: no client, no clock, no screen.

const (
	userID = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	oldJob = "0ld00000-0000-4000-8000-000000000000"
	newJob = "a03e4df4-0000-4000-8000-000000000001"
)

var (
	unavailable = &basiq.Error{Status: 503, Items: []basiq.ErrorItem{{Code: "service-unavailable", Title: "Service unavailable."}}}
	badRequest  = &basiq.Error{Status: 400, Items: []basiq.ErrorItem{{Code: "parameter-not-valid", Title: "Parameter not valid."}}}
	notFound    = &basiq.Error{Status: 404, Items: []basiq.ErrorItem{{Code: "resource-not-found", Title: "Requested resource is not found."}}}
)

type driver struct {
	t   *testing.T
	s   *Session
	now time.Time
}

func drive(t *testing.T, cfg Config) (*driver, []Effect) {
	if cfg.Jitter == nil {
		cfg.Jitter = func() float64 { return 0.5 }
	}
	d := &driver{t: t, s: New(cfg), now: time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)}
	return d, d.apply(Started{})
}

func (d *driver) apply(ev Event) []Effect {
	d.t.Helper()
	d.now = d.now.Add(100 * time.Millisecond)
	return d.s.Apply(d.now, ev)
}

// want returns the one effect of type T among effs, failing the test if there is none.
func want[T Effect](t *testing.T, effs []Effect) T {
	t.Helper()
	for _, e := range effs {
		if x, ok := e.(T); ok {
			return x
		}
	}
	var zero T
	t.Fatalf("no %T among %s", zero, describe(effs))
	return zero
}

func has[T Effect](effs []Effect) bool {
	for _, e := range effs {
		if _, ok := e.(T); ok {
			return true
		}
	}
	return false
}

func describe(effs []Effect) string {
	var parts []string
	for _, e := range effs {
		if say, ok := e.(Say); ok {
			parts = append(parts, fmt.Sprintf("Say(%q)", say.Text))
			continue
		}
		parts = append(parts, fmt.Sprintf("%T%+v", e, e))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func job(id string, statuses ...string) basiq.Job {
	titles := []string{basiq.StepVerifyCredentials, basiq.StepRetrieveAccounts, basiq.StepRetrieveTransactions}
	j := basiq.Job{Type: "job", ID: id, Links: basiq.Links{Source: "https://x/users/" + userID + "/connections/conn-1"}}
	for i, s := range statuses {
		j.Steps = append(j.Steps, basiq.Step{Title: titles[i], Status: s})
	}
	return j
}

func failedJob(id, code string) basiq.Job {
	j := job(id, basiq.StepFailed, basiq.StepPending, basiq.StepPending)
	j.Steps[0].Result = &basiq.StepResult{Code: code, Title: "Cannot login", Detail: "Account is locked."}
	return j
}

var headless = Config{EnvKey: "key", Email: "max@example.com", NoBrowser: "no display", Timeout: 10 * time.Minute}

// toConsent runs a session for an existing user (--user-id: its jobs are
// listed before the link is shown) from the start to the link being shown.
func toConsent(t *testing.T, cfg Config) (*driver, []Effect) {
	cfg.UserID = userID
	d, effs := drive(t, cfg)
	want[CheckKey](t, effs)
	want[LookUpUser](t, d.apply(KeyChecked{Source: KeyFromEnv}))
	want[LoadConnections](t, d.apply(UserLoaded{User: basiq.User{ID: userID}}))
	effs = d.apply(ConnectionsLoaded{}) // none: consent is the way on
	mint := want[MintLink](t, effs)
	snap := want[ListJobs](t, effs)
	if snap.Purpose != ListSnapshot {
		t.Fatalf("the jobs listed with the link: %+v, want the snapshot", snap)
	}
	d.apply(LinkMinted{Gen: mint.Gen, Token: "tok", URL: "https://consent/?token=tok"})
	// The user already has a job from before: it is not the one consent makes.
	return d, d.apply(JobsListed{Gen: snap.Gen, Purpose: ListSnapshot, Jobs: []basiq.Job{{ID: oldJob}}})
}

func TestANewUsersFirstLinkNeedsNoSnapshot(t *testing.T) {
	d, _ := drive(t, headless)
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	if has[ListJobs](effs) {
		t.Errorf("the jobs of a user made moments ago were asked for: %s", describe(effs))
	}
	effs = d.apply(LinkMinted{Gen: want[MintLink](t, effs).Gen, Token: "tok", URL: "u"})
	if l := want[ListJobs](t, effs); l.Purpose != ListWaiting {
		t.Errorf("after the link: %+v, want the wait for consent", l)
	}
}

func TestHeadlessHappyPathTheNewJobIsTheOneNotInTheSnapshot(t *testing.T) {
	d, effs := toConsent(t, headless)
	if has[OpenBrowser](effs) {
		t.Error("a browser was opened where there is none")
	}
	poll := want[ListJobs](t, effs)
	if poll.Purpose != ListWaiting || poll.After != ConsentPollEvery {
		t.Fatalf("wait: %+v", poll)
	}
	// Nothing new yet: poll again. Then the new job, whatever its created time says.
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Jobs: []basiq.Job{{ID: oldJob}}})
	poll = want[ListJobs](t, effs)
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Jobs: []basiq.Job{{ID: oldJob}, {ID: newJob}}})
	p := want[PollJob](t, effs)
	if p.ID != newJob || d.s.Stage != StageConnect || len(d.s.Jobs.Order) != 1 {
		t.Fatalf("watching %+v, stage %v, jobs %v", p, d.s.Stage, d.s.Jobs.Order)
	}
	effs = d.apply(JobPolled{Gen: p.Gen, ID: newJob, Job: job(newJob, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)})
	if again := want[PollJob](t, effs); again.After != JobPollEvery {
		t.Errorf("next poll after %v", again.After)
	}
	if has[LoadAccounts](effs) {
		t.Error("accounts asked for before the job got them")
	}
	effs = d.apply(JobPolled{Gen: p.Gen, ID: newJob, Job: job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)})
	want[LoadAccounts](t, effs)
	effs = d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	want[LoadConnections](t, effs) // the result names them too
	effs = d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}})
	if f := want[Finish](t, effs); f.Code != ExitOK {
		t.Errorf("exit %d, want 0", f.Code)
	}
	if r := d.s.Result(); r.User.ID != userID || len(r.Jobs) != 1 || len(r.Accounts) != 1 || len(r.Connections) != 1 {
		t.Errorf("result %+v", r)
	}
}

func TestHeadlessRunStopsAtTheFirstFailedCallAndNothingRunsAfter(t *testing.T) {
	cases := []struct {
		name string
		fail func(d *driver) []Effect
	}{
		{"key", func(d *driver) []Effect {
			return d.apply(KeyChecked{Source: KeyFromEnv, Err: unavailable})
		}},
		{"user", func(d *driver) []Effect {
			d.apply(KeyChecked{Source: KeyFromEnv})
			return d.apply(UserLoaded{Created: true, Err: badRequest})
		}},
		{"client token", func(d *driver) []Effect {
			d.apply(KeyChecked{Source: KeyFromEnv})
			effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
			return d.apply(LinkMinted{Gen: want[MintLink](t, effs).Gen, Err: unavailable})
		}},
		{"snapshot", func(d *driver) []Effect {
			d.apply(KeyChecked{Source: KeyFromEnv})
			d.apply(UserLoaded{User: basiq.User{ID: userID}}) // an existing user: its connections, then its jobs
			effs := d.apply(ConnectionsLoaded{})
			return d.apply(JobsListed{Gen: want[ListJobs](t, effs).Gen, Purpose: ListSnapshot, Err: badRequest})
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := drive(t, headless)
			effs := c.fail(d)
			if f := want[Finish](t, effs); f.Code != ExitFailed {
				t.Fatalf("exit %d, want 1", f.Code)
			}
			if p := want[Say](t, effs); p.Kind != NoteProblem || p.Problem.What == "" {
				t.Errorf("no words for the failure: %+v", p)
			}
			if after := d.apply(JobsListed{Gen: d.s.Link.Gen, Purpose: ListSnapshot}); len(after) != 0 {
				t.Errorf("something ran after the end: %s", describe(after))
			}
		})
	}
}

func TestAFailedJobEndsAHeadlessRunWithoutFetchingAccounts(t *testing.T) {
	d, _ := drive(t, Config{Demo: true, Persona: "bighead", Timeout: time.Minute})
	d.apply(DemoStarted{})
	d.apply(KeyChecked{Source: KeyDemo})
	d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	effs := d.apply(LinkMinted{Gen: d.s.Link.Gen, Token: "tok", URL: "u"})
	if ac := want[AutoConsent](t, effs); ac.Login != "bighead" || ac.InstitutionID != SandboxInstitution {
		t.Fatalf("auto consent %+v", ac)
	}
	effs = d.apply(AutoConsented{Gen: d.s.Link.Gen, JobIDs: []string{newJob}})
	effs = d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if f := want[Finish](t, effs); f.Code != ExitFailed || has[LoadAccounts](effs) {
		t.Errorf("effects %s", describe(effs))
	}
	if !strings.Contains(d.s.Problem.What, "Account is locked") || !strings.Contains(d.s.Problem.What, "Hooli Bank") {
		t.Errorf("problem %q: Basiq's reason, at the bank consent was given at", d.s.Problem.What)
	}
}

func TestPersonaConsentsOnceThenTheHappyPathLoginIsOffered(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, Demo: true, Persona: "bighead"})
	if c := want[CheckKey](t, d.apply(DemoStarted{})); c.Source != KeyDemo {
		t.Fatalf("the demo's key check: %+v", c)
	}
	d.apply(KeyChecked{Source: KeyDemo})
	d.apply(UserSubmitted{})
	d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	d.apply(ConsentAsked{})
	effs := d.apply(LinkMinted{Gen: d.s.Link.Gen, Token: "tok", URL: "u"})
	if ac := want[AutoConsent](t, effs); ac.Login != "bighead" {
		t.Fatalf("first consent as %q", ac.Login)
	}
	effs = d.apply(AutoConsented{Gen: d.s.Link.Gen, JobIDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if !d.s.Problem.Offers(RemedyRetry) || d.s.Problem.Offers(RemedyRefresh) {
		t.Fatalf("wrong login: remedies %v, want consent again (r) and no refresh", d.s.Problem.Remedies)
	}
	effs = d.apply(RetryAsked{})
	want[MintLink](t, effs)
	d.apply(LinkMinted{Gen: d.s.Link.Gen, Token: "tok2", URL: "u2"})
	effs = d.apply(JobsListed{Gen: d.s.Link.Gen, Purpose: ListSnapshot, Jobs: []basiq.Job{{ID: newJob}}})
	if has[AutoConsent](effs) {
		t.Error("consent reopened after the persona failed was completed as the persona again")
	}
	if d.s.Consent.AutoLogin != SandboxPersona {
		t.Errorf("a offers %q, want %s", d.s.Consent.AutoLogin, SandboxPersona)
	}
	if ac := want[AutoConsent](t, d.apply(AutoConsentAsked{})); ac.Login != SandboxPersona || ac.Token != "tok2" {
		t.Errorf("a consents with %+v", ac)
	}
}

func TestUnknownPastedJobOffersConsentAgainAndBack(t *testing.T) {
	d, _ := toConsent(t, Config{Interactive: true, EnvKey: "key", Timeout: time.Minute})
	effs := d.apply(JobsPasted{IDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Err: notFound})
	p := d.s.Problem
	if p == nil || !strings.Contains(p.What, "no job "+newJob) || !p.Offers(RemedyNewLink) || !d.s.CanGoBack() {
		t.Fatalf("problem %+v, back %v", p, d.s.CanGoBack())
	}
	if code := d.s.quitCode(false); code != ExitFailed {
		t.Errorf("quitting now exits %d, want 1", code)
	}
	effs = d.apply(BackAsked{})
	if d.s.Stage != StageConsent || !has[MintLink](effs) || d.s.Problem != nil {
		t.Errorf("back: stage %v, effects %s", d.s.Stage, describe(effs))
	}
}

func TestTransientPollFailuresBackOffThenAPersonDecides(t *testing.T) {
	d, effs := toConsent(t, Config{Interactive: true, EnvKey: "key", Timeout: time.Hour})
	poll := want[ListJobs](t, effs)
	var delays []time.Duration
	for i := 0; i < maxPollFailures; i++ {
		effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Err: unavailable})
		if i == maxPollFailures-1 {
			break
		}
		poll = want[ListJobs](t, effs)
		delays = append(delays, poll.After)
		if w := d.s.Consent.PollProblem; w == nil || !w.Warning || !strings.Contains(w.Next, "Checking again in") {
			t.Fatalf("failure %d: %+v", i+1, w)
		}
	}
	for i := 1; i < len(delays); i++ {
		if delays[i] <= delays[i-1] {
			t.Errorf("delays %v do not grow", delays)
		}
	}
	if has[ListJobs](effs) || d.s.Problem == nil || !d.s.Problem.Offers(RemedyRetry) {
		t.Fatalf("after %d failures: effects %s, problem %+v", maxPollFailures, describe(effs), d.s.Problem)
	}
	effs = d.apply(RetryAsked{})
	if l := want[ListJobs](t, effs); l.Purpose != ListWaiting || d.s.Problem != nil {
		t.Errorf("retry: %+v, problem %+v", l, d.s.Problem)
	}
}

func TestAfterAnUnclearPostAnotherUserNeedsAYes(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key"})
	d.apply(KeyChecked{Source: KeyFromEnv})
	mayExist := &basiq.Error{Status: 500, UserMayExist: true, Items: []basiq.ErrorItem{{Code: "internal-server-error", Title: "Internal Server error."}}}
	want[CreateUser](t, d.apply(UserSubmitted{User: basiq.NewUser{Email: "max@example.com"}}))
	d.apply(UserLoaded{Created: true, Err: mayExist})
	if !d.s.User.MayExist || !strings.Contains(d.s.Problem.Meaning, "may or may not exist") {
		t.Fatalf("state %+v, problem %+v", d.s.User, d.s.Problem)
	}
	if effs := d.apply(RetryAsked{}); has[CreateUser](effs) || !d.s.User.AskCreateAgain {
		t.Fatalf("a retry posted again without asking: %s", describe(effs))
	}
	if effs := d.apply(Answered{Yes: false}); has[CreateUser](effs) {
		t.Fatal("no still posted")
	}
	d.apply(UserSubmitted{User: basiq.NewUser{Email: "max@example.com"}})
	if c := want[CreateUser](t, d.apply(Answered{Yes: true})); c.User.Email != "max@example.com" {
		t.Errorf("posted %+v", c.User)
	}
}

func TestHeadlessTimeoutBoundsTheWholeRunAndSaysHowToGoOn(t *testing.T) {
	d, effs := toConsent(t, Config{EnvKey: "key", Email: "a@b.co", NoBrowser: "x", Timeout: 4 * time.Second})
	poll := want[ListJobs](t, effs)
	d.now = d.now.Add(4 * time.Second)
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting})
	if f := want[Finish](t, effs); f.Code != ExitFailed {
		t.Fatalf("exit %d", f.Code)
	}
	p := d.s.Problem
	if !strings.Contains(p.What, "4s") || !strings.Contains(p.Next, "--user-id "+userID) {
		t.Errorf("problem %+v: the timeout given, and the flags that pick the run up", p)
	}
}

func TestTransactionsFeedPagesRetriesAndNeverSticksLoading(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key"})
	d.s.User.User.ID = userID
	d.s.Accounts.Loaded = true
	first := want[LoadTransactions](t, d.apply(TransactionsAsked{AccountID: "acc-1"}))
	if first.Cursor != "" || !d.s.Feeds["acc-1"].Loading {
		t.Fatalf("first page %+v", first)
	}
	if effs := d.apply(TransactionsAsked{AccountID: "acc-1"}); len(effs) != 0 {
		t.Errorf("asked twice while loading: %s", describe(effs))
	}
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds["acc-1"].id, AccountID: "acc-1", Err: unavailable})
	f := d.s.Feeds["acc-1"]
	if f.Loading || f.Problem == nil {
		t.Fatalf("after a failed page: %+v", f)
	}
	again := want[LoadTransactions](t, d.apply(TransactionsAsked{AccountID: "acc-1"}))
	if again.Cursor != "" {
		t.Errorf("retry asked for %q", again.Cursor)
	}
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds["acc-1"].id, AccountID: "acc-1", Items: []basiq.Transaction{{ID: "t1"}}, Next: "p2"})
	more := want[LoadTransactions](t, d.apply(TransactionsAsked{AccountID: "acc-1", More: true}))
	if more.Cursor != "p2" {
		t.Errorf("next page cursor %q", more.Cursor)
	}
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds["acc-1"].id, AccountID: "acc-1", Items: []basiq.Transaction{{ID: "t2"}}})
	if f := d.s.Feeds["acc-1"]; len(f.Items) != 2 || f.More() {
		t.Errorf("feed %+v", f)
	}
	if effs := d.apply(TransactionsAsked{AccountID: "acc-1", More: true}); len(effs) != 0 {
		t.Errorf("asked past the last page: %s", describe(effs))
	}
}

func TestExitCodeWhenAPersonQuits(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key"})
	if c := want[Finish](t, d.apply(QuitAsked{Interrupted: true})); c.Code != ExitInterrupted {
		t.Errorf("ctrl+c at the start: %d", c.Code)
	}
	d, _ = drive(t, Config{Interactive: true, EnvKey: "key"})
	d.apply(KeyChecked{Source: KeyFromEnv, Err: unavailable})
	if c := want[Finish](t, d.apply(QuitAsked{Interrupted: true})); c.Code != ExitFailed {
		t.Errorf("quit after a failure: %d", c.Code)
	}
	d, _ = drive(t, Config{Interactive: true, EnvKey: "key"})
	d.s.Accounts.Loaded = true
	if c := want[Finish](t, d.apply(QuitAsked{})); c.Code != ExitOK {
		t.Errorf("q at the accounts: %d", c.Code)
	}
}

func TestASavedKeyIsNotOfferedForSavingAgain(t *testing.T) {
	d, effs := drive(t, Config{Interactive: true, KeyStore: true})
	want[LoadSavedKey](t, effs)
	check := want[CheckKey](t, d.apply(SavedKeyLoaded{Key: "saved"}))
	effs = d.apply(KeyChecked{Source: check.Source})
	if has[ProbeKeyStore](effs) || d.s.Key.SaveOffer != nil || d.s.Stage != StageUser {
		t.Errorf("effects %s, offer %+v, stage %v", describe(effs), d.s.Key.SaveOffer, d.s.Stage)
	}
}

func TestHeadlessUsageIsCheckedBeforeAnythingIsSent(t *testing.T) {
	for _, cfg := range []Config{
		{EnvKey: "k"},                        // no email
		{EnvKey: "k", Email: "not-an-email"}, // bad email
		{EnvKey: "k", UserID: "nope"},        // bad id
		{EnvKey: "k", Email: "a@b.co", JobIDs: make([]string, MaxJobs+1)}, // too many jobs
	} {
		_, effs := drive(t, cfg)
		if f := want[Finish](t, effs); f.Code != ExitUsage || has[CheckKey](effs) {
			t.Errorf("%+v: %s", cfg, describe(effs))
		}
	}
	if _, effs := drive(t, Config{Email: "a@b.co"}); want[Finish](t, effs).Code != ExitUsage {
		t.Error("no key headless is not a usage error")
	}
	// The problem names the flag that is wrong, and the slip where it can.
	for _, c := range []struct {
		cfg  Config
		says string
	}{
		{Config{EnvKey: "k", Email: "max@exmaple,com"}, "--email: not an email address: a comma where a dot belongs? (max@exmaple.com)"},
		{Config{EnvKey: "k", Email: "max@example.com", Mobile: "12"}, "--mobile: use international form"},
	} {
		d, _ := drive(t, c.cfg)
		if d.s.Problem == nil || !strings.HasPrefix(d.s.Problem.What, c.says) {
			t.Errorf("%+v: the problem is %+v, want it to say %q", c.cfg, d.s.Problem, c.says)
		}
	}
}

func TestATimeoutSaysWhatBasiqLastAnswered(t *testing.T) {
	d, effs := toConsent(t, Config{EnvKey: "key", Email: "a@b.co", NoBrowser: "x", Timeout: 4 * time.Second})
	poll := want[ListJobs](t, effs)
	d.now = d.now.Add(4 * time.Second)
	limited := &basiq.Error{Status: 429, CorrelationID: "c-1", Items: []basiq.ErrorItem{{Code: "too-many-requests", Title: "Too many requests."}}}
	want[Finish](t, d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Err: limited}))
	if p := d.s.Problem; !strings.Contains(p.Meaning, "Too many requests") || p.CorrelationID != "c-1" {
		t.Errorf("problem %+v: the last answer, with its correlation id", p)
	}
}

func TestABankIsNamedByItsRecordElseTheSandboxsNameElseItsID(t *testing.T) {
	s := &Session{Institutions: map[string]basiq.Institution{"AU00001": {ID: "AU00001", Name: "Nucleus Bank"}}}
	for id, want := range map[string]string{
		SandboxInstitution: "Hooli Bank", // before GET /institutions answers: the consent hint says it
		SecondBank:         "Pied Piper Bank",
		"AU00001":          "Nucleus Bank",
		"AU12345":          "AU12345", // a production bank not loaded yet
		"":                 "your bank",
	} {
		if got := s.BankName(id); got != want {
			t.Errorf("BankName(%q) = %q, want %q", id, got, want)
		}
	}
}
