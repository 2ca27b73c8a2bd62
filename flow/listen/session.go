// Package listen is listen's one set of rules: poll Basiq's events
// (GET /events), backfill what came since the last run, forward each new
// event once, oldest first, as the delivery Basiq would make, keep the last
// events with their handler's answers, and back off when Basiq is busy or
// away. It is a pure state machine (events in, effects out) with no I/O and
// no clock of its own, as the quickstart's core is: the full-screen view,
// the lines and --json are faces on it, and the wizard can run the same
// session for its user (flow.Forwarder performs the effects).
//
// What it leaves to others: signing, sending and retrying each delivery on
// Basiq's schedule is basiq/webhook's engine (the Forward and Resend
// effects hand it messages; Attempted brings back what the handler
// answered); where the secret and the cursor are kept is flow.Store's.
package listen

import (
	"fmt"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// Polling and keeping: a contract README states.
const (
	// DefaultSince is how far back a first start backfills.
	DefaultSince = 10 * time.Minute
	// MaxSince is how far back Basiq keeps events.
	MaxSince = 7 * 24 * time.Hour
	// LoopbackPollEvery and RemotePollEvery are the default poll intervals:
	// a simulator on this machine every second, Basiq every 5 s.
	LoopbackPollEvery = time.Second
	RemotePollEvery   = 5 * time.Second
	// maxFailureBackoff bounds the wait after polls that failed.
	maxFailureBackoff = 30 * time.Second
	// maxRateBackoff bounds the poll interval that 429s stretch.
	maxRateBackoff = 2 * time.Minute
	// Lateness is how late an event may turn up in the list (its createdDate
	// before one already forwarded) and still be forwarded: a job step's
	// events are raised when the step ends, which a poll may learn after
	// later events.
	Lateness = 10 * time.Minute
	// DefaultKeep is how many events the view keeps, the newest.
	DefaultKeep = 1000
	// attemptsKept are the handler's answers kept per event, the latest.
	attemptsKept = 8
	// EntityLimit is how much of a linked entity is kept, in bytes.
	EntityLimit = 64 << 10
	// waitingLimit bounds the events that wait for the handler to catch
	// up, as a multiple of Keep: past it the oldest waiting go unforwarded,
	// counted in Behind.
	waitingLimit = 10
)

// Config is what a session knows before it starts.
type Config struct {
	// UserID filters the events on user.id ("" = all of the application's,
	// where the API allows it).
	UserID string
	// Types are the event types forwarded ("user.created"); none = all.
	Types []string
	// Since (with SinceGiven) is --since: backfill the events of this long
	// before the start, whatever was forwarded before. Without it, a
	// session backfills from Cursor, or DefaultSince on a first start.
	Since      time.Duration
	SinceGiven bool
	// PollEvery is the interval between polls (LoopbackPollEvery or
	// RemotePollEvery by default: see DefaultPollEvery).
	PollEvery time.Duration
	// Cursor is what the last run kept: the zero Cursor on a first start.
	Cursor Cursor
	// SavedUser is the user the store keeps for this API, suggested where
	// Basiq refuses to list every event of the application.
	SavedUser string
	// Keep is how many events are kept for the view; 0 = DefaultKeep.
	Keep int
	// APIBase is the API's base URL, for a payload's links.event where an
	// event has no links.self.
	APIBase string

	// The wizard's session for its user (flow/quickstart runs it):
	// NoForward keeps and shows the events and forwards none (no
	// --forward-to); events created before ForwardFrom are shown, not
	// forwarded (the wizard forwards what its onboarding raises, not the
	// user's week); Stay: no failure ends the session, what would end
	// listen stops the polling until PollAsked (the wizard's r).
	NoForward   bool
	ForwardFrom time.Time
	Stay        bool
	// FirstGen is the polling's first generation: a session that takes over
	// from another (the wizard's, for another user) starts past the other's,
	// so a poll of the old one still out is not taken for its own.
	FirstGen int
}

// DefaultPollEvery is the poll interval for an API: every second on this
// machine (a simulator), every 5 s elsewhere (Basiq).
func DefaultPollEvery(loopback bool) time.Duration {
	if loopback {
		return LoopbackPollEvery
	}
	return RemotePollEvery
}

// Session is one run of listen. Its fields are for faces to read; only
// Apply changes them.
type Session struct {
	cfg     Config
	Started time.Time
	// From is the oldest createdDate forwarded: the backfill's start.
	From time.Time
	// Backfilled: the first poll has answered and its events were sent;
	// BackfillSaid is what was said of it, once (NoteBackfill's text).
	Backfilled   bool
	BackfillSaid string
	// Items are the events kept, oldest first, at most Config.Keep.
	Items []*Item
	// Dropped counts the events no longer kept (the oldest go first).
	Dropped int
	Poll    PollState
	// Forwarded and Delivered count events since the start: sent to the
	// handler, and answered 2xx at least once.
	Forwarded, Delivered int
	// Waiting are new events not handed to the engine yet: at most half of
	// Keep are unsettled at once (sending, or retrying), so the engine,
	// which keeps as many messages as the view, never has to let go of one
	// it has not delivered. Each is forwarded as a slot frees. Behind counts
	// those let go unforwarded because too many waited.
	Waiting []Pending
	Behind  int
	// Problem is what ended the session, nil while it runs.
	Problem *Problem

	finished bool
	code     int

	unsettled int             // kept items handed to the engine, not delivered or failed yet
	waiting   map[string]bool // the ids of Waiting
	// cursorMoved: an event was forwarded since the cursor was last saved.
	cursorMoved bool
	// unsent counts the events let go undelivered (dropped from Items while
	// under way, or from Waiting as Behind), unsentOldest the oldest: what
	// Undelivered says with the rest.
	unsent       int
	unsentOldest time.Time

	types     map[string]bool
	seen      map[string]time.Time // event id -> createdDate, for the Lateness window
	newest    time.Time            // the newest createdDate forwarded
	byEvent   map[string]*Item
	byMessage map[string]*Item
	skipped   bool // an event with no readable createdDate was said once
}

// PollState is how polling goes.
type PollState struct {
	// Request is the request each poll sends, to show: "GET /events?filter=…".
	Request string
	// Gen is the polling's generation: PollAsked starts the next, and the
	// answer of a poll of an older one is dropped.
	Gen int
	// Stopped: a failure that would end listen stopped the polling (Stay);
	// Failing says which, and PollAsked starts it again.
	Stopped bool
	Filter  basiq.EventFilter
	// Every is the interval now: Config.PollEvery, or longer after 429s.
	Every time.Duration
	// Polls counts the answers; Listed is how many events the last listed.
	Polls, Listed int
	// LastOK is when a poll last worked; NextAt when the next one goes.
	LastOK, NextAt time.Time
	// Failures counts the polls that failed in a row; Failing is the last
	// one's problem, nil once a poll works again.
	Failures int
	Failing  *Problem
	// Skipped counts events left out because their createdDate cannot be read.
	Skipped int
}

// Problem is a failure in words, with Basiq's part of it.
type Problem struct {
	What string // what happened
	Next string // what to do
	// Basiq's answer: its status (0: none came), error code and correlation id.
	Status        int
	Code          string
	CorrelationID string
}

// ItemState is where an event's delivery stands.
type ItemState string

// The states of an item.
const (
	Sending   ItemState = "sending"   // handed to the engine, no answer yet
	Delivered ItemState = "delivered" // the handler answered 2xx
	Retrying  ItemState = "retrying"  // the last attempt failed; another is due at Item.Next
	Failed    ItemState = "failed"    // every attempt of the schedule failed, or the engine refused it
	// Kept: shown, not forwarded (NoForward, or from before ForwardFrom).
	Kept ItemState = "kept"
)

// Pending is a new event waiting for a slot: the handler is behind.
type Pending struct {
	Event    basiq.Event
	Created  time.Time
	Backfill bool
}

// Item is one event as listen forwarded it.
type Item struct {
	Event basiq.Event
	// Created is the event's createdDate.
	Created time.Time
	// Seen is when a poll brought it.
	Seen time.Time
	// Backfill: it came with the first poll, from before the start.
	Backfill bool
	// MessageID is the delivery's webhook-id, made from the event's id: a
	// resend keeps it.
	MessageID string
	// Payload is the delivery's body, Basiq's: eventTypeId, eventId, links.
	Payload []byte
	State   ItemState
	// Tried counts the attempts; Attempts keeps the latest, oldest first.
	Tried    int
	Attempts []webhook.Attempt
	// Next is when the next attempt is due (Retrying).
	Next time.Time
	// SendErr says why the engine did not take the message ("" when it did).
	SendErr string
	Resends int
	Entity  Entity
}

// Last is the latest attempt, nil before the first answer.
func (it *Item) Last() *webhook.Attempt {
	if len(it.Attempts) == 0 {
		return nil
	}
	return &it.Attempts[len(it.Attempts)-1]
}

// Entity is what an event's links.eventEntity points at, fetched when the
// event is opened.
type Entity struct {
	URL     string
	Loading bool
	Body    []byte // the JSON Basiq answered, at most EntityLimit bytes of it
	Cut     bool   // the body was longer
	Err     string
}

// New makes a session for cfg.
func New(cfg Config) *Session {
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultKeep
	}
	if cfg.PollEvery <= 0 {
		cfg.PollEvery = RemotePollEvery
	}
	s := &Session{
		cfg:       cfg,
		seen:      map[string]time.Time{},
		byEvent:   map[string]*Item{},
		byMessage: map[string]*Item{},
		waiting:   map[string]bool{},
	}
	if len(cfg.Types) > 0 {
		s.types = map[string]bool{}
		for _, t := range cfg.Types {
			s.types[t] = true
		}
	}
	s.Poll.Filter = basiq.EventFilter{UserID: cfg.UserID}
	s.Poll.Request = s.Poll.Filter.Request()
	s.Poll.Every = cfg.PollEvery
	s.Poll.Gen = cfg.FirstGen
	return s
}

// Config is what the session was made with.
func (s *Session) Config() Config { return s.cfg }

// Finished reports whether the session is over, and its exit code.
func (s *Session) Finished() (bool, int) { return s.finished, s.code }

// Item is the kept event with that id, nil when none is.
func (s *Session) Item(eventID string) *Item { return s.byEvent[eventID] }

// Failing counts the kept events whose delivery has not worked (yet).
func (s *Session) Failing() int {
	n := 0
	for _, it := range s.Items {
		if it.State == Retrying || it.State == Failed {
			n++
		}
	}
	return n
}

// Cursor is what the session would keep now for the next run.
func (s *Session) Cursor() Cursor {
	c := Cursor{Last: s.newest}
	if len(s.seen) > 0 {
		c.Seen = make(map[string]time.Time, len(s.seen))
		for id, t := range s.seen {
			if !s.waiting[id] { // not forwarded yet: the next run's backfill brings it
				c.Seen[id] = t
			}
		}
	}
	return c.bounded()
}

// Undelivered says what a run ending now leaves undelivered (sent and not
// answered 2xx, retrying, failed, or still waiting), and how to send it
// again: the next run backfills from the last event forwarded, so these
// come again only with --since. "" when there are none.
func (s *Session) Undelivered(now time.Time) string {
	n, since := s.UndeliveredSince(now)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%s not delivered: listen --since %s forwards %s again (the next run goes on from the last one forwarded).",
		plural(n, "event"), Duration(since), map[bool]string{true: "it", false: "them"}[n == 1])
}

// UndeliveredSince counts the events not delivered (as Undelivered says
// them) and the --since that reaches the oldest, rounded up to the minute.
func (s *Session) UndeliveredSince(now time.Time) (int, time.Duration) {
	n, oldest := s.unsent, s.unsentOldest
	older := func(t time.Time) {
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	for _, p := range s.Waiting { // a late event waits behind newer ones: look at all
		n++
		older(p.Created)
	}
	for _, it := range s.Items {
		if it.State != Delivered && it.State != Kept {
			n++
			older(it.Created)
		}
	}
	if n == 0 || oldest.IsZero() {
		return 0, 0
	}
	// Rounded up to the minute, and within the 7 days --since takes.
	return n, min(now.Sub(oldest).Truncate(time.Minute)+time.Minute, MaxSince)
}
