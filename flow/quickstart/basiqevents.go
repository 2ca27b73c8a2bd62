package quickstart

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// The user's events: Basiq's GET /events filtered by user.id, polled for as
// long as the session runs by listen's own core (its polling, backoff and
// once-per-id rules), shown by the Events view and in the job view, and
// forwarded to a handler with --forward-to as listen forwards them. This
// file is the quickstart's part: when they start, what they say, how the
// job view ties them to a job's step, and that a headless run ends once the
// last of them is seen (and delivered).

// ListenNews are the answers to the events' work (ListenWork), or an
// attempt of the forwarding engine's (AwaitAttempt).
type ListenNews struct{ Events []listen.Event }

func (ListenNews) isEvent() {}

// ListenWork is work of the user's events session, answered with
// ListenNews: a poll or an entity to fetch (each waits: one a ListenWork),
// or the deliveries of one answer, handed to the engine in their order.
type ListenWork struct{ Effects []listen.Effect }

// AwaitAttempt waits for the forwarding engine's next attempt (answered
// with ListenNews{listen.Attempted}); asked again after each.
type AwaitAttempt struct{}

// EventOpenAsked is enter on an event of the Events view: its entity is fetched.
type EventOpenAsked struct{ ID string }

func (EventOpenAsked) isEvent() {}

func (ListenWork) isEffect()   {}
func (AwaitAttempt) isEffect() {}

// drain is where a headless run's end stands with the events.
type drain int

const (
	drainNone    drain = iota
	drainPolling       // the last poll is out
	drainSending       // and the deliveries' first answers are awaited
	drainDone
)

// startEvents starts the user's events once the user is known (again for
// another user). Every event of the user Basiq keeps (its 7 days) is shown;
// only those raised from the session's start on are forwarded.
func (a *applying) startEvents() {
	s := a.s
	uid := s.User.User.ID
	if !s.cfg.Events || uid == "" || (s.Events != nil && s.Events.Config().UserID == uid) {
		return
	}
	firstGen := 0
	if s.Events != nil {
		firstGen = s.Events.Poll.Gen + 1 // the old user's poll may still be out: not this one's
	}
	s.Events = listen.New(listen.Config{
		UserID: uid, Since: listen.MaxSince, SinceGiven: true,
		PollEvery: listen.DefaultPollEvery(s.cfg.LocalAPI || s.Demo),
		NoForward: !s.cfg.Forward, ForwardFrom: s.Started, Stay: true, FirstGen: firstGen,
	})
	a.listen(listen.Started{})
	if s.cfg.Forward && !s.awaiting {
		s.awaiting = true
		a.do(AwaitAttempt{})
	}
}

// listen gives the events session an event and passes its work on.
func (a *applying) listen(ev listen.Event) {
	s := a.s
	if s.Events == nil {
		return
	}
	var inOrder []listen.Effect
	for _, eff := range s.Events.Apply(a.now, ev) {
		switch eff := eff.(type) {
		case listen.Say:
			a.eventNote(eff.Note)
		case listen.Finish: // Stay: never
		case listen.Poll, listen.FetchEntity:
			a.do(ListenWork{Effects: []listen.Effect{eff}})
		default:
			inOrder = append(inOrder, eff)
		}
	}
	if len(inOrder) > 0 {
		a.do(ListenWork{Effects: inOrder})
	}
}

func (a *applying) listenNews(n ListenNews) {
	s := a.s
	for _, ev := range n.Events {
		a.listen(ev)
		if _, ok := ev.(listen.Attempted); ok && s.cfg.Forward {
			a.do(AwaitAttempt{}) // the next one
		}
		a.drained(ev)
	}
}

// eventNote says the events' news as the session's notes: one a Basiq event
// seen (basiq_event), one a handler's answer, and the polls' trouble. The
// note carries listen's own, so --events writes what listen --json writes.
func (a *applying) eventNote(n listen.Note) {
	switch n.Kind {
	case listen.NoteEvent:
		e := n.Item.Event
		a.do(Say{Kind: NoteBasiqEvent, Text: "Basiq event " + text.Field(e.TypeID()) + " (" + text.ShortID(text.Field(e.ID)) + ")", Listen: &n})
	case listen.NoteAnswer:
		typ, at := text.Field(n.Item.Event.TypeID()), n.Attempt
		said := "The handler answered " + typ + ": " + strconv.Itoa(at.Status)
		if at.Status == 0 {
			said = "No answer from the handler to " + typ + ": " + text.Field(at.Err)
		}
		if hint := listen.AnswerHint(*at); hint != "" {
			said += ": " + hint
		}
		if !at.OK() && !at.Next.IsZero() {
			said += " (next try at " + at.Next.Local().Format("15:04:05") + ", while the run lasts)"
		}
		a.do(Say{Kind: NoteHandlerAnswer, Text: said, Listen: &n})
	case listen.NotePollFailed, listen.NoteSkipped:
		a.say(NoteWarning, n.Text)
	case listen.NotePollRecovered:
		a.say(NoteInfo, n.Text)
	}
}

// EventReport is one of the user's events in --json's result: Basiq's
// event as it came, and with --forward-to what the handler answered.
type EventReport struct {
	basiq.Event
	Forwarded *ForwardReport `json:"forwarded,omitempty"`
}

// ForwardReport is an event's delivery to the handler.
type ForwardReport struct {
	WebhookID string `json:"webhookId"`
	State     string `json:"state"` // sending, delivered, retrying, failed
	Attempts  int    `json:"attempts"`
	Status    int    `json:"status,omitempty"` // the last answer's; none when no answer came
	Error     string `json:"error,omitempty"`
}

// EventsProblem is why the user's events do not load, nil when they do:
// r (RetryAsked at the Events view) polls again.
func (s *Session) EventsProblem() *Problem {
	if s.Events == nil || s.Events.Poll.Failing == nil {
		return nil
	}
	f := s.Events.Poll.Failing
	return &Problem{Call: CallEvents, What: f.What, Next: f.Next, Code: f.Code, CorrelationID: f.CorrelationID, Remedies: []Remedy{RemedyRetry}}
}

// drainEvents: a headless run that worked ends once its last events are
// seen, and with --forward-to once each has had its first answer: one more
// poll, then the deliveries in flight (each bounded in time). A run that
// failed, or was interrupted, ends at once: nothing runs after a failure.
func (a *applying) drainEvents(code int) bool {
	s := a.s
	if s.cfg.Interactive || s.Events == nil || s.draining != drainNone || code != ExitOK {
		return false
	}
	if !s.Deadline.IsZero() && !a.now.Before(s.Deadline) {
		return false
	}
	s.draining, s.drainCode = drainPolling, code
	a.listen(listen.PollAsked{Fresh: true}) // now: a whole demo takes milliseconds, not the next poll's second
	return true
}

// drained moves a headless run's end on as the last events come.
func (a *applying) drained(ev listen.Event) {
	s := a.s
	if s.draining == drainPolling {
		if p, ok := ev.(listen.Polled); ok && p.Gen == s.Events.Poll.Gen {
			s.draining = drainSending
		}
	}
	if s.draining == drainSending && !s.sending() {
		a.drainOver()
	}
}

// drainOver ends a headless run with the code it had before its last events.
func (a *applying) drainOver() {
	s := a.s
	if e := s.Events; e != nil && s.cfg.Forward && e.Forwarded > 0 {
		said := fmt.Sprintf("Forwarded %d of the user's Basiq events to the handler: %d delivered.", e.Forwarded, e.Delivered)
		kind := NoteDone
		if n, since := e.UndeliveredSince(a.now); n > 0 {
			kind = NoteWarning
			if s.Demo {
				said += fmt.Sprintf(" %d not, and the demo's simulator ends with the run: with the handler up, run the demo again.", n)
			} else {
				said += fmt.Sprintf(" %d not, and their retries end with the run: basiq-onboard listen --user-id %s --since %s --forward-to URL sends them again.",
					n, s.User.User.ID, listen.Duration(since))
			}
		}
		a.say(kind, said)
	}
	s.draining = drainDone
	s.finished, s.exit = true, s.drainCode
	a.do(Finish{Code: s.drainCode})
}

// sending reports whether a delivery awaits its first answer.
func (s *Session) sending() bool {
	if !s.cfg.Forward {
		return false
	}
	for _, it := range s.Events.Items {
		if it.State == listen.Sending && it.SendErr == "" {
			return true
		}
	}
	return false
}

// EventReports are the user's events seen so far, oldest first.
func (s *Session) EventReports() []EventReport {
	out := []EventReport{}
	if s.Events == nil {
		return out
	}
	for _, it := range s.Events.Items {
		r := EventReport{Event: it.Event}
		if it.State != listen.Kept {
			f := &ForwardReport{WebhookID: it.MessageID, State: string(it.State), Attempts: it.Tried, Error: it.SendErr}
			if at := it.Last(); at != nil {
				f.Status = at.Status
				if f.Error == "" {
					f.Error = text.Field(at.Err)
				}
			}
			r.Forwarded = f
		}
		out = append(out, r)
	}
	return out
}

// JobEvent is an event the job view shows under a job's step.
type JobEvent struct {
	Step string // the step's title
	Item *listen.Item
}

// stepOfEntity is the step whose work raises an entity's events: the
// connection's when its credentials are checked, the accounts' and the
// transactions' when they are retrieved (basiq-api.md §12).
var stepOfEntity = map[string]string{
	"connection":   basiq.StepVerifyCredentials,
	"account":      basiq.StepRetrieveAccounts,
	"transactions": basiq.StepRetrieveTransactions,
}

// jobSlack is how far an event's time (to the second) may fall outside a
// job's run and still be its own: Basiq's clock and ours, and the
// second's truncation.
const jobSlack = 2 * time.Second

// JobEvents are the events the connection raised while the job ran, each
// under the step that raised it, oldest first. An event is the job's when
// it names the job's connection (in its dataRef or its data), or else (a
// connection's event that names another connection is not) when it came
// while the job ran (from its creation to a moment after its last
// step ended), the newest such job taking it; only the connection's,
// accounts' and transactions' events count (a user's or consent's are not
// the job's). Its step is the one its entity names (stepOfEntity) where the
// job has it, else the step under way at the event's time.
func (s *Session) JobEvents(jobID string, now time.Time) []JobEvent {
	w := s.Jobs.ByID[jobID]
	if s.Events == nil || w == nil {
		return nil
	}
	var out []JobEvent
	for _, it := range s.Events.Items {
		if _, counts := stepOfEntity[it.Event.Entity]; !counts {
			continue
		}
		if s.jobOf(it, now) != jobID {
			continue
		}
		out = append(out, JobEvent{Step: stepFor(w, it), Item: it})
	}
	return out
}

// jobOf is the watched job an event belongs to, "" when none: the newest
// job running at its time (with jobSlack) of the connection it names, or
// of any connection where it names none.
func (s *Session) jobOf(it *listen.Item, now time.Time) string {
	cid := eventConnection(it.Event)
	best, bestStart := "", time.Time{}
	for _, id := range s.Jobs.Order {
		w := s.Jobs.ByID[id]
		start, end := jobRun(w, now)
		if it.Created.Before(start.Add(-jobSlack)) || it.Created.After(end.Add(jobSlack)) {
			continue
		}
		if cid != "" && w.Job.ConnectionID() != cid {
			continue // another connection's
		}
		if best == "" || start.After(bestStart) {
			best, bestStart = id, start
		}
	}
	return best
}

// eventConnection is the connection an event is about, "" where it names
// none: a connection's own (its dataRef), or the one an account's or its
// transactions' snapshot names (Basiq's account has "connection" and
// links.connection).
func eventConnection(e basiq.Event) string {
	if e.Entity == "connection" {
		if _, after, ok := strings.Cut(e.DataRef, "/connections/"); ok {
			id, _, _ := strings.Cut(after, "/")
			id, _, _ = strings.Cut(id, "?")
			return id
		}
	}
	var data struct {
		Connection json.RawMessage `json:"connection"`
		Links      struct {
			Connection string `json:"connection"`
		} `json:"links"`
	}
	if len(e.Data) == 0 || json.Unmarshal(e.Data, &data) != nil {
		return ""
	}
	var named string
	if json.Unmarshal(data.Connection, &named) != nil || named == "" {
		named = data.Links.Connection
	}
	return named[strings.LastIndex(named, "/")+1:]
}

// jobRun is when a job ran: from its creation (or its first step seen) to
// its last step's end, or now while it runs.
func jobRun(w *WatchedJob, now time.Time) (start, end time.Time) {
	start = w.Job.Created
	for _, t := range w.StepStarted {
		if start.IsZero() || t.Before(start) {
			start = t
		}
	}
	st := w.Job.State()
	if st == basiq.JobPending || st == basiq.JobRunning || !w.Seen {
		return start, now
	}
	end = w.Job.Updated
	for _, t := range w.StepEnded {
		if t.After(end) {
			end = t
		}
	}
	if end.IsZero() {
		end = now
	}
	return start, end
}

// stepFor is the step of w an event goes under.
func stepFor(w *WatchedJob, it *listen.Item) string {
	want := stepOfEntity[it.Event.Entity]
	for _, st := range w.Job.Steps {
		if st.Title == want {
			return want
		}
	}
	// The step under way at the event's time: the first not ended before it.
	for _, st := range w.Job.Steps {
		if end, ok := w.StepEnded[st.Title]; !ok || !end.Before(it.Created) {
			return st.Title
		}
	}
	if n := len(w.Job.Steps); n > 0 {
		return w.Job.Steps[n-1].Title
	}
	return ""
}
