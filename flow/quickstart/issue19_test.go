package quickstart

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Scenarios of issue 19: the second time, and every path a newcomer takes.

const (
	piedPiper = "AU00002"
	ppConn    = "conn-pp"
	otherUser = "0a0a0a0a-0000-4000-8000-00000000000b"
)

var (
	ppConnection = basiq.Connection{ID: ppConn, Status: basiq.ConnectionActive, Institution: basiq.Ref{ID: piedPiper}}
	wrongAnswer  = &basiq.Error{Status: 400, Method: "POST", Path: "/jobs/x/mfa",
		Items: []basiq.ErrorItem{{Code: "invalid-credentials", Title: "Cannot login to target institution, check credentials.", Detail: "The answer to the multi-factor challenge is not correct."}}}
)

// mfaJob is a refresh of Pied Piper's connection waiting on its two questions,
// asked at asked (GET /jobs/{id} names no bank).
func mfaJob(id string, asked time.Time) basiq.Job {
	return basiq.Job{Type: "job", ID: id, Updated: asked,
		Links: basiq.Links{Source: "https://x/users/" + userID + "/connections/" + ppConn},
		Steps: []basiq.Step{
			{Title: basiq.StepVerifyCredentials, Status: basiq.StepSuccess},
			{Title: basiq.StepMFAChallenge, Status: basiq.StepInProgress, Result: &basiq.StepResult{Type: basiq.ResultMFA, Method: "security-questions",
				Input: []string{"What's your favourite company?", "What's the ID of this institution?"}, ExpiryMs: 120000}},
			{Title: basiq.StepRetrieveAccounts, Status: basiq.StepPending},
			{Title: basiq.StepRetrieveTransactions, Status: basiq.StepPending},
		}}
}

// withMFAStep is j with its challenge step ended as status (a failure with code).
func withMFAStep(j basiq.Job, status, code string) basiq.Job {
	steps := append([]basiq.Step(nil), j.Steps...)
	steps[1] = basiq.Step{Title: basiq.StepMFAChallenge, Status: status}
	if code != "" {
		steps[1].Result = &basiq.StepResult{Code: code, Title: "Failed"}
	}
	if status == basiq.StepSuccess {
		steps[2].Status, steps[3].Status = basiq.StepSuccess, basiq.StepSuccess
	}
	j.Steps = steps
	return j
}

// refreshingPiedPiper goes to the views with Hooli's and Pied Piper's
// connections listed, refreshes Pied Piper's (u) and answers that the job
// waits on the bank's questions; it returns the poll's generation.
func refreshingPiedPiper(t *testing.T, d *driver) int {
	t.Helper()
	d.apply(ViewAsked{View: ViewConnections})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{active, ppConnection}})
	d.apply(InstitutionLoaded{ID: piedPiper, Inst: basiq.Institution{ID: piedPiper, Name: "Pied Piper Bank"}})
	want[RefreshConnection](t, d.apply(RefreshAsked{ID: ppConn}))
	poll := want[PollJob](t, d.apply(ConnectionRefreshed{Gen: d.s.Jobs.Gen, JobID: newJob}))
	d.apply(JobPolled{Gen: poll.Gen, ID: newJob, Job: mfaJob(newJob, d.now)})
	return poll.Gen
}

// noAnswerIn fails the test if any note of effs holds one of the answers.
func noAnswerIn(t *testing.T, effs []Effect, answers ...string) {
	t.Helper()
	for _, e := range effs {
		say, ok := e.(Say)
		if !ok {
			continue
		}
		for _, a := range answers {
			if strings.Contains(say.Text, a) || say.Problem != nil && strings.Contains(say.Problem.What+say.Problem.Next, a) {
				t.Errorf("a note holds the answer %q: %q", a, say.Text)
			}
		}
	}
}

func TestItem1ARefreshWaitingForTheBanksQuestionsIsAnsweredInTheJobView(t *testing.T) {
	d := toViews(t)
	gen := refreshingPiedPiper(t, d)
	w := d.s.Jobs.ByID[newJob]
	c := w.MFA
	if c == nil || len(c.Questions) != 2 || !c.Open() || c.Token() || !c.Expires.Equal(w.Job.Updated.Add(2*time.Minute)) {
		t.Fatalf("the job waits on the bank, and the session shows %+v", c)
	}
	// Item 13: GET /jobs/{id} names no bank; the refreshed connection does.
	if d.s.BankName(w.Bank()) != "Pied Piper Bank" {
		t.Errorf("the refreshed job is at %q, want Pied Piper Bank", d.s.BankName(w.Bank()))
	}
	answers := []string{"Basiq", "AU00000"}
	effs := d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: answers})
	send := want[AnswerMFA](t, effs)
	if send.JobID != newJob || send.UserID != userID || strings.Join(send.Answers, ",") != "Basiq,AU00000" || !c.Sending {
		t.Fatalf("sent %+v (sending %v)", send, c.Sending)
	}
	noAnswerIn(t, effs, answers...)
	// A second enter while they are on their way sends nothing.
	if effs := d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: answers}); has[AnswerMFA](effs) {
		t.Error("the answers were sent twice")
	}
	effs = d.apply(MFASent{Gen: send.Gen, JobID: newJob})
	if !c.Sent || c.Open() {
		t.Errorf("after Basiq took them: %+v", c)
	}
	var outcome *MFANote
	for _, e := range effs {
		if say, ok := e.(Say); ok && say.Kind == NoteMFAOutcome {
			outcome = say.MFA
		}
	}
	if outcome == nil || outcome.Outcome != MFAAccepted {
		t.Errorf("the outcome note: %+v", outcome)
	}
	effs = d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepSuccess, "")})
	if d.s.Jobs.ByID[newJob].MFA != nil || !has[LoadAccounts](effs) {
		t.Errorf("the job went on: challenge %+v, %s", d.s.Jobs.ByID[newJob].MFA, describe(effs))
	}
}

func TestItem1AWrongAnswerFailsTheJobAndConsentAgainIsForThatConnection(t *testing.T) {
	d := toViews(t)
	gen := refreshingPiedPiper(t, d)
	d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"", "AU00000"}})
	if c := d.s.Jobs.ByID[newJob].MFA; c.Problem == nil || c.Sending {
		t.Fatalf("an empty answer was sent: %+v", c)
	}
	send := want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Hooligan", "AU99999"}}))
	effs := d.apply(MFASent{Gen: send.Gen, JobID: newJob, Err: wrongAnswer})
	noAnswerIn(t, effs, "Hooligan", "AU99999")
	if c := d.s.Jobs.ByID[newJob].MFA; c.Refused == "" || c.Open() {
		t.Errorf("after a wrong answer: %+v", c)
	}
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepFailed, "invalid-credentials")})
	if !d.s.Problem.Offers(RemedyRetry) || d.s.Problem.Offers(RemedyRefresh) {
		t.Fatalf("the failed job's problem: %+v", d.s.Problem)
	}
	// Item 2: r (or esc) goes through consent for Pied Piper's connection, not a second one.
	mint := want[MintLink](t, d.apply(RetryAsked{}))
	if mint.ConnectionID != ppConn || d.s.AutoConsentBank() != piedPiper {
		t.Errorf("consent again: %+v at %s, want connection %s at Pied Piper", mint, d.s.AutoConsentBank(), ppConn)
	}
}

func TestItem1AnExpiredChallengeOffersConsentAgainForThatConnection(t *testing.T) {
	d := toViews(t)
	gen := refreshingPiedPiper(t, d)
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepFailed, "job-timed-out")})
	d.apply(BackAsked{}) // esc, as r
	if d.s.Stage != StageConsent || d.s.Link.ConnectionID != ppConn {
		t.Errorf("esc after the time ran out: on %v for connection %q", d.s.Stage, d.s.Link.ConnectionID)
	}
}

func TestItem1AnAnswerThatGotNoClearReplyCanBeSentAgain(t *testing.T) {
	d := toViews(t)
	refreshingPiedPiper(t, d)
	send := want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Basiq", "AU00000"}}))
	d.apply(MFASent{Gen: send.Gen, JobID: newJob, Err: unavailable})
	c := d.s.Jobs.ByID[newJob].MFA
	if !c.Open() || c.Problem == nil || d.s.Stage != StageConnect {
		t.Fatalf("after a 503: %+v on %v", c, d.s.Stage)
	}
	want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Basiq", "AU00000"}}))
}

func TestItem1AFirstConnectionWhoseConsentPageClosedBeforeTheQuestionIsAnsweredHere(t *testing.T) {
	d, effs := toConsent(t, Config{Interactive: true, EnvKey: "key"})
	poll := want[ListJobs](t, effs)
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Jobs: []basiq.Job{{ID: oldJob}, {ID: newJob}}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: mfaJob(newJob, d.now)})
	if c := d.s.Jobs.ByID[newJob].MFA; !c.Open() || d.s.Stage != StageConnect {
		t.Fatalf("a first connection waiting on the bank: %+v on %v", c, d.s.Stage)
	}
	want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Basiq", "AU00000"}}))
}

func TestItem1HeadlessWithoutATerminalFailsTheJobWithACodeAndExitsOne(t *testing.T) {
	cfg := headless
	cfg.UserID, cfg.JobIDs = userID, []string{newJob}
	d, _ := drive(t, cfg)
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}})
	atPiedPiper := mfaJob(newJob, d.now)
	atPiedPiper.Institution = &basiq.Ref{ID: piedPiper}
	effs = d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: atPiedPiper})
	want[LoadInstitution](t, effs) // the question waits for the bank's name
	effs = d.apply(InstitutionLoaded{ID: piedPiper, Err: errors.New("no name")})
	var challenge *MFANote
	for _, e := range effs {
		if say, ok := e.(Say); ok && say.Kind == NoteMFAChallenge {
			challenge = say.MFA
		}
	}
	if challenge == nil || len(challenge.Questions) != 2 {
		t.Fatalf("no challenge note with its questions: %s", describe(effs))
	}
	f := want[Finish](t, effs)
	if p := d.s.Problem; f.Code != ExitFailed || p == nil || p.Code != mfaNoTerminal || !strings.Contains(p.Next, "terminal") {
		t.Errorf("exit %d, problem %+v", f.Code, p)
	}
}

func TestItem1HeadlessWithATerminalAsksEachQuestion(t *testing.T) {
	cfg := headless
	cfg.UserID, cfg.JobIDs, cfg.Ask = userID, []string{newJob}, true
	d, _ := drive(t, cfg)
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}})
	gen := want[PollJob](t, effs).Gen
	atPiedPiper := mfaJob(newJob, d.now)
	atPiedPiper.Institution = &basiq.Ref{ID: piedPiper}
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: atPiedPiper})
	ask := want[Ask](t, d.apply(InstitutionLoaded{ID: piedPiper, Inst: basiq.Institution{ID: piedPiper, Name: "Pied Piper Bank"}}))
	if ask.Kind != AskMFA || len(ask.Questions) != 2 || ask.Bank != "Pied Piper Bank" || ask.JobID != newJob {
		t.Fatalf("asked %+v", ask)
	}
	send := want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Basiq", "AU00000"}}))
	d.apply(MFASent{Gen: send.Gen, JobID: newJob})
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepSuccess, "")})
	if done, _ := d.s.Finished(); done || d.s.Failed() {
		t.Errorf("after the answers: finished %v, failed %v", done, d.s.Failed())
	}
}

func TestItem8HeadlessWithATerminalAsksForTheKeyAndTheEmail(t *testing.T) {
	d, effs := drive(t, Config{Ask: true, KeyStore: true, NoBrowser: "none", Timeout: time.Minute})
	if has[Finish](effs) {
		t.Fatalf("no --email with a terminal to ask at is not a usage error: %s", describe(effs))
	}
	want[LoadSavedKey](t, effs)
	if a := want[Ask](t, d.apply(SavedKeyLoaded{})); a.Kind != AskKey {
		t.Fatalf("asked %+v, want the key", a)
	}
	d.apply(Typed{Kind: AskKey, Answers: []string{"wrong"}})
	// A wrong key is said and asked again; the run goes on.
	if a := want[Ask](t, d.apply(KeyChecked{Source: KeyTyped, Err: &basiq.Error{Status: 404, Path: "/token", Items: []basiq.ErrorItem{{Code: "parameter-not-valid"}}}})); a.Kind != AskKey {
		t.Fatalf("after a wrong key: %+v", a)
	}
	if c := want[CheckKey](t, d.apply(Typed{Kind: AskKey, Answers: []string{" good "}})); c.Key != "good" || c.Source != KeyTyped {
		t.Fatalf("checked %+v", c)
	}
	effs = d.apply(KeyChecked{Source: KeyTyped})
	if has[ProbeKeyStore](effs) {
		t.Error("a headless run offered to save the key, with nobody to say yes")
	}
	if a := want[Ask](t, effs); a.Kind != AskEmail {
		t.Fatalf("asked %+v, want the email", a)
	}
	if a := want[Ask](t, d.apply(Typed{Kind: AskEmail, Answers: []string{"not-an-email"}})); a.Kind != AskEmail {
		t.Fatalf("after a bad email: %+v", a)
	}
	if c := want[CreateUser](t, d.apply(Typed{Kind: AskEmail, Answers: []string{"max@example.com"}})); c.User.Email != "max@example.com" {
		t.Errorf("created %+v", c)
	}
	// The input ends: a clear problem, exit 1.
	d2, _ := drive(t, Config{Ask: true, NoBrowser: "none"})
	if f := want[Finish](t, d2.apply(Typed{Kind: AskKey, Err: errors.New("EOF")})); f.Code != ExitFailed || !strings.Contains(d2.s.Problem.What, "API key") {
		t.Errorf("no key typed: exit %d, %+v", f.Code, d2.s.Problem)
	}
}

func TestItem2AfterAFailedRefreshConsentAgainIsThroughThatConnectionInTheDemoToo(t *testing.T) {
	d := toAccounts(t, Config{Demo: true})
	d.s.Demo = true
	gen := refreshingPiedPiper(t, d)
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepFailed, "job-timed-out")})
	effs := d.apply(RetryAsked{})
	mint := want[MintLink](t, effs)
	d.apply(LinkMinted{Gen: mint.Gen, Token: "tok", URL: "u"})
	d.apply(JobsListed{Gen: want[ListJobs](t, effs).Gen, Purpose: ListSnapshot, Jobs: []basiq.Job{{ID: newJob}}})
	ac := want[AutoConsent](t, d.apply(AutoConsentAsked{}))
	if ac.ConnectionID != ppConn || ac.InstitutionID != piedPiper {
		t.Errorf("the demo's a: %+v, want Pied Piper's connection logged in again", ac)
	}
}

func TestItem3AJobOfAnotherUserIsRefused(t *testing.T) {
	theirs := job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	theirs.Links.Source = "https://au-api.basiq.io/users/" + otherUser + "/connections/conn-9"
	// --user-id B --job-id J, headless.
	cfg := headless
	cfg.UserID, cfg.JobIDs = userID, []string{newJob}
	d, _ := drive(t, cfg)
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}})
	effs = d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: theirs})
	if f := want[Finish](t, effs); f.Code != ExitFailed || d.s.Problem.Code != jobOfAnotherUser || !strings.Contains(d.s.Problem.What, otherUser) {
		t.Errorf("exit %d, problem %+v", f.Code, d.s.Problem)
	}
	if has[LoadAccounts](effs) || len(d.s.Result().Jobs) != 0 {
		t.Errorf("another user's job was taken as this user's: %s, result %+v", describe(effs), d.s.Result().Jobs)
	}
	// A pasted id in the wizard: refused, with consent and back as the ways on.
	d, _ = toConsent(t, Config{Interactive: true, EnvKey: "key"})
	effs = d.apply(JobsPasted{IDs: []string{newJob}})
	d.apply(JobPolled{Gen: want[PollJob](t, effs).Gen, ID: newJob, Job: theirs})
	if p := d.s.Problem; p == nil || !p.Offers(RemedyNewLink) || !d.s.CanGoBack() || len(d.s.Jobs.Order) != 0 {
		t.Errorf("a pasted job of another user: problem %+v, jobs %v", p, d.s.Jobs.Order)
	}
	if code := d.s.quitCode(false); code != ExitFailed {
		t.Errorf("quitting after it: exit %d, want 1", code)
	}
}

// comeBack is a second start that continues with the last session's user,
// who has connected a bank, and whose session left jobs.
func comeBack(t *testing.T, jobs ...string) *driver {
	t.Helper()
	d, _ := drive(t, Config{Interactive: true, EnvKey: "k"})
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(Remembered{Memory: Memory{UserID: userID, Created: true, Jobs: jobs}})
	want[LookUpUser](t, d.apply(Answered{Yes: true}))
	want[RecallJobs](t, d.apply(UserLoaded{User: basiq.User{ID: userID}}))
	return d
}

func TestItem3ComingBackJobsOverSinceAreHistoryAndTheExitIsAboutThisRun(t *testing.T) {
	const gone = "90ne0000-0000-4000-8000-000000000009"
	d := comeBack(t, oldJob, newJob, gone)
	effs := d.apply(JobsRecalled{Jobs: []RecalledJob{
		{ID: oldJob, Job: job(oldJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)},
		{ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepFailed, "job-timed-out")},
		{ID: gone, Err: notFound},
	}})
	if has[PollJob](effs) || len(d.s.Jobs.Order) != 0 {
		t.Fatalf("jobs over since are watched as this run's: %s", describe(effs))
	}
	if n := d.s.Notice.Text; !strings.Contains(n, "2 jobs from last time ended since") || !strings.Contains(n, "90ne0000") || strings.Contains(n, "\n") {
		t.Errorf("notice %q: want one line naming what ended and what was dropped", n)
	}
	var kept *Memory
	for _, e := range effs {
		if r, ok := e.(Remember); ok {
			kept = &r.Memory
		}
	}
	if kept == nil || len(kept.Jobs) != 0 {
		t.Errorf("remembered %+v, want none of those jobs", kept)
	}
	// What is current: the user has a bank, so the views.
	want[LoadConnections](t, effs)
	want[LoadAccounts](t, d.apply(ConnectionsLoaded{Items: []basiq.Connection{active}}))
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	if d.s.Stage != StageAccounts || d.s.Failed() {
		t.Fatalf("on %v, failed %v", d.s.Stage, d.s.Failed())
	}
	d.apply(QuitAsked{}) // q: the user was made here, so it asks first
	if f := want[Finish](t, d.apply(Answered{Yes: false})); f.Code != ExitOK {
		t.Errorf("a clean quit after coming back exits %d, want 0", f.Code)
	}
}

func TestItem3ComingBackAJobStillUnderWayIsWatched(t *testing.T) {
	d := comeBack(t, newJob)
	effs := d.apply(JobsRecalled{Jobs: []RecalledJob{{ID: newJob, Job: mfaJob(newJob, d.now)}}})
	if p := want[PollJob](t, effs); p.ID != newJob || d.s.Stage != StageConnect || !d.s.Jobs.ByID[newJob].FromBefore {
		t.Errorf("a job under way: %+v on %v", p, d.s.Stage)
	}
}

func TestItem3EscNeverUsesADeletedConnection(t *testing.T) {
	// Deleted here, in the Connections view, while its refresh ran on.
	d := toViews(t)
	gen := refreshingPiedPiper(t, d)
	d.s.Stage = StageAccounts // enter cannot leave a running job; the deletion is what matters
	d.apply(RemoveAsked{ID: ppConn})
	want[DeleteConnection](t, d.apply(Answered{Yes: true}))
	d.apply(ConnectionDeleted{ID: ppConn})
	d.s.Stage = StageConnect
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepFailed, "job-timed-out")})
	d.apply(BackAsked{})
	if d.s.Stage != StageConsent || d.s.Link.ConnectionID != "" {
		t.Errorf("esc after the connection was deleted: on %v with connection %q", d.s.Stage, d.s.Link.ConnectionID)
	}
	// Gone before this run: a job from last time whose connection the list no longer has.
	d = comeBack(t, newJob)
	d.apply(JobsRecalled{Jobs: []RecalledJob{{ID: newJob, Job: mfaJob(newJob, d.now)}}})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{active}})
	d.apply(JobPolled{Gen: d.s.Jobs.Gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepFailed, "job-timed-out")})
	d.apply(BackAsked{})
	if d.s.Link.ConnectionID != "" {
		t.Errorf("esc used connection %q, which the user no longer has", d.s.Link.ConnectionID)
	}
}

func TestItem12AfterARevokeTheViewsSayWhatIsTrue(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewTransactions})
	d.apply(TransactionsLoaded{FeedID: d.s.Feeds[AllAccounts].id, AccountID: AllAccounts, Items: []basiq.Transaction{{ID: "t1"}}})
	d.apply(ViewAsked{View: ViewConsents})
	consent := basiq.Consent{ID: "c-1", Status: basiq.ConsentActive}
	d.apply(ConsentsLoaded{Items: []basiq.Consent{consent}})
	if d.s.Explore.NoConsent {
		t.Fatal("a consent in force is taken for none")
	}
	d.apply(RemoveAsked{ID: "c-1"})
	d.apply(Answered{Yes: true})
	effs := d.apply(ConsentRevoked{ID: "c-1"})
	if !d.s.Explore.NoConsent || len(d.s.Feeds) != 0 || !has[LoadAccounts](effs) {
		t.Errorf("after the revoke: no consent %v, feeds %v, %s", d.s.Explore.NoConsent, d.s.Feeds, describe(effs))
	}
	if !strings.Contains(d.s.Notice.Text, "deleted") {
		t.Errorf("notice %q does not say what Basiq did", d.s.Notice.Text)
	}
	// b: consent again from the start; the page's connect action needs a consent in force.
	if mint := want[MintLink](t, d.apply(NewLinkAsked{})); mint.Action != "" {
		t.Errorf("connecting a bank after the revoke: action %q, want a first consent", mint.Action)
	}
	revoked := consent
	revoked.Status = basiq.ConsentRevoked
	d.apply(ConsentsLoaded{Items: []basiq.Consent{revoked}})
	if !d.s.Explore.NoConsent {
		t.Error("only a revoked consent, and the session thinks one is in force")
	}
}

func TestItem13ARefreshedConnectionKeepsItsBanksName(t *testing.T) {
	d := toViews(t)
	d.apply(ViewAsked{View: ViewConnections})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{active, ppConnection}})
	want[RefreshAll](t, d.apply(RefreshAllAsked{}))
	effs := d.apply(AllRefreshed{JobIDs: []string{oldJob, newJob}})
	gen := want[PollJob](t, effs).Gen
	hooli := job(oldJob, basiq.StepInProgress, basiq.StepPending, basiq.StepPending) // conn-1's
	d.apply(JobPolled{Gen: gen, ID: oldJob, Job: hooli})
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: mfaJob(newJob, d.now)})
	if a, b := d.s.Jobs.ByID[oldJob].Bank(), d.s.Jobs.ByID[newJob].Bank(); a != "AU00000" || b != piedPiper {
		t.Errorf("the refreshes are at %q and %q, want AU00000 and %s", a, b, piedPiper)
	}
}

func TestItem13AccountsOfADeletedConnectionStillNameTheirBank(t *testing.T) {
	d := toViews(t)
	effs := d.apply(RetryAsked{})
	effs = d.apply(AccountsLoaded{Seq: want[LoadAccounts](t, effs).Seq, Accounts: []basiq.Account{{ID: "acc-1", Institution: "AU00000"}, {ID: "acc-pp", Institution: piedPiper}}})
	names := map[string]bool{}
	for _, e := range effs {
		if l, ok := e.(LoadInstitution); ok {
			names[l.ID] = true
		}
	}
	if !names[piedPiper] {
		t.Errorf("the accounts at Pied Piper, whose connection is gone, are never named: %s", describe(effs))
	}
}

func TestItem1AQuestionWaitsForItsBanksNameUntilTheNextPollAtMost(t *testing.T) {
	cfg := headless
	cfg.UserID, cfg.JobIDs, cfg.Ask = userID, []string{newJob}, true
	d, _ := drive(t, cfg)
	d.apply(KeyChecked{Source: KeyFromEnv})
	gen := want[PollJob](t, d.apply(UserLoaded{User: basiq.User{ID: userID}})).Gen
	atPiedPiper := mfaJob(newJob, d.now)
	atPiedPiper.Institution = &basiq.Ref{ID: piedPiper}
	if effs := d.apply(JobPolled{Gen: gen, ID: newJob, Job: atPiedPiper}); has[Ask](effs) {
		t.Fatalf("asked before the bank's name was asked for: %s", describe(effs))
	}
	// No name by the next poll (a slow GET /institutions): the bank's clock runs, so it is asked now.
	// A sandbox bank is named without its record.
	if a := want[Ask](t, d.apply(JobPolled{Gen: gen, ID: newJob, Job: atPiedPiper})); a.Bank != "Pied Piper Bank" {
		t.Errorf("asked %+v, want at Pied Piper Bank, its name known without its record", a)
	}
	// And only once.
	if effs := d.apply(InstitutionLoaded{ID: piedPiper, Inst: basiq.Institution{ID: piedPiper, Name: "Pied Piper Bank"}}); has[Ask](effs) {
		t.Error("asked twice")
	}
}

// The job's poll may come back before POST /jobs/{id}/mfa does (the bank
// took the answers at once): the outcome is told all the same, once, so
// --events always has its mfa_answer line.
func TestItem1AnswersTakenWhileThePollSawTheJobGoOnAreStillTold(t *testing.T) {
	d := toViews(t)
	gen := refreshingPiedPiper(t, d)
	send := want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Basiq", "AU00000"}}))
	if effs := d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepSuccess, "")}); !has[LoadAccounts](effs) {
		t.Fatalf("the job went on, and: %s", describe(effs))
	}
	outcomes := func(effs []Effect) (notes []*MFANote) {
		for _, e := range effs {
			if say, ok := e.(Say); ok && say.Kind == NoteMFAOutcome {
				notes = append(notes, say.MFA)
			}
		}
		return notes
	}
	got := outcomes(d.apply(MFASent{Gen: send.Gen, JobID: newJob}))
	if len(got) != 1 || got[0].Outcome != MFAAccepted || got[0].JobID != newJob || len(got[0].Questions) != 2 {
		t.Errorf("the outcome notes: %+v, want one, accepted", got)
	}
	if d.s.Jobs.ByID[newJob].MFA != nil {
		t.Error("the job went past its question, and the view still shows it")
	}
	if again := outcomes(d.apply(MFASent{Gen: send.Gen, JobID: newJob})); len(again) != 0 {
		t.Errorf("told twice: %+v", again)
	}
}

// Sent answers the poll saw the job go past, that Basiq then says it did not
// take: the job's steps already said what became of them; the run goes on.
func TestItem1AnErrorToAnswersTheJobWentPastFailsNothing(t *testing.T) {
	d := toViews(t)
	gen := refreshingPiedPiper(t, d)
	send := want[AnswerMFA](t, d.apply(Typed{Kind: AskMFA, JobID: newJob, Answers: []string{"Basiq", "AU00000"}}))
	d.apply(JobPolled{Gen: gen, ID: newJob, Job: withMFAStep(mfaJob(newJob, d.now), basiq.StepSuccess, "")})
	effs := d.apply(MFASent{Gen: send.Gen, JobID: newJob, Err: errors.New("connection reset")})
	for _, e := range effs {
		if say, ok := e.(Say); ok && (say.Kind == NoteMFAOutcome || say.Problem != nil) {
			t.Errorf("said %+v after the job went on", say)
		}
	}
}
