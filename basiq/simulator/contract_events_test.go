package simulator

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// recorded waits until an attempt of the message has been recorded: the
// handler has it before the simulator has the handler's answer.
func recorded(t testing.TB, attempts chan webhook.Attempt, messageID string) {
	t.Helper()
	for {
		select {
		case a := <-attempts:
			if a.MessageID == messageID {
				return
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no attempt of message %s recorded within 10s", messageID)
		}
	}
}

// eventAnswers are the answers of the events and webhooks routes that
// TestContractResponses must have checked against the spec.
var eventAnswers = []string{
	"GET /events 200", "GET /events 400", "GET /events 401", "GET /events 403",
	"GET /events/{id} 200", "GET /events/{id} 400", "GET /events/{id} 401", "GET /events/{id} 403", "GET /events/{id} 404",
	"GET /events/types 200", "GET /events/types 401", "GET /events/types 403",
	"GET /events/types/{id} 200", "GET /events/types/{id} 400", "GET /events/types/{id} 401", "GET /events/types/{id} 404",
	"POST /notifications/webhooks 201", "POST /notifications/webhooks 400", "POST /notifications/webhooks 401",
	"POST /notifications/webhooks 403", "POST /notifications/webhooks 409", "POST /notifications/webhooks 415",
	"GET /notifications/webhooks 200", "GET /notifications/webhooks 401", "GET /notifications/webhooks 403",
	"GET /notifications/webhooks/{webhookId} 200", "GET /notifications/webhooks/{webhookId} 400",
	"GET /notifications/webhooks/{webhookId} 401", "GET /notifications/webhooks/{webhookId} 404",
	"POST /notifications/webhooks/{webhookId} 200", "POST /notifications/webhooks/{webhookId} 400",
	"POST /notifications/webhooks/{webhookId} 404", "POST /notifications/webhooks/{webhookId} 409",
	"POST /notifications/webhooks/{webhookId} 415", "POST /notifications/webhooks/{webhookId} 401", "POST /notifications/webhooks/{webhookId} 403",
	"DELETE /notifications/webhooks/{webhookId} 204", "DELETE /notifications/webhooks/{webhookId} 400",
	"DELETE /notifications/webhooks/{webhookId} 401", "DELETE /notifications/webhooks/{webhookId} 403", "DELETE /notifications/webhooks/{webhookId} 404",
	"GET /notifications/webhooks/{webhookId}/messages 200", "GET /notifications/webhooks/{webhookId}/messages 400",
	"GET /notifications/webhooks/{webhookId}/messages 401", "GET /notifications/webhooks/{webhookId}/messages 404",
	"GET /notifications/webhooks/{webhookId}/messages/{messageId} 200", "GET /notifications/webhooks/{webhookId}/messages/{messageId} 400",
	"GET /notifications/webhooks/{webhookId}/messages/{messageId} 401", "GET /notifications/webhooks/{webhookId}/messages/{messageId} 404",
	"POST /notifications/messages/test 201", "POST /notifications/messages/test 400", "POST /notifications/messages/test 401",
	"POST /notifications/messages/test 403", "POST /notifications/messages/test 415",
}

// driveEventsAndWebhooks makes the simulator give every kind of answer of
// the events (core.json) and webhooks (webhooks.json) routes. The
// simulator's own /_simulator/ routes are not Basiq's, and not here.
func driveEventsAndWebhooks(s *sim, attempts chan webhook.Attempt) {
	tok := s.serverToken()
	user, _ := s.consent(tok, "Wentworth-Smith", "whislter")
	client := s.clientToken(user)
	s.consent(tok, "bighead", "password") // connection.invalidated
	s.clock.Advance(time.Minute)
	unknown := "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"

	s.do("GET", "/events", s.bearer(tok), "")
	mine := s.do("GET", "/events?filter="+url.QueryEscape("user.id.eq('"+user+"')"), s.bearer(tok), "")
	s.do("GET", "/events?filter="+url.QueryEscape("event.entity.eq('connection'),event.type.eq('activated')"), s.bearer(tok), "")
	s.do("GET", "/events?filter=nonsense", s.bearer(tok), "")
	s.do("GET", "/events", s.bearer(client), "")
	s.do("GET", "/events", nil, "")
	seen := map[string]bool{}
	for _, e := range mine.items() {
		if typ := e["entity"].(string) + "." + e["eventType"].(string); !seen[typ] {
			seen[typ] = true
			s.do("GET", "/events/"+e["id"].(string), s.bearer(tok), "")
		}
	}
	anEvent := mine.items()[0]["id"].(string)
	s.do("GET", "/events/"+strings.Repeat("0", 64), s.bearer(tok), "")
	s.do("GET", "/events/"+strings.Repeat("z", 64), s.bearer(tok), "")
	s.do("GET", "/events/"+anEvent, s.bearer(client), "")
	s.do("GET", "/events/"+anEvent, nil, "")
	for _, who := range []map[string]string{s.bearer(tok), s.bearer(client), nil} {
		s.do("GET", "/events/types", who, "")
		s.do("GET", "/events/types/user.created", who, "")
	}
	s.do("GET", "/events/types/users.created", s.bearer(tok), "")
	s.do("GET", "/events/types/nope", s.bearer(tok), "")

	// Webhooks: none yet, then one to a handler on this machine.
	s.do("POST", "/notifications/messages/test", s.bearer(tok), `{"eventTypeId":"user.created"}`)
	hookURL, deliveries := loopbackHook(s.t, 200)
	noType := map[string]string{"Authorization": "Bearer " + tok}
	create := `{"name":"all","url":"` + hookURL + `","subscribedEvents":["user.created","user.updated"]}`
	s.do("POST", "/notifications/webhooks", s.bearer(client), create)
	s.do("POST", "/notifications/webhooks", nil, create)
	s.do("POST", "/notifications/webhooks", noType, create)
	wh := s.do("POST", "/notifications/webhooks", s.bearer(tok), create).body["id"].(string)
	s.do("POST", "/notifications/webhooks", s.bearer(tok), create)
	s.do("POST", "/notifications/webhooks", s.bearer(tok), `{"url":"http://127.0.0.1:9/x","subscribedEvents":["users.created"]}`)
	s.do("POST", "/notifications/webhooks", s.bearer(tok), `{"url":"https://example.com/x","subscribedEvents":["consent.revoked"]}`)
	s.do("POST", "/notifications/webhooks", s.bearer(tok), `{"url":"http://127.0.0.1:9/x","subscribedEvents":["user.created"]}`)
	for _, who := range []map[string]string{s.bearer(tok), s.bearer(client), nil} {
		s.do("GET", "/notifications/webhooks", who, "")
		s.do("GET", "/notifications/webhooks/"+wh, who, "")
		s.do("GET", "/notifications/webhooks/"+wh+"/messages", who, "")
	}
	s.do("GET", "/notifications/webhooks/nope", s.bearer(tok), "")
	s.do("GET", "/notifications/webhooks/"+unknown, s.bearer(tok), "")
	update := `{"url":"` + hookURL + `","subscribedEvents":["user.created","user.updated","user.deleted"]}`
	s.do("POST", "/notifications/webhooks/"+wh, s.bearer(tok), update)
	s.do("POST", "/notifications/webhooks/"+wh, noType, update)
	s.do("POST", "/notifications/webhooks/"+wh, s.bearer(client), update)
	s.do("POST", "/notifications/webhooks/"+wh, nil, update)
	s.do("POST", "/notifications/webhooks/"+unknown, s.bearer(tok), update)
	s.do("POST", "/notifications/webhooks/nope", s.bearer(tok), update)
	other := s.do("POST", "/notifications/webhooks", s.bearer(tok), `{"url":"http://127.0.0.1:9/other","subscribedEvents":["consent.revoked"]}`).body["id"].(string)
	s.do("POST", "/notifications/webhooks/"+other, s.bearer(tok), update)
	s.do("POST", "/notifications/webhooks/"+other, s.bearer(tok), `{"url":"http://127.0.0.1:9/other","subscribedEvents":["user.created"]}`)

	// A message, delivered, with its attempt.
	s.createUser(tok, "hooked@example.com")
	message := nextDelivery(s.t, deliveries).id()
	recorded(s.t, attempts, message)
	for _, who := range []map[string]string{s.bearer(tok), nil} {
		s.do("GET", "/notifications/webhooks/"+wh+"/messages/"+message, who, "")
	}
	s.do("GET", "/notifications/webhooks/"+wh+"/messages?limit=1&filter="+url.QueryEscape("eventTypeId.eq('user.created')"), s.bearer(tok), "")
	s.do("GET", "/notifications/webhooks/"+wh+"/messages?limit=0", s.bearer(tok), "")
	s.do("GET", "/notifications/webhooks/"+unknown+"/messages", s.bearer(tok), "")
	s.do("GET", "/notifications/webhooks/"+wh+"/messages/"+unknown, s.bearer(tok), "")
	s.do("GET", "/notifications/webhooks/nope/messages/"+message, s.bearer(tok), "")
	s.do("POST", "/notifications/messages/test", s.bearer(tok), `{"eventTypeId":"user.created","Text":"a test"}`)
	recorded(s.t, attempts, nextDelivery(s.t, deliveries).id())
	s.do("POST", "/notifications/messages/test", s.bearer(tok), `{"eventTypeId":"users.created"}`)
	s.do("POST", "/notifications/messages/test", noType, `{"eventTypeId":"user.created"}`)
	s.do("POST", "/notifications/messages/test", s.bearer(client), `{"eventTypeId":"user.created"}`)
	s.do("POST", "/notifications/messages/test", nil, `{"eventTypeId":"user.created"}`)

	s.do("DELETE", "/notifications/webhooks/"+other, nil, "")
	s.do("DELETE", "/notifications/webhooks/"+other, s.bearer(client), "")
	s.do("DELETE", "/notifications/webhooks/"+other, s.bearer(tok), "")
	s.do("DELETE", "/notifications/webhooks/"+other, s.bearer(tok), "")
	s.do("DELETE", "/notifications/webhooks/nope", s.bearer(tok), "")
}
