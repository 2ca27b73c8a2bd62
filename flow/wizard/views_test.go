package wizard

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/apikey"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

// The views of the user, on the fake Basiq: what each shows and reads, and
// what its keys ask Basiq for.

const (
	secondJob  = "b2000000-0000-4000-8000-000000000002"
	secondConn = "conn-2"
)

// withLists gives the fake Basiq what the views list: one connection at
// Hooli, one consent, the user's job, and 60 transactions (two pages).
func (r *rig) withLists() {
	r.api.Connections = []basiq.Connection{{Type: "connection", ID: "conn-1", Method: "web", Status: basiq.ConnectionActive,
		CreatedDate: "2026-11-24T14:05:30Z", LastUsed: "2026-11-24T14:05:40Z", Institution: basiq.Ref{ID: qs.SandboxInstitution}}}
	r.api.Consents = []basiq.Consent{{Type: "consent", ID: "cons-1", Status: basiq.ConsentActive,
		Purpose: basiq.ConsentPurpose{Primary: basiq.ConsentText{Title: "See your accounts in basiq-onboard"}}}}
	r.api.UserJobs = [][]basiq.Job{{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}}
	for i := range 60 {
		desc, amount := fmt.Sprintf("WOOLWORTHS %04d SYDNEY", i), fmt.Sprintf("-%d.50", 10+i)
		if i%10 == 3 {
			desc = "BILL & TONY'S CAFE NEWTOWN"
		}
		r.api.Transactions = append(r.api.Transactions, basiq.Transaction{ID: fmt.Sprintf("t%d", i), Account: "acc-1",
			Description: desc, Amount: amount, Currency: "AUD", PostDate: fmt.Sprintf("2026-11-%02dT00:00:00Z", 28-i/3)})
	}
}

func TestTabGoesThroughTheViewsAndEachSaysWhatItRead(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.sees("Accounts", "Transactions", "Connections", "Consents", "Jobs", "tab / shift+tab", "GET /users/7f1c2a4e…/accounts at")
	for _, v := range []struct {
		sees []string
		call string
	}{
		{[]string{"Transactions of all accounts", "GET /users/7f1c2a4e…/transactions?limit=50", "Transaction 14000", "WOOLWORTHS 0000 SYDNEY"}, "GET /users/" + flowtest.UserID + "/transactions"},
		{[]string{"1 connection", "GET /users/7f1c2a4e…/connections", "Hooli Bank", "active"}, "GET /users/" + flowtest.UserID + "/connections"},
		{[]string{"1 consent", "GET /users/7f1c2a4e…/consents", "See your accounts in basiq-onboard"}, "GET /users/" + flowtest.UserID + "/consents"},
		{[]string{"1 job, newest first", "GET /users/7f1c2a4e…/jobs", "✓ done"}, "GET /users/" + flowtest.UserID + "/jobs"},
		{[]string{"Events · 0 of this user", "The events are not read in this run."}, ""},
	} {
		w.keys("tab")
		w.sees(v.sees...)
		if n := r.api.Count(v.call); n != 1 && v.call != "" {
			t.Errorf("%s called %d times, want once", v.call, n)
		}
	}
	w.keys("tab")
	w.sees("Hooli Bank · 4 accounts")
	w.keys("shift+tab", "shift+tab", "shift+tab")
	w.sees("1 consent")
	w.keys("tab", "tab", "tab", "tab")
	for _, call := range []string{"/connections", "/consents", "/jobs", "/transactions"} {
		if n := r.api.Count("GET /users/" + flowtest.UserID + call); n != 1 {
			t.Errorf("coming back, %s was read %d times: a view reads once, and again on r", call, n)
		}
	}
	w.keys("r")
	if n := r.api.Count("GET /users/" + flowtest.UserID + "/transactions"); n != 2 {
		t.Errorf("r read the transactions %d times in all, want again (2)", n)
	}
	w.keys("?")
	w.sees("tab        next view", "shift+tab  previous view", "r          reload", "q          quit")
}

func TestTransactionsAreFilteredByBasiqSearchedHereAndPagedOnM(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab")
	w.sees("1–", "of 50", "m loads more")
	w.keys("m")
	if f := w.m.session.Feeds[qs.AllAccounts]; len(f.Items) != 60 || f.More() {
		t.Errorf("after m: %d loaded, more %v; want all 60", len(f.Items), f.More())
	}
	w.keys("/")
	for _, k := range strings.Split("cafe", "") {
		w.keys(k)
	}
	w.keys("enter")
	w.sees("“cafe” 6 of 60 loaded", "BILL & TONY'S CAFE NEWTOWN")
	if strings.Contains(w.screen(), "WOOLWORTHS") {
		t.Errorf("the search keeps what does not match:\n%s", w.screen())
	}
	w.keys("tab") // a search kept does not hold the views
	w.sees("1 connection")
	w.keys("shift+tab")
	w.sees("“cafe” 6 of 60 loaded")
	w.keys("esc") // clears the search
	w.keys("f", "right", "right", "tab", "tab")
	for _, k := range strings.Split("2026-11-01", "") {
		w.keys(k)
	}
	w.keys("enter")
	if f := w.m.session.Explore.Filter; f != (qs.TransactionFilter{Direction: basiq.DirectionDebit, From: "2026-11-01"}) {
		t.Errorf("the filter sent: %+v", f)
	}
	w.sees("transaction.direction.eq('debit'),", "transaction.postDate.gteq('2026-11-01')", "Filter debit · from 2026-11-01")
}

func TestConnectionsRefreshThroughTheJobViewAndDeleteAfterAYes(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab")
	w.sees("u refresh", "x delete", "b another bank")
	refreshed := "c3000000-0000-4000-8000-000000000003"
	r.api.Refreshed = refreshed
	r.api.Jobs[refreshed] = []basiq.Job{flowtest.Job(refreshed, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	w.send(uitest.Press("u")).until("watched the refresh", stageIs(qs.StageConnect))
	w.againToAccounts()
	if !slices.Contains(r.api.Calls(), "POST /users/"+flowtest.UserID+"/connections/conn-1/refresh") {
		t.Fatalf("u did not refresh the connection: %q", r.api.Calls())
	}
	w.keys("tab", "tab", "x")
	w.sees("Delete the connection to Hooli Bank?", "the accounts it brought stay on the user", "y yes")
	if strings.Contains(w.screen(), "Transactions ") {
		t.Errorf("the tabs show over the question:\n%s", w.screen())
	}
	w.keys("?") // the help line offers it over the question too
	w.sees("Keys on this screen", "y          yes")
	w.keys("esc") // closes the help, and answers nothing
	w.sees("Delete the connection to Hooli Bank?")
	w.keys("n")
	if r.api.Count("DELETE /users/"+flowtest.UserID+"/connections/conn-1") != 0 {
		t.Fatal("n deleted the connection")
	}
	w.keys("x", "y")
	if r.api.Count("DELETE /users/"+flowtest.UserID+"/connections/conn-1") != 1 {
		t.Fatalf("y did not delete the connection: %q", r.api.Calls())
	}
	w.sees("Connection conn-1 deleted.", "No connections", "b another bank")
}

func TestAListThatFailedToLoadSaysSoAndRReadsItAgain(t *testing.T) {
	r := newRig()
	r.withLists()
	r.api.ConnectionsErrs = []error{flowtest.Unavailable("/users/" + flowtest.UserID + "/connections")}
	w := r.demoToAccounts(t)
	w.send(tea.WindowSizeMsg{Width: 80, Height: 24}) // where the help line is short of room
	w.keys("tab", "tab")
	w.sees("Service unavailable", "Press r to try again")
	// The way forward comes first in the help line, before the view's own keys.
	if h := w.helpLine(); !strings.HasPrefix(strings.TrimSpace(h), "r try again") || !strings.Contains(h, "b another bank") {
		t.Errorf("help line %q", h)
	}
	w.keys("r")
	w.sees("1 connection", "Hooli Bank")
}

func TestRevokingAConsentAsksFirstAndSaysWhatBasiqDoes(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab", "tab", "x")
	w.sees("Revoke this consent?", "Basiq stops sharing data", "connections are deleted")
	w.keys("y")
	if r.api.Count("DELETE /users/"+flowtest.UserID+"/consents/cons-1") != 1 {
		t.Fatalf("y did not revoke: %q", r.api.Calls())
	}
	w.sees("Consent revoked", "revoked")
	if strings.Contains(w.helpLine(), "x revoke") {
		t.Errorf("x is offered for a revoked consent: %q", w.helpLine())
	}
}

// againToAccounts waits in the job view of a refresh or another bank
// until the accounts are in again, and goes to them with enter.
func (w *runner) againToAccounts() {
	w.t.Helper()
	w.until("had the accounts again", func(m Model) bool { return m.session.AccountsReady() })
	w.sees("The accounts are in. Press enter")
	w.send(uitest.Press("enter")).until("went back to the accounts", stageIs(qs.StageAccounts)).settle()
}

// anotherBank goes from the accounts to Connections, b, and a: the demo
// consents at Pied Piper, whose job is job.
func (r *rig) anotherBank(t *testing.T, w *runner, job ...basiq.Job) {
	t.Helper()
	r.consented[qs.SandboxPersona] = []string{secondJob}
	r.api.Jobs[secondJob] = job
	// Consent polls until a job comes: no settling there.
	w.keys("tab", "tab")
	w.send(uitest.Press("b")).until("showed another bank's link", func(m Model) bool {
		return m.session.Consent.Waiting && m.session.Institutions[flowtest.PiedPiper].Name != ""
	})
	w.sees("Connect another bank", "action=connect", "Press a to connect Pied Piper Bank as Wentworth-Smith")
	w.send(uitest.Press("a")).until("watched the second job", stageIs(qs.StageConnect))
}

// piedPiperJob is a job at Pied Piper: verify, its question, the accounts.
func piedPiperJob(question string, result *basiq.StepResult, updated time.Time, then ...string) basiq.Job {
	j := flowtest.Job(secondJob, basiq.StepSuccess)
	j.Institution = &basiq.Ref{Type: "institution", ID: flowtest.PiedPiper}
	j.Updated = updated
	j.Steps = append(j.Steps, basiq.Step{Title: basiq.StepMFAChallenge, Status: question, Result: result})
	for i, s := range then {
		j.Steps = append(j.Steps, basiq.Step{Title: []string{basiq.StepRetrieveAccounts, basiq.StepRetrieveTransactions}[i], Status: s})
	}
	return j
}

func TestAnotherBankEndsInOneTableAcrossBanks(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	both := flowtest.Accounts()
	for _, a := range flowtest.Accounts()[:2] {
		a.ID, a.Institution = a.ID+"-pp", flowtest.PiedPiper
		both = append(both, a)
	}
	r.api.Accounts = both
	answered := &basiq.StepResult{Type: basiq.ResultMFA, Method: "token", Input: []string{"OTP Password"}, ExpiryMs: 120000}
	r.anotherBank(t, w, piedPiperJob(basiq.StepSuccess, answered, r.clock.Now(), basiq.StepSuccess, basiq.StepSuccess))
	if !slices.Equal(r.logins, []string{qs.SandboxPersona, qs.SandboxPersona}) {
		t.Errorf("consented as %q", r.logins)
	}
	w.againToAccounts()
	w.sees("2 banks · 6 accounts", "Pied Piper Bank", "Hooli Bank", "Total AUD")
}

func TestEscFromAnotherBanksConsentGoesBackToTheViews(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab")
	w.send(uitest.Press("b")).until("showed another bank's link", func(m Model) bool { return m.session.Consent.Waiting })
	w.send(uitest.Press("esc")).until("went back to the views", stageIs(qs.StageAccounts)).settle()
	w.sees("1 connection", "b another bank")
}

func TestACodeWaitedForShowsItsTimeAndALateOneIsTheFailureItIs(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	asked := &basiq.StepResult{Type: basiq.ResultMFA, Method: "token", Input: []string{"OTP Password"}, ExpiryMs: 120000}
	waiting := piedPiperJob(basiq.StepInProgress, asked, r.clock.Now(), basiq.StepPending, basiq.StepPending)
	late := piedPiperJob(basiq.StepFailed, &basiq.StepResult{Type: "error", Code: "job-timed-out", Title: "Job timed out"}, r.clock.Now(), basiq.StepPending, basiq.StepPending)
	r.anotherBank(t, w, waiting, late)
	w.until("saw the question", func(m Model) bool { return m.session.Jobs.ByID[secondJob].Seen })
	// The question expires expiryMs after the job's updated time; the polls so far took the fake clock's time.
	left := func() string {
		return waiting.Updated.Add(2*time.Minute).Sub(r.clock.Now()).Round(time.Second).String() + " left"
	}
	w.sees("Pied Piper Bank sent a code · " + left())
	r.clock.Advance(8 * time.Second)
	w.send(clockTickMsg{})
	w.sees(left())
	w.until("saw the job fail", func(m Model) bool { return m.session.Jobs.ByID[secondJob].Job.State() == basiq.JobFailed }).settle()
	w.sees("No answer reached the bank", "Go through consent again", "The accounts from before are still there")
	h := w.helpLine()
	if strings.Contains(h, "u retry") || !strings.Contains(h, "r consent again") || !strings.Contains(h, "enter back to the accounts") {
		t.Errorf("help line %q: consent again or back to the accounts, and no retry", h)
	}
	w.keys("enter")
	if w.stage() != qs.StageAccounts {
		t.Fatalf("enter after the failed job: on %v", w.stage())
	}
	w.sees("Hooli Bank · 4 accounts")
}

func TestQuitOffersToDeleteTheUserAndYDeletesIt(t *testing.T) {
	w := newRig().demoToAccounts(t)
	w.keys("q")
	w.sees("Delete the user this session made (" + flowtest.UserID + ")?")
	w.keys("y")
	if n := w.m.session; !n.Deleted || !w.quit || w.m.ExitCode() != qs.ExitOK {
		t.Errorf("deleted %v, quit %v, exit %d", n.Deleted, w.quit, w.m.ExitCode())
	}
	if s := w.m.Summary(); !strings.Contains(s, "Deleted the user (DELETE /users/"+flowtest.UserID+")") || strings.Contains(s, "simulator has stopped") {
		t.Errorf("the summary after deleting the user:\n%s", s)
	}
}

// fakeMemory keeps what sessions remember, as state.json does.
type fakeMemory struct{ kept map[string]qs.Memory }

func (f *fakeMemory) Recall(apiURL string) (qs.Memory, error) { return f.kept[apiURL], nil }
func (f *fakeMemory) Remember(apiURL string, m qs.Memory) error {
	f.kept[apiURL] = m
	return nil
}

func TestTheLastSessionsUserIsOfferedWithItsUnfinishedJob(t *testing.T) {
	r := newRig()
	memory := &fakeMemory{kept: map[string]qs.Memory{r.cfg.APIURL: {UserID: flowtest.UserID, Created: true, Jobs: []string{flowtest.JobID}}}}
	r.cfg.Memory = memory
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepInProgress, basiq.StepPending),
		flowtest.Job(flowtest.JobID, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	w := r.start(t).settle()
	w.send(apikey.SubmittedMsg{Key: flowtest.GoodKey}).settle()
	w.send(keys.IntentMsg{Intent: keys.No}).settle()
	w.sees("Continue where you left off?", "Continue with user 7f1c2a4e… (and its unfinished job)?", "basiq-onboard created.")
	if h := w.helpLine(); !strings.Contains(h, "enter continue") || !strings.Contains(h, "n start fresh") {
		t.Errorf("help line %q", h)
	}
	w.send(uitest.Press("enter")).until("watched the unfinished job", stageIs(qs.StageConnect))
	if r.api.Count("POST /users") != 0 || r.api.Count("GET /users/"+flowtest.UserID) != 1 {
		t.Errorf("calls %q: the user is looked up, none made", r.api.Calls())
	}
	if !w.m.session.User.Created {
		t.Error("the user this tool made is no longer known as made here (it may be offered for deletion)")
	}

	// n starts fresh: the form, and nothing looked up.
	r2 := newRig()
	r2.cfg.Memory = &fakeMemory{kept: map[string]qs.Memory{r2.cfg.APIURL: {UserID: flowtest.UserID}}}
	w2 := r2.start(t).settle()
	w2.send(apikey.SubmittedMsg{Key: flowtest.GoodKey}).settle()
	w2.send(keys.IntentMsg{Intent: keys.No}).settle()
	w2.keys("n")
	w2.sees("Create a user", "Email")
	if r2.api.Count("GET /users/"+flowtest.UserID) != 0 {
		t.Errorf("n looked the user up: %q", r2.api.Calls())
	}
}
