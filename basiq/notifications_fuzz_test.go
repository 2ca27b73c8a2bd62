package basiq

import (
	"encoding/json"
	"testing"
)

// FuzzDecodeWebhookAnswers: whatever a server answers the webhook routes and
// the simulator's trigger with, decoding never panics, what decodes reads
// back (the helpers the commands call), and a webhook written again keeps
// its event types as a list.
func FuzzDecodeWebhookAnswers(f *testing.F) {
	f.Add([]byte(`{"type":"list","data":[{"type":"webhook","id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","url":"http://127.0.0.1:3000/h","status":"active","subscribedEvents":["user.created"],"secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]}`))
	f.Add([]byte(`{"type":"list","data":{"id":"x","subscribedEvents":"user.created"}}`))
	f.Add([]byte(`{"data":null}`))
	f.Add([]byte(`{"id":"m","payload":{"eventTypeId":"user.created","links":{"eventEntity":"/users/u"}},"attempts":[{"responseStatusCode":"500","status":"Failed","timestamp":"2019-08-24T14:13:22Z"},"e2du423ed",{"responseStatusCode":null}]}`))
	f.Add([]byte(`{"attempts":[{"responseStatusCode":2e2}]}`))
	f.Add([]byte(`{"type":"trigger","eventTypeId":"connection.activated","userId":"u","events":[{"id":"e","entity":"user","eventType":"created"}],"jobId":"j","due":"2026-11-24T14:05:01.5Z"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var list webhookList
		if json.Unmarshal(body, &list) == nil {
			for _, h := range list.Data {
				_ = h.Secret.String() + h.Secret.GoString()
				b, err := json.Marshal(h)
				if err != nil {
					t.Fatalf("a decoded webhook does not marshal: %v", err)
				}
				var back Webhook
				if err := json.Unmarshal(b, &back); err != nil || len(back.SubscribedEvents) != len(h.SubscribedEvents) || back.Secret != h.Secret {
					t.Errorf("a webhook read back differs: %+v, then %+v (%v)", h, back, err)
				}
			}
		}
		var m WebhookMessage
		if json.Unmarshal(body, &m) == nil {
			_ = m.TypeID()
			for _, a := range m.Attempts {
				_ = a.Succeeded()
				_ = a.Time()
			}
		}
		var tr Triggered
		if json.Unmarshal(body, &tr) == nil {
			_ = tr.DueAt()
			for _, e := range tr.Events {
				_ = e.TypeID()
			}
		}
	})
}
