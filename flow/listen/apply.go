package listen

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// applying is one Apply: the session, the time, and the effects so far.
type applying struct {
	s       *Session
	now     time.Time
	effects []Effect
}

func (a *applying) do(e Effect) { a.effects = append(a.effects, e) }
func (a *applying) say(n Note)  { a.do(Say{Note: n}) }
func (a *applying) finish(c int) {
	a.saveCursor() // what was forwarded since the last poll, for the next run: however it ends
	a.s.finished, a.s.code = true, c
	a.do(Finish{Code: c})
}
func (a *applying) poll(d time.Duration) {
	a.s.Poll.NextAt = a.now.Add(d)
	s := a.s
	// seen changes only when this poll is answered, but another poll (r)
	// may be answered meanwhile: the poll gets a copy.
	a.do(Poll{Gen: s.Poll.Gen, After: d, Filter: s.Poll.Filter, Want: Want{Floor: s.floor(), Types: s.types, Seen: maps.Clone(s.seen)}})
}

// Apply takes one event and returns what to do about it.
func (s *Session) Apply(now time.Time, ev Event) []Effect {
	if s.finished {
		return nil // nothing runs after the end
	}
	a := &applying{s: s, now: now}
	switch ev := ev.(type) {
	case Started:
		a.start()
	case Polled:
		if ev.Gen != s.Poll.Gen || s.Poll.Stopped {
			break // a poll PollAsked overtook: the newer one polls on
		}
		if ev.Err != nil {
			a.pollFailed(ev.Err)
		} else {
			a.polled(ev.Events, max(ev.Listed, len(ev.Events)))
		}
	case PollAsked:
		if s.Started.IsZero() || (!ev.Fresh && s.Poll.Failing == nil && !s.Poll.LastOK.IsZero() && now.Sub(s.Poll.LastOK) < s.cfg.PollEvery) {
			break // as fresh as polling makes it: r pressed again sends nothing more
		}
		s.Poll.Gen++
		s.Poll.Stopped = false
		a.poll(0)
	case Sent:
		if it := s.byEvent[ev.EventID]; it != nil && ev.Err != nil {
			a.settle(it, Failed)
			it.SendErr = ev.Err.Error()
			a.release()
		}
	case Attempted:
		a.attempted(ev.Attempt)
	case ResendAsked:
		a.resend(ev.EventID)
	case Resent:
		if it := s.byEvent[ev.EventID]; it != nil && ev.Err != nil {
			it.SendErr = "not sent again: " + ev.Err.Error()
		}
	case OpenAsked:
		a.open(ev.EventID)
	case EntityFetched:
		a.entityFetched(ev)
	case QuitAsked:
		a.finish(0) // listen's way to stop: exit 0, as the simulator
	}
	return a.effects
}

// start sets the backfill window and sends the first poll at once.
func (a *applying) start() {
	s, c := a.s, a.s.cfg
	s.Started = a.now
	oldest := a.now.Add(-MaxSince)
	switch {
	case c.SinceGiven:
		s.From = a.now.Add(-c.Since)
	case !c.Cursor.IsZero():
		cur := c.Cursor.bounded()
		s.From, s.newest = cur.Floor, cur.Last
		for id, t := range cur.Seen {
			s.seen[id] = t
		}
	default:
		s.From = a.now.Add(-DefaultSince)
	}
	// createdDate is to the second: an event of this very second counts.
	s.From = s.From.Truncate(time.Second)
	if s.From.Before(oldest) {
		s.From = oldest
	}
	a.poll(0)
}

// polled forwards what is new, oldest first by createdDate, once per id.
func (a *applying) polled(events []basiq.Event, listed int) {
	s := a.s
	first := !s.Backfilled
	s.Poll.Polls++
	s.Poll.Listed = listed
	s.Poll.LastOK = a.now
	if s.Poll.Failures > 0 {
		a.say(Note{Kind: NotePollRecovered, Count: s.Poll.Failures,
			Text: fmt.Sprintf("GET /events answers again, after %s.", plural(s.Poll.Failures, "failed poll"))})
	}
	s.Poll.Failures, s.Poll.Failing = 0, nil
	s.Poll.Every = max(s.cfg.PollEvery, s.Poll.Every/2) // after 429s, back to the interval by halves

	floor := s.floor()
	type fresh struct {
		e basiq.Event
		t time.Time
	}
	var news []fresh
	skipped := 0
	// The list is newest first: read backwards, so that events of the same
	// second keep the order Basiq raised them in.
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.ID == "" {
			skipped++
			continue
		}
		t := e.Created()
		switch {
		case t.IsZero():
			if _, done := s.seen[e.ID]; !done {
				skipped++
			}
			continue
		case t.Before(floor):
			continue
		}
		if _, done := s.seen[e.ID]; done {
			continue
		}
		if s.types != nil && !s.types[e.TypeID()] {
			continue
		}
		s.seen[e.ID] = t // once per id, even where the same poll lists it twice
		news = append(news, fresh{e, t})
	}
	slices.SortStableFunc(news, func(x, y fresh) int { return x.t.Compare(y.t) })
	for _, n := range news {
		s.Waiting = append(s.Waiting, Pending{Event: n.e, Created: n.t, Backfill: first})
		s.waiting[n.e.ID] = true
	}
	if over := len(s.Waiting) - waitingLimit*s.cfg.Keep; over > 0 {
		for _, p := range s.Waiting[:over] {
			delete(s.waiting, p.Event.ID)
			s.letGo(p.Created)
		}
		clear(s.Waiting[:over])
		s.Waiting = s.Waiting[over:]
		s.Behind += over
		a.say(Note{Kind: NoteBehind, Count: s.Behind,
			Text: fmt.Sprintf("The handler is behind: %s were not forwarded, the oldest of those waiting (resend them from Basiq's events API with --since).", plural(s.Behind, "event"))})
	}
	a.release()
	if skipped > 0 {
		s.Poll.Skipped += skipped
		if !s.skipped {
			s.skipped = true
			a.say(Note{Kind: NoteSkipped, Count: skipped,
				Text: fmt.Sprintf("Left out %s that Basiq listed without an id or a readable createdDate.", plural(skipped, "event"))})
		}
	}
	if first {
		n := a.backfillNote(len(news))
		s.Backfilled, s.BackfillSaid = true, n.Text
		a.say(n)
	}
	if len(news) > 0 {
		a.prune()
	}
	a.saveCursor()
	a.poll(s.Poll.Every)
}

// floor is the oldest createdDate a poll still forwards: the backfill's
// start, and never more than Lateness before the newest event forwarded.
func (s *Session) floor() time.Time {
	f := s.From
	if late := s.newest.Add(-Lateness); late.After(f) {
		f = late
	}
	return f
}

// prune forgets the ids the floor has passed: they cannot come back.
func (a *applying) prune() {
	floor := a.s.floor()
	for id, t := range a.s.seen {
		if t.Before(floor) && !a.s.waiting[id] {
			delete(a.s.seen, id)
		}
	}
}

// backfillNote says, once, what the first poll brought and where from.
func (a *applying) backfillNote(n int) Note {
	s := a.s
	var since string
	switch {
	case s.cfg.SinceGiven:
		since = "since " + clock(s.From, a.now) + " (--since " + Duration(s.cfg.Since) + ")"
	case !s.cfg.Cursor.IsZero():
		since = "since " + clock(s.cfg.Cursor.Last, a.now) + ", the last one forwarded before (with any that came late, up to " + Duration(Lateness) + " before it)"
	default:
		since = "since " + clock(s.From, a.now) + " (the last " + Duration(DefaultSince) + "; --since reaches further)"
	}
	text := "Nothing to backfill " + since + "."
	if n > 0 {
		text = "Backfilled " + plural(n, "event") + " " + since + ". These come from Basiq's events API (GET /events), not from Basiq's own webhook deliveries."
	}
	return Note{Kind: NoteBackfill, Count: n, Since: s.From, Text: text}
}

// letGo counts an event let go undelivered, for Undelivered.
func (s *Session) letGo(created time.Time) {
	s.unsent++
	if s.unsentOldest.IsZero() || created.Before(s.unsentOldest) {
		s.unsentOldest = created
	}
}

// inFlightLimit is how many kept events may be unsettled at once: half of
// what the engine keeps, so it always has a settled message to let go.
func (s *Session) inFlightLimit() int { return max(1, s.cfg.Keep/2) }

// release forwards waiting events, oldest first, while there is room,
// and says how many.
func (a *applying) release() int {
	s := a.s
	n := 0
	for n < len(s.Waiting) && s.unsettled < s.inFlightLimit() {
		p := s.Waiting[n]
		delete(s.waiting, p.Event.ID)
		a.forward(p.Event, p.Created, p.Backfill)
		n++
	}
	clear(s.Waiting[:n])      // their events are the items' now
	s.Waiting = s.Waiting[n:] // from the front without moving the rest: one event at a time, thousands waiting
	return n
}

// settle moves an item to a state, keeping count of the unsettled.
func (a *applying) settle(it *Item, state ItemState) {
	was := it.State == Sending || it.State == Retrying
	now := state == Sending || state == Retrying
	switch {
	case was && !now:
		a.s.unsettled--
	case !was && now:
		a.s.unsettled++
	}
	it.State = state
}

// forward keeps the event and hands its delivery to the engine.
func (a *applying) forward(e basiq.Event, created time.Time, backfill bool) {
	s := a.s
	if created.After(s.newest) {
		s.newest = created
	}
	s.cursorMoved = true
	it := &Item{Event: e, Created: created, Seen: a.now, Backfill: backfill, MessageID: MessageID(e.ID),
		Payload: Payload(e, s.cfg.APIBase), Entity: Entity{URL: e.DataRef}}
	kept := s.cfg.NoForward || created.Before(s.cfg.ForwardFrom.Truncate(time.Second))
	if kept {
		it.State = Kept // shown, never sent: it holds no slot
	} else {
		a.settle(it, Sending)
	}
	s.Items = append(s.Items, it)
	s.byEvent[e.ID] = it
	s.byMessage[it.MessageID] = it
	if len(s.Items) > s.cfg.Keep {
		old := s.Items[0]
		if old.State == Sending || old.State == Retrying || old.State == Failed {
			s.letGo(old.Created)
		}
		a.settle(old, Failed) // no longer followed: its slot is free
		s.Items = slices.Delete(s.Items, 0, 1)
		delete(s.byEvent, old.Event.ID)
		delete(s.byMessage, old.MessageID)
		s.Dropped++
	}
	if kept {
		a.say(Note{Kind: NoteEvent, Item: it})
		return
	}
	s.Forwarded++
	a.do(Forward{EventID: e.ID, MessageID: it.MessageID, EventType: e.TypeID(), Payload: it.Payload})
	a.say(Note{Kind: NoteEvent, Item: it})
}

// attempted records what the handler answered.
func (a *applying) attempted(at webhook.Attempt) {
	s := a.s
	it := s.byMessage[at.MessageID]
	if it == nil || at.Outcome == webhook.Aborted {
		return // no longer kept, or stopped by the end of the run
	}
	it.Tried = max(it.Tried, at.N)
	it.Attempts = append(it.Attempts, at)
	if len(it.Attempts) > attemptsKept {
		it.Attempts = slices.Delete(it.Attempts, 0, len(it.Attempts)-attemptsKept)
	}
	it.Next = at.Next
	switch {
	case at.OK():
		if it.State != Delivered {
			s.Delivered++
		}
		a.settle(it, Delivered)
	case !at.Next.IsZero():
		a.settle(it, Retrying)
	default:
		a.settle(it, Failed)
	}
	last := it.Attempts[len(it.Attempts)-1]
	a.say(Note{Kind: NoteAnswer, Item: it, Attempt: &last})
	a.release() // the cursor is saved with the next poll, or at the end
}

// saveCursor keeps the cursor for the next run where it moved: once a
// poll at most (a write, and a copy of every id seen), and at the end.
func (a *applying) saveCursor() {
	if a.s.cursorMoved {
		a.s.cursorMoved = false
		a.do(SaveCursor{Cursor: a.s.Cursor()})
	}
}

// resend sends a kept event again, as Basiq's dashboard cannot.
func (a *applying) resend(id string) {
	it := a.s.byEvent[id]
	if it == nil || a.s.cfg.NoForward {
		return
	}
	it.Resends++
	it.SendErr = ""
	if it.State == Failed {
		a.settle(it, Sending)
	}
	a.do(Resend{EventID: id, MessageID: it.MessageID, EventType: it.Event.TypeID(), Payload: it.Payload})
	a.say(Note{Kind: NoteResend, Item: it})
}

// open fetches the event's entity, once (again after a failure).
func (a *applying) open(id string) {
	it := a.s.byEvent[id]
	if it == nil || it.Entity.Loading || it.Entity.Body != nil {
		return
	}
	if it.Entity.URL == "" {
		it.Entity.Err = "The event links to nothing (it has no dataRef)."
		return
	}
	it.Entity.Loading, it.Entity.Err = true, ""
	a.do(FetchEntity{EventID: id, URL: it.Entity.URL})
}

func (a *applying) entityFetched(ev EntityFetched) {
	it := a.s.byEvent[ev.EventID]
	if it == nil {
		return
	}
	it.Entity.Loading = false
	if ev.Err != nil {
		it.Entity.Err = "Fetching it failed: " + answerOf(ev.Err) + ". enter tries again."
		return
	}
	body := ev.Body
	if len(body) > EntityLimit {
		body, it.Entity.Cut = []byte(basiq.CutBytes(string(body), EntityLimit)), true
	}
	it.Entity.Body = slices.Clone(body)
}

// pollFailed decides what a failed poll means: the end (a key Basiq does
// not know, a list it refuses), or a wait and another try, longer each
// time, and longer still when Basiq says too many requests.
func (a *applying) pollFailed(err error) {
	s := a.s
	if p := a.fatal(err); p != nil && s.cfg.Stay {
		// The wizard stays: the polling stops, and r starts it again.
		s.Poll.Failures++
		s.Poll.Failing, s.Poll.Stopped = p, true
		a.say(Note{Kind: NotePollFailed, Problem: p, Count: s.Poll.Failures, Text: p.What + " " + p.Next})
		return
	} else if p != nil {
		s.Problem = p
		a.say(Note{Kind: NoteProblem, Problem: p, Text: p.What + " " + p.Next})
		a.finish(1)
		return
	}
	s.Poll.Failures++
	wait := s.cfg.PollEvery << min(s.Poll.Failures, 6)
	if basiq.IsRateLimited(err) {
		s.Poll.Every = min(s.Poll.Every*2, maxRateBackoff)
		wait = s.Poll.Every
	} else {
		wait = max(min(wait, maxFailureBackoff), s.Poll.Every)
	}
	next := "listen tries again in " + Duration(wait) + "; the handler's deliveries go on."
	if s.cfg.Stay {
		next = "They are read again in " + Duration(wait) + "." // the wizard's: its r reads them at once
	}
	p := problemOf(err, "GET /events failed: ", next)
	changed := s.Poll.Failing == nil || s.Poll.Failing.What != p.What
	s.Poll.Failing = p
	if changed { // said when it starts or changes, not on every try
		a.say(Note{Kind: NotePollFailed, Problem: p, RetryIn: wait, Count: s.Poll.Failures, Text: p.What + " " + p.Next})
	}
	a.poll(wait)
}

// fatal is the problem that ends listen, nil for one worth trying again.
func (a *applying) fatal(err error) *Problem {
	s := a.s
	e, isBasiq := asBasiqError(err)
	switch {
	case basiq.IsBadAPIKey(err):
		return problemOf(err, "Basiq did not accept the API key: ",
			"Check BASIQ_API_KEY, or the key saved for this API (the wizard saves one); listen takes the key as the wizard does.")
	case !isBasiq || e.Status == 0 || e.Status == 429 || e.Status >= 500 || e.Status/100 == 2:
		return nil // no answer, busy, broken or garbled: worth trying again
	case e.Path == "/token" && e.Status == 403:
		return nil // too many token requests: the key is kept, and tried again
	case s.cfg.UserID == "" && (e.Status == 400 || e.Status == 403) && e.Path == "/events":
		next := "Give --user-id ID to listen to one user's events."
		if s.cfg.SavedUser != "" {
			next += " The user saved for this API is " + s.cfg.SavedUser + ": --user-id " + s.cfg.SavedUser
		}
		return problemOf(err, "Basiq refused to list all of the application's events: ", next)
	case e.Status == 404 && e.Path == "/events":
		return problemOf(err, "This API has no events (GET /events answered 404): ", "Check --api-url (or BASIQ_API_URL): it should be Basiq's API or the simulator's.")
	case basiq.IsNotBasiq(err): // POST /token answered by something else: a web server, a handler
		return problemOf(err, "This is not Basiq's API, nor the simulator's: ", "Check --api-url (or BASIQ_API_URL): Basiq's is "+basiq.DefaultBaseURL+".")
	case e.Status/100 == 3:
		return problemOf(err, "GET /events was redirected, and redirects are not followed: ", "Check --api-url (or BASIQ_API_URL).")
	}
	advice := basiq.AdviceFor(e.Code())
	return problemOf(err, "Basiq refused GET /events: ", strings.TrimSpace(advice.Meaning+" "+advice.Next))
}

func asBasiqError(err error) (*basiq.Error, bool) {
	var e *basiq.Error
	ok := errors.As(err, &e)
	return e, ok
}

// problemOf is err as a problem: what (its start, then Basiq's answer) and next.
func problemOf(err error, what, next string) *Problem {
	p := &Problem{What: what + answerOf(err) + ".", Next: next}
	if e, ok := asBasiqError(err); ok {
		p.Status, p.Code, p.CorrelationID = e.Status, text.Field(e.Code()), text.Field(e.CorrelationID)
		if e.CorrelationID != "" {
			p.What = strings.TrimSuffix(p.What, ".") + " (correlation id " + p.CorrelationID + ")."
		}
	}
	return p
}

// answerOf is what came back, in a few words: a server's words are cut
// to a field's 200 cells where they join a sentence.
func answerOf(err error) string {
	if e, ok := asBasiqError(err); ok {
		return text.Field(e.Answer())
	}
	return text.Field(strings.TrimPrefix(err.Error(), "basiq: "))
}

// AnswerHint is what a handler's answer most likely means, where it says
// more than its status: a 401 or 403 is a delivery the handler did not
// verify, most often because it holds another sender's secret. "" for
// the rest.
func AnswerHint(a webhook.Attempt) string {
	if a.Status == 401 || a.Status == 403 {
		return "the handler did not verify it: signed with another secret? (listen --print-secret prints listen's; webhooks verify says why)"
	}
	return ""
}

// MessageID is the webhook-id of an event's delivery: "msg_" and the
// event's id, so a resend (and a restart's backfill) keeps it; an id that
// could not travel in a header is hashed.
func MessageID(eventID string) string {
	if len(eventID) <= 200 && strings.Trim(eventID, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == "" && eventID != "" {
		return "msg_" + eventID
	}
	sum := sha256.Sum256([]byte(eventID))
	return "msg_" + hex.EncodeToString(sum[:16])
}

// payload is the body of Basiq's delivery of an event (basiq-api.md §12).
type payload struct {
	EventTypeID string       `json:"eventTypeId"`
	EventID     string       `json:"eventId"`
	Links       payloadLinks `json:"links"`
}

type payloadLinks struct {
	Event       string `json:"event"`
	EventEntity string `json:"eventEntity"`
}

// Payload is the body Basiq's webhook would carry for e: its type and id,
// and links to the event and to the thing it is about (Basiq's payloads
// carry links, not data).
func Payload(e basiq.Event, apiBase string) []byte {
	self := cmp.Or(e.Links.Self, strings.TrimRight(apiBase, "/")+"/events/"+url.PathEscape(e.ID))
	b, _ := json.Marshal(payload{EventTypeID: e.TypeID(), EventID: e.ID, Links: payloadLinks{Event: self, EventEntity: e.DataRef}})
	return b
}

// clock is a moment as a line shows it: the time today, the day and time before.
func clock(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	if t.YearDay() == now.YearDay() && t.Year() == now.Year() {
		return t.Format("15:04:05")
	}
	return t.Format("2 Jan 15:04:05")
}

// Duration writes d as people do: "10m", "1h30m", "5s", "0.3s".
func Duration(d time.Duration) string {
	if d < time.Second {
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
