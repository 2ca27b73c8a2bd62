package quickstart

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
)

// basiqEvent is an event of the user as GET /events lists it.
func basiqEvent(id, typ string, at time.Time, dataRef string) basiq.Event {
	entity, action, _ := strings.Cut(typ, ".")
	return basiq.Event{Type: "event", ID: id, CreatedDate: at.UTC().Format(time.RFC3339), Entity: entity, EventType: action, UserID: userID, DataRef: dataRef}
}

// listenWork are the events' work among effs, each effect.
func listenWork(effs []Effect) []listen.Effect {
	var out []listen.Effect
	for _, e := range effs {
		if w, ok := e.(ListenWork); ok {
			out = append(out, w.Effects...)
		}
	}
	return out
}

func pollOf(t *testing.T, effs []Effect) listen.Poll {
	t.Helper()
	for _, e := range listenWork(effs) {
		if p, ok := e.(listen.Poll); ok {
			return p
		}
	}
	t.Fatalf("no poll of the events among %s", describe(effs))
	return listen.Poll{}
}

func TestTheUsersEventsArePolledOnceTheUserIsKnownAndEachIsNews(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key", UserID: userID, Events: true, LocalAPI: true})
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}})
	p := pollOf(t, effs)
	if p.Filter.UserID != userID || p.After != 0 {
		t.Fatalf("the first poll: %+v, want the user's events at once", p)
	}
	if has[AwaitAttempt](effs) {
		t.Error("without --forward-to no handler's answer is awaited")
	}
	old := basiqEvent("e0", "user.created", d.now.Add(-72*time.Hour), "")
	created := basiqEvent("e1", "consent.created", d.now, "")
	effs = d.apply(ListenNews{Events: []listen.Event{listen.Polled{Events: []basiq.Event{created, old}}}})
	var said []string
	for _, e := range effs {
		if s, ok := e.(Say); ok && s.Kind == NoteBasiqEvent {
			said = append(said, s.Listen.Item.Event.ID)
		}
	}
	if strings.Join(said, ",") != "e0,e1" {
		t.Errorf("basiq_event notes for %v, want the user's week, oldest first (e0,e1)", said)
	}
	for _, w := range listenWork(effs) {
		if _, ok := w.(listen.Forward); ok {
			t.Errorf("forwarded without --forward-to: %+v", w)
		}
	}
	if next := pollOf(t, effs); next.After != listen.LoopbackPollEvery {
		t.Errorf("the next poll after %v, want every second on a simulator", next.After)
	}
	if r := d.s.Result(); len(r.Events) != 2 || r.Events[1].ID != "e1" || r.Events[1].Forwarded != nil {
		t.Errorf("--json's events: %+v", r.Events)
	}
}

func TestWithForwardToOnlyTheOnboardingsEventsGoToTheHandler(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key", UserID: userID, Events: true, Forward: true})
	d.apply(KeyChecked{Source: KeyFromEnv})
	effs := d.apply(UserLoaded{User: basiq.User{ID: userID}})
	if !has[AwaitAttempt](effs) {
		t.Fatal("the handler's answers are not awaited")
	}
	before := basiqEvent("e0", "user.created", d.now.Add(-time.Hour), "")
	ours := basiqEvent("e1", "connection.created", d.now, "")
	effs = d.apply(ListenNews{Events: []listen.Event{listen.Polled{Events: []basiq.Event{ours, before}}}})
	var sent []string
	for _, w := range listenWork(effs) {
		if f, ok := w.(listen.Forward); ok {
			sent = append(sent, f.EventID)
		}
	}
	if len(sent) != 1 || sent[0] != "e1" {
		t.Fatalf("forwarded %v, want only e1, raised since the session started", sent)
	}
	at := webhook.Attempt{MessageID: listen.MessageID("e1"), N: 1, Status: 200, Outcome: webhook.Success}
	effs = d.apply(ListenNews{Events: []listen.Event{listen.Attempted{Attempt: at}}})
	if !has[AwaitAttempt](effs) {
		t.Error("after an answer the next is awaited")
	}
	if r := d.s.Result(); r.Events[1].Forwarded == nil || r.Events[1].Forwarded.Status != 200 || r.Events[0].Forwarded != nil {
		t.Errorf("--json's events: %+v %+v", r.Events[0].Forwarded, r.Events[1].Forwarded)
	}
}

// The Events view's problems: what listen would end on stops the polling
// and r reads again; a 500 says it tries again, and r does at once.
func TestEventsThatFailToLoadSayWhyAndRTriesAgain(t *testing.T) {
	d := toViews(t)
	d.s.cfg.Events = true
	d.apply(ViewAsked{View: ViewEvents})
	if d.s.Events != nil {
		t.Fatal("the events started without Events")
	}
	d = toEventsView(t)
	for _, err := range []error{
		&basiq.Error{Status: 500, Method: "GET", Path: "/events"},
		&basiq.Error{Status: http.StatusTooManyRequests, Method: "GET", Path: "/events"},
		&basiq.Error{Status: 200, Method: "GET", Path: "/events", Body: "<html>"},
		&basiq.Error{Status: 404, Method: "GET", Path: "/events"},
	} {
		gen := d.s.Events.Poll.Gen
		d.apply(ListenNews{Events: []listen.Event{listen.Polled{Gen: gen, Err: err}}})
		p := d.s.ViewProblem()
		if p == nil || !p.Offers(RemedyRetry) || !strings.Contains(p.What, "GET /events") {
			t.Fatalf("%v: the view's problem %+v, want GET /events' failure with r", err, p)
		}
		poll := pollOf(t, d.apply(RetryAsked{}))
		if poll.After != 0 || poll.Gen != gen+1 {
			t.Errorf("%v: r polls %+v, want at once in a new generation", err, poll)
		}
		d.apply(ListenNews{Events: []listen.Event{listen.Polled{Gen: poll.Gen}}})
		if d.s.ViewProblem() != nil {
			t.Errorf("%v: the problem outlived a poll that worked", err)
		}
	}
}

func toEventsView(t *testing.T) *driver {
	t.Helper()
	d, effs := drive(t, Config{Interactive: true, EnvKey: "key", UserID: userID, Events: true})
	want[CheckKey](t, effs)
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(UserLoaded{User: basiq.User{ID: userID}})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}})
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	d.apply(ViewAsked{View: ViewEvents})
	if d.s.Stage != StageAccounts || d.s.Events == nil {
		t.Fatalf("on %v with events %v", d.s.Stage, d.s.Events)
	}
	return d
}

// In the job view each event the connection raised goes under the step
// that raised it: by its entity where the job has that step, by its time
// where not; a user's or consent's event is no job's, nor is one that
// names another connection.
func TestTheJobViewTiesEachEventToTheStepThatRaisedIt(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key", UserID: userID, Events: true})
	start := d.now
	j := job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepInProgress)
	j.Created = start
	w := &WatchedJob{Job: j, Seen: true, StepStarted: map[string]time.Time{}, StepEnded: map[string]time.Time{}}
	d.s.Jobs.Order, d.s.Jobs.ByID[newJob] = []string{newJob}, w
	d.s.Events = listen.New(listen.Config{UserID: userID, NoForward: true, Since: listen.MaxSince, SinceGiven: true})
	d.s.Events.Apply(start, listen.Started{})
	conn := "https://x/users/" + userID + "/connections/conn-1"
	d.s.Events.Apply(start, listen.Polled{Events: []basiq.Event{
		basiqEvent("t1", "transactions.updated", start.Add(5*time.Second), "https://x/users/"+userID+"/transactions"),
		basiqEvent("a1", "account.updated", start.Add(3*time.Second), "https://x/users/"+userID+"/accounts/acc-1"),
		basiqEvent("c9", "connection.created", start.Add(time.Second), "https://x/users/"+userID+"/connections/conn-9"),
		basiqEvent("c2", "connection.activated", start.Add(2*time.Second), conn),
		basiqEvent("c1", "connection.created", start, conn),
		basiqEvent("s1", "consent.created", start, ""),
	}})
	// Another bank's job ran meanwhile: its accounts' events name its connection.
	other := basiqEvent("a9", "account.updated", start.Add(3*time.Second), "https://x/users/"+userID+"/accounts/acc-9")
	other.Data = []byte(`{"type":"account","id":"acc-9","links":{"connection":"https://x/users/` + userID + `/connections/conn-9"}}`)
	theirs := basiqEvent("t9", "transactions.updated", start.Add(4*time.Second), "")
	theirs.Data = []byte(`{"type":"transactions","connection":"conn-9"}`)
	d.s.Events.Apply(start, listen.Polled{Events: []basiq.Event{theirs, other}})
	var got []string
	for _, e := range d.s.JobEvents(newJob, start.Add(6*time.Second)) {
		got = append(got, e.Item.Event.ID+"@"+e.Step)
	}
	wantTies := "c1@verify-credentials,c2@verify-credentials,a1@retrieve-accounts,t1@retrieve-transactions"
	if strings.Join(got, ",") != wantTies {
		t.Errorf("tied %v, want %s", got, wantTies)
	}
	// Long after the job ended, a new event is not its own.
	w.Job = job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)
	w.Job.Created, w.Job.Updated = start, start.Add(6*time.Second)
	d.s.Events.Apply(start.Add(time.Hour), listen.Polled{Events: []basiq.Event{basiqEvent("a2", "account.updated", start.Add(time.Hour), "")}})
	for _, e := range d.s.JobEvents(newJob, start.Add(time.Hour)) {
		if e.Item.Event.ID == "a2" {
			t.Error("an event an hour after the job ended was tied to it")
		}
	}
}

// A headless run ends once its last events are in: one more poll after the
// result, and with --forward-to each delivery's first answer.
func TestAHeadlessRunEndsOnceItsLastEventsAreSeenAndDelivered(t *testing.T) {
	cfg := headless
	cfg.Events, cfg.Forward = true, true
	d, effs := toConsent(t, cfg)
	poll := want[ListJobs](t, effs)
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Jobs: []basiq.Job{{ID: oldJob}, {ID: newJob}}})
	p := want[PollJob](t, effs)
	d.apply(JobPolled{Gen: p.Gen, ID: newJob, Job: job(newJob, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)})
	d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	effs = d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}})
	if has[Finish](effs) {
		t.Fatal("finished before the last events were polled")
	}
	last := pollOf(t, effs)
	if last.After != 0 {
		t.Errorf("the last poll waits %v", last.After)
	}
	e := basiqEvent("t1", "transactions.updated", d.now, "")
	effs = d.apply(ListenNews{Events: []listen.Event{listen.Polled{Gen: last.Gen, Events: []basiq.Event{e}}}})
	if has[Finish](effs) {
		t.Fatal("finished before the handler answered the last event")
	}
	// A handler that is down answers nothing: its first failure is enough.
	at := webhook.Attempt{MessageID: listen.MessageID("t1"), N: 1, Err: "connection refused", Outcome: webhook.Unreachable, Next: d.now.Add(5 * time.Second)}
	if f := want[Finish](t, d.apply(ListenNews{Events: []listen.Event{listen.Attempted{Attempt: at}}})); f.Code != ExitOK {
		t.Errorf("exit %d: a handler that is down never fails the run", f.Code)
	}
}

// The last events' wait is bounded by --timeout too: a poll that hangs at
// the end does not hold the run past it.
func TestAHeadlessRunsLastPollIsBoundedByTheTimeout(t *testing.T) {
	cfg := headless
	cfg.Events, cfg.UserID = true, userID
	d, _ := drive(t, cfg)
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(UserLoaded{User: basiq.User{ID: userID}})
	d.apply(ConnectionsLoaded{Items: []basiq.Connection{{ID: "conn-1", Status: basiq.ConnectionActive}}})
	effs := d.apply(AccountsLoaded{Seq: d.s.Accounts.seq, Accounts: []basiq.Account{{ID: "acc-1"}}})
	if has[Finish](effs) {
		t.Fatal("finished before the last poll")
	}
	d.now = d.s.Deadline
	if f := want[Finish](t, d.apply(Tick{})); f.Code != ExitOK {
		t.Errorf("exit %d at the deadline, want the run's 0", f.Code)
	}
}

// FuzzEventConnection: whatever an event's dataRef and data hold, reading
// the connection it names neither panics nor returns a path.
func FuzzEventConnection(f *testing.F) {
	f.Add("connection", "https://x/users/u/connections/c1", `{}`)
	f.Add("account", "https://x/users/u/accounts/a1", `{"links":{"connection":"https://x/users/u/connections/c1"}}`)
	f.Add("transactions", "", `{"connection":"c1"}`)
	f.Add("transactions", "", `{"connection":{"id":1}}`)
	f.Add("account", "", `[`)
	f.Fuzz(func(t *testing.T, entity, dataRef, data string) {
		id := eventConnection(basiq.Event{Entity: entity, DataRef: dataRef, Data: []byte(data)})
		if strings.Contains(id, "/") {
			t.Errorf("%q %q %q named %q", entity, dataRef, data, id)
		}
	})
}

// A run that failed ends there: no last poll of the events after it.
func TestAFailedHeadlessRunDoesNotWaitForItsEvents(t *testing.T) {
	cfg := headless
	cfg.Events = true
	d, effs := toConsent(t, cfg)
	poll := want[ListJobs](t, effs)
	effs = d.apply(JobsListed{Gen: poll.Gen, Purpose: ListWaiting, Jobs: []basiq.Job{{ID: oldJob}, {ID: newJob}}})
	p := want[PollJob](t, effs)
	effs = d.apply(JobPolled{Gen: p.Gen, ID: newJob, Job: failedJob(newJob, "invalid-credentials")})
	if f := want[Finish](t, effs); f.Code != ExitFailed {
		t.Errorf("exit %d, want 1", f.Code)
	}
	for _, w := range listenWork(effs) {
		t.Errorf("after the failure the events were asked for: %+v", w)
	}
}

// Another user in the same run (back from consent, another email): a poll
// of the first user's events still out is not the second's, and starts no
// second polling loop.
func TestAPollOfTheUserBeforeIsNotTheNextUsers(t *testing.T) {
	d, _ := drive(t, Config{Interactive: true, EnvKey: "key", UserID: userID, Events: true, LocalAPI: true})
	d.apply(KeyChecked{Source: KeyFromEnv})
	first := pollOf(t, d.apply(UserLoaded{User: basiq.User{ID: userID}}))
	const other = "2b4d6f8a-1c3e-4a5b-9d7f-0e2c4a6b8d0f"
	second := pollOf(t, d.apply(UserLoaded{User: basiq.User{ID: other}}))
	if second.Filter.UserID != other || second.Gen == first.Gen {
		t.Fatalf("the second user's poll %+v, the first's %+v: want the other user, another generation", second, first)
	}
	late := basiqEvent("e-old", "user.created", d.now, "")
	effs := d.apply(ListenNews{Events: []listen.Event{listen.Polled{Gen: first.Gen, Events: []basiq.Event{late}}}})
	if len(d.s.Events.Items) != 0 || len(listenWork(effs)) != 0 {
		t.Errorf("the first user's answer was taken for the second's: %d items, work %+v", len(d.s.Events.Items), listenWork(effs))
	}
}

// A headless run with --forward-to ends saying what reached the handler,
// and for what did not, the way to send it again.
func TestAHeadlessRunEndsSayingWhatReachedTheHandler(t *testing.T) {
	d, _ := drive(t, Config{EnvKey: "key", UserID: userID, Events: true, LocalAPI: true, Forward: true})
	d.apply(KeyChecked{Source: KeyFromEnv})
	d.apply(UserLoaded{User: basiq.User{ID: userID}})
	effs := d.apply(ListenNews{Events: []listen.Event{listen.Polled{Events: []basiq.Event{basiqEvent("e1", "user.updated", d.now, "")}}}})
	var msgID string
	for _, w := range listenWork(effs) {
		if f, ok := w.(listen.Forward); ok {
			msgID = f.MessageID
		}
	}
	if msgID == "" {
		t.Fatalf("nothing forwarded: %s", describe(effs))
	}
	d.apply(ListenNews{Events: []listen.Event{listen.Attempted{Attempt: webhook.Attempt{MessageID: msgID, N: 1, Outcome: webhook.Unreachable, Err: "nothing listens", Next: d.now.Add(5 * time.Second)}}}})
	d.s.draining, d.s.drainCode = drainSending, ExitOK
	var a applying
	a.s, a.now = d.s, d.now
	a.drainOver()
	var said string
	for _, e := range a.effects {
		if s, ok := e.(Say); ok && s.Kind == NoteWarning {
			said = s.Text
		}
	}
	if !strings.Contains(said, "Forwarded 1 of the user's Basiq events to the handler: 0 delivered. 1 not") || !strings.Contains(said, "listen --user-id "+userID+" --since 1m") {
		t.Errorf("the end says %q", said)
	}
}
