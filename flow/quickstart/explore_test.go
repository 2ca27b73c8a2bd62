package quickstart

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// toAccounts runs an interactive session for a user created here to its
// accounts, a job at Hooli done.
func toAccounts(t *testing.T, cfg Config) *driver {
	t.Helper()
	cfg.Interactive, cfg.JobIDs = true, []string{newJob}
	d, _ := drive(t, cfg)
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(UserSubmitted{User: basiq.NewUser{Email: "max@example.com"}})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	effs = d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)})
	want[LoadAccounts](t, effs)
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	d.apply(AccountsAsked{})
	if d.s.Stage != StageAccounts {
		t.Fatalf("on %v, want the accounts", d.s.Stage)
	}
	return d
}

var active = basiq.Connection{ID: "conn-1", Status: basiq.ConnectionActive, Institution: basiq.Ref{ID: "AU00000"}}

func TestAUserWhoConnectedABankGoesStraightToTheViews(t *testing.T) {
	for _, interactive := range []bool{true, false} {
		d, _ := drive(t, Config{Interactive: interactive, EnvKey: "k", UserID: userID})
		d.apply(KeyChecked{Source: KeyFromEnv})
		want[LoadConnections](t, d.apply(UserLoaded{User: basiq.User{ID: userID}}))
		effs := d.apply(ConnectionsLoaded{Items: []basiq.Connection{active}})
		if has[MintLink](effs) || !has[LoadAccounts](effs) || d.s.Stage != StageAccounts {
			t.Fatalf("interactive %v: %s on %v; want the accounts, no consent", interactive, describe(effs), d.s.Stage)
		}
		effs = d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
		if !interactive {
			if f := want[Finish](t, effs); f.Code != ExitOK || len(d.s.Result().Connections) != 1 {
				t.Errorf("headless: exit %d, result %+v", f.Code, d.s.Result())
			}
		}
	}
	// Only an invalid connection: consent again.
	d, _ := drive(t, Config{Interactive: true, EnvKey: "k", UserID: userID})
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(UserLoaded{User: basiq.User{ID: userID}})
	invalid := active
	invalid.Status = basiq.ConnectionInvalid
	if effs := d.apply(ConnectionsLoaded{Items: []basiq.Connection{invalid}}); !has[MintLink](effs) || d.s.Stage != StageConsent {
		t.Errorf("an invalid connection: %s on %v; want consent", describe(effs), d.s.Stage)
	}
}

func TestAnotherBankIsConsentToConnectAndTheDemoPicksPiedPiper(t *testing.T) {
	d := toAccounts(t, Config{Demo: true})
	d.s.Demo = true
	effs := d.apply(NewLinkAsked{})
	mint := want[MintLink](t, effs)
	if mint.Action != basiq.ConsentConnect || d.s.Stage != StageConsent {
		t.Fatalf("another bank: %+v on %v", mint, d.s.Stage)
	}
	snap := want[ListJobs](t, effs) // the user has a job now: the new one is told from it
	d.apply(LinkMinted{Gen: mint.Gen, Token: "tok2", URL: "u2"})
	effs = d.apply(JobsListed{Gen: snap.Gen, Purpose: ListSnapshot, Jobs: []basiq.Job{{ID: newJob}}})
	if has[AutoConsent](effs) {
		t.Error("another bank's consent was completed without a key press")
	}
	if ac := want[AutoConsent](t, d.apply(AutoConsentAsked{})); ac.InstitutionID != SecondBank || ac.Token != "tok2" {
		t.Errorf("a consents %+v, want at %s", ac, SecondBank)
	}
}

func TestAfterARefusedLoginConsentAgainLogsInOnThatConnection(t *testing.T) {
	d, _ := toConsent(t, Config{Interactive: true, EnvKey: "key"})
	effs := d.apply(JobsPasted{IDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if mint := want[MintLink](t, d.apply(RetryAsked{})); mint.ConnectionID != "conn-1" {
		t.Errorf("consent again: %+v, want the refused connection's id", mint)
	}
	// Another failure (the bank is down) goes through that connection too: a new one would be a second to the same bank.
	d, _ = toConsent(t, Config{Interactive: true, EnvKey: "key"})
	effs = d.apply(JobsPasted{IDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "service-unavailable")})
	if mint := want[MintLink](t, d.apply(RetryAsked{})); mint.ConnectionID != "conn-1" {
		t.Errorf("consent again after service-unavailable: %+v, want the connection's id", mint)
	}
}

func TestDeletingAConnectionOrRevokingConsentAsksFirst(t *testing.T) {
	d := toAccounts(t, Config{EnvKey: "k"})
	want[LoadConnections](t, d.apply(ViewAsked{View: ViewConnections}))
	if !d.s.Explore.Connections.Loading || !strings.HasSuffix(d.s.Explore.Connections.Endpoint, "/connections") {
		t.Fatalf("connections view: %+v", d.s.Explore.Connections)
	}
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{active}})
	if effs := d.apply(RemoveAsked{ID: "conn-1"}); len(effs) != 0 || d.s.Explore.Confirm == nil {
		t.Fatalf("delete asked: %s, question %+v", describe(effs), d.s.Explore.Confirm)
	}
	if effs := d.apply(Answered{Yes: false}); len(effs) != 0 || d.s.Explore.Confirm != nil {
		t.Errorf("no: %s", describe(effs))
	}
	d.apply(RemoveAsked{ID: "conn-1"})
	if del := want[DeleteConnection](t, d.apply(Answered{Yes: true})); del.ConnectionID != "conn-1" {
		t.Errorf("yes: %+v", del)
	}
	effs := d.apply(ConnectionDeleted{ID: "conn-1"})
	if !has[LoadAccounts](effs) || !has[LoadConnections](effs) {
		t.Errorf("after deleting: %s; want the accounts and connections read again", describe(effs))
	}
	// Consents: the question says what Basiq does.
	d.apply(ViewAsked{View: ViewConsents})
	d.apply(ConsentsLoaded{Items: []basiq.Consent{{ID: "cons-1", Status: basiq.ConsentActive}}})
	d.apply(RemoveAsked{ID: "cons-1"})
	if c := d.s.Explore.Confirm; c == nil || !strings.Contains(c.Then, "stop refreshing") {
		t.Fatalf("revoke: %+v", c)
	}
	want[RevokeConsent](t, d.apply(Answered{Yes: true}))
}

func TestQuittingOffersToDeleteAUserMadeHereNeverOneGivenByID(t *testing.T) {
	d := toAccounts(t, Config{EnvKey: "k"})
	if effs := d.apply(QuitAsked{}); has[Finish](effs) || d.s.Explore.Confirm == nil || d.s.Explore.Confirm.Kind != ConfirmDeleteUser {
		t.Fatalf("quit: %s, question %+v", describe(effs), d.s.Explore.Confirm)
	}
	want[DeleteUser](t, d.apply(Answered{Yes: true}))
	effs := d.apply(UserDeleted{})
	if f := want[Finish](t, effs); f.Code != ExitOK || !d.s.Deleted {
		t.Errorf("after deleting: exit %d, deleted %v", f.Code, d.s.Deleted)
	}
	if r := want[Remember](t, effs); r.Memory.UserID != "" {
		t.Errorf("a deleted user is still remembered: %+v", r)
	}
	// ctrl+c quits at once.
	d = toAccounts(t, Config{EnvKey: "k"})
	want[Finish](t, d.apply(QuitAsked{Interrupted: true}))
	// A user given with --user-id is never offered.
	d2, _ := drive(t, Config{Interactive: true, EnvKey: "k", UserID: userID})
	d2.apply(KeyChecked{Source: KeyFromEnv})
	d2.apply(UserLoaded{User: basiq.User{ID: userID}})
	if effs := d2.apply(QuitAsked{}); !has[Finish](effs) {
		t.Errorf("quit with --user-id asked: %+v", d2.s.Explore.Confirm)
	}
}

func TestDeleteUserHeadlessDeletesTheUserTheRunMadeAtTheEnd(t *testing.T) {
	d, _ := drive(t, Config{EnvKey: "k", Email: "a@b.co", JobIDs: []string{newJob}, DeleteUser: true, Timeout: time.Minute})
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	// The failure ends the run: the user goes first.
	if d.s.Explore.Busy == "" {
		t.Fatal("the failed run did not delete its user")
	}
	if f := want[Finish](t, d.apply(UserDeleted{})); f.Code != ExitFailed || !d.s.Result().Deleted {
		t.Errorf("exit %d, result %+v", f.Code, d.s.Result())
	}
}

func TestTheLastSessionIsRememberedAndOfferedNextTime(t *testing.T) {
	d, effs := drive(t, Config{Interactive: true, EnvKey: "k"})
	want[Recall](t, effs)
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(Remembered{Memory: Memory{UserID: userID, Created: true, Jobs: []string{newJob}}})
	if o := d.s.User.Offer; o == nil || o.UserID != userID {
		t.Fatalf("offer %+v", o)
	}
	want[LookUpUser](t, d.apply(Answered{Yes: true}))
	effs = d.apply(UserLoaded{User: basiq.User{ID: userID}})
	if r := want[RecallJobs](t, effs); len(r.IDs) != 1 || r.IDs[0] != newJob {
		t.Fatalf("continued: %+v, want last time's job asked about", r)
	}
	// Still under way: this run watches it.
	effs = d.apply(JobsRecalled{Jobs: []RecalledJob{{ID: newJob, Job: job(newJob, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)}}})
	if p := want[PollJob](t, effs); p.ID != newJob || !d.s.User.Created {
		t.Errorf("continued: %+v, created %v; want the unfinished job watched and the user still this tool's", p, d.s.User.Created)
	}
	var kept Memory
	for _, e := range effs {
		if r, ok := e.(Remember); ok {
			kept = r.Memory // the last word
		}
	}
	if len(kept.Jobs) != 1 {
		t.Errorf("remembered %+v, want the job watched", kept)
	}
	// The demo remembers nothing: its simulator goes with it.
	dd, effs := drive(t, Config{Interactive: true, Demo: true})
	if has[Recall](effs) {
		t.Error("the demo recalled a session")
	}
	dd.apply(DemoStarted{})
	dd.apply(KeyChecked{Source: KeyDemo})
	if effs := dd.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true}); has[Remember](effs) {
		t.Error("the demo's user was remembered")
	}
}

func TestDeleteUserPastTheTimeoutTriesOnceThenEnds(t *testing.T) {
	d, _ := drive(t, Config{EnvKey: "k", Email: "a@b.co", JobIDs: []string{newJob}, DeleteUser: true, Timeout: time.Minute})
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}, Created: true})
	gen := want[PollJob](t, effs).Gen
	d.now = d.now.Add(2 * time.Minute)
	want[DeleteUser](t, d.apply(Tick{})) // timed out: the user goes first
	// Answers cut short by the deadline come in: nothing new starts.
	if effs := d.apply(JobPolled{Gen: gen, ID: newJob, Err: unavailable}); len(effs) != 0 {
		t.Fatalf("after the end began: %s", describe(effs))
	}
	if f := want[Finish](t, d.apply(UserDeleted{Err: unavailable})); f.Code != ExitFailed || d.s.Deleted {
		t.Errorf("a failed delete: exit %d, deleted %v", f.Code, d.s.Deleted)
	}
}

func TestALateAnswerToRetryingAConnectionIsDroppedOnceThePersonMovedOn(t *testing.T) {
	d, _ := toConsent(t, Config{Interactive: true, EnvKey: "key"})
	effs := d.apply(JobsPasted{IDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: failedJob(newJob, "service-unavailable")})
	refresh := want[RefreshConnection](t, d.apply(RefreshAsked{}))
	d.apply(BackAsked{}) // back to consent while Basiq is asked
	if d.s.Stage != StageConsent {
		t.Fatalf("on %v", d.s.Stage)
	}
	if effs := d.apply(ConnectionRefreshed{Gen: refresh.Gen, FailedJobID: newJob, JobID: "b1111111-0000-4000-8000-000000000002"}); len(effs) != 0 || d.s.Stage != StageConsent {
		t.Errorf("the late answer moved the session: %s, on %v", describe(effs), d.s.Stage)
	}
}

func TestAPageAskedForUnderAnOldFilterIsDropped(t *testing.T) {
	d := toAccounts(t, Config{EnvKey: "k"})
	first := want[LoadTransactions](t, d.apply(ViewAsked{View: ViewTransactions}))
	d.apply(TransactionsFiltered{Filter: TransactionFilter{Direction: "debit"}})
	d.apply(TransactionsLoaded{FeedID: first.FeedID, AccountID: AllAccounts, Items: []basiq.Transaction{{ID: "unfiltered"}}})
	if f := d.s.Feeds[AllAccounts]; len(f.Items) != 0 || !f.Loading {
		t.Errorf("the old filter's page landed in the new feed: %+v", f)
	}
}
