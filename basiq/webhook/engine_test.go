package webhook

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

const hookURL = "http://127.0.0.1:3000/webhooks"

// payload is Basiq's body for an event, written as Basiq writes it.
func payload(eventType, id string) []byte {
	return fmt.Appendf(nil, `{"eventTypeId":%q,"eventId":%q,"links":{"event":"https://au-api.basiq.io/events/%s"}}`, eventType, id, id)
}

// libraryVerifier answers 204 to a delivery the Standard Webhooks library
// verifies with the secret, and 401 with the library's reason otherwise.
func libraryVerifier(t *testing.T, s Secret) func(int, delivery, http.ResponseWriter, *http.Request) {
	wh, err := standardwebhooks.NewWebhook(s.Reveal())
	if err != nil {
		t.Fatal(err)
	}
	return func(_ int, d delivery, w http.ResponseWriter, _ *http.Request) {
		if err := wh.Verify(d.body, d.header); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func TestDeliveriesAreVerifiedByTheLibrary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		secret := mustSecret(t)
		h := &handler{answer: libraryVerifier(t, secret)}
		_, tr := servePipe(t, h)
		var seen []Attempt
		e := newEngine(t, Options{Transport: tr, Observe: func(a Attempt) { seen = append(seen, a) }})
		var ids []string
		for i, typ := range []string{"user.created", "consent.created", "connection.created"} {
			id, err := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: typ, Payload: payload(typ, fmt.Sprint("ev", i)), Tag: "wh1"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		synctest.Wait()

		got := h.deliveries()
		if len(got) != 3 {
			t.Fatalf("the handler received %d deliveries, want 3", len(got))
		}
		for i, d := range got {
			if d.id() != ids[i] {
				t.Errorf("delivery %d has webhook-id %q, want %q (in the order sent)", i, d.id(), ids[i])
			}
			if ct := d.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content-type %q", ct)
			}
		}
		for _, id := range ids {
			r, ok := e.Message(id)
			if !ok || r.State != Delivered || len(r.Attempts) != 1 {
				t.Fatalf("message %s: %+v, want delivered in one attempt", id, r)
			}
			a := r.Attempts[0]
			if a.Status != http.StatusNoContent || a.Outcome != Success || a.Err != "" || a.N != 1 || a.URL != hookURL || !a.Next.IsZero() {
				t.Errorf("the attempt was recorded as %+v, want 204 success", a)
			}
		}
		if len(seen) != 3 || !seen[0].OK() || seen[0].MessageID != ids[0] || seen[2].MessageID != ids[2] {
			t.Errorf("Observe saw %+v, want the three attempts in order", seen)
		}
		if all := e.Messages("wh1"); len(all) != 3 || all[0].ID != ids[0] {
			t.Errorf("Messages(wh1) = %d records, want the 3 in order", len(all))
		}
		if other := e.Messages("wh2"); len(other) != 0 {
			t.Errorf("Messages(wh2) = %v, want none", other)
		}
	})
}

// A handler answering 500 then 200 sees the retry with the same webhook-id
// on Basiq's schedule, each attempt with its own timestamp and signature.
func TestRetriesFollowBasiqsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		secret := mustSecret(t)
		h := &handler{answer: func(n int, _ delivery, w http.ResponseWriter, _ *http.Request) {
			if n <= 2 {
				http.Error(w, "database down", http.StatusInternalServerError)
			}
		}}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr})
		start := time.Now()
		id, err := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: payload("user.created", "e1")})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		r, _ := e.Message(id)
		if r.State != Scheduled || !r.Next.Equal(start.Add(5*time.Second)) {
			t.Fatalf("after a 500 the message is %s, next %v; want scheduled 5s on", r.State, r.Next.Sub(start))
		}
		if a := r.Attempts[0]; a.Outcome != Rejected || a.Status != 500 || a.Body != "database down\n" || !a.Next.Equal(r.Next) {
			t.Errorf("the failed attempt was recorded as %+v", a)
		}
		time.Sleep(10 * time.Minute)
		synctest.Wait()

		got := h.deliveries()
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3 (500, 500, 200)", len(got))
		}
		wantAt := []time.Duration{0, 5 * time.Second, 5*time.Second + 5*time.Minute}
		for i, d := range got {
			if at := d.at.Sub(start); at != wantAt[i] {
				t.Errorf("attempt %d came at %v, want %v", i+1, at, wantAt[i])
			}
			if d.id() != id {
				t.Errorf("attempt %d has webhook-id %q, want %q on every attempt", i+1, d.id(), id)
			}
			if err := secret.Verify(d.body, d.header, d.at); err != nil {
				t.Errorf("attempt %d does not verify: %v", i+1, err)
			}
		}
		if got[0].header.Get(HeaderTimestamp) == got[1].header.Get(HeaderTimestamp) || got[0].header.Get(HeaderSignature) == got[1].header.Get(HeaderSignature) {
			t.Error("a retry kept the first attempt's timestamp or signature")
		}
		r, _ = e.Message(id)
		if r.State != Delivered || r.Tried != 3 || len(r.Attempts) != 3 || !r.Next.IsZero() {
			t.Errorf("the message is %s after %d attempts, want delivered after 3", r.State, r.Tried)
		}
	})
}

func TestAHandlerThatAlwaysFailsGetsEightAttemptsThenTheMessageFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(_ int, _ delivery, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503) }}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr})
		start := time.Now()
		id, _ := e.Send(Endpoint{URL: hookURL, Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)})
		time.Sleep(48 * time.Hour)
		synctest.Wait()

		var at []time.Duration
		for _, d := range h.deliveries() {
			at = append(at, d.at.Sub(start))
		}
		var want []time.Duration
		sum := time.Duration(0)
		for _, d := range BasiqSchedule {
			sum += d
			want = append(want, sum)
		}
		if !slices.Equal(at, want) {
			t.Errorf("attempts at %v, want %v", at, want)
		}
		r, _ := e.Message(id)
		if r.State != Failed || r.Tried != 8 {
			t.Errorf("the message is %s after %d attempts, want failed after 8", r.State, r.Tried)
		}
		if last := r.Attempts[7]; !last.Next.IsZero() {
			t.Errorf("the last attempt says another is due at %v", last.Next)
		}
	})
}

// The time scale compresses the schedule (0.001: 5 min is 0.3 s) but not
// the bound of an attempt.
func TestTimeScaleCompressesTheScheduleNotTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(n int, _ delivery, w http.ResponseWriter, r *http.Request) {
			switch n {
			case 1:
				w.WriteHeader(500)
			case 2:
				<-r.Context().Done() // no answer
			}
		}}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr, TimeScale: 0.001})
		start := time.Now()
		id, _ := e.Send(Endpoint{URL: hookURL, Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)})
		time.Sleep(time.Minute)
		synctest.Wait()

		got := h.deliveries()
		want := []time.Duration{0, 5 * time.Millisecond, 5*time.Millisecond + 15*time.Second + 300*time.Millisecond}
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3", len(got))
		}
		for i, d := range got {
			if at := d.at.Sub(start); at != want[i] {
				t.Errorf("attempt %d at %v, want %v", i+1, at, want[i])
			}
		}
		r, _ := e.Message(id)
		if a := r.Attempts[1]; a.Outcome != TimedOut || a.Duration != 15*time.Second || a.Err != "no answer within 15s" {
			t.Errorf("the unanswered attempt: %s after %v (%q), want timed-out after the unscaled 15s", a.Outcome, a.Duration, a.Err)
		}
		if r.State != Delivered {
			t.Errorf("the message is %s, want delivered", r.State)
		}
	})
}

// A slow handler is bounded by the per-attempt timeout; it delays only its
// own URL's next message, by at most that bound, and never another URL's.
func TestASlowHandlerIsBoundedAndBlocksNoOtherURL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &handler{answer: func(n int, _ delivery, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				select {
				case <-r.Context().Done():
				case <-time.After(time.Hour):
				}
			}
		}}
		fast := &handler{}
		mux := http.NewServeMux()
		mux.Handle("/slow", slow)
		mux.Handle("/fast", fast)
		_, tr := servePipe(t, mux)
		e := newEngine(t, Options{Transport: tr, Timeout: 10 * time.Second})
		secret := mustSecret(t)
		start := time.Now()
		first, _ := e.Send(Endpoint{URL: "http://127.0.0.1:3000/slow", Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{"n":1}`)})
		_, _ = e.Send(Endpoint{URL: "http://127.0.0.1:3001/fast", Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{"n":2}`)})
		second, _ := e.Send(Endpoint{URL: "http://127.0.0.1:3000/slow", Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{"n":3}`)})
		synctest.Wait()
		if got := fast.deliveries(); len(got) != 1 || got[0].at != start {
			t.Fatalf("the other URL's message: %v, want it at once", got)
		}
		time.Sleep(time.Minute)
		synctest.Wait()

		got := slow.deliveries()
		if len(got) != 3 {
			t.Fatalf("the slow handler got %d deliveries, want 3", len(got))
		}
		for i, want := range []struct {
			id string
			at time.Duration
		}{{first, 0}, {second, 10 * time.Second}, {first, 15 * time.Second}} {
			if got[i].id() != want.id || got[i].at.Sub(start) != want.at {
				t.Errorf("delivery %d: %s at %v, want %s at %v", i+1, got[i].id(), got[i].at.Sub(start), want.id, want.at)
			}
		}
		r, _ := e.Message(first)
		if a := r.Attempts[0]; a.Outcome != TimedOut || a.Status != 0 || a.Duration != 10*time.Second {
			t.Errorf("the hung attempt was recorded as %+v, want timed-out after 10s", a)
		}
	})
}

// A message answered 500 waits for its retry out of the way: the URL's next
// message goes at once.
func TestAFailedMessageDoesNotHoldUpTheNext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(_ int, d delivery, w http.ResponseWriter, _ *http.Request) {
			if string(d.body) == `{"n":1}` {
				w.WriteHeader(500)
			}
		}}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr})
		secret := mustSecret(t)
		start := time.Now()
		failing, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{"n":1}`)})
		time.Sleep(time.Second)
		next, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{"n":2}`)})
		synctest.Wait()
		got := h.deliveries()
		if len(got) != 2 || got[1].id() != next || got[1].at.Sub(start) != time.Second {
			t.Fatalf("deliveries %v, want the second message at 1s", idsOf(got))
		}
		if r, _ := e.Message(failing); r.State != Scheduled || r.Next.Sub(start) != 5*time.Second {
			t.Errorf("the failing message: %s, next at %v; want its retry at 5s", r.State, r.Next.Sub(start))
		}
	})
}

func TestAHandlerThatIsDownIsAFailedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pn, tr := servePipe(t, &handler{})
		_ = pn.Close() // nobody listens: every dial is refused
		e := newEngine(t, Options{Transport: tr, Schedule: []time.Duration{0, time.Second}})
		id, _ := e.Send(Endpoint{URL: hookURL, Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)})
		time.Sleep(time.Minute)
		synctest.Wait()
		r, _ := e.Message(id)
		if r.State != Failed || len(r.Attempts) != 2 {
			t.Fatalf("the message is %s after %d attempts, want failed after 2", r.State, len(r.Attempts))
		}
		if a := r.Attempts[0]; a.Outcome != Unreachable || !strings.Contains(a.Err, "connection refused") || strings.HasPrefix(a.Err, "Post ") {
			t.Errorf("the attempt: %s %q, want unreachable, connection refused", a.Outcome, a.Err)
		}
	})
}

// The answer's body is kept sanitised and cut: a handler's error page can
// neither fill the memory nor rewrite the terminal that shows it.
func TestTheAnswerIsSanitisedAndCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(n int, _ delivery, w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(500)
			if n == 1 {
				fmt.Fprint(w, "\x1b]52;c;aGk=\x07Error:\r\n\x1b[31mno\x1b[0m\tdb\u202e")
				return
			}
			fmt.Fprint(w, strings.Repeat("é", 100))
		}}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr, BodyLimit: 51, Schedule: []time.Duration{0, 0}})
		id, _ := e.Send(Endpoint{URL: hookURL, Secret: mustSecret(t)}, Message{EventType: "user.created", Payload: []byte(`{}`)})
		synctest.Wait()
		r, _ := e.Message(id)
		if a := r.Attempts[0]; a.Body != "Error:\nno\tdb" || a.BodyCut {
			t.Errorf("the body was kept as %q (cut %v), want %q", a.Body, a.BodyCut, "Error:\nno\tdb")
		}
		if a := r.Attempts[1]; a.Body != strings.Repeat("é", 25) || !a.BodyCut {
			t.Errorf("the long body was kept as %q (cut %v), want 25 é and cut", a.Body, a.BodyCut)
		}
	})
}

func TestResendKeepsTheIDWithANewTimestampAndSignature(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		secret := mustSecret(t)
		h := &handler{answer: libraryVerifier(t, secret)}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr, Faults: MustParseFaults("*#1=bad-signature")})
		id, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: payload("user.created", "e1")})
		synctest.Wait()
		if err := e.Cancel(id); !err {
			t.Fatal("Cancel did not find the message")
		}
		time.Sleep(time.Minute)
		if err := e.Resend(id); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()

		got := h.deliveries()
		if len(got) != 2 {
			t.Fatalf("%d deliveries, want the first and the resend (the cancelled retry never came)", len(got))
		}
		if got[1].id() != got[0].id() || string(got[1].body) != string(got[0].body) {
			t.Error("the resend changed the webhook-id or the payload")
		}
		if got[1].header.Get(HeaderTimestamp) == got[0].header.Get(HeaderTimestamp) || got[1].header.Get(HeaderSignature) == got[0].header.Get(HeaderSignature) {
			t.Error("the resend kept the old timestamp or signature")
		}
		r, _ := e.Message(id)
		if r.State != Delivered || r.Tried != 2 || r.Attempts[1].N != 2 || r.Attempts[1].Fault != "" || r.Attempts[1].Status != 204 {
			t.Errorf("after the resend: %s, %d tried, %+v; want delivered on the 2nd attempt, no fault", r.State, r.Tried, r.Attempts[len(r.Attempts)-1])
		}
		if err := e.Resend("nope"); !errors.Is(err, ErrUnknownMessage) {
			t.Errorf("Resend of an unknown id: %v", err)
		}
	})
}

func TestCancelTagStopsAWebhooksRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(_ int, _ delivery, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr})
		secret := mustSecret(t)
		a, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{}`), Tag: "deleted"})
		b, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{}`), Tag: "kept"})
		synctest.Wait()
		if n := e.CancelTag("deleted"); n != 1 {
			t.Errorf("CancelTag stopped %d messages, want 1", n)
		}
		time.Sleep(6 * time.Second)
		synctest.Wait()
		ra, _ := e.Message(a)
		rb, _ := e.Message(b)
		if ra.State != Cancelled || ra.Tried != 1 {
			t.Errorf("the cancelled message: %s after %d attempts, want cancelled after 1", ra.State, ra.Tried)
		}
		if rb.State != Scheduled || rb.Tried != 2 {
			t.Errorf("the other message: %s after %d attempts, want its retry made", rb.State, rb.Tried)
		}
	})
}

// Close ends an attempt in flight at once (recorded as aborted), cancels
// what was still to come, and refuses more.
func TestCloseEndsWhatIsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(_ int, _ delivery, _ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }}
		_, tr := servePipe(t, h)
		var mu sync.Mutex
		var seen []Attempt
		e, err := New(Options{Transport: tr, Observe: func(a Attempt) { mu.Lock(); seen = append(seen, a); mu.Unlock() }})
		if err != nil {
			t.Fatal(err)
		}
		secret := mustSecret(t)
		hung, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{}`)})
		waiting, _ := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{}`)})
		synctest.Wait()
		start := time.Now()
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited != 0 {
			t.Errorf("Close waited %v for a hung handler", waited)
		}
		if r, _ := e.Message(hung); r.State != Cancelled || len(r.Attempts) != 1 || r.Attempts[0].Outcome != Aborted {
			t.Errorf("the hung message: %s %+v, want cancelled with one aborted attempt", r.State, r.Attempts)
		}
		if r, _ := e.Message(waiting); r.State != Cancelled || r.Tried != 0 {
			t.Errorf("the queued message: %s after %d attempts, want cancelled before any", r.State, r.Tried)
		}
		if len(seen) != 1 || seen[0].Outcome != Aborted {
			t.Errorf("Observe saw %+v by the time Close returned, want the aborted attempt", seen)
		}
		if _, err := e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{Payload: []byte(`{}`)}); !errors.Is(err, ErrClosed) {
			t.Errorf("Send after Close: %v", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("a second Close: %v", err)
		}
	})
}

// A long run stays bounded: the history keeps the newest messages, and a
// message dropped from it has no retry left to run.
func TestTheHistoryIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(n int, _ delivery, w http.ResponseWriter, _ *http.Request) {
			if n%3 == 0 {
				w.WriteHeader(500)
			}
		}}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr, History: 50, TimeScale: 0.01})
		secret := mustSecret(t)
		var last string
		for i := range 5000 {
			last, _ = e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "transactions.updated", Payload: []byte(`{}`)})
			if i%100 == 0 {
				time.Sleep(time.Minute) // 50 days of deliveries, an hour of retries each 100 messages
			}
		}
		time.Sleep(48 * time.Hour)
		synctest.Wait()

		kept := e.Messages("")
		if len(kept) != 50 || kept[49].ID != last {
			t.Fatalf("kept %d messages ending %s, want the newest 50", len(kept), kept[len(kept)-1].ID)
		}
		e.mu.Lock()
		due, lanes, byID := len(e.due), len(e.lanes), len(e.byID)
		e.mu.Unlock()
		if due != 0 || lanes != 0 || byID != 50 {
			t.Errorf("after the run: %d scheduled, %d lanes, %d by id; want 0, 0, 50", due, lanes, byID)
		}
		for _, r := range kept {
			if !r.State.Settled() {
				t.Errorf("message %s is still %s", r.ID, r.State)
			}
		}
	})
}

func TestAMessageDroppedFromTheHistoryIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &handler{answer: func(_ int, _ delivery, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }}
		_, tr := servePipe(t, h)
		e := newEngine(t, Options{Transport: tr, History: 2})
		secret := mustSecret(t)
		for range 3 {
			_, _ = e.Send(Endpoint{URL: hookURL, Secret: secret}, Message{EventType: "user.created", Payload: []byte(`{}`)})
			synctest.Wait()
		}
		time.Sleep(6 * time.Second)
		synctest.Wait()
		if got := len(h.deliveries()); got != 5 {
			t.Errorf("%d deliveries, want 3 first attempts and the retries of the 2 kept", got)
		}
	})
}

func TestSendRefusesWhatItCannotDeliver(t *testing.T) {
	e := newEngine(t, Options{LoopbackOnly: true})
	secret := mustSecret(t)
	for _, c := range []struct {
		to   Endpoint
		want string
	}{
		{Endpoint{URL: "http://example.com/hook", Secret: secret}, "example.com is not this machine"},
		{Endpoint{URL: "ftp://127.0.0.1/hook", Secret: secret}, "not an http or https URL"},
		{Endpoint{URL: "/hook", Secret: secret}, "not an http or https URL"},
		{Endpoint{URL: hookURL}, "no secret"},
	} {
		if _, err := e.Send(c.to, Message{Payload: []byte(`{}`)}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Send to %q: %v, want %q", c.to.URL, err, c.want)
		}
	}
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{ID: "msg 1"}, "has a space"},
		{Message{ID: "msg\r\nX-Evil: 1"}, "a control"},
		{Message{ID: strings.Repeat("m", 257)}, "more than 256"},
		{Message{Payload: make([]byte, MaxPayload+1)}, "more than a webhook's"},
	} {
		if _, err := e.Send(Endpoint{URL: hookURL, Secret: secret}, c.m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Send of %.20q: %v, want %q", c.m.ID, err, c.want)
		}
	}
	id, err := e.Send(Endpoint{URL: "http://127.0.0.1:1/x", Secret: secret}, Message{ID: "m1", Payload: []byte(`{}`)})
	if err != nil || id != "m1" {
		t.Fatalf("Send with an id: %q %v", id, err)
	}
	if _, err := e.Send(Endpoint{URL: "http://127.0.0.1:1/x", Secret: secret}, Message{ID: "m1", Payload: []byte(`{}`)}); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("Send of the same id again: %v", err)
	}
	for _, o := range []Options{{Timeout: -1}, {TimeScale: -1}, {History: -1}, {Schedule: []time.Duration{}}, {Schedule: []time.Duration{-time.Second}}} {
		if e, err := New(o); err == nil {
			_ = e.Close()
			t.Errorf("New(%+v) took it", o)
		}
	}
}

func TestNewMessagesGetUUIDs(t *testing.T) {
	id := newUUID()
	if len(id) != 36 || id[14] != '4' || !strings.Contains("89ab", id[19:20]) || id == newUUID() {
		t.Errorf("newUUID() = %q, want a random version 4 UUID", id)
	}
}
