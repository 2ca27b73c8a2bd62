package simulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// allTypes subscribes a webhook to every event.
const allTypes = `["account.updated","connection.activated","connection.created","connection.deleted","connection.invalidated",
"consent.created","consent.expired","consent.reminder","consent.revoked","consent.updated","consent.warning",
"transactions.updated","user.created","user.deleted","user.updated"]`

// received is one delivery a test handler got.
type received struct {
	at       time.Time
	header   http.Header
	body     []byte
	verified error // the Standard Webhooks library's verdict
}

func (d received) id() string { return d.header.Get("webhook-id") }

func (d received) eventTypeID() string {
	var p struct{ EventTypeID string }
	_ = json.Unmarshal(d.body, &p)
	return p.EventTypeID
}

// hook is a developer's webhook handler: it checks each delivery with the
// Standard Webhooks library, as Basiq's guide says a receiver should, and
// answers 401 to one that fails, 204 otherwise, unless answer says else.
type hook struct {
	mu     sync.Mutex
	secret *standardwebhooks.Webhook
	got    []received
	answer func(n int, d received, w http.ResponseWriter) bool // true: it answered
}

func (h *hook) trust(t testing.TB, secret string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatalf("the library refuses the secret %q: %v", secret, err)
	}
	h.mu.Lock()
	h.secret = wh
	h.mu.Unlock()
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	d := received{at: time.Now(), header: r.Header.Clone(), body: body}
	h.mu.Lock()
	if h.secret == nil {
		d.verified = errors.New("no secret yet")
	} else {
		d.verified = h.secret.Verify(body, r.Header)
	}
	h.got = append(h.got, d)
	n, answer := len(h.got), h.answer
	h.mu.Unlock()
	if answer != nil && answer(n, d, w) {
		return
	}
	if d.verified != nil {
		http.Error(w, d.verified.Error(), http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *hook) deliveries() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// servePipes runs a handler on an in-memory network, for a synctest
// bubble, and gives the transport that reaches it.
func servePipes(t *testing.T, h http.Handler) http.RoundTripper {
	_, tr := basiqtest.Serve(t, h)
	return tr
}

// inProcess calls a simulator's handler directly: no socket, so it runs in
// a synctest bubble.
type inProcess struct {
	t   testing.TB
	srv *Server
	tok string
}

func newInProcess(t testing.TB, o Options) *inProcess {
	srv := New(o)
	t.Cleanup(func() { _ = srv.Close() })
	p := &inProcess{t: t, srv: srv}
	p.tok = p.mint("scope=SERVER_ACCESS")
	return p
}

func (p *inProcess) call(method, path, token, contentType, body string) answer {
	p.t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:8080"+path, strings.NewReader(body))
	req.Header.Set("basiq-version", "3.0")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	p.srv.Handler().ServeHTTP(w, req)
	a := answer{status: w.Code, header: w.Header(), raw: w.Body.String()}
	_ = json.Unmarshal(w.Body.Bytes(), &a.body)
	return a
}

func (p *inProcess) mint(form string) string {
	p.t.Helper()
	a := p.call("POST", "/token", "Basic "+DemoAPIKey, "application/x-www-form-urlencoded", form)
	if a.status != 200 {
		p.t.Fatalf("POST /token: %d %s", a.status, a.raw)
	}
	return a.body["access_token"].(string)
}

func (p *inProcess) do(method, path, body string) answer {
	p.t.Helper()
	return p.call(method, path, "Bearer "+p.tok, "application/json", body)
}

// subscribe makes a webhook to url for these types (a JSON list) and gives
// its id and secret.
func (p *inProcess) subscribe(url, events string) (id, secret string) {
	p.t.Helper()
	a := p.do("POST", "/notifications/webhooks", `{"url":"`+url+`","subscribedEvents":`+events+`}`)
	if a.status != 201 {
		p.t.Fatalf("POST /notifications/webhooks: %d %s", a.status, a.raw)
	}
	return a.body["id"].(string), a.body["secret"].(string)
}

// onboard is the demo's quickstart: a user, consent, Wentworth-Smith at Hooli.
func (p *inProcess) onboard() (userID string) {
	p.t.Helper()
	a := p.do("POST", "/users", `{"email":"max@example.com"}`)
	if a.status != 201 {
		p.t.Fatalf("POST /users: %d %s", a.status, a.raw)
	}
	userID = a.body["id"].(string)
	if _, err := p.srv.CompleteConsent(context.Background(), p.mint("scope=CLIENT_ACCESS&userId="+userID), "AU00000", "Wentworth-Smith", "whislter"); err != nil {
		p.t.Fatal(err)
	}
	return userID
}

const hookAt = "http://127.0.0.1:3000/webhooks"

// hookedTo is an in-process simulator with o whose webhooks reach h through
// pipes: one webhook, to hookAt for these types (a JSON list), its secret
// the one h trusts.
func hookedTo(t *testing.T, h *hook, o Options, events string) (p *inProcess, webhookID string) {
	t.Helper()
	o.WebhookTransport = servePipes(t, h)
	p = newInProcess(t, o)
	webhookID, secret := p.subscribe(hookAt, events)
	h.trust(t, secret)
	return p, webhookID
}

// createUserThenWait makes a user and lets the bubble's time run for d:
// what h has received by then.
func (p *inProcess) createUserThenWait(h *hook, d time.Duration) []received {
	p.t.Helper()
	p.do("POST", "/users", `{"email":"max@example.com"}`)
	time.Sleep(d)
	synctest.Wait()
	return h.deliveries()
}

// A whole demo onboarding reaches a developer's handler as Basiq would send
// it, with nobody asking the simulator anything once consent is given: in
// order, each delivery signed (the library verifies it), its body the
// message's payload byte for byte, its webhook-id the message's id.
func TestWebhooksDeliverAnOnboardingSigned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{}
		p := newInProcess(t, Options{StepDelay: 2 * time.Second, WebhookTransport: servePipes(t, h)})
		webhookID, secret := p.subscribe(hookAt, allTypes)
		if !strings.HasPrefix(secret, "whsec_") {
			t.Errorf("the secret %q is not in its whsec_ form", secret)
		}
		h.trust(t, secret)
		user := p.onboard()
		time.Sleep(time.Minute) // the job's steps end; the timer raises their events
		synctest.Wait()

		got := h.deliveries()
		want := append([]string{"user.created", "consent.created", "connection.created", "connection.activated"},
			append(repeat("account.updated", 4), repeat("transactions.updated", 4)...)...)
		var types []string
		for _, d := range got {
			types = append(types, d.eventTypeID())
			if d.verified != nil {
				t.Errorf("the library refused the %s delivery: %v", d.eventTypeID(), d.verified)
			}
		}
		if !slices.Equal(types, want) {
			t.Fatalf("the handler received\n%v\nwant\n%v", types, want)
		}
		messages := p.do("GET", "/notifications/webhooks/"+webhookID+"/messages", "").items()
		slices.Reverse(messages) // newest first
		events := p.do("GET", "/events?filter="+strings.ReplaceAll("user.id.eq('"+user+"')", "'", "%27"), "").items()
		slices.Reverse(events)
		if len(messages) != len(got) || len(events) != len(got) {
			t.Fatalf("%d messages and %d events for %d deliveries", len(messages), len(events), len(got))
		}
		for i, d := range got {
			m := messages[i]
			if d.id() != m["id"] || m["status"] != "delivered" || m["eventId"] != events[i]["id"] {
				t.Errorf("delivery %d: webhook-id %s, message %v", i, d.id(), m)
			}
			payload, _ := json.Marshal(m["payload"])
			var p1, p2 any
			_ = json.Unmarshal(payload, &p1)
			_ = json.Unmarshal(d.body, &p2)
			if !jsonEqual(p1, p2) {
				t.Errorf("delivery %d's body %s is not its message's payload %s", i, d.body, payload)
			}
			var body struct {
				EventTypeID, EventID string
				Links                struct{ Event, EventEntity string }
			}
			if err := json.Unmarshal(d.body, &body); err != nil || body.EventID != events[i]["id"] ||
				body.Links.Event != "http://127.0.0.1:8080/events/"+body.EventID || body.Links.EventEntity != events[i]["dataRef"] {
				t.Errorf("delivery %d's body: %s (%v), want Basiq's payload for %v", i, d.body, err, events[i])
			}
			attempts := m["attempts"].([]any)
			if a := attempts[0].(map[string]any); len(attempts) != 1 || a["status"] != "Success" || a["responseStatusCode"] != float64(204) || a["url"] != hookAt {
				t.Errorf("delivery %d's attempts: %v", i, attempts)
			}
		}
		// What the library verified, a byte changed, it refuses.
		d := got[0]
		tampered := bytes.Replace(d.body, []byte(`"user.created"`), []byte(`"user.deleted"`), 1)
		wh, _ := standardwebhooks.NewWebhook(secret)
		if err := wh.Verify(tampered, d.header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
			t.Errorf("a tampered body: %v, want no matching signature", err)
		}
	})
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// The handler receives the very bytes the simulator signed: a re-marshal
// (which sorts the keys) would have changed them, and the signature with
// them.
func TestTheBodyReachesTheHandlerByteForByte(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{}
		p, webhookID := hookedTo(t, h, Options{}, `["user.created"]`)
		got := p.createUserThenWait(h, 0)
		if len(got) != 1 || got[0].verified != nil {
			t.Fatalf("deliveries: %v", got)
		}
		var generic any
		_ = json.Unmarshal(got[0].body, &generic)
		remarshalled, _ := json.Marshal(generic)
		if bytes.Equal(remarshalled, got[0].body) {
			t.Fatalf("the body %s survives a re-marshal: the test proves nothing", got[0].body)
		}
		if err := h.secret.Verify(remarshalled, got[0].header); err == nil {
			t.Error("a re-marshalled body verifies")
		}
		m := p.do("GET", "/notifications/webhooks/"+webhookID+"/messages/"+got[0].id(), "")
		raw := m.raw[strings.Index(m.raw, `"payload":`)+len(`"payload":`):]
		if !strings.HasPrefix(raw, string(got[0].body)) {
			t.Errorf("the handler received %s; the message's payload is %s", got[0].body, raw)
		}
		if !strings.HasPrefix(string(got[0].body), `{"eventTypeId":"user.created","eventId":"`) {
			t.Errorf("Basiq's key order: %s", got[0].body)
		}
	})
}

// A handler that answers 500 and then 200 sees the retry with the same
// webhook-id, at the schedule's times scaled by WebhookTimeScale (0.001:
// 5 s becomes 5 ms, 5 min 300 ms), each attempt signed afresh.
func TestAFailedDeliveryIsRetriedOnTheScaledSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{answer: func(n int, _ received, w http.ResponseWriter) bool {
			if n <= 2 {
				http.Error(w, "database down", http.StatusInternalServerError)
				return true
			}
			_, _ = io.WriteString(w, "OK")
			return true
		}}
		p, webhookID := hookedTo(t, h, Options{WebhookTimeScale: 0.001}, `["user.created"]`)
		start := time.Now()
		got := p.createUserThenWait(h, time.Second)
		if len(got) != 3 {
			t.Fatalf("%d deliveries, want 3 (500, 500, 200)", len(got))
		}
		for i, want := range []time.Duration{0, 5 * time.Millisecond, 305 * time.Millisecond} {
			if at := got[i].at.Sub(start); at != want {
				t.Errorf("attempt %d at %v, want %v", i+1, at, want)
			}
			if got[i].id() != got[0].id() || got[i].verified != nil {
				t.Errorf("attempt %d: webhook-id %s (first %s), verified: %v", i+1, got[i].id(), got[0].id(), got[i].verified)
			}
		}
		if got[0].header.Get("webhook-signature") == got[1].header.Get("webhook-signature") &&
			got[0].header.Get("webhook-timestamp") != got[1].header.Get("webhook-timestamp") {
			t.Error("a retry with a new timestamp kept the old signature")
		}
		m := p.do("GET", "/notifications/webhooks/"+webhookID+"/messages/"+got[0].id(), "")
		attempts := m.body["attempts"].([]any)
		if m.body["status"] != "delivered" || len(attempts) != 3 {
			t.Fatalf("the message: %s", m.raw)
		}
		for i, want := range []struct {
			status float64
			word   string
			body   string
		}{{500, "Failed", "database down\n"}, {500, "Failed", "database down\n"}, {200, "Success", "OK"}} {
			a := attempts[i].(map[string]any)
			if a["responseStatusCode"] != want.status || a["status"] != want.word || a["response"] != want.body {
				t.Errorf("attempt %d recorded as %v", i+1, a)
			}
		}
	})
}

// No answer within 15 s is a failed attempt, whatever the time scale (it
// scales the schedule, not the bound).
func TestNoAnswerWithin15sIsAFailedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{answer: func(n int, _ received, w http.ResponseWriter) bool {
			if n == 1 {
				time.Sleep(20 * time.Second)
			}
			return false
		}}
		p, webhookID := hookedTo(t, h, Options{WebhookTimeScale: 0.001}, `["user.created"]`)
		start := time.Now()
		got := p.createUserThenWait(h, time.Minute)
		if len(got) != 2 || got[1].at.Sub(start) != 15*time.Second+5*time.Millisecond {
			t.Fatalf("%d deliveries; the retry at %v, want 15.005s", len(got), got[len(got)-1].at.Sub(start))
		}
		m := p.do("GET", "/notifications/webhooks/"+webhookID+"/messages/"+got[0].id(), "")
		first := m.body["attempts"].([]any)[0].(map[string]any)
		if first["status"] != "Failed" || first["outcome"] != "timed-out" || first["error"] != "no answer within 15s" || first["responseStatusCode"] != nil {
			t.Errorf("the first attempt: %v", first)
		}
		if m.body["status"] != "delivered" {
			t.Errorf("the message: %v", m.body["status"])
		}
	})
}

// --webhook-faults: a delivery signed with another secret fails the
// handler's verification, and the retry, signed right, passes.
func TestAWebhookFaultFailsTheHandlersVerification(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{}
		p, webhookID := hookedTo(t, h, Options{WebhookTimeScale: 0.001,
			WebhookFaults: webhook.MustParseFaults("user.created#1=bad-signature,user.created#2=duplicate")}, `["user.created"]`)
		p.do("POST", "/users", `{"email":"a@example.com"}`)
		p.do("POST", "/users", `{"email":"b@example.com"}`)
		time.Sleep(time.Second)
		synctest.Wait()
		got := h.deliveries()
		var verdicts []bool
		for _, d := range got {
			verdicts = append(verdicts, d.verified == nil)
		}
		// the 1st message: refused, then its retry; the 2nd: twice, the same webhook-id.
		if len(got) != 4 || !slices.Equal(verdicts, []bool{false, true, true, true}) || got[0].id() != got[3].id() || got[1].id() != got[2].id() {
			t.Fatalf("deliveries (verified %v): %d", verdicts, len(got))
		}
		if !errors.Is(got[0].verified, standardwebhooks.ErrNoMatchingSignature) {
			t.Errorf("the bad signature: %v", got[0].verified)
		}
		m := p.do("GET", "/notifications/webhooks/"+webhookID+"/messages/"+got[0].id(), "")
		if a := m.body["attempts"].([]any)[0].(map[string]any); a["fault"] != "bad-signature" || a["responseStatusCode"] != float64(401) {
			t.Errorf("the faulty attempt: %v", a)
		}
	})
}

// The subscription routes follow Basiq's rules, in Basiq's order.
func TestWebhookSubscriptionsFollowBasiqsRules(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	create := func(body string) answer { return s.do("POST", "/notifications/webhooks", s.bearer(tok), body) }

	a := create(`{"name":"users","description":"the users' events","url":"http://127.0.0.1:3000/users","subscribedEvents":["user.created","user.deleted","user.created"]}`)
	if a.status != 201 || a.body["status"] != "active" || a.body["type"] != "webhook" || a.body["name"] != "users" ||
		!slices.Equal(toStrings(a.body["subscribedEvents"]), []string{"user.created", "user.deleted"}) {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	first := a.body["id"].(string)
	if secret, _ := a.body["secret"].(string); !strings.HasPrefix(secret, "whsec_") {
		t.Errorf("the secret %q is not whsec_…", secret)
	} else if _, err := webhook.ParseSecret(secret); err != nil {
		t.Errorf("the secret does not parse: %v", err)
	}
	if self := a.body["links"].(map[string]any)["self"]; self != s.http.URL+"/notifications/webhooks/"+first {
		t.Errorf("links.self %v", self)
	}
	// The secret is shown once.
	for _, path := range []string{"/notifications/webhooks", "/notifications/webhooks/" + first} {
		if a := s.do("GET", path, s.bearer(tok), ""); a.status != 200 || strings.Contains(a.raw, "whsec_") || strings.Contains(a.raw, `"secret"`) {
			t.Errorf("GET %s shows the secret again: %d %s", path, a.status, a.raw)
		}
	}
	// The spec's example sends one type as a string.
	if a := create(`{"url":"http://localhost:3000/consents","subscribedEvents":"consent.revoked"}`); a.status != 201 ||
		!slices.Equal(toStrings(a.body["subscribedEvents"]), []string{"consent.revoked"}) {
		t.Errorf("subscribedEvents as a string: %d %s", a.status, a.raw)
	}
	for _, c := range []struct {
		name, body string
		status     int
		code, says string
	}{
		{"the URL again, checked before its bad types", `{"url":"http://127.0.0.1:3000/users","subscribedEvents":["users.created"]}`, 409, "resource-already-exists", "already exists"},
		{"an unknown type", `{"url":"http://127.0.0.1:3000/x","subscribedEvents":["users.created","consent.archived"]}`, 400, "invalid-content", `"users.created (did you mean user.created?)", "consent.archived"`},
		{"a type another webhook holds", `{"url":"http://127.0.0.1:3000/x","subscribedEvents":["account.updated","user.deleted"]}`, 400, "event-already-subscribed", "user.deleted (webhook " + first + ")"},
		{"another machine", `{"url":"https://example.com/hook","subscribedEvents":["account.updated"]}`, 400, "parameter-not-valid", "Posted url is not on this machine (example.com): the simulator delivers webhooks only here. Use 127.0.0.1, [::1] or localhost"},
		{"not a URL", `{"url":"127.0.0.1:3000","subscribedEvents":["account.updated"]}`, 400, "parameter-not-valid", "is not a URL. Write it whole, e.g. http://127.0.0.1:3000/webhooks"},
		{"not http", `{"url":"ftp://127.0.0.1/x","subscribedEvents":["account.updated"]}`, 400, "parameter-not-valid", "not an http or https URL"},
		{"no URL", `{"subscribedEvents":["account.updated"]}`, 400, "invalid-content", "needs its url"},
		{"no types", `{"url":"http://127.0.0.1:3000/x"}`, 400, "invalid-content", "needs subscribedEvents"},
		{"an empty list", `{"url":"http://127.0.0.1:3000/x","subscribedEvents":[]}`, 400, "invalid-content", "needs subscribedEvents"},
		{"types of another kind", `{"url":"http://127.0.0.1:3000/x","subscribedEvents":{"a":1}}`, 400, "invalid-content", "not valid"},
		{"not JSON", `{"url":`, 400, "invalid-content", "not valid"},
	} {
		a := create(c.body)
		if a.status != c.status || a.errorCode() != c.code || !strings.Contains(a.errorDetail(), c.says) {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
	}
	if a := s.do("POST", "/notifications/webhooks", s.bearer(s.clientToken(s.createUser(tok, "a@b.co"))), `{"url":"http://127.0.0.1:1/"}`); a.status != 403 {
		t.Errorf("a client token: %d", a.status)
	}
	if a := s.do("POST", "/notifications/webhooks", map[string]string{"Authorization": "Bearer " + tok}, `{"url":"http://127.0.0.1:1/"}`); a.status != 415 {
		t.Errorf("JSON without its Content-Type: %d", a.status)
	}

	// Update: the fields sent change; its own types are its own.
	update := func(id, body string) answer { return s.do("POST", "/notifications/webhooks/"+id, s.bearer(tok), body) }
	if a := update(first, `{"url":"http://127.0.0.1:3001/users","subscribedEvents":["user.deleted","user.updated"]}`); a.status != 200 ||
		a.body["url"] != "http://127.0.0.1:3001/users" || a.body["name"] != "users" || a.body["secret"] != nil ||
		!slices.Equal(toStrings(a.body["subscribedEvents"]), []string{"user.deleted", "user.updated"}) {
		t.Errorf("update: %d %s", a.status, a.raw)
	}
	if a := update(first, `{"url":"http://localhost:3000/consents"}`); a.status != 409 {
		t.Errorf("update to another's URL: %d %s", a.status, a.raw)
	}
	if a := update(first, `{"url":"http://127.0.0.1:3001/users","subscribedEvents":["consent.revoked"]}`); a.errorCode() != "event-already-subscribed" {
		t.Errorf("update to another's type: %d %s", a.status, a.raw)
	}
	if a := update("7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", `{"url":"http://127.0.0.1:9/"}`); a.status != 404 || a.errorDetail() != "Webhook with provided id doesn't exist." {
		t.Errorf("update an unknown webhook: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/notifications/webhooks/nope", s.bearer(tok), ""); a.status != 400 || a.errorCode() != "path-parameter-not-valid" {
		t.Errorf("not a webhook id: %d %s", a.status, a.raw)
	}
	// Delete: gone, with its messages.
	if a := s.do("DELETE", "/notifications/webhooks/"+first, s.bearer(tok), ""); a.status != 204 {
		t.Errorf("delete: %d %s", a.status, a.raw)
	}
	for _, path := range []string{"", "/messages"} {
		if a := s.do("GET", "/notifications/webhooks/"+first+path, s.bearer(tok), ""); a.status != 404 {
			t.Errorf("GET %s of a deleted webhook: %d", path, a.status)
		}
	}
	if a := s.do("DELETE", "/notifications/webhooks/"+first, s.bearer(tok), ""); a.status != 404 {
		t.Errorf("delete again: %d", a.status)
	}
	if a := s.do("GET", "/notifications/webhooks", s.bearer(tok), ""); len(a.items()) != 1 || a.body["count"] != float64(1) {
		t.Errorf("the list after: %s", a.raw)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}

// A handler on a real loopback port, for the tests that run on the real
// clock: each delivery is handed to the test as it comes.
func loopbackHook(t testing.TB, answer int) (url string, deliveries chan received) {
	deliveries = make(chan received, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(answer)
		_, _ = io.WriteString(w, "handled")
		deliveries <- received{at: time.Now(), header: r.Header.Clone(), body: body}
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/webhooks", deliveries
}

func nextDelivery(t testing.TB, ch chan received) received {
	t.Helper()
	return basiqtest.Receive(t, ch, "delivery")
}

// POST /notifications/messages/test: 400 no-webhooks-found without a
// webhook; a message, with the Text, to the webhook of that type (or to
// every webhook where none has it) otherwise; no event for GET /events.
func TestATestMessageGoesToTheWebhooks(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	test := func(body string) answer { return s.do("POST", "/notifications/messages/test", s.bearer(tok), body) }
	if a := test(`{"eventTypeId":"user.created"}`); a.status != 400 || a.errorCode() != "no-webhooks-found" || !strings.Contains(a.errorDetail(), "at least one webhook") {
		t.Errorf("with no webhook: %d %s", a.status, a.raw)
	}
	url, deliveries := loopbackHook(t, 200)
	other, others := loopbackHook(t, 200)
	id := s.do("POST", "/notifications/webhooks", s.bearer(tok), `{"url":"`+url+`","subscribedEvents":["user.created"]}`).body["id"].(string)
	s.do("POST", "/notifications/webhooks", s.bearer(tok), `{"url":"`+other+`","subscribedEvents":["consent.revoked"]}`)
	a := test(`{"eventTypeId":"user.created","Text":"hello from the test"}`)
	if a.status != 201 || len(a.items()) != 1 || a.items()[0]["webhookId"] != id {
		t.Fatalf("a test of user.created: %d %s", a.status, a.raw)
	}
	d := nextDelivery(t, deliveries)
	var body map[string]any
	_ = json.Unmarshal(d.body, &body)
	if body["eventTypeId"] != "user.created" || body["text"] != "hello from the test" || d.id() != a.items()[0]["id"] {
		t.Errorf("the test message: %s (webhook-id %s)", d.body, d.id())
	}
	// A type no webhook has goes to them all.
	if a := test(`{"eventTypeId":"account.updated"}`); a.status != 201 || len(a.items()) != 2 {
		t.Errorf("a type nobody subscribes to: %d %s", a.status, a.raw)
	}
	nextDelivery(t, deliveries)
	nextDelivery(t, others)
	if events := s.eventsOf(tok, "event.type.eq('account.updated')"); len(events) != 0 {
		t.Errorf("a test message is in GET /events: %v", events)
	}
	m := s.do("GET", "/notifications/webhooks/"+id+"/messages?limit=1", s.bearer(tok), "")
	if len(m.items()) != 1 || m.items()[0]["eventTypeId"] != "account.updated" {
		t.Errorf("the latest message, limit=1: %s", m.raw)
	}
	if m := s.do("GET", "/notifications/webhooks/"+id+"/messages?filter="+strings.ReplaceAll("eventTypeId.eq('user.created')", "'", "%27"), s.bearer(tok), ""); len(m.items()) != 1 {
		t.Errorf("filtered on eventTypeId: %s", m.raw)
	}
	for _, bad := range []string{"?limit=0", "?limit=501", "?filter=nonsense"} {
		if m := s.do("GET", "/notifications/webhooks/"+id+"/messages"+bad, s.bearer(tok), ""); m.status != 400 {
			t.Errorf("%s: %d", bad, m.status)
		}
	}
	if m := s.do("GET", "/notifications/webhooks/"+id+"/messages/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", s.bearer(tok), ""); m.status != 404 || m.errorDetail() != "Message not found." {
		t.Errorf("an unknown message: %d %s", m.status, m.raw)
	}
	for body, says := range map[string]string{`{"eventTypeId":"users.created"}`: "Did you mean user.created?", `{}`: "needs its eventTypeId", `{"Text":1}`: "not valid"} {
		if a := test(body); a.status != 400 || a.errorCode() != "invalid-content" || !strings.Contains(a.errorDetail(), says) {
			t.Errorf("%s: %d %s", body, a.status, a.raw)
		}
	}
}

// FuzzCreateWebhook: whatever a client posts to make a webhook, the answer
// is Basiq's, a webhook made only to this machine, for known types, with a
// secret that signs; never a 500 or a panic.
func FuzzCreateWebhook(f *testing.F) {
	for _, seed := range []string{
		`{"url":"http://127.0.0.1:3000/x","subscribedEvents":["user.created"]}`,
		`{"url":"http://localhost:1/","subscribedEvents":"consent.revoked","name":"n","description":"d"}`,
		`{"url":"https://example.com/","subscribedEvents":["user.created"]}`,
		`{"url":"http://[::1]:9/x","subscribedEvents":["user.created","nope"]}`,
		`{"url":"http://127.0.0.1:3000/x","subscribedEvents":[]}`, `{"url":1}`, `{}`, `[]`, `null`, ``, `{"url":"http://127.0.0.1:3000/x","subscribedEvents":[null]}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		p := newInProcess(t, Options{})
		first := p.do("POST", "/notifications/webhooks", `{"url":"http://127.0.0.1:3000/taken","subscribedEvents":["user.created"]}`)
		if first.status != 201 {
			t.Fatalf("the first webhook: %d", first.status)
		}
		a := p.do("POST", "/notifications/webhooks", body)
		switch a.status {
		case 201:
			if err := webhook.CheckLoopback(a.body["url"].(string)); err != nil {
				t.Errorf("%q made a webhook elsewhere: %v", body, err)
			}
			events := toStrings(a.body["subscribedEvents"])
			if len(events) == 0 {
				t.Errorf("%q made a webhook of no events", body)
			}
			for _, e := range events {
				if _, ok := webhook.LookupEventType(e); !ok || e == "user.created" {
					t.Errorf("%q subscribed to %q", body, e)
				}
			}
			if _, err := webhook.ParseSecret(a.body["secret"].(string)); err != nil {
				t.Errorf("%q: its secret %v", body, err)
			}
		case 400, 409:
			if a.body["type"] != "list" || a.errorCode() == "" || a.errorDetail() == "" {
				t.Errorf("%q: %d without Basiq's error body: %s", body, a.status, a.raw)
			}
		default:
			t.Errorf("%q: %d %s", body, a.status, a.raw)
		}
	})
}

// Deleting a webhook stops what it still had to send: "further delivery
// attempts to that endpoint will be automatically disabled".
func TestADeletedWebhookSendsNoMore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{answer: func(_ int, _ received, w http.ResponseWriter) bool {
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}}
		p, id := hookedTo(t, h, Options{}, `["user.created"]`)
		// the first attempt, and the retry 5 s on
		if n := len(p.createUserThenWait(h, 6*time.Second)); n != 2 {
			t.Fatalf("%d attempts before the delete, want 2", n)
		}
		if a := p.do("DELETE", "/notifications/webhooks/"+id, ""); a.status != 204 {
			t.Fatalf("delete: %d", a.status)
		}
		time.Sleep(24 * time.Hour)
		synctest.Wait()
		if n := len(h.deliveries()); n != 2 {
			t.Errorf("%d attempts a day after the delete, want still 2", n)
		}
	})
}
