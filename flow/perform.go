package flow

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// Performer does the session's effects for every face, and answers each
// with the event the session expects. Perform blocks; faces run it off
// their event loop (the wizard in a tea.Cmd, headless in a goroutine).
type Performer struct {
	cfg   Config
	clock Clock

	mu   sync.Mutex
	api  API   // the client of the key that was accepted, or the demo's
	demo *Demo // the running simulator, nil when none

	// forward delivers the user's events (--forward-to), nil without it;
	// forwardErr is why it could not start.
	forward    *Forwarder
	forwardErr error

	writes writes // the person's files being written, which Close waits for
}

// closeWait is how long Close waits for writes in flight: a key store or a
// disk that takes longer is said to have lost the write, not waited on.
const closeWait = 2 * time.Second

// NewPerformer performs effects with what cfg provides.
func NewPerformer(cfg Config) *Performer {
	p := &Performer{cfg: cfg, clock: cfg.RunClock()}
	if cfg.ForwardTo != "" {
		p.forward, p.forwardErr = NewForwarder(ForwarderConfig{To: cfg.ForwardTo, Secret: cfg.ForwardSecret, Clock: cfg.Clock, Transport: cfg.ForwardTransport})
	}
	return p
}

// Close waits (up to closeWait) for the writes in flight, so that quitting
// right after asking for one (y to save the key) loses nothing; then it
// stops the demo's simulator, if it runs, and the forwarding. It returns a
// sentence for each write that did not finish, for the face to print.
func (p *Performer) Close() (unfinished []string) {
	unfinished = p.writes.wait(closeWait)
	if p.forward != nil {
		p.forward.Close()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.demo != nil && p.demo.Close != nil {
		p.demo.Close()
		p.demo = nil
	}
	return unfinished
}

// origin is the slot of the store the session's things go in: the demo's
// own once it runs, else the API's (so a key saved for one API is never
// sent to another, and the demo never sees a real API's session).
func (p *Performer) origin() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.demo != nil || p.cfg.Demo {
		return DemoOrigin
	}
	return Origin(p.cfg.APIURL)
}

func (p *Performer) client() (API, *Demo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.api, p.demo
}

// Perform does one effect. It returns nil for effects with no answer, and
// when ctx ends first (the run is over: nobody is waiting for the answer).
func (p *Performer) Perform(ctx context.Context, eff qs.Effect) qs.Event {
	return p.Later(eff)(ctx)
}

// Later is Perform to be called on another goroutine (a tea.Cmd): a write
// of the person's (the key, the session, an export, the script) counts as
// in flight from this call, so that a quit before the goroutine runs is
// waited for too (Close).
func (p *Performer) Later(eff qs.Effect) func(context.Context) qs.Event {
	end := func() {}
	if what := writing(eff); what != "" {
		end = p.writes.start(what)
	}
	return func(ctx context.Context) qs.Event {
		defer end()
		return p.perform(ctx, eff)
	}
}

func (p *Performer) perform(ctx context.Context, eff qs.Effect) qs.Event {
	api, demo := p.client()
	switch e := eff.(type) {
	case qs.StartDemo:
		d, err := p.cfg.StartDemo()
		if err == nil {
			p.mu.Lock()
			p.api, p.demo = d.API, &d
			p.mu.Unlock()
			if p.forward != nil {
				p.forward.SignWith(p.cfg.ForwardSecretFor(true))
			}
		}
		return qs.DemoStarted{Err: err}
	case qs.LoadSavedKey:
		key, err := p.cfg.Keys.Load(p.origin())
		return qs.SavedKeyLoaded{Key: key, Err: err}
	case qs.CheckKey:
		if e.Source == qs.KeyDemo {
			return qs.KeyChecked{Source: e.Source, Err: api.Authenticate(ctx)}
		}
		c, err := p.cfg.NewAPI(e.Key)
		if err == nil {
			err = c.Authenticate(ctx)
		}
		if err == nil {
			p.mu.Lock()
			p.api = c
			p.mu.Unlock()
		}
		return qs.KeyChecked{Source: e.Source, Err: err}
	case qs.ProbeKeyStore:
		where, insecure := p.cfg.Keys.Where()
		return qs.KeyStoreProbed{Where: where, Insecure: insecure}
	case qs.SaveKey:
		return qs.KeySaved{Err: p.cfg.Keys.Save(p.origin(), e.Key)}
	case qs.CreateUser:
		u, err := api.CreateUser(ctx, e.User)
		return qs.UserLoaded{User: u, Created: true, Err: err}
	case qs.LookUpUser:
		u, err := api.GetUser(ctx, e.ID)
		return qs.UserLoaded{User: u, Err: err}
	case qs.MintLink:
		token, expires, err := api.ClientToken(ctx, e.UserID)
		if err != nil {
			return qs.LinkMinted{Gen: e.Gen, Err: err}
		}
		base := p.cfg.ConsentBase
		if demo != nil {
			base = demo.ConsentBase
		}
		link, err := basiq.ConsentURL(base, basiq.ConsentOptions{Token: token, State: e.UserID, Action: e.Action, ConnectionID: e.ConnectionID})
		return qs.LinkMinted{Gen: e.Gen, Token: token, URL: link, Expires: expires, Err: err}
	case qs.ListJobs:
		if !p.sleep(ctx, e.After) {
			return nil
		}
		jobs, err := api.ListUserJobs(ctx, e.UserID)
		return qs.JobsListed{Gen: e.Gen, Purpose: e.Purpose, Jobs: jobs, Err: err}
	case qs.OpenBrowser:
		return qs.BrowserOpened{Err: p.cfg.OpenBrowser(e.URL)}
	case qs.AutoConsent:
		ids, err := demo.AutoConsent(ctx, e.Token, e.InstitutionID, e.Login, e.ConnectionID)
		return qs.AutoConsented{Gen: e.Gen, JobIDs: ids, Err: err}
	case qs.PollJob:
		if !p.sleep(ctx, e.After) {
			return nil
		}
		job, err := api.GetJob(ctx, e.ID)
		return qs.JobPolled{Gen: e.Gen, ID: e.ID, Job: job, Err: err}
	case qs.LoadInstitution:
		inst, err := api.GetInstitution(ctx, e.ID)
		return qs.InstitutionLoaded{ID: e.ID, Inst: inst, Err: err}
	case qs.LoadAccounts:
		accts, err := api.ListAccounts(ctx, e.UserID)
		return qs.AccountsLoaded{Seq: e.Seq, Accounts: accts, Err: err}
	case qs.LoadTransactions:
		items, next, err := api.TransactionsPage(ctx, e.UserID, basiq.TransactionQuery{AccountID: e.AccountID, Limit: e.Limit, Filters: e.Filters}, e.Cursor)
		return qs.TransactionsLoaded{FeedID: e.FeedID, AccountID: e.AccountID, Items: items, Next: next, Err: err}
	case qs.RefreshConnection:
		id, err := api.RefreshConnection(ctx, e.UserID, e.ConnectionID)
		return qs.ConnectionRefreshed{Gen: e.Gen, FailedJobID: e.FailedJobID, JobID: id, Err: err}
	case qs.LoadConnections:
		items, err := api.ListConnections(ctx, e.UserID)
		return qs.ConnectionsLoaded{Items: items, Err: err}
	case qs.LoadConsents:
		items, err := api.ListConsents(ctx, e.UserID)
		return qs.ConsentsLoaded{Items: items, Err: err}
	case qs.RefreshAll:
		ids, err := api.RefreshAllConnections(ctx, e.UserID)
		return qs.AllRefreshed{JobIDs: ids, Err: err}
	case qs.DeleteConnection:
		return qs.ConnectionDeleted{ID: e.ConnectionID, Err: api.DeleteConnection(ctx, e.UserID, e.ConnectionID)}
	case qs.RevokeConsent:
		return qs.ConsentRevoked{ID: e.ConsentID, Err: api.DeleteConsent(ctx, e.UserID, e.ConsentID)}
	case qs.DeleteUser:
		return qs.UserDeleted{Err: api.DeleteUser(ctx, e.UserID)}
	case qs.AnswerMFA:
		return qs.MFASent{Gen: e.Gen, JobID: e.JobID, Err: api.AnswerMFA(ctx, e.UserID, e.JobID, e.Answers)}
	case qs.RecallJobs:
		recalled := qs.JobsRecalled{}
		for _, id := range e.IDs {
			job, err := api.GetJob(ctx, id)
			recalled.Jobs = append(recalled.Jobs, qs.RecalledJob{ID: id, Job: job, Err: err})
		}
		if ctx.Err() != nil {
			return nil
		}
		return recalled
	case qs.Ask:
		if p.cfg.Prompt == nil {
			return nil // the session asks only where there is someone to answer
		}
		answered := ask(ctx, p.cfg.Prompt, e)
		if ctx.Err() != nil {
			return nil
		}
		return answered
	case qs.ExportAccounts:
		d := ExportData{User: e.User, Accounts: e.Accounts, Transactions: e.Transactions, Redactor: p.cfg.Redactor}
		dir, files, err := ExportAccounts(d, e.Format, p.clock.Now())
		return qs.AccountsExported{Written: qs.Written{Dir: dir, Files: files, Err: err}}
	case qs.SaveScript:
		facts := ScriptFactsOf(e, p.cfg)
		if e.Path == "" {
			dir, files, err := ExportScriptHere(facts, p.clock.Now())
			return qs.ScriptSaved{Written: qs.Written{Dir: dir, Files: files, Err: err}}
		}
		files, err := ExportScript(facts, e.Path)
		return qs.ScriptSaved{Written: qs.Written{Files: files, Err: err}}
	case qs.Recall:
		if p.cfg.Memory == nil {
			return qs.Remembered{}
		}
		m, _ := p.cfg.Memory.Recall(p.origin()) // none, or unreadable: nothing to offer
		return qs.Remembered{Memory: m}
	case qs.ListenWork:
		return p.listenWork(ctx, api, e.Effects)
	case qs.AwaitAttempt:
		if p.forward == nil {
			return nil
		}
		select {
		case ev := <-p.forward.Attempts():
			return qs.ListenNews{Events: []listen.Event{ev}}
		case <-ctx.Done():
			return nil
		}
	case qs.Remember:
		if p.cfg.Memory != nil {
			_ = p.cfg.Memory.Remember(p.origin(), e.Memory) // a convenience for next time: never worth failing a run for
		}
	}
	return nil
}

// listenWork performs the user's events session's work: its polls and
// fetches through the client, its deliveries through the Forwarder.
func (p *Performer) listenWork(ctx context.Context, api API, effects []listen.Effect) qs.Event {
	var answers []listen.Event
	for _, eff := range effects {
		var answer listen.Event
		events, readsEvents := api.(EventsAPI)
		if !readsEvents {
			events = noEvents{}
		}
		if ev, ok := ReadEvents(ctx, events, p.clock, eff); ok {
			answer = ev
		} else if p.forward != nil {
			answer = p.forward.Perform(ctx, eff)
		} else if f, ok := eff.(listen.Forward); ok {
			answer = listen.Sent{EventID: f.EventID, Err: p.forwardErr}
		}
		if answer != nil {
			answers = append(answers, answer)
		}
	}
	if len(answers) == 0 || ctx.Err() != nil {
		return nil
	}
	return qs.ListenNews{Events: answers}
}

// noEvents is the events API of a client that has none (a test's fake).
type noEvents struct{}

var errNoEvents = errors.New("this client reads no events")

func (noEvents) ScanEvents(context.Context, basiq.EventFilter, func(basiq.Event) bool) ([]basiq.Event, int, error) {
	return nil, 0, errNoEvents
}
func (noEvents) GetLink(context.Context, string) (json.RawMessage, error) { return nil, errNoEvents }

// sleep waits d on the clock, or until ctx ends; it reports whether to go on.
func (p *Performer) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-p.clock.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// writing is what eff writes of the person's, as Close's sentence names it
// when it does not finish; "" for an effect that writes nothing.
func writing(eff qs.Effect) string {
	switch eff.(type) {
	case qs.SaveKey:
		return "The key was still being saved when the run ended: it may not be saved (run again and answer y)."
	case qs.Remember:
		return "The session was still being saved for next time when the run ended: the next run may not offer to continue."
	case qs.ExportAccounts:
		return "The export was still being written when the run ended: its files may be missing or cut short."
	case qs.SaveScript:
		return "The script was still being written when the run ended: its files may be missing or cut short."
	}
	return ""
}

// writes are the writes in flight, each with its sentence.
type writes struct {
	mu      sync.Mutex
	pending map[int]string
	next    int
	idle    chan struct{} // closed when the last one ends; nil when none is in flight
}

// start counts a write in; the func it returns counts it out.
func (w *writes) start(what string) (end func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		w.pending = map[int]string{}
	}
	if w.idle == nil {
		w.idle = make(chan struct{})
	}
	w.next++
	id := w.next
	w.pending[id] = what
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		delete(w.pending, id)
		if len(w.pending) == 0 {
			close(w.idle)
			w.idle = nil
		}
	}
}

// wait waits until no write is in flight, or for d; it returns the
// sentences of those still in flight, oldest first. d is on the real clock,
// not the run's: a test's clock that nobody moves must not hold a quit (a
// test of it runs in a testing/synctest bubble).
func (w *writes) wait(d time.Duration) []string {
	w.mu.Lock()
	idle := w.idle
	w.mu.Unlock()
	if idle != nil {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-idle:
		case <-t.C:
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var left []string
	for _, id := range slices.Sorted(maps.Keys(w.pending)) {
		if what := w.pending[id]; !slices.Contains(left, what) {
			left = append(left, what)
		}
	}
	return left
}
