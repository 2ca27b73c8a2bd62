package listen

import (
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// Event is what happens to a session: an effect's answer, a person's
// intent, or the engine's report of an attempt. Apply takes them one at a
// time.
type Event interface{ isEvent() }

type (
	// Started begins the session: the first event every face sends.
	Started struct{}
	// Polled is GET /events' answer: the events the Poll's Want takes,
	// newest first, as Basiq lists them; Listed is how many the list held
	// (0: as many as Events).
	Polled struct {
		Gen    int // the Poll's
		Events []basiq.Event
		Listed int
		Err    error
	}
	// PollAsked polls now, whatever the wait (the wizard's r); after a
	// failure that stopped the polling (Config.Stay), it starts again.
	// r pressed again within a poll interval of the last answer sends
	// nothing more, unless Fresh: a run's last look (headless, at its end)
	// wants what came since that answer, now.
	PollAsked struct{ Fresh bool }
	// Sent says whether the engine took a Forward's message.
	Sent struct {
		EventID string
		Err     error
	}
	// Attempted is one attempt of a delivery, as the engine recorded it.
	Attempted struct{ Attempt webhook.Attempt }
	// ResendAsked is r on an event: send it again.
	ResendAsked struct{ EventID string }
	// Resent says whether the engine took the resend.
	Resent struct {
		EventID string
		Err     error
	}
	// OpenAsked is enter on an event: its entity is fetched, once.
	OpenAsked struct{ EventID string }
	// EntityFetched is what links.eventEntity answered.
	EntityFetched struct {
		EventID string
		Body    []byte
		Err     error
	}
	// QuitAsked ends the session: q, ctrl+c, SIGTERM.
	QuitAsked struct{}
)

func (Started) isEvent()       {}
func (Polled) isEvent()        {}
func (PollAsked) isEvent()     {}
func (Sent) isEvent()          {}
func (Attempted) isEvent()     {}
func (ResendAsked) isEvent()   {}
func (Resent) isEvent()        {}
func (OpenAsked) isEvent()     {}
func (EntityFetched) isEvent() {}
func (QuitAsked) isEvent()     {}

// Effect is work the session asks its face to do (flow.Forwarder does it),
// answered with an Event.
type Effect interface{ isEffect() }

type (
	// Poll lists the events after a wait (answered with Polled), keeping
	// only those Want takes.
	Poll struct {
		Gen    int
		After  time.Duration
		Filter basiq.EventFilter
		Want   Want
	}
	// Forward hands a delivery to the engine (answered with Sent; its
	// attempts come as Attempted).
	Forward struct {
		EventID, MessageID, EventType string
		Payload                       []byte
	}
	// Resend sends a delivery again: the same webhook-id, a new timestamp
	// and signature (answered with Resent). Where the engine no longer
	// keeps it, it is sent afresh with the same id and payload.
	Resend struct {
		EventID, MessageID, EventType string
		Payload                       []byte
	}
	// FetchEntity fetches an event's links.eventEntity (answered with EntityFetched).
	FetchEntity struct{ EventID, URL string }
	// SaveCursor keeps where the session is, for the next run's backfill.
	SaveCursor struct{ Cursor Cursor }
	// Say is news for the line and JSON faces; the view draws the state.
	Say struct{ Note Note }
	// Finish ends the run with an exit code.
	Finish struct{ Code int }
)

func (Poll) isEffect()        {}
func (Forward) isEffect()     {}
func (Resend) isEffect()      {}
func (FetchEntity) isEffect() {}
func (SaveCursor) isEffect()  {}
func (Say) isEffect()         {}
func (Finish) isEffect()      {}

// NoteKind is what a note is about; the JSON face's "event" field.
type NoteKind string

// The kinds of note.
const (
	// NoteBackfill: the first poll's answer, said once: how many events
	// since when, and that they come from the events API.
	NoteBackfill NoteKind = "backfill"
	// NoteEvent: an event seen and handed to the handler (Item).
	NoteEvent NoteKind = "basiq_event"
	// NoteAnswer: an attempt and what the handler answered (Item, Attempt).
	NoteAnswer NoteKind = "handler_answer"
	// NoteResend: r sent an event again (Item).
	NoteResend NoteKind = "resend"
	// NotePollFailed: a poll failed; listen tries again (Problem, RetryIn).
	NotePollFailed NoteKind = "poll_failed"
	// NotePollRecovered: a poll worked after failures (Count: how many).
	NotePollRecovered NoteKind = "poll_recovered"
	// NoteSkipped: events were left out (Text says why; Count).
	NoteSkipped NoteKind = "skipped"
	// NoteBehind: the handler fell so far behind that the oldest events
	// waiting for it were let go unforwarded (Count: how many in all).
	NoteBehind NoteKind = "behind"
	// NoteProblem: what ended the session (Problem).
	NoteProblem NoteKind = "problem"
)

// Note is news, with its fields: a face formats them, never parses Text.
type Note struct {
	Kind NoteKind
	// Text is the news in a sentence, for a face to print as it is.
	Text    string
	Item    *Item // the session's own: read it before the next Apply
	Attempt *webhook.Attempt
	Problem *Problem
	Count   int
	Since   time.Time     // NoteBackfill: the window's start
	RetryIn time.Duration // NotePollFailed: when the next poll goes
}

// Want is which of a poll's events the session can use, fixed when the
// poll is asked: the list is read on another goroutine, which drops the
// others as they come, so a week of events seen already is never held.
// Its maps are the poll's own (or never written again): the session goes
// on while the poll runs.
type Want struct {
	Floor time.Time            // older ones are past: before the cursor, or too late
	Types map[string]bool      // nil: every type
	Seen  map[string]time.Time // ids handed on already
}

// Takes reports whether the session can use e. An event with no id or no
// readable date is taken, for the session to count as skipped.
func (w Want) Takes(e basiq.Event) bool {
	if e.ID == "" {
		return true
	}
	if _, seen := w.Seen[e.ID]; seen {
		return false
	}
	t := e.Created()
	switch {
	case t.IsZero():
		return true
	case t.Before(w.Floor):
		return false
	}
	return w.Types == nil || w.Types[e.TypeID()]
}
