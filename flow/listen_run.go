package flow

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
)

// ListenOptions is a listen as the command line asks for it.
type ListenOptions struct {
	API    EventsAPI
	APIURL string // the API's base URL: its origin is where the secret and cursor are kept
	// Store keeps the secret and the cursor per origin; nil keeps nothing
	// (a new secret every run).
	Store *Store
	// Origin is the store's slot, "" for APIURL's (the wizard's demo passes
	// DemoOrigin: its simulator's port is new every run, its secret is not).
	Origin string
	To     string // the handler's URL (ParseForwardTo's)

	UserID     string
	Types      []string
	Since      time.Duration
	SinceGiven bool
	PollEvery  time.Duration // 0 = listen.DefaultPollEvery for the API

	Timeout   time.Duration // each attempt's bound; 0 = DefaultForwardTimeout
	TimeScale float64
	Faults    webhook.Faults

	// Redactor is the one the client was given: it is told the secret, so
	// no trace shows it, and everything listen prints goes through it.
	Redactor  *basiq.Redactor
	Clock     Clock             // nil = the real clock
	Transport http.RoundTripper // the deliveries' (tests); nil = the engine's own
}

// PrepareListen makes a listen ready to drive: its secret (made and kept
// the first time for the API), the cursor and the saved user the store
// keeps for it, the session and the Forwarder.
func PrepareListen(o ListenOptions) (ListenRun, error) {
	origin := o.Origin
	if origin == "" {
		origin = Origin(o.APIURL)
	}
	var secret webhook.Secret
	var cursor listen.Cursor
	var saved string
	var err error
	if o.Store != nil {
		ls := ListenStore{Store: o.Store, Origin: origin}
		if secret, err = ls.Secret(); err != nil {
			return ListenRun{}, err
		}
		cursor = ls.Cursor()
		if m, err := o.Store.Recall(origin); err == nil {
			saved = m.UserID
		}
	} else if secret, err = webhook.NewSecret(); err != nil {
		return ListenRun{}, err
	}
	o.Redactor.Remember(secret.Reveal())
	every := o.PollEvery
	if every == 0 {
		every = listen.DefaultPollEvery(IsLoopbackURL(o.APIURL))
	}
	session := listen.New(listen.Config{UserID: o.UserID, Types: o.Types, Since: o.Since, SinceGiven: o.SinceGiven,
		PollEvery: every, Cursor: cursor, SavedUser: saved, APIBase: o.APIURL})
	fc := ForwarderConfig{API: o.API, To: o.To, Secret: secret, Timeout: o.Timeout, TimeScale: o.TimeScale, Faults: o.Faults,
		Clock: o.Clock, Transport: o.Transport}
	if o.Store != nil {
		fc.SaveCursor = ListenStore{Store: o.Store, Origin: origin}.SaveCursor
	}
	f, err := NewForwarder(fc)
	if err != nil {
		return ListenRun{}, err
	}
	return ListenRun{Session: session, Forwarder: f, Clock: o.Clock, Redactor: o.Redactor, Banner: ListenBanner{
		API: o.APIURL, To: o.To, Secret: secret.Reveal(), Request: session.Poll.Request, Every: every, UserID: o.UserID, Types: o.Types,
	}}, nil
}

// IsLoopbackURL reports whether an API URL is on this machine (a simulator).
func IsLoopbackURL(apiURL string) bool {
	return webhook.CheckLoopback(apiURL) == nil
}

// ListenBanner is what listen says at its start: where events come from
// and go, and the secret that signs them (the one place it is shown).
type ListenBanner struct {
	API     string // the API's base URL
	To      string // the handler's URL
	Secret  string // whsec_…, revealed
	Request string // "GET /events?filter=…"
	Every   time.Duration
	UserID  string
	Types   []string
}

// ListenRun is a listen ready to go: its session, what performs the
// session's effects, and how its words are shown.
type ListenRun struct {
	Session   *listen.Session
	Forwarder *Forwarder
	Clock     Clock // nil = the real clock
	Banner    ListenBanner
	// Redactor hides the key, tokens and listen's secret in what is printed
	// (the client's); nil hides by name and shape only.
	Redactor *basiq.Redactor
}

// Drive runs the session until it finishes or ctx ends (ctrl+c, SIGTERM:
// listen's way to stop, exit 0): it applies each event, performs the
// effects (a poll, a fetch in goroutines of their own; the rest at once),
// and hands each note to say. It returns the exit code. The Forwarder is
// closed when it returns.
func (r ListenRun) Drive(ctx context.Context, say func(listen.Note)) int {
	s, f := r.Session, r.Forwarder
	clock := r.Clock
	if clock == nil {
		clock = basiq.RealClock{}
	}
	run, stop := context.WithCancel(ctx)
	answers := make(chan listen.Event)
	var inFlight sync.WaitGroup
	defer func() {
		stop()
		f.Close()
		inFlight.Wait()
	}()
	queue := []listen.Event{listen.Started{}}
	for {
		for len(queue) > 0 {
			ev := queue[0]
			queue = queue[1:]
			for _, eff := range s.Apply(clock.Now(), ev) {
				switch eff := eff.(type) {
				case listen.Say:
					say(eff.Note)
				case listen.Finish:
				case listen.Poll, listen.FetchEntity: // they wait: off this loop
					inFlight.Add(1)
					go func() {
						defer inFlight.Done()
						if answer := f.Perform(run, eff); answer != nil {
							select {
							case answers <- answer:
							case <-run.Done():
							}
						}
					}()
				default: // the engine takes a message at once; a cursor is a small write
					if answer := f.Perform(run, eff); answer != nil {
						queue = append(queue, answer)
					}
				}
			}
		}
		if done, code := s.Finished(); done {
			return code
		}
		select {
		case ev := <-answers:
			queue = append(queue, ev)
		case ev := <-f.Attempts():
			queue = append(queue, ev)
		case <-ctx.Done():
			queue = append(queue, listen.QuitAsked{})
		}
	}
}
