package simulator

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// eventsOf is GET /events with a filter ("" for none), oldest first.
func (s *sim) eventsOf(tok, filter string) []map[string]any {
	s.t.Helper()
	path := "/events"
	if filter != "" {
		path += "?filter=" + url.QueryEscape(filter)
	}
	a := s.do("GET", path, s.bearer(tok), "")
	if a.status != 200 {
		s.t.Fatalf("GET %s: %d %s", path, a.status, a.raw)
	}
	items := a.items()
	slices.Reverse(items) // the list is newest first
	return items
}

// types are the events' entity.eventType, in order.
func types(events []map[string]any) []string {
	var out []string
	for _, e := range events {
		out = append(out, e["entity"].(string)+"."+e["eventType"].(string))
	}
	return out
}

func repeat(t string, n int) []string { return slices.Repeat([]string{t}, n) }

var eventID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// The events of a whole demo onboarding, in order, each with the fields of
// basiq-api.md §12 and the time the change happened: a job's come with its
// steps' ends, not when someone asked.
func TestADemoOnboardingRaisesItsEventsInOrder(t *testing.T) {
	s := newSim(t, Options{StepDelay: 2 * time.Second})
	tok := s.serverToken()
	start := s.clock.Now()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	if got := types(s.eventsOf(tok, "")); !slices.Equal(got, []string{"user.created", "consent.created", "connection.created"}) {
		t.Fatalf("before the job ran: %v", got)
	}
	s.clock.Advance(10 * time.Second)
	events := s.eventsOf(tok, "user.id.eq('"+user+"')")
	want := append([]string{"user.created", "consent.created", "connection.created", "connection.activated"},
		append(repeat("account.updated", 4), repeat("transactions.updated", 4)...)...)
	if got := types(events); !slices.Equal(got, want) {
		t.Fatalf("the onboarding's events:\n%v\nwant\n%v", got, want)
	}
	conn := s.jobConnection(tok, job)
	base := s.http.URL
	at := func(d time.Duration) string { return stamp(start.Add(d)) }
	// queued 1 s, then 2 s a step: verify-credentials ends at 3 s, accounts at 5 s, transactions at 7 s.
	wantTime := map[string]string{"user.created": at(0), "consent.created": at(0), "connection.created": at(0),
		"connection.activated": at(3 * time.Second), "account.updated": at(5 * time.Second), "transactions.updated": at(7 * time.Second)}
	accounts := s.do("GET", "/users/"+user+"/accounts", s.bearer(tok), "").items()
	for i, e := range events {
		typ := types(events[i : i+1])[0]
		if e["type"] != "event" || !eventID.MatchString(e["id"].(string)) || e["userId"] != user || e["createdDate"] != wantTime[typ] {
			t.Errorf("event %d (%s): %v", i, typ, e)
		}
		if e["links"].(map[string]any)["self"] != base+"/events/"+e["id"].(string) {
			t.Errorf("event %d's links: %v", i, e["links"])
		}
		data, _ := e["data"].(map[string]any)
		ref := e["dataRef"].(string)
		switch typ {
		case "user.created":
			if ref != base+"/users/"+user || data["id"] != user || data["email"] != "max@example.com" {
				t.Errorf("user.created: %s %v", ref, data)
			}
		case "consent.created":
			if !strings.HasPrefix(ref, base+"/users/"+user+"/consents/") || data["status"] != "active" {
				t.Errorf("consent.created: %s %v", ref, data)
			}
		case "connection.created", "connection.activated":
			status := map[string]string{"connection.created": "pending", "connection.activated": "active"}[typ]
			if ref != base+"/users/"+user+"/connections/"+conn || data["id"] != conn || data["status"] != status {
				t.Errorf("%s: %s %v, want the connection %s", typ, ref, data, status)
			}
		case "account.updated":
			a := accounts[i-4]
			if ref != a["links"].(map[string]any)["self"] || data["id"] != a["id"] || data["balance"] != a["balance"] {
				t.Errorf("account.updated %d: %s %v, want %v", i-4, ref, data, a)
			}
		case "transactions.updated":
			a := accounts[i-8]
			txns := a["links"].(map[string]any)["transactions"]
			if ref != txns || data["account"] != a["id"] || data["connection"] != conn {
				t.Errorf("transactions.updated %d: %s %v, want the transactions of %v", i-8, ref, data, a["id"])
			}
			if got := s.do("GET", strings.TrimPrefix(ref, base), s.bearer(tok), ""); got.status != 200 || len(got.items()) == 0 {
				t.Errorf("its dataRef %s: %d", ref, got.status)
			}
		}
		one := s.do("GET", "/events/"+e["id"].(string), s.bearer(tok), "")
		if one.status != 200 || one.body["id"] != e["id"] || one.body["createdDate"] != e["createdDate"] {
			t.Errorf("GET /events/%s: %d %s", e["id"], one.status, one.raw)
		}
	}
	// Asking again raises nothing again.
	if again := s.eventsOf(tok, ""); len(again) != len(events) {
		t.Errorf("read again: %d events, then %d", len(events), len(again))
	}
}

func TestEventFilters(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	first, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	second := s.createUser(tok, "b@example.com")
	for filter, want := range map[string]int{
		"":                              12 + 1,
		"user.id.eq('" + second + "')":  1,
		"user.id.eq('" + first + "')":   12,
		"event.entity.eq('account')":    4,
		"event.type.eq('created')":      4,
		"event.type.eq('user.created')": 2,
		"event.type.eq('activated')":    1,
		"event.entity.eq('user'),user.id.eq('" + first + "')": 1,
	} {
		if got := s.eventsOf(tok, filter); len(got) != want {
			t.Errorf("%q: %d events (%v), want %d", filter, len(got), types(got), want)
		}
	}
	for _, bad := range []string{"nonsense", "user.id.gt('x')", "event.status.eq('x')"} {
		if a := s.do("GET", "/events?filter="+url.QueryEscape(bad), s.bearer(tok), ""); a.status != 400 || a.errorCode() != "parameter-not-valid" {
			t.Errorf("%q: %d %s", bad, a.status, a.raw)
		}
	}
	if a := s.do("GET", "/events", s.bearer(s.clientToken(first)), ""); a.status != 403 || a.errorCode() != "forbidden-access" {
		t.Errorf("a client token: %d %s", a.status, a.raw)
	}
	// Basiq keeps 7 days.
	id := s.eventsOf(tok, "")[0]["id"].(string)
	s.clock.Advance(eventsKept + time.Second)
	tok = s.serverToken()
	if got := s.eventsOf(tok, ""); len(got) != 0 {
		t.Errorf("after 7 days: %v", types(got))
	}
	if a := s.do("GET", "/events/"+id, s.bearer(tok), ""); a.status != 404 || a.errorCode() != "resource-not-found" {
		t.Errorf("a week-old event: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/events/"+strings.Repeat("z", 64), s.bearer(tok), ""); a.status != 400 || a.errorCode() != "path-parameter-not-valid" {
		t.Errorf("not an event id: %d %s", a.status, a.raw)
	}
}

// Every change of state raises its event where it happens, the consent
// page's and the API's alike.
func TestEventsComeFromWhereStateChanges(t *testing.T) {
	s := newSim(t, Options{StepDelay: time.Second})
	tok := s.serverToken()
	user, job := s.consent(tok, "Wentworth-Smith", "whislter")
	s.clock.Advance(time.Minute)
	since := len(s.eventsOf(tok, ""))
	newTypes := func() []string {
		t.Helper()
		all := s.eventsOf(tok, "")
		got := types(all[since:])
		since = len(all)
		return got
	}
	conn := s.jobConnection(tok, job)

	s.do("POST", "/users/"+user, s.bearer(tok), `{"firstName":"Max"}`)
	if got := newTypes(); !slices.Equal(got, []string{"user.updated"}) {
		t.Errorf("POST /users/{id}: %v", got)
	}
	s.do("POST", "/users/"+user, s.bearer(tok), `{"email":"bad"}`)
	if got := newTypes(); len(got) != 0 {
		t.Errorf("a refused update: %v", got)
	}
	s.do("POST", "/users/"+user+"/connections/"+conn+"/refresh", s.bearer(tok), "")
	s.clock.Advance(time.Minute)
	if got := newTypes(); !slices.Equal(got, append(repeat("account.updated", 4), repeat("transactions.updated", 4)...)) {
		t.Errorf("a refresh of an active connection: %v", got)
	}
	s.do("POST", "/users/"+user+"/connections/"+conn+"/purge", s.bearer(tok), "")
	if got := newTypes(); len(got) != 0 {
		t.Errorf("a purge: %v", got)
	}
	second := s.connectAs(user, "AU00002", "jared") // Pied Piper asks a challenge
	s.clock.Advance(2 * time.Second)
	if got := newTypes(); !slices.Equal(got, []string{"connection.created"}) {
		t.Errorf("a second bank, its challenge waiting: %v", got)
	}
	if a := s.do("POST", "/jobs/"+second+"/mfa", s.bearer(s.clientToken(user)), `{"mfa-response":["1234"]}`); a.status != 202 {
		t.Fatalf("the answer: %d %s", a.status, a.raw)
	}
	if got := newTypes(); !slices.Equal(got, []string{"connection.activated"}) {
		t.Errorf("the challenge answered: %v, want the connection activated at once", got)
	}
	s.clock.Advance(time.Minute)
	newTypes()
	bad := s.connectWith(user, "AU00000", "Wentworth-Smith", "not-it")
	s.clock.Advance(time.Minute)
	if got := newTypes(); !slices.Equal(got, []string{"connection.created", "connection.invalidated"}) {
		t.Errorf("a failed login: %v", got)
	}
	s.do("DELETE", "/users/"+user+"/connections/"+s.jobConnection(tok, bad), s.bearer(tok), "")
	if got := newTypes(); !slices.Equal(got, []string{"connection.deleted"}) {
		t.Errorf("DELETE a connection: %v", got)
	}
	client := s.clientToken(user)
	s.page("POST", "/consent/manage", url.Values{"token": {client}, "op": {"extend"}})
	if got := newTypes(); !slices.Equal(got, []string{"consent.updated"}) {
		t.Errorf("the consent page's extend: %v", got)
	}
	consent := s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()[0]["id"].(string)
	s.do("DELETE", "/users/"+user+"/consents/"+consent, s.bearer(tok), "")
	if got := newTypes(); !slices.Equal(got, []string{"consent.revoked", "connection.deleted", "connection.deleted"}) {
		t.Errorf("revoking the consent (its two live connections deleted): %v", got)
	}
	s.do("DELETE", "/users/"+user+"/consents/"+consent, s.bearer(tok), "")
	if got := newTypes(); len(got) != 0 {
		t.Errorf("revoking it again: %v", got)
	}
	s.do("DELETE", "/users/"+user, s.bearer(tok), "")
	events := s.eventsOf(tok, "")
	if got := newTypes(); !slices.Equal(got, []string{"user.deleted"}) || events[len(events)-1]["data"].(map[string]any)["firstName"] != "Max" {
		t.Errorf("DELETE the user: %v, with the user as it was", got)
	}
}

// A consent's events that come with time come when their time does.
func TestConsentEventsComeWithTime(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	given := s.clock.Now()
	// Nobody asks about the user: GET /events alone finds what time brought.
	s.clock.Advance(remindAfter)
	tok = s.serverToken()
	got := s.eventsOf(tok, "event.entity.eq('consent')")
	if !slices.Equal(types(got), []string{"consent.reminder"}) || got[0]["createdDate"] != stamp(given.Add(remindAfter)) {
		t.Errorf("90 days on (consent.created out of the 7 days): %v", got)
	}
	s.clock.Advance(consentExpiry(given).Sub(s.clock.Now()) - warnBefore + time.Hour)
	if got := types(s.eventsOf(s.serverToken(), "event.entity.eq('consent')")); !slices.Equal(got, []string{"consent.warning"}) {
		t.Errorf("7 days before the expiry: %v", got)
	}
	s.clock.Advance(warnBefore - time.Hour) // to the expiry: the warning is 7 days old, still listed
	tok = s.serverToken()
	s.do("GET", "/users/"+user, s.bearer(tok), "")
	got = s.eventsOf(tok, "event.entity.eq('consent')")
	if !slices.Equal(types(got), []string{"consent.warning", "consent.expired"}) {
		t.Fatalf("a year on: %v", types(got))
	}
	if got[0]["createdDate"] != stamp(consentExpiry(given).Add(-warnBefore)) || got[1]["createdDate"] != stamp(consentExpiry(given)) {
		t.Errorf("the warning at %v and the expiry at %v", got[0]["createdDate"], got[1]["createdDate"])
	}
	if deleted := s.eventsOf(tok, "event.type.eq('connection.deleted')"); len(deleted) != 1 || deleted[0]["createdDate"] != stamp(consentExpiry(given)) {
		t.Errorf("the expired consent's connection: %v", deleted)
	}
}

func TestEventTypes(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	a := s.do("GET", "/events/types", s.bearer(tok), "")
	var ids []string
	for _, et := range a.items() {
		ids = append(ids, et["id"].(string))
		if et["type"] != "eventType" || et["description"] == "" || et["links"].(map[string]any)["self"] != s.http.URL+"/events/types/"+et["id"].(string) {
			t.Errorf("an event type: %v", et)
		}
	}
	want := []string{"account.updated", "connection.activated", "connection.created", "connection.deleted", "connection.invalidated",
		"consent.created", "consent.expired", "consent.reminder", "consent.revoked", "consent.updated", "consent.warning",
		"transactions.updated", "user.created", "user.deleted", "user.updated"}
	if a.status != 200 || !slices.Equal(ids, want) || a.body["count"] != float64(15) {
		t.Errorf("GET /events/types: %d %v", a.status, ids)
	}
	if a := s.do("GET", "/events/types/consent.reminder", s.bearer(tok), ""); a.status != 200 || a.body["id"] != "consent.reminder" ||
		!strings.Contains(a.body["description"].(string), "90 days") {
		t.Errorf("one type: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/events/types/users.created", s.bearer(tok), ""); a.status != 404 || !strings.Contains(a.errorDetail(), "Did you mean user.created?") {
		t.Errorf("a near miss: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/events/types/consent.archived", s.bearer(tok), ""); a.status != 404 {
		t.Errorf("consent.archived (the consent-events page's, not the list's): %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/events/types/nope", s.bearer(tok), ""); a.status != 400 || a.errorCode() != "path-parameter-not-valid" {
		t.Errorf("not a type: %d %s", a.status, a.raw)
	}
	if a := s.do("GET", "/events/types", nil, ""); a.status != 401 {
		t.Errorf("no token: %d", a.status)
	}
}
