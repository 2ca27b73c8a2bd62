package listen

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

var t0 = time.Date(2026, 11, 24, 14, 0, 0, 0, time.UTC)

const userID = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"

// ev is an event of type typ created at, as Basiq lists it.
func ev(id, typ string, at time.Time) basiq.Event {
	entity, action, _ := strings.Cut(typ, ".")
	return basiq.Event{Type: "event", ID: id, CreatedDate: at.UTC().Format(time.RFC3339), Entity: entity, EventType: action,
		UserID: userID, DataRef: "http://127.0.0.1:8080/users/" + userID, Links: basiq.EventLinks{Self: "http://127.0.0.1:8080/events/" + id}}
}

// newestFirst lists events as GET /events does.
func newestFirst(events ...basiq.Event) []basiq.Event {
	out := make([]basiq.Event, len(events))
	for i, e := range events {
		out[len(events)-1-i] = e
	}
	return out
}

func of[T Effect](effects []Effect) []T {
	var out []T
	for _, e := range effects {
		if t, ok := e.(T); ok {
			out = append(out, t)
		}
	}
	return out
}

func notes(effects []Effect, kind NoteKind) []Note {
	var out []Note
	for _, s := range of[Say](effects) {
		if s.Note.Kind == kind {
			out = append(out, s.Note)
		}
	}
	return out
}

func forwardedIDs(effects []Effect) []string {
	var ids []string
	for _, f := range of[Forward](effects) {
		ids = append(ids, f.EventID)
	}
	return ids
}

func started(t *testing.T, cfg Config, now time.Time) *Session {
	t.Helper()
	s := New(cfg)
	effects := s.Apply(now, Started{})
	if polls := of[Poll](effects); len(polls) != 1 || polls[0].After != 0 {
		t.Fatalf("the start polls at once; it did %#v", effects)
	}
	return s
}

func TestAFirstStartBackfillsTenMinutesOldestFirstAndSaysWhereTheyCameFrom(t *testing.T) {
	now := t0.Add(30 * time.Minute)
	s := started(t, Config{PollEvery: time.Second}, now)
	old := ev("e0", "user.created", now.Add(-11*time.Minute))
	a := ev("e1", "user.created", now.Add(-9*time.Minute))
	b := ev("e2", "consent.created", now.Add(-8*time.Minute))
	c := ev("e3", "connection.created", now.Add(-8*time.Minute)) // the same second as b, raised after it
	effects := s.Apply(now, Polled{Events: newestFirst(old, a, b, c)})
	if got, want := strings.Join(forwardedIDs(effects), ","), "e1,e2,e3"; got != want {
		t.Errorf("forwarded %s, want %s (oldest first, nothing older than 10 minutes)", got, want)
	}
	bf := notes(effects, NoteBackfill)
	if len(bf) != 1 || bf[0].Count != 3 || !strings.Contains(bf[0].Text, "events API (GET /events), not from Basiq's own webhook deliveries") {
		t.Errorf("the backfill note: %+v", bf)
	}
	for _, it := range s.Items {
		if !it.Backfill {
			t.Errorf("%s is not marked as backfill", it.Event.ID)
		}
	}
	if saves := of[SaveCursor](effects); len(saves) != 1 || !saves[0].Cursor.Last.Equal(now.Add(-8*time.Minute)) {
		t.Errorf("the cursor saved: %+v", saves)
	}
	if polls := of[Poll](effects); len(polls) != 1 || polls[0].After != time.Second {
		t.Errorf("the next poll: %+v", polls)
	}
	// The next poll lists them again, and one more: only that one goes, and
	// nothing is said about backfill again.
	d := ev("e4", "account.updated", now.Add(time.Second))
	effects = s.Apply(now.Add(time.Second), Polled{Events: newestFirst(old, a, b, c, d)})
	if got := forwardedIDs(effects); len(got) != 1 || got[0] != "e4" {
		t.Errorf("the second poll forwarded %v, want only e4", got)
	}
	if len(notes(effects, NoteBackfill)) != 0 || s.Items[3].Backfill {
		t.Error("the backfill was said twice, or a new event marked as backfill")
	}
	// Nothing new: nothing forwarded, nothing saved.
	effects = s.Apply(now.Add(2*time.Second), Polled{Events: newestFirst(a, b, c, d)})
	if len(forwardedIDs(effects)) != 0 || len(of[SaveCursor](effects)) != 0 {
		t.Errorf("an idle poll did %#v", effects)
	}
	if s.Forwarded != 4 {
		t.Errorf("Forwarded %d, want 4", s.Forwarded)
	}
}

func TestTheDeliveryIsBasiqsPayloadWithAWebhookIDFromTheEventsID(t *testing.T) {
	s := started(t, Config{}, t0)
	e := ev("5a47115a7eed80a3b68761b725b78c75892e94cef06810ecc0e2e7b856738371", "connection.created", t0)
	fw := of[Forward](s.Apply(t0, Polled{Events: []basiq.Event{e}}))
	if len(fw) != 1 {
		t.Fatal("not forwarded")
	}
	if fw[0].MessageID != "msg_"+e.ID || fw[0].EventType != "connection.created" {
		t.Errorf("forward %+v", fw[0])
	}
	var body map[string]any
	if err := json.Unmarshal(fw[0].Payload, &body); err != nil {
		t.Fatal(err)
	}
	links, _ := body["links"].(map[string]any)
	if body["eventTypeId"] != "connection.created" || body["eventId"] != e.ID || links["event"] != e.Links.Self || links["eventEntity"] != e.DataRef || len(body) != 3 {
		t.Errorf("payload %s", fw[0].Payload)
	}
	if id := MessageID("a b\x00c"); !strings.HasPrefix(id, "msg_") || strings.ContainsAny(id, " \x00") || id != MessageID("a b\x00c") {
		t.Errorf("an id that cannot travel in a header became %q", id)
	}
	noSelf := ev("e9", "user.created", t0)
	noSelf.Links.Self = ""
	if p := string(Payload(noSelf, "https://au-api.basiq.io/")); !strings.Contains(p, `"event":"https://au-api.basiq.io/events/e9"`) {
		t.Errorf("without links.self the payload is %s", p)
	}
}

func TestLateEventsAreForwardedWithinTheLatenessWindowAndNeverTwice(t *testing.T) {
	s := started(t, Config{}, t0)
	s.Apply(t0, Polled{Events: []basiq.Event{ev("new", "user.created", t0)}})
	late := ev("late", "connection.activated", t0.Add(-2*time.Minute))
	tooLate := ev("tooLate", "connection.activated", t0.Add(-Lateness-time.Minute))
	// The backfill window was 10 minutes before the start: tooLate is older.
	effects := s.Apply(t0.Add(time.Second), Polled{Events: []basiq.Event{ev("new", "user.created", t0), late, tooLate}})
	if got := forwardedIDs(effects); len(got) != 1 || got[0] != "late" {
		t.Errorf("forwarded %v, want the late one only", got)
	}
	// An hour on, ids of long ago are forgotten, and do not come back.
	now := t0.Add(time.Hour)
	s.Apply(now, Polled{Events: []basiq.Event{ev("later", "user.updated", now)}})
	if _, kept := s.seen["new"]; kept {
		t.Error("an id older than the lateness window is still kept")
	}
	effects = s.Apply(now.Add(time.Second), Polled{Events: []basiq.Event{ev("later", "user.updated", now), ev("new", "user.created", t0), late}})
	if got := forwardedIDs(effects); len(got) != 0 {
		t.Errorf("forwarded %v again", got)
	}
}

func TestARestartBackfillsFromTheCursorAndSinceOverridesIt(t *testing.T) {
	s := started(t, Config{}, t0)
	a, b := ev("a", "user.created", t0), ev("b", "consent.created", t0.Add(time.Second))
	s.Apply(t0.Add(time.Second), Polled{Events: newestFirst(a, b)})
	kept := s.Cursor().String() // what the store keeps
	if kept == "" || !strings.Contains(kept, `"b"`) {
		t.Fatalf("the cursor kept %q", kept)
	}

	// Stopped for an hour; c came meanwhile (and late, one whose step ended
	// before b): both are forwarded, a and b are not.
	c := ev("c", "connection.created", t0.Add(30*time.Minute))
	lateOne := ev("lateOne", "account.updated", t0.Add(-time.Minute))
	now := t0.Add(time.Hour)
	again := started(t, Config{Cursor: ParseCursor(kept)}, now)
	effects := again.Apply(now, Polled{Events: []basiq.Event{c, b, a, lateOne}})
	if got := strings.Join(forwardedIDs(effects), ","); got != "lateOne,c" {
		t.Errorf("after a restart forwarded %s, want lateOne,c", got)
	}
	if n := notes(effects, NoteBackfill); len(n) != 1 || n[0].Count != 2 || !strings.Contains(n[0].Text, "the last one forwarded before") {
		t.Errorf("the backfill note: %+v", n)
	}

	// --since 2h forwards all of them again, on purpose.
	replay := started(t, Config{Cursor: ParseCursor(kept), Since: 2 * time.Hour, SinceGiven: true}, now)
	if got := forwardedIDs(replay.Apply(now, Polled{Events: []basiq.Event{c, b, a, lateOne}})); len(got) != 4 {
		t.Errorf("--since 2h forwarded %v", got)
	}
	// --since never reaches past Basiq's 7 days.
	far := started(t, Config{Since: 30 * 24 * time.Hour, SinceGiven: true}, now)
	if !far.From.Equal(now.Add(-MaxSince).Truncate(time.Second)) {
		t.Errorf("From %v for --since 30 days", far.From)
	}
	if ParseCursor("{not json").IsZero() != true || ParseCursor("").IsZero() != true {
		t.Error("an unreadable cursor is not a first start")
	}
}

func TestTheCursorKeepsAThousandIDsAndItsFloorPastTheCut(t *testing.T) {
	c := Cursor{Last: t0, Seen: map[string]time.Time{}}
	for i := range 1500 {
		c.Seen[fmt.Sprintf("e%04d", i)] = t0.Add(-time.Duration(1500-i) * 100 * time.Millisecond)
	}
	b := ParseCursor(c.String())
	if len(b.Seen) != maxCursorIDs {
		t.Fatalf("%d ids kept", len(b.Seen))
	}
	if _, ok := b.Seen["e1499"]; !ok {
		t.Error("the newest id was cut")
	}
	s := started(t, Config{Cursor: b}, t0.Add(time.Minute))
	// e0100 was cut from the cursor: it must not come back.
	effects := s.Apply(t0.Add(time.Minute), Polled{Events: []basiq.Event{ev("e0100", "user.created", c.Seen["e0100"])}})
	if got := forwardedIDs(effects); len(got) != 0 {
		t.Errorf("an event cut from the cursor was forwarded again: %v", got)
	}
}

func TestOnlyTheTypesAskedForAreForwarded(t *testing.T) {
	s := started(t, Config{Types: []string{"consent.revoked", "user.created"}}, t0)
	effects := s.Apply(t0, Polled{Events: newestFirst(ev("a", "user.created", t0), ev("b", "connection.created", t0), ev("c", "consent.revoked", t0))})
	if got := strings.Join(forwardedIDs(effects), ","); got != "a,c" {
		t.Errorf("forwarded %s", got)
	}
}

func TestEventsWithoutAnIDOrADateAreLeftOutAndSaidOnce(t *testing.T) {
	s := started(t, Config{}, t0)
	bad := ev("x", "user.created", t0)
	bad.CreatedDate = "yesterday"
	effects := s.Apply(t0, Polled{Events: []basiq.Event{bad, ev("", "user.created", t0), ev("ok", "user.created", t0)}})
	if got := forwardedIDs(effects); len(got) != 1 || got[0] != "ok" {
		t.Errorf("forwarded %v", got)
	}
	if n := notes(effects, NoteSkipped); len(n) != 1 || n[0].Count != 2 {
		t.Errorf("skipped note %+v", n)
	}
	if n := notes(s.Apply(t0.Add(time.Second), Polled{Events: []basiq.Event{bad}}), NoteSkipped); len(n) != 0 {
		t.Error("the skipped note came again")
	}
}

func basiqError(status int, path, code string) error {
	return &basiq.Error{Status: status, Method: http.MethodGet, Path: path, CorrelationID: "corr-9",
		Items: []basiq.ErrorItem{{Code: code, Title: "t", Detail: "d"}}}
}

func TestAPollThatFailsIsTriedAgainLaterAndA429StretchesTheInterval(t *testing.T) {
	s := started(t, Config{PollEvery: time.Second}, t0)
	now := t0
	var waits []time.Duration
	fail := func(err error) []Effect {
		effects := s.Apply(now, Polled{Err: err})
		if done, _ := s.Finished(); done {
			t.Fatalf("%v ended listen", err)
		}
		p := of[Poll](effects)
		if len(p) != 1 {
			t.Fatalf("no next poll after %v", err)
		}
		waits = append(waits, p[0].After)
		now = now.Add(p[0].After)
		return effects
	}
	first := fail(basiqError(503, "/events", "service-unavailable"))
	if n := notes(first, NotePollFailed); len(n) != 1 || !strings.Contains(n[0].Text, "503") || !strings.Contains(n[0].Text, "tries again") {
		t.Errorf("the first failure said %+v", n)
	}
	for range 6 {
		if n := notes(fail(basiqError(503, "/events", "service-unavailable")), NotePollFailed); len(n) != 0 {
			t.Error("the same failure was said again")
		}
	}
	fail(&basiq.Error{Method: "GET", Path: "/events"}) // no answer
	if waits[0] != 2*time.Second || waits[6] != maxFailureBackoff {
		t.Errorf("waits after failures %v: want 2s first, at most %v", waits, maxFailureBackoff)
	}
	back := s.Apply(now, Polled{})
	if n := notes(back, NotePollRecovered); len(n) != 1 || n[0].Count != 8 {
		t.Errorf("the recovery: %+v", n)
	}
	if p := of[Poll](back); p[0].After != time.Second {
		t.Errorf("after recovering, the next poll in %v", p[0].After)
	}

	waits = nil
	for range 3 {
		fail(basiqError(429, "/events", "too-many-requests"))
	}
	if waits[0] != 2*time.Second || waits[1] != 4*time.Second || waits[2] != 8*time.Second || s.Poll.Every != 8*time.Second {
		t.Errorf("429s waited %v, Every %v", waits, s.Poll.Every)
	}
	s.Apply(now, Polled{})
	if s.Poll.Every != 4*time.Second {
		t.Errorf("one good poll after 429s: Every %v, want halved to 4s", s.Poll.Every)
	}
	for range 5 {
		s.Apply(now, Polled{})
	}
	if s.Poll.Every != time.Second {
		t.Errorf("the interval did not come back: %v", s.Poll.Every)
	}
	fail(basiqError(403, "/token", "forbidden-access")) // too many token requests: later
}

func TestWhatCannotGetBetterEndsListenSayingWhatToDo(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		err   error
		wants []string
	}{
		{"bad key", Config{}, basiqError(404, "/token", "parameter-not-valid"), []string{"API key", "BASIQ_API_KEY"}},
		{"unfiltered refused", Config{SavedUser: userID}, basiqError(400, "/events", "parameter-not-supplied"),
			[]string{"refused to list all", "--user-id ID", "--user-id " + userID, "corr-9"}},
		{"forbidden", Config{UserID: userID}, basiqError(403, "/events", "forbidden-access"), []string{"refused GET /events", "Basiq dashboard"}},
		{"no events here", Config{UserID: userID}, basiqError(404, "/events", "resource-not-found"), []string{"no events", "--api-url"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := started(t, c.cfg, t0)
			effects := s.Apply(t0, Polled{Err: c.err})
			if f := of[Finish](effects); len(f) != 1 || f[0].Code != 1 {
				t.Fatalf("did not end with exit 1: %#v", effects)
			}
			n := notes(effects, NoteProblem)
			if len(n) != 1 || s.Problem == nil {
				t.Fatalf("no problem said: %#v", effects)
			}
			for _, w := range c.wants {
				if !strings.Contains(n[0].Text, w) {
					t.Errorf("%q lacks %q", n[0].Text, w)
				}
			}
			if s.Apply(t0, Polled{}) != nil {
				t.Error("something ran after the end")
			}
		})
	}
	// Without a saved user there is none to suggest.
	s := started(t, Config{}, t0)
	s.Apply(t0, Polled{Err: basiqError(403, "/events", "forbidden-access")})
	if strings.Contains(s.Problem.Next, "saved") {
		t.Errorf("suggested a saved user there is none of: %s", s.Problem.Next)
	}
}

func attempt(msgID string, n, status int, next time.Time) webhook.Attempt {
	a := webhook.Attempt{MessageID: msgID, N: n, Status: status, Next: next, Outcome: webhook.Rejected, Err: fmt.Sprintf("answered %d", status)}
	if status/100 == 2 {
		a.Outcome, a.Err = webhook.Success, ""
	}
	return a
}

func TestTheHandlersAnswersAreKeptAndAResendKeepsTheWebhookID(t *testing.T) {
	s := started(t, Config{}, t0)
	s.Apply(t0, Polled{Events: []basiq.Event{ev("a", "user.created", t0)}})
	it := s.Item("a")
	n := notes(s.Apply(t0, Attempted{attempt(it.MessageID, 1, 500, t0.Add(5*time.Second))}), NoteAnswer)
	if it.State != Retrying || s.Failing() != 1 || len(n) != 1 || n[0].Attempt.Status != 500 {
		t.Errorf("after a 500: %s, failing %d, note %+v", it.State, s.Failing(), n)
	}
	s.Apply(t0, Attempted{attempt(it.MessageID, 2, 200, time.Time{})})
	if it.State != Delivered || s.Delivered != 1 || s.Failing() != 0 || it.Tried != 2 || it.Last().Status != 200 {
		t.Errorf("after a 200: %+v", it)
	}
	effects := s.Apply(t0, ResendAsked{EventID: "a"})
	rs := of[Resend](effects)
	if len(rs) != 1 || rs[0].MessageID != it.MessageID || string(rs[0].Payload) != string(it.Payload) {
		t.Errorf("resend %+v", rs)
	}
	if len(notes(effects, NoteResend)) != 1 || it.Resends != 1 {
		t.Error("the resend was not said or counted")
	}
	s.Apply(t0, Attempted{attempt(it.MessageID, 3, 200, time.Time{})})
	if s.Delivered != 1 {
		t.Errorf("a resend delivered counts the event twice: %d", s.Delivered)
	}
	// The schedule runs out: failed.
	s.Apply(t0, Polled{Events: []basiq.Event{ev("b", "user.updated", t0)}})
	b := s.Item("b")
	s.Apply(t0, Attempted{attempt(b.MessageID, 8, 500, time.Time{})})
	if b.State != Failed {
		t.Errorf("the last attempt failed, the state is %s", b.State)
	}
	// Aborted at the end of the run, or for an event no longer kept: nothing.
	if got := s.Apply(t0, Attempted{webhook.Attempt{MessageID: b.MessageID, Outcome: webhook.Aborted}}); len(got) != 0 {
		t.Errorf("an aborted attempt did %#v", got)
	}
	if got := s.Apply(t0, Attempted{attempt("msg_gone", 1, 200, time.Time{})}); len(got) != 0 {
		t.Errorf("an attempt of no kept event did %#v", got)
	}
	s.Apply(t0, Sent{EventID: "b", Err: errors.New("the webhook engine is closed")})
	if b.SendErr == "" || b.State != Failed {
		t.Error("a message the engine refused is not failed")
	}
}

func TestOpeningAnEventFetchesItsEntityOnce(t *testing.T) {
	s := started(t, Config{}, t0)
	s.Apply(t0, Polled{Events: []basiq.Event{ev("a", "user.created", t0)}})
	fetch := of[FetchEntity](s.Apply(t0, OpenAsked{EventID: "a"}))
	if len(fetch) != 1 || fetch[0].URL != s.Item("a").Event.DataRef {
		t.Fatalf("fetch %+v", fetch)
	}
	if again := of[FetchEntity](s.Apply(t0, OpenAsked{EventID: "a"})); len(again) != 0 {
		t.Error("fetched twice while loading")
	}
	s.Apply(t0, EntityFetched{EventID: "a", Err: basiqError(503, "/users/x", "service-unavailable")})
	if e := s.Item("a").Entity; e.Loading || !strings.Contains(e.Err, "503") {
		t.Errorf("after a failure: %+v", e)
	}
	if again := of[FetchEntity](s.Apply(t0, OpenAsked{EventID: "a"})); len(again) != 1 {
		t.Error("a failed fetch was not tried again")
	}
	big := []byte(`{"name":"` + strings.Repeat("é", EntityLimit) + `"}`)
	s.Apply(t0, EntityFetched{EventID: "a", Body: big})
	if e := s.Item("a").Entity; !e.Cut || len(e.Body) > EntityLimit || e.Err != "" || !utf8.Valid(e.Body) {
		t.Errorf("a large entity: cut %v, %d bytes", e.Cut, len(e.Body))
	}
	if of[FetchEntity](s.Apply(t0, OpenAsked{EventID: "a"})) != nil {
		t.Error("fetched again once it came")
	}
	s.Apply(t0, Polled{Events: []basiq.Event{{ID: "nolink", CreatedDate: t0.Format(time.RFC3339), Entity: "user", EventType: "created"}}})
	s.Apply(t0, OpenAsked{EventID: "nolink"})
	if e := s.Item("nolink").Entity; e.Err == "" || e.Loading {
		t.Errorf("an event without a dataRef: %+v", e)
	}
}

func TestTheViewKeepsTheLastThousandEvents(t *testing.T) {
	s := started(t, Config{}, t0)
	var events []basiq.Event
	for i := range 1001 {
		events = append(events, ev(fmt.Sprintf("e%04d", i), "user.updated", t0.Add(time.Duration(i)*time.Millisecond)))
	}
	answerAll(s, s.Apply(t0, Polled{Events: newestFirst(events...)}))
	if len(s.Items) != DefaultKeep || s.Dropped != 1 || s.Items[0].Event.ID != "e0001" || s.Item("e0000") != nil {
		t.Errorf("kept %d, dropped %d, first %s", len(s.Items), s.Dropped, s.Items[0].Event.ID)
	}
}

// answerAll answers 200 to every Forward of effects, and of what those
// answers let through, as a quick handler would; it returns the ids
// forwarded, in order.
func answerAll(s *Session, effects []Effect) (ids []string) {
	for len(effects) > 0 {
		var next []Effect
		for _, f := range of[Forward](effects) {
			ids = append(ids, f.EventID)
			next = append(next, s.Apply(t0, Attempted{attempt(f.MessageID, 1, 200, time.Time{})})...)
		}
		effects = next
	}
	return ids
}

// A burst larger than the engine keeps (a week's backfill, a bulk job):
// every event reaches the handler once, in order, however far behind it is,
// because no more than half of what the engine keeps is unsettled at once
// (the engine lets go of its oldest messages, delivered or not, past that).
func TestABurstLargerThanTheEngineKeepsWaitsAndLosesNothing(t *testing.T) {
	s := started(t, Config{}, t0)
	var events []basiq.Event
	for i := range 2500 {
		events = append(events, ev(fmt.Sprintf("e%04d", i), "user.updated", t0.Add(time.Duration(i)*time.Millisecond)))
	}
	effects := s.Apply(t0, Polled{Events: newestFirst(events...)})
	first := of[Forward](effects)
	if len(first) != DefaultKeep/2 || len(s.Waiting) != 2000 || first[0].EventID != "e0000" {
		t.Fatalf("handed the engine %d at once (want %d), %d waiting", len(first), DefaultKeep/2, len(s.Waiting))
	}
	// What the cursor keeps for the next run holds none of those waiting:
	// stopped now, the next run's backfill brings them.
	for _, c := range of[SaveCursor](effects) {
		if _, ok := c.Cursor.Seen["e2499"]; ok {
			t.Error("the cursor counts a waiting event as forwarded")
		}
	}
	// The next poll lists them all again: nothing is handed on twice.
	if again := of[Forward](s.Apply(t0.Add(time.Second), Polled{Events: newestFirst(events...)})); len(again) != 0 {
		t.Fatalf("the next poll forwarded %d more while the handler is behind", len(again))
	}
	ids := answerAll(s, effects)
	if len(ids) != 2500 || s.Forwarded != 2500 || s.Delivered != 2500 || len(s.Waiting) != 0 || s.Behind != 0 {
		t.Fatalf("forwarded %d (%d), delivered %d, %d waiting, %d behind", len(ids), s.Forwarded, s.Delivered, len(s.Waiting), s.Behind)
	}
	for i, id := range ids {
		if want := fmt.Sprintf("e%04d", i); id != want {
			t.Fatalf("the %dth forwarded is %s, want %s: oldest first", i, id, want)
		}
	}
}

// A handler down for good: its deliveries retry and hold their slots; the
// events that keep coming wait, up to ten times what the view keeps, and
// past that the oldest waiting are let go, said with their count.
func TestAHandlerDownForGoodHoldsBackABoundedNumberOfEvents(t *testing.T) {
	s := started(t, Config{Keep: 10}, t0)
	var events []basiq.Event
	for i := range 30 {
		events = append(events, ev(fmt.Sprintf("e%04d", i), "user.updated", t0.Add(time.Duration(i)*time.Millisecond)))
	}
	for _, f := range of[Forward](s.Apply(t0, Polled{Events: newestFirst(events...)})) {
		s.Apply(t0, Attempted{attempt(f.MessageID, 1, 500, t0.Add(5*time.Second))})
	}
	if s.Forwarded != 5 || len(s.Waiting) != 25 {
		t.Fatalf("forwarded %d, %d waiting", s.Forwarded, len(s.Waiting))
	}
	for i := range 100 {
		events = append(events, ev(fmt.Sprintf("f%04d", i), "user.updated", t0.Add(time.Second+time.Duration(i)*time.Millisecond)))
	}
	behind := notes(s.Apply(t0.Add(time.Second), Polled{Events: newestFirst(events...)}), NoteBehind)
	if len(s.Waiting) != 100 || s.Behind != 25 || len(behind) != 1 || behind[0].Count != 25 || s.Waiting[0].Event.ID != "f0000" {
		t.Errorf("%d waiting (want 100), %d behind, notes %+v", len(s.Waiting), s.Behind, behind)
	}
}

func TestQuitEndsWithExitZero(t *testing.T) {
	s := started(t, Config{}, t0)
	if f := of[Finish](s.Apply(t0, QuitAsked{})); len(f) != 1 || f[0].Code != 0 {
		t.Error("quit is not exit 0")
	}
}

// TestHoursOfListeningKeepWorking runs eight hours of polls, an event a
// minute and a Basiq that fails now and then, with the clock compressed:
// every event is forwarded once, in order, and what listen keeps stays
// bounded.
func TestHoursOfListeningKeepWorking(t *testing.T) {
	s := started(t, Config{PollEvery: time.Second, Keep: 100}, t0)
	var listed []basiq.Event // newest first, as Basiq lists the last 7 days
	var forwarded []string
	next := t0
	now := t0
	raised := 0
	for now.Before(t0.Add(8 * time.Hour)) {
		for !next.After(now) {
			listed = append([]basiq.Event{ev(fmt.Sprintf("e%05d", raised), "transactions.updated", next)}, listed...)
			raised++
			next = next.Add(time.Minute)
		}
		var effects []Effect
		if int(now.Sub(t0)/time.Second)%997 == 0 && now != t0 {
			effects = s.Apply(now, Polled{Err: basiqError(502, "/events", "")})
		} else {
			effects = s.Apply(now, Polled{Events: listed})
		}
		for _, f := range of[Forward](effects) {
			forwarded = append(forwarded, f.EventID)
			s.Apply(now, Attempted{attempt(f.MessageID, 1, 200, time.Time{})})
		}
		p := of[Poll](effects)
		if len(p) != 1 {
			t.Fatalf("at %v listen stopped polling: %#v", now.Sub(t0), effects)
		}
		now = now.Add(p[0].After)
	}
	if len(forwarded) != raised {
		t.Fatalf("forwarded %d of %d events", len(forwarded), raised)
	}
	for i, id := range forwarded {
		if id != fmt.Sprintf("e%05d", i) {
			t.Fatalf("the %dth forwarded is %s", i, id)
		}
	}
	if len(s.seen) > int(Lateness/time.Minute)+2 || len(s.Items) != 100 || len(s.byMessage) != 100 {
		t.Errorf("kept %d ids, %d items, %d messages: not bounded", len(s.seen), len(s.Items), len(s.byMessage))
	}
	if s.Delivered != raised {
		t.Errorf("delivered %d", s.Delivered)
	}
}

func TestDurationsReadAsPeopleWriteThem(t *testing.T) {
	for d, want := range map[time.Duration]string{10 * time.Minute: "10m", 2 * time.Hour: "2h", 90 * time.Minute: "1h30m", 5 * time.Second: "5s",
		300 * time.Millisecond: "0.3s", 7 * 24 * time.Hour: "168h", 61 * time.Second: "1m1s"} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// listen pointed at something that is not Basiq (its handler's port, say):
// it ends, naming the API URL, not the key.
func TestAnAPIURLThatIsNotBasiqsEndsNamingTheURL(t *testing.T) {
	s := started(t, Config{}, t0)
	s.Apply(t0, Polled{Err: &basiq.Error{Status: 404, Method: http.MethodPost, Path: "/token", Body: "404 page not found"}})
	if done, code := s.Finished(); !done || code != 1 || s.Problem == nil ||
		!strings.Contains(s.Problem.Next, "--api-url") || strings.Contains(s.Problem.What+s.Problem.Next, "API key") {
		t.Errorf("finished %v (%d), problem %+v", done, code, s.Problem)
	}
}

// Stopped with deliveries the handler has not taken: the next run goes on
// from the last event forwarded, so the end says which --since sends them.
func TestTheEndSaysWhatWasNotDeliveredAndHowToSendItAgain(t *testing.T) {
	s := started(t, Config{Keep: 8}, t0)
	events := []basiq.Event{ev("a", "user.created", t0.Add(-7*time.Minute)), ev("b", "user.updated", t0.Add(-5*time.Minute)),
		ev("c", "user.updated", t0.Add(-4*time.Minute)), ev("d", "user.updated", t0.Add(-3*time.Minute))}
	forwards := of[Forward](s.Apply(t0, Polled{Events: newestFirst(events...)}))
	if s.Undelivered(t0) == "" {
		t.Error("nothing answered yet, and the end would say all was delivered")
	}
	for _, f := range forwards {
		s.Apply(t0, Attempted{attempt(f.MessageID, 1, 200, time.Time{})})
	}
	if left := s.Undelivered(t0); left != "" {
		t.Errorf("all delivered, and the end says %q", left)
	}
	s2 := started(t, Config{Keep: 8}, t0)
	forwards = of[Forward](s2.Apply(t0, Polled{Events: newestFirst(events...)}))
	s2.Apply(t0, Attempted{attempt(forwards[0].MessageID, 1, 200, time.Time{})})           // a: delivered
	s2.Apply(t0, Attempted{attempt(forwards[1].MessageID, 1, 500, t0.Add(5*time.Second))}) // b: retrying
	if left, want := s2.Undelivered(t0), "3 events not delivered: listen --since 6m forwards them again"; !strings.HasPrefix(left, want) {
		t.Errorf("the end says %q, want %q…", left, want)
	}
}

// The wizard without --forward-to keeps every event and sends none: none
// holds a slot, so a week of them is all shown, and none is "undelivered".
func TestEventsKeptWithoutForwardingHoldNoSlot(t *testing.T) {
	s := started(t, Config{NoForward: true}, t0)
	var events []basiq.Event
	for i := range 800 {
		events = append(events, ev(fmt.Sprintf("e%04d", i), "user.updated", t0.Add(time.Duration(i)*time.Millisecond)))
	}
	if f := of[Forward](s.Apply(t0, Polled{Events: newestFirst(events...)})); len(f) != 0 || len(s.Items) != 800 || len(s.Waiting) != 0 {
		t.Errorf("forwarded %d, kept %d, %d waiting: want 0, 800, 0", len(f), len(s.Items), len(s.Waiting))
	}
	if left := s.Undelivered(t0); left != "" {
		t.Errorf("nothing was to be sent, and the end says %q", left)
	}
}

// However listen ends (q, a signal, a fatal answer), what it forwarded since
// the last poll is in the cursor it keeps: the next run does not send it again.
func TestTheCursorIsKeptHoweverTheRunEnds(t *testing.T) {
	for name, end := range map[string]Event{
		"quit":  QuitAsked{},
		"fatal": Polled{Err: basiqError(404, "/token", "parameter-not-valid")},
	} {
		s := started(t, Config{Keep: 2}, t0) // one slot: the second waits for the first's answer
		forwards := of[Forward](s.Apply(t0, Polled{Events: newestFirst(ev("a", "user.created", t0), ev("b", "user.updated", t0.Add(time.Second)))}))
		released := of[Forward](s.Apply(t0, Attempted{attempt(forwards[0].MessageID, 1, 200, time.Time{})}))
		if len(forwards) != 1 || len(released) != 1 || released[0].EventID != "b" {
			t.Fatalf("%s: forwarded %+v, then %+v", name, forwards, released)
		}
		saved := of[SaveCursor](s.Apply(t0, end))
		if len(saved) != 1 || saved[0].Cursor.Last != t0.Add(time.Second) {
			t.Errorf("%s: the cursor kept at the end: %+v, want one, up to b", name, saved)
		}
	}
}

// What the end says covers every event not delivered: kept ones still
// retrying, ones dropped from the kept list undelivered, ones let go as
// behind, and a late one waiting behind newer ones.
func TestTheEndCountsEveryEventNotDelivered(t *testing.T) {
	s := started(t, Config{Keep: 2}, t0.Add(10*time.Minute))
	now := t0.Add(10 * time.Minute)
	var events []basiq.Event
	for i := range 30 {
		events = append(events, ev(fmt.Sprintf("e%02d", i), "user.updated", t0.Add(time.Minute+time.Duration(i)*time.Second)))
	}
	events = append(events, ev("late", "user.created", t0.Add(30*time.Second))) // oldest, listed last
	for _, f := range of[Forward](s.Apply(now, Polled{Events: newestFirst(events...)})) {
		s.Apply(now, Attempted{attempt(f.MessageID, 1, 500, now.Add(5*time.Second))})
	}
	if s.Behind == 0 {
		t.Fatal("the test wants some let go as behind")
	}
	left := s.Undelivered(now)
	if want := "31 events not delivered: listen --since 10m"; !strings.HasPrefix(left, want) {
		t.Errorf("the end says %q, want %q…", left, want)
	}
}

// r pressed twice in a poll interval polls once; a run's last look (Fresh)
// polls at once whatever the last poll's age: a headless demo ends in
// milliseconds, not at the next poll.
func TestAFreshPollGoesAtOnce(t *testing.T) {
	s := started(t, Config{PollEvery: time.Second}, t0)
	s.Apply(t0, Polled{Events: nil})
	if p := of[Poll](s.Apply(t0.Add(100*time.Millisecond), PollAsked{})); len(p) != 0 {
		t.Errorf("r right after a poll polled again: %+v", p)
	}
	if p := of[Poll](s.Apply(t0.Add(100*time.Millisecond), PollAsked{Fresh: true})); len(p) != 1 || p[0].After != 0 {
		t.Errorf("a fresh poll: %+v, want one, at once", p)
	}
}

// A 401 or 403 from the handler is a delivery it did not verify: the hint
// names the secret; other statuses get none.
func TestAnAnswerThatRefusesTheSignatureNamesTheSecret(t *testing.T) {
	for status, want := range map[int]bool{401: true, 403: true, 500: false, 200: false, 404: false} {
		if got := AnswerHint(attempt("msg_x", 1, status, time.Time{})); (got != "") != want || want && !strings.Contains(got, "secret") {
			t.Errorf("%d: hint %q", status, got)
		}
	}
}

// A poll says which events it wants, so that the list is read keeping only
// those: what the session forwarded, what is older than its floor and other
// types are dropped as they come; what it would count as skipped is kept.
// The poll's copy of what was seen does not move with the session.
func TestAPollsWantDropsWhatTheSessionWouldAndIsItsOwn(t *testing.T) {
	now := t0.Add(30 * time.Minute)
	s := started(t, Config{PollEvery: time.Second, Types: []string{"user.created", "consent.created"}}, now)
	a := ev("e1", "user.created", now.Add(-5*time.Minute))
	effects := s.Apply(now, Polled{Events: newestFirst(a)})
	polls := of[Poll](effects)
	if len(polls) != 1 {
		t.Fatalf("no next poll: %#v", effects)
	}
	want := polls[0].Want
	for _, c := range []struct {
		e     basiq.Event
		takes bool
		why   string
	}{
		{a, false, "forwarded already"},
		{ev("e0", "user.created", now.Add(-20*time.Minute)), false, "older than the floor (the backfill's 10 minutes)"},
		{ev("e2", "account.updated", now), false, "a type not forwarded"},
		{ev("e3", "consent.created", now), true, "new, of a type forwarded"},
		{basiq.Event{Entity: "user", EventType: "created"}, true, "no id: taken, to be counted as skipped"},
		{basiq.Event{ID: "e5", Entity: "user", EventType: "created", CreatedDate: "yesterday"}, true, "no readable date: taken, to be counted"},
	} {
		if got := want.Takes(c.e); got != c.takes {
			t.Errorf("Takes(%s) = %v, want %v: %s", c.e.ID, got, c.takes, c.why)
		}
	}
	// The session sees e3 next; the poll asked before it keeps its own view.
	s.Apply(now.Add(time.Second), Polled{Gen: polls[0].Gen, Events: newestFirst(a, ev("e3", "consent.created", now))})
	if !want.Takes(ev("e3", "consent.created", now)) {
		t.Error("the earlier poll's Want changed with the session: it shares its map")
	}
	if s.Poll.Listed != 2 {
		t.Errorf("listed %d, want 2", s.Poll.Listed)
	}
	// Listed counts what the list held, kept or not.
	s.Apply(now.Add(2*time.Second), Polled{Gen: s.Poll.Gen, Events: nil, Listed: 9000})
	if s.Poll.Listed != 9000 {
		t.Errorf("listed %d, want the 9000 the list held", s.Poll.Listed)
	}
}
