package simulator

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

func (s *sim) consentOf(tok, user string) map[string]any {
	s.t.Helper()
	consents := s.do("GET", "/users/"+user+"/consents", s.bearer(tok), "").items()
	if len(consents) == 0 {
		s.t.Fatalf("user %s has no consent", user)
	}
	return consents[0]
}

// Consent time travel: each route raises its event, with the consent's
// dates moved to agree, and what follows (an expired or revoked consent's
// connections deleted).
func TestConsentTimeTravel(t *testing.T) {
	s := newSim(t, Options{})
	tok := s.serverToken()
	now := stamp(s.clock.Now())
	for _, c := range []struct {
		action string
		events []string
		check  func(consent map[string]any) bool
	}{
		{"warn", []string{"consent.warning"}, func(c map[string]any) bool {
			return c["status"] == "active" && c["expiryDate"] == stamp(s.clock.Now().Add(warnBefore))
		}},
		{"remind", []string{"consent.reminder"}, func(c map[string]any) bool {
			return c["status"] == "active" && c["updated"] == stamp(s.clock.Now().Add(-remindAfter))
		}},
		{"expire", []string{"consent.expired", "connection.deleted"}, func(c map[string]any) bool {
			return c["status"] == "expired" && c["expiryDate"] == now
		}},
		{"revoke", []string{"consent.revoked", "connection.deleted"}, func(c map[string]any) bool {
			return c["status"] == "revoked" && c["revoked"] == now
		}},
	} {
		user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
		consent := s.consentOf(tok, user)["id"].(string)
		path := "/_simulator/users/" + user + "/consents/" + consent + "/" + c.action
		a := s.do("POST", path, s.bearer(tok), "")
		var raised []map[string]any
		for _, e := range a.body["events"].([]any) {
			raised = append(raised, e.(map[string]any))
		}
		if a.status != 200 || !slices.Equal(types(raised), c.events) || a.body["consent"].(map[string]any)["id"] != consent {
			t.Errorf("%s: %d %s", c.action, a.status, a.raw)
			continue
		}
		if got := types(s.eventsOf(tok, "user.id.eq('"+user+"')"))[12:]; !slices.Equal(got, c.events) {
			t.Errorf("%s: GET /events has %v after the onboarding's", c.action, got)
		}
		if consentNow := s.consentOf(tok, user); !c.check(consentNow) {
			t.Errorf("%s: the consent reads %v", c.action, consentNow)
		}
		conns := s.do("GET", "/users/"+user+"/connections", s.bearer(tok), "").items()
		if ended := c.action == "expire" || c.action == "revoke"; ended != (len(conns) == 0) {
			t.Errorf("%s: %d connections left", c.action, len(conns))
		}
		if c.action == "expire" || c.action == "revoke" {
			again := s.do("POST", path, s.bearer(tok), "")
			if again.status != 400 || !strings.Contains(again.errorDetail(), "only a consent in force") {
				t.Errorf("%s twice: %d %s", c.action, again.status, again.raw)
			}
		}
	}
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	consent := s.consentOf(tok, user)["id"].(string)
	for _, c := range []struct {
		name, path string
		header     map[string]string
		status     int
	}{
		{"another action", "/_simulator/users/" + user + "/consents/" + consent + "/archive", s.bearer(tok), 404},
		{"an unknown consent", "/_simulator/users/" + user + "/consents/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a/expire", s.bearer(tok), 404},
		{"not a consent id", "/_simulator/users/" + user + "/consents/nope/expire", s.bearer(tok), 400},
		{"an unknown user", "/_simulator/users/7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a/consents/" + consent + "/expire", s.bearer(tok), 404},
		{"a client token", "/_simulator/users/" + user + "/consents/" + consent + "/expire", s.bearer(s.clientToken(user)), 403},
		{"no token", "/_simulator/users/" + user + "/consents/" + consent + "/expire", nil, 401},
	} {
		if a := s.do("POST", c.path, c.header, ""); a.status != c.status {
			t.Errorf("%s: %d %s", c.name, a.status, a.raw)
		}
	}
	if s.consentOf(tok, user)["status"] != "active" {
		t.Error("a refused time travel changed the consent")
	}
}

// The consent events a developer raises on demand reach the handler.
func TestTimeTravelReachesTheHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &hook{}
		p, _ := hookedTo(t, h, Options{}, `["consent.warning","consent.reminder","consent.expired","consent.revoked"]`)
		for _, action := range []string{"warn", "remind", "revoke"} {
			user := p.onboard()
			consents := p.do("GET", "/users/"+user+"/consents", "").items()
			if a := p.do("POST", "/_simulator/users/"+user+"/consents/"+consents[0]["id"].(string)+"/"+action, ""); a.status != 200 {
				t.Fatalf("%s: %d %s", action, a.status, a.raw)
			}
		}
		user := p.onboard()
		consents := p.do("GET", "/users/"+user+"/consents", "").items()
		p.do("POST", "/_simulator/users/"+user+"/consents/"+consents[0]["id"].(string)+"/expire", "")
		synctest.Wait()
		var got []string
		for _, d := range h.deliveries() {
			got = append(got, d.eventTypeID())
			if d.verified != nil {
				t.Errorf("%s: %v", d.eventTypeID(), d.verified)
			}
		}
		if want := []string{"consent.warning", "consent.reminder", "consent.revoked", "consent.expired"}; !slices.Equal(got, want) {
			t.Errorf("the handler received %v, want %v", got, want)
		}
	})
}

// What trigger will call: every one of the 15 types raised for real, on a
// new user or the one given, by doing what makes Basiq raise it.
func TestTriggerRaisesEachTypeForReal(t *testing.T) {
	s := newSim(t, Options{StepDelay: time.Second})
	tok := s.serverToken()
	trigger := func(body string) answer { return s.do("POST", "/_simulator/trigger", s.bearer(tok), body) }
	for _, typ := range webhook.EventTypeIDs() {
		a := trigger(`{"eventTypeId":"` + typ + `"}`)
		user, _ := a.body["userId"].(string)
		if a.status != 201 || user == "" || a.body["type"] != "trigger" {
			t.Errorf("%s: %d %s", typ, a.status, a.raw)
			continue
		}
		due, _ := a.body["due"].(string)
		if due != "" {
			at, _ := time.Parse(time.RFC3339, due)
			if at.Before(s.clock.Now()) || a.body["jobId"] == nil {
				t.Errorf("%s: due %s, job %v", typ, due, a.body["jobId"])
			}
			s.clock.Advance(at.Sub(s.clock.Now()))
		}
		if got := types(s.eventsOf(tok, "user.id.eq('"+user+"')")); !slices.Contains(got, typ) {
			t.Errorf("%s: the user's events are %v (due %q)", typ, got, due)
		}
		s.clock.Advance(time.Minute) // the job, if any, done
		tok = s.serverToken()
	}
	// On a user given: theirs.
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	s.clock.Advance(time.Minute)
	before := len(s.eventsOf(tok, "user.id.eq('"+user+"')"))
	for _, typ := range []string{"user.updated", "transactions.updated", "consent.updated", "connection.deleted", "consent.revoked", "consent.created", "connection.invalidated", "user.deleted"} {
		a := trigger(`{"eventTypeId":"` + typ + `","userId":"` + user + `"}`)
		if a.status != 201 || a.body["userId"] != user {
			t.Errorf("%s on the user: %d %s", typ, a.status, a.raw)
		}
		s.clock.Advance(time.Minute)
	}
	got := types(s.eventsOf(tok, "user.id.eq('"+user+"')"))[before:]
	want := []string{"user.updated", "account.updated", "account.updated", "account.updated", "account.updated",
		"transactions.updated", "transactions.updated", "transactions.updated", "transactions.updated",
		"consent.updated", "connection.deleted", "consent.revoked", "consent.created",
		"connection.created", "connection.invalidated", "user.deleted"}
	if !slices.Equal(got, want) {
		t.Errorf("the given user's events:\n%v\nwant\n%v", got, want)
	}
	for _, c := range []struct {
		body string
		says string
	}{
		{`{"eventTypeId":"user.created","userId":"` + user + `"}`, "leave out userId"},
		{`{"eventTypeId":"users.created"}`, "Did you mean user.created?"},
		{`{"eventTypeId":"nonsense"}`, "one of account.updated"},
		{`{"eventTypeId":"user.updated","userId":"nope"}`, "User ID value is not valid"},
		{`nope`, "not valid"},
	} {
		if a := trigger(c.body); a.status != 400 || !strings.Contains(a.errorDetail(), c.says) {
			t.Errorf("%s: %d %s", c.body, a.status, a.raw)
		}
	}
	if a := trigger(`{"eventTypeId":"user.updated","userId":"` + user + `"}`); a.status != 404 {
		t.Errorf("a deleted user: %d %s", a.status, a.raw)
	}
	second := s.createUser(tok, "b@example.com")
	trigger(`{"eventTypeId":"consent.created","userId":"` + second + `"}`)
	if a := trigger(`{"eventTypeId":"consent.created","userId":"` + second + `"}`); a.status != 400 || !strings.Contains(a.errorDetail(), "trigger consent.revoked first") {
		t.Errorf("a second consent: %d %s", a.status, a.raw)
	}
}
