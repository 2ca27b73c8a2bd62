package quickstart

import (
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// toViews runs a session for an existing user with a connection (--user-id)
// to the views of the user, its accounts loaded.
func toViews(t *testing.T) *driver {
	t.Helper()
	d, effs := drive(t, Config{Interactive: true, EnvKey: "key", UserID: userID})
	want[CheckKey](t, effs)
	want[LookUpUser](t, d.apply(KeyChecked{Source: KeyFromEnv}))
	want[LoadConnections](t, d.apply(UserLoaded{User: basiq.User{ID: userID}}))
	want[LoadAccounts](t, d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}}))
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	if d.s.Stage != StageAccounts {
		t.Fatalf("on %v, want the views", d.s.Stage)
	}
	return d
}

func TestTheTransactionsViewSaysWhichRequestItRead(t *testing.T) {
	d := toViews(t)
	load := want[LoadTransactions](t, d.apply(ViewAsked{View: ViewTransactions}))
	f := d.s.Feeds[AllAccounts]
	if load.AccountID != AllAccounts || f.Endpoint != "GET /users/"+userID+"/transactions?limit=50" {
		t.Errorf("load %+v, endpoint %q", load, f.Endpoint)
	}
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Items: []basiq.Transaction{{ID: "t1"}}})
	filter := TransactionFilter{Direction: "debit", From: "2026-01-01"}
	load = want[LoadTransactions](t, d.apply(TransactionsFiltered{Filter: filter}))
	want := "GET /users/" + userID + "/transactions?filter=transaction.direction.eq('debit'),transaction.postDate.gteq('2026-01-01')&limit=50"
	if f := d.s.Feeds[AllAccounts]; f.Endpoint != want || len(f.Items) != 0 || len(load.Filters) != 2 {
		t.Errorf("after filtering: endpoint %q, %d items from before, load %+v", f.Endpoint, len(f.Items), load)
	}
}

func TestAFailedSecurityQuestionIsTheCodesFailureAndConsentIsTheWayOn(t *testing.T) {
	for code, says := range map[string]string{"invalid-credentials": "did not accept the answer", "job-timed-out": "No answer reached the bank"} {
		j := job(newJob, basiq.StepSuccess, basiq.StepFailed, basiq.StepPending)
		j.Steps[1] = basiq.Step{Title: basiq.StepMFAChallenge, Status: basiq.StepFailed, Result: &basiq.StepResult{Code: code, Title: "Failed"}}
		p := JobProblem(j, "Pied Piper Bank")
		if !strings.Contains(p.Meaning, says) || !strings.Contains(p.Next, "consent again") {
			t.Errorf("%s: %+v", code, p)
		}
		// A refresh would ask the question again where nobody sees it.
		if p.Offers(RemedyRefresh) || !p.Offers(RemedyRetry) {
			t.Errorf("%s: remedies %v, want consent again (r) and no refresh", code, p.Remedies)
		}
	}
	// A login the bank refused keeps the login's words.
	if p := JobProblem(failedJob(newJob, "invalid-credentials"), "Hooli"); !strings.Contains(p.Meaning, "login details") {
		t.Errorf("a refused login: %+v", p)
	}
}

func TestBackFromAnotherBanksConsentReturnsToTheViews(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewConnections})
	want[MintLink](t, d.apply(NewLinkAsked{}))
	if d.s.Stage != StageConsent || d.s.Link.Action != basiq.ConsentConnect {
		t.Fatalf("another bank: on %v with action %q", d.s.Stage, d.s.Link.Action)
	}
	if !d.s.CanGoBack() {
		t.Fatal("no way back from another bank's consent")
	}
	d.apply(BackAsked{})
	if d.s.Stage != StageAccounts || d.s.Explore.View != ViewConnections || d.s.Link.Action != "" {
		t.Errorf("back: on %v, view %v, action %q; want the Connections view", d.s.Stage, d.s.Explore.View, d.s.Link.Action)
	}
}

func TestAfterAFailedRefreshEnterGoesBackToTheAccountsFromBefore(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewConnections})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}})
	want[RefreshConnection](t, d.apply(RefreshAsked{ID: "conn-1"}))
	poll := want[PollJob](t, d.apply(ConnectionRefreshed{JobID: newJob}))
	d.apply(JobPolled{Gen: poll.Gen, ID: newJob, Job: job(newJob, basiq.StepInProgress, basiq.StepPending, basiq.StepPending)})
	d.apply(AccountsAsked{})
	if d.s.Stage != StageConnect || d.s.AccountsFromBefore() {
		t.Fatalf("enter while the refresh runs: on %v", d.s.Stage)
	}
	d.apply(JobPolled{Gen: poll.Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if !d.s.AccountsFromBefore() || d.s.AccountsReady() {
		t.Fatalf("after the failed refresh: from before %v, ready %v", d.s.AccountsFromBefore(), d.s.AccountsReady())
	}
	d.apply(AccountsAsked{})
	if d.s.Stage != StageAccounts || len(d.s.Accounts.List) != 1 {
		t.Errorf("enter after the failed refresh: on %v with %d accounts", d.s.Stage, len(d.s.Accounts.List))
	}
}

func TestOnlyAConsentInForceCanBeRevoked(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewConsents})
	d.apply(ConsentsLoaded{Items: []basiq.Consent{{ID: "old", Status: basiq.ConsentRevoked}, {ID: "now", Status: basiq.ConsentActive}}})
	d.apply(RemoveAsked{ID: "old"})
	if d.s.Explore.Confirm != nil {
		t.Fatalf("asked to revoke a revoked consent: %+v", d.s.Explore.Confirm)
	}
	d.apply(RemoveAsked{ID: "now"})
	if c := d.s.Explore.Confirm; c == nil || c.Kind != ConfirmRevokeConsent || !strings.Contains(c.Then, "connections are deleted") {
		t.Fatalf("revoking the consent in force: %+v", c)
	}
	if r := want[RevokeConsent](t, d.apply(Answered{Yes: true})); r.ConsentID != "now" {
		t.Errorf("revoked %+v", r)
	}
}

func TestTheDemosAnotherBankIsNamedBeforeItsConsent(t *testing.T) {
	d := toViews(t)
	d.s.Demo = true
	if d.s.AutoConsentBank() != SandboxInstitution {
		t.Errorf("the first consent's bank: %s", d.s.AutoConsentBank())
	}
	effs := d.apply(NewLinkAsked{})
	if load := want[LoadInstitution](t, effs); load.ID != SecondBank || d.s.AutoConsentBank() != SecondBank {
		t.Errorf("another bank: named %+v, a consents at %s", load, d.s.AutoConsentBank())
	}
}

func TestReloadingTransactionsAfterAFailedPageAsksThatPageAgain(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewTransactions})
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Items: []basiq.Transaction{{ID: "t1"}}, Next: "p2"})
	want[LoadTransactions](t, d.apply(TransactionsAsked{AccountID: AllAccounts, More: true}))
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Err: unavailable})
	if load := want[LoadTransactions](t, d.apply(RetryAsked{})); load.Cursor != "p2" || len(d.s.Feeds[AllAccounts].Items) != 1 {
		t.Errorf("reload after a failed second page: %+v, %d items kept", load, len(d.s.Feeds[AllAccounts].Items))
	}
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Items: []basiq.Transaction{{ID: "t2"}}})
	// With nothing failing, reload starts again from the first page.
	if load := want[LoadTransactions](t, d.apply(RetryAsked{})); load.Cursor != "" || len(d.s.Feeds[AllAccounts].Items) != 0 {
		t.Errorf("reload: %+v, %d items kept", load, len(d.s.Feeds[AllAccounts].Items))
	}
}

func TestANewJobMakesTheTransactionsReadAgain(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewTransactions})
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Items: []basiq.Transaction{{ID: "t1"}}})
	d.apply(ViewAsked{View: ViewConnections})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}})
	d.apply(RefreshAsked{ID: "conn-1"})
	poll := want[PollJob](t, d.apply(ConnectionRefreshed{JobID: newJob}))
	d.apply(JobPolled{Gen: poll.Gen, ID: newJob, Job: job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)})
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	d.apply(AccountsAsked{})
	if load := want[LoadTransactions](t, d.apply(ViewAsked{View: ViewTransactions})); load.Cursor != "" {
		t.Errorf("after the refresh: %+v, want the first page again", load)
	}
}

func TestEachViewThatFailedToLoadSaysSoUntilItLoads(t *testing.T) {
	type failing struct {
		view       View
		fail, load func(d *driver) Event
	}
	cases := []failing{
		{ViewAccounts,
			func(d *driver) Event { return AccountsLoaded{Seq: d.s.Accounts.seq, Err: unavailable} },
			func(d *driver) Event {
				return AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}}
			}},
		{ViewTransactions,
			func(d *driver) Event {
				return TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Err: unavailable}
			},
			func(d *driver) Event {
				return TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts}
			}},
		{ViewConnections,
			func(*driver) Event { return ConnectionsLoaded{Err: unavailable} },
			func(*driver) Event { return ConnectionsLoaded{} }},
		{ViewConsents,
			func(*driver) Event { return ConsentsLoaded{Err: unavailable} },
			func(*driver) Event { return ConsentsLoaded{} }},
		{ViewJobs,
			func(d *driver) Event { return JobsListed{Gen: d.s.Link.Gen, Purpose: ListBrowse, Err: unavailable} },
			func(d *driver) Event { return JobsListed{Gen: d.s.Link.Gen, Purpose: ListBrowse} }},
	}
	for _, c := range cases {
		t.Run(c.view.String(), func(t *testing.T) {
			d := toViews(t)
			d.apply(ViewAsked{View: c.view})
			d.apply(RetryAsked{})
			d.apply(c.fail(d))
			if d.s.ViewProblem() == nil {
				t.Fatal("a view that failed to load has no problem to show")
			}
			d.apply(RetryAsked{})
			d.apply(c.load(d))
			if p := d.s.ViewProblem(); p != nil {
				t.Errorf("loaded again, the view still has a problem: %+v", p)
			}
		})
	}
}
