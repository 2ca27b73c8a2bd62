// Package quickstart is the quickstart's one set of rules: which key to try,
// create or look up the user, the consent link and the wait for its job, the
// jobs, the accounts and their transactions, and the exit code. It is a pure
// state machine (events in, effects out) with no I/O and no clock of its own:
// the wizard, plain lines, --json and --events are faces on it.
package quickstart

import (
	"math/rand/v2"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
)

// Exit codes (a contract: design.md).
const (
	ExitOK          = 0
	ExitFailed      = 1 // the API or a job failed
	ExitUsage       = 2
	ExitHungUp      = 129
	ExitInterrupted = 130
	ExitTerminated  = 143
)

// MaxJobs is how many jobs one run watches at most (--job-id, a paste).
const MaxJobs = basiq.MaxJobRefs

// Sandbox facts: Basiq's happy-path login at Hooli.
const (
	SandboxInstitution = "AU00000"
	SandboxPersona     = "Wentworth-Smith"
	SandboxPassword    = "whislter" // sic, as Basiq's Testing page spells it
	// ExampleEmail is the made-up user of the demo.
	ExampleEmail = "max@example.com"
)

// Polling: never more than one request a second per thing polled; backoff
// with jitter after failures; after maxPollFailures in a row, a person decides.
const (
	ConsentPollEvery = 2 * time.Second
	JobPollEvery     = 1500 * time.Millisecond
	maxPollBackoff   = 30 * time.Second
	maxPollFailures  = 5
	// TransactionsPage is how many transactions one request loads.
	TransactionsPage = 50
)

// Stage is where the quickstart is.
type Stage int

const (
	StageKey Stage = iota
	StageUser
	StageConsent
	StageConnect
	StageAccounts
)

func (s Stage) String() string {
	return [...]string{"key", "user", "consent", "connect", "accounts"}[s]
}

// KeySource is where the key came from.
type KeySource int

const (
	KeyTyped KeySource = iota + 1
	KeyFromEnv
	KeyFromStore
	KeyDemo
)

// Config is what a session knows before it starts.
type Config struct {
	// Interactive: a person can press keys (the wizard). Headless runs take
	// every answer from here and stop at the first failure.
	Interactive bool
	Demo        bool
	EnvKey      string // BASIQ_API_KEY
	KeyStore    bool   // a key may be saved and loaded
	Email       string
	Mobile      string
	UserID      string
	JobIDs      []string
	Persona     string // demo: complete the first consent as this login
	Timeout     time.Duration
	ConsentBase string // "" is Basiq's consent UI
	// NoBrowser says why no browser will be opened, "" when one may be.
	NoBrowser string
	// DeleteUser: delete the user the run made, at the end (--delete-user).
	DeleteUser bool
	// ExportScript (--export-script), when not "", is where the session is
	// saved as a script at the end; a run that cannot save it has failed.
	ExportScript string
	// Ask: headless with a person at a terminal, who can answer line by line
	// (the key, the email, a bank's question) what would otherwise be a flag.
	Ask bool
	// Jitter returns a number in [0,1) to spread retries; nil is math/rand.
	Jitter func() float64
	// Events: the user's events are polled (GET /events) once the user is
	// known, for as long as the session runs.
	Events bool
	// Forward (--forward-to): the user's events are forwarded to a handler
	// as listen forwards them; without it they are only shown.
	Forward bool
	// LocalAPI: the API is on this machine (a simulator): its events are
	// polled every second, Basiq's every 5 s (the demo's always every second).
	LocalAPI bool
}

// Session is one run of the quickstart. Its fields are for faces to read;
// only Apply changes them.
type Session struct {
	cfg      Config
	Stage    Stage
	Demo     bool
	Started  time.Time
	Deadline time.Time // headless: --timeout from the start bounds the whole run

	Key      KeyState
	User     UserState
	Link     LinkState
	Consent  ConsentState
	Jobs     JobSet
	Accounts AccountsState
	Feeds    map[string]*Feed // transactions, by account id (AllAccounts: every account's)
	Explore  Explore          // the views of the user, once the accounts are in
	// Institutions are the banks named so far, by id.
	Institutions map[string]basiq.Institution

	// Problem is the failure that stands, nil when none; its Remedies are the ways on.
	Problem *Problem
	Notice  Notice // a one-line status: "Key saved in …"

	// Deleted: the user this session made was deleted (on quit, or --delete-user).
	Deleted bool
	// Consented are the session's consents that led to jobs, in order.
	Consented []Consented
	// Script is the last save of the session as a script, nil before one.
	Script *Written
	// Events are the user's events (GET /events filtered by user.id), kept
	// and polled by listen's core (and forwarded with --forward-to); nil
	// until the user is known.
	Events *listen.Session

	finished      bool
	draining      drain // headless: the last events are polled (and delivered) before the end
	drainCode     int   // the exit code once they are
	awaiting      bool  // the forwarding engine's next attempt is awaited
	closing       bool  // the user is being deleted on the way out
	exporting     bool  // --export-script is being written on the way out
	exported      bool  // and was (or could not be)
	feeds         int   // transaction feeds made so far: each gets the next as its id
	exit          int
	ending        int      // the exit code once the user is deleted, or the question answered
	memory        Memory   // the last session's, until offered
	lastFailure   error    // the last call's error, nil once one went well: what a timeout names
	resumeJobs    []string // the last session's unfinished jobs, watched once its user is back
	resumeCreated bool     // and whether this tool made that user
	// The user's connections as far as known, so that consent again goes
	// only through one that is there: the last list read (nil before any),
	// and those deleted here.
	listedConnections  map[string]bool
	deletedConnections map[string]bool
	unnamed            map[string]bool // banks whose name did not load
}

// Notice is a one-line status for the wizard's notice line.
type Notice struct {
	Text    string
	Done    bool // something went well
	Warning bool // something to look at
	// About is the call a warning speaks of: it goes once that call is made
	// again (and so cannot outlive a retry that worked). 0: none.
	About Call
}

// New makes a session; send it Started first.
func New(cfg Config) *Session {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Minute
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	return &Session{
		cfg:          cfg,
		Jobs:         newJobSet(),
		Feeds:        map[string]*Feed{},
		Institutions: map[string]basiq.Institution{},

		deletedConnections: map[string]bool{},
		unnamed:            map[string]bool{},
	}
}

// Config is the session's configuration.
func (s *Session) Config() Config { return s.cfg }

// Finished reports whether the run is over, and its exit code.
func (s *Session) Finished() (bool, int) { return s.finished, s.exit }

// Apply takes one event at time now and returns the effects it calls for.
func (s *Session) Apply(now time.Time, ev Event) []Effect {
	if s.finished {
		return nil // nothing runs after the end
	}
	a := &applying{s: s, now: now}
	if s.draining != drainNone {
		if news, ok := ev.(ListenNews); ok {
			a.listenNews(news)
		}
		if !s.finished && !s.Deadline.IsZero() && !now.Before(s.Deadline) {
			a.drainOver() // --timeout bounds the last events' wait too
		}
		return a.effects
	}
	if news, ok := ev.(ListenNews); ok {
		a.listenNews(news) // the events go on whatever the stage, the deadline's end included
		return a.effects
	}
	if s.closing || s.exporting {
		// Deleting the user, or writing the script, at the end: only their answers matter now.
		switch ev.(type) {
		case UserDeleted, ScriptSaved:
			_ = a.laterEvent(ev) || a.fileEvent(ev)
		}
		return a.effects
	}
	answer, isAnswer := ev.(Answer)
	if isAnswer {
		s.lastFailure = answer.Failure() // nil: the last call went well
	}
	if !s.cfg.Interactive && !s.Deadline.IsZero() && !now.Before(s.Deadline) {
		var cut error // the call --timeout cut short, if this answers one
		if isAnswer {
			cut = answer.Failure()
		}
		a.timedOut(cut) // --timeout bounds the whole of a headless run
		return a.effects
	}
	switch ev := ev.(type) {
	case Started:
		a.start()
	case Tick:
		a.tick()
	case QuitAsked:
		code := s.quitCode(ev.Interrupted)
		switch {
		case ev.Interrupted:
			a.finish(code)
		case s.cfg.DeleteUser:
			a.end(code) // asked for already: no question
		case !a.askToDelete(code):
			a.finish(code)
		}
	case RetryAsked:
		a.retry()
	case RefreshAsked:
		if ev.ID == "" && a.s.Problem.Offers(RemedyRefresh) {
			a.retryConnection()
		} else if ev.ID != "" {
			a.refreshConnection(ev.ID)
		}
	case BackAsked:
		a.back()
	case Answered:
		a.answered(ev.Yes)
	case EventOpenAsked:
		a.listen(listen.OpenAsked{EventID: ev.ID})
	default:
		_ = a.keyEvent(ev) || a.userEvent(ev) || a.consentEvent(ev) || a.jobEvent(ev) ||
			a.accountsEvent(ev) || a.exploreEvent(ev) || a.laterEvent(ev) || a.mfaEvent(ev) || a.fileEvent(ev)
	}
	if a := s.Notice.About; s.Stage > StageUser && (a == CallServerToken || a == CallStartDemo) {
		s.Notice = Notice{} // news of the key (saved, the demo started) is old once past the user
	}
	return a.effects
}

// applying is one Apply: the session, the time, the effects so far.
type applying struct {
	s       *Session
	now     time.Time
	effects []Effect
}

func (a *applying) do(e ...Effect) { a.effects = append(a.effects, e...) }

func (a *applying) say(kind NoteKind, text string) { a.do(Say{Kind: kind, Text: text}) }

// doing says that a call starts, and keeps its words in where for the
// screen that shows it: every face words it the same.
func (a *applying) doing(where *string, text string) {
	*where = text
	a.say(NoteDoing, text)
}

// finish ends the run with code, once --export-script (where given) is written.
func (a *applying) finish(code int) {
	if a.exportAtTheEnd(code) || a.drainEvents(code) {
		return
	}
	a.s.finished, a.s.exit = true, code
	a.do(Finish{Code: code})
}

// fail makes p the standing problem. A headless run ends there (exit 1):
// nothing after a failed step runs.
func (a *applying) fail(p Problem) {
	if len(p.Remedies) == 0 {
		p.Remedies = []Remedy{RemedyQuit}
	}
	a.s.Problem = a.sayProblem(p)
	if !a.s.cfg.Interactive {
		a.end(ExitFailed)
	}
}

// sayProblem says p, with how to pick the run up from a shell after it
// (none after a timeout, which says it in Next, or a usage error, which
// has nothing to pick up); it returns the problem as said.
func (a *applying) sayProblem(p Problem) *Problem {
	if p.Call != CallTimeout && p.Code != CodeUsage {
		p.Resume = a.s.Resume(&p)
	}
	a.do(Say{Kind: NoteProblem, Text: p.What, Problem: &p})
	return &p
}

// clearProblem drops the standing problem of the given calls (all when none given).
func (a *applying) clearProblem(calls ...Call) {
	if a.s.Problem == nil {
		return
	}
	if len(calls) == 0 {
		a.s.Problem = nil
		return
	}
	for _, c := range calls {
		if a.s.Problem.Call == c {
			a.s.Problem = nil
			return
		}
	}
}

// start decides the first step: the demo, the key from the environment or the
// keyring, or (headless) a usage error before anything is sent.
func (a *applying) start() {
	s := a.s
	s.Started = a.now
	if !s.cfg.Interactive {
		s.Deadline = a.now.Add(s.cfg.Timeout)
		if msg := s.usageProblem(); msg != "" {
			a.usage(msg)
			return
		}
	}
	if s.cfg.Interactive && !s.cfg.Demo && s.cfg.UserID == "" && len(s.cfg.JobIDs) == 0 {
		a.do(Recall{}) // the last session's user, to offer
	}
	switch {
	case s.cfg.Demo:
		a.startDemo()
	case s.cfg.EnvKey != "":
		a.checkKey(s.cfg.EnvKey, KeyFromEnv)
	case s.cfg.KeyStore:
		s.Key.Loading = true
		a.do(LoadSavedKey{})
	case !s.cfg.Interactive:
		a.noKey("")
	}
}

// quitCode is the exit code of a person quitting now: 1 after a failure
// that stands; else ctrl+c (interrupted) is 130, and q is 0 once the
// accounts are in (130 before: stopped before the end).
func (s *Session) quitCode(interrupted bool) int {
	switch {
	case s.Failed():
		return ExitFailed
	case !interrupted && s.Accounts.Loaded:
		return ExitOK
	}
	return ExitInterrupted
}

// Failed reports whether a failure stands: a problem not yet worked around,
// or a job that failed and was not retried.
func (s *Session) Failed() bool {
	return (s.Problem != nil && !s.Problem.Warning) || len(s.Jobs.FailedIDs()) > 0
}

// tick checks the consent wait's deadline (the wizard ticks every second).
func (a *applying) tick() {
	s := a.s
	if s.Stage == StageConsent && s.Consent.Waiting && !s.Consent.Deadline.IsZero() && !a.now.Before(s.Consent.Deadline) {
		s.Consent.TimedOut = true
	}
}

// retry repeats what the standing problem says failed; in the views,
// with none, it reads the view shown again.
func (a *applying) retry() {
	p := a.s.Problem
	if !p.Offers(RemedyRetry) {
		if a.s.Stage == StageAccounts {
			a.loadView(true)
		}
		return
	}
	switch p.Call {
	case CallStartDemo:
		a.startDemo()
	case CallServerToken:
		a.checkKey(a.s.Key.value, a.s.Key.Source)
	case CallCreateUser:
		a.createUser(a.s.User.pending, false)
	case CallGetUser:
		a.lookUpUser(a.s.User.LookingUp)
	case CallClientToken:
		a.prepareConsent()
	case CallListJobs:
		if a.s.Consent.Waiting {
			a.clearProblem()
			a.s.Consent.PollFailures = 0
			a.pollUserJobs(0)
		} else {
			a.prepareConsent()
		}
	case CallAutoConsent:
		a.autoConsent(a.s.Consent.lastLogin)
	case CallGetJob:
		a.repollJobs()
	case CallJob:
		a.reconsent() // a job that failed at the bank: consent again, on its connection
	case CallRefresh:
		a.retryConnection()
	case CallAccounts:
		a.loadAccounts()
	}
}

// back goes one step back where that undoes nothing: to the key (one typed
// or saved here), from consent to the user, from jobs that went wrong to consent.
func (a *applying) back() {
	s := a.s
	if !s.CanGoBack() {
		return
	}
	switch s.Stage {
	case StageUser:
		s.Stage = StageKey
		a.clearProblem()
	case StageConsent:
		a.stopWaiting()
		a.clearProblem(CallClientToken, CallListJobs, CallAutoConsent)
		s.Stage = StageUser
		if s.Accounts.Loaded {
			// Another bank, or a login again, asked for from the views: back to them.
			s.Stage = StageAccounts
			s.Link.Action, s.Link.ConnectionID, s.Link.Bank = "", "", ""
		}
	case StageConnect:
		a.reconsent()
	}
}

// CanGoBack reports whether BackAsked has a step to go back to.
func (s *Session) CanGoBack() bool {
	switch s.Stage {
	case StageUser:
		return !s.Demo && s.Key.Source != KeyFromEnv && !s.User.Working && s.cfg.UserID == ""
	case StageConsent:
		return !s.Consent.AutoConsenting
	case StageConnect:
		// Only from jobs that went wrong: a connection under way is not undone.
		return s.Problem != nil && !s.Problem.Warning || len(s.Jobs.FailedIDs()) > 0
	}
	return false
}

// timedOut ends a headless run that ran past --timeout, saying how to pick
// it up, and what Basiq last answered (last: the call cut short, else the
// last failure the run was working around).
func (a *applying) timedOut(last error) {
	s := a.s
	if last == nil {
		last = s.lastFailure
	}
	p := timeoutProblem(s.cfg.Timeout, s.Stage >= StageConnect, s.User.User.ID != "", last)
	switch {
	case s.Demo:
		p.Next = "Run the demo again with a longer --timeout (its simulator stopped with this run)."
	case s.Stage >= StageConnect:
		p.Next = "Watch it again with " + s.ResumeFlags() + ", or give a longer --timeout."
	case s.User.User.ID != "":
		p.Next = "Did consent finish? Run again with " + s.ResumeFlags() + " for a new link, or give a longer --timeout."
	default:
		p.Next = "Give a longer --timeout."
	}
	a.fail(p)
}

// ResumeFlags are the flags that pick this session up again: the user, and
// the jobs if any. "" before there is a user, and in the demo, whose
// simulator (and the user in it) stops with the run.
func (s *Session) ResumeFlags() string {
	if s.User.User.ID == "" || s.Demo {
		return ""
	}
	flags := "--user-id " + s.User.User.ID
	if len(s.Jobs.Order) > 0 {
		flags += " --job-id " + joinIDs(s.Jobs.Order)
	}
	return flags
}

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ","
		}
		out += id
	}
	return out
}

// pollDelay is the wait before the next poll: the base rate while all is
// well, then exponential backoff with jitter after failures in a row.
func (s *Session) pollDelay(base time.Duration, failures int) time.Duration {
	if failures == 0 {
		return base
	}
	d := min(base<<min(failures, 5), maxPollBackoff)
	// Half fixed, half jittered: never faster than base, never in lockstep.
	return max(base, d/2+time.Duration(s.cfg.Jitter()*float64(d/2)))
}

// Result is what a headless run prints: --json's document, and --events' last line.
type Result struct {
	User        *basiq.User        `json:"user"`
	Jobs        []basiq.Job        `json:"jobs"`
	Accounts    []basiq.Account    `json:"accounts"`
	Connections []basiq.Connection `json:"connections"`
	// Deleted: --delete-user deleted the user at the end.
	Deleted bool `json:"deleted,omitempty"`
	// Problem is the failure the run ended with (nil when it did not fail).
	Problem *ProblemReport `json:"problem,omitempty"`
	// Events are the user's Basiq events seen (GET /events), oldest first.
	Events []EventReport `json:"events"`
}

// Result is the session's outcome so far, with Basiq's own field names.
func (s *Session) Result() Result {
	r := Result{Jobs: []basiq.Job{}, Accounts: []basiq.Account{}, Connections: []basiq.Connection{}, Deleted: s.Deleted}
	r.Connections = append(r.Connections, s.Explore.Connections.Items...)
	if s.User.User.ID != "" {
		u := s.User.User
		r.User = &u
	}
	for _, id := range s.Jobs.Order {
		if w := s.Jobs.ByID[id]; w.Seen {
			r.Jobs = append(r.Jobs, w.Job)
		}
	}
	if s.Accounts.Loaded {
		r.Accounts = append(r.Accounts, s.Accounts.List...)
	}
	if s.Failed() && s.Problem != nil {
		report := s.Problem.Report()
		r.Problem = &report
	}
	r.Events = s.EventReports()
	return r
}
