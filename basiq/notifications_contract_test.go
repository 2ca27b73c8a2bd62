package basiq

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/basiqspec"
)

// The webhook calls held to webhooks.json, as TestContractRequests and
// TestContractExamples hold the others to core.json. Known differences,
// each checked below:
//   - the spec's examples give subscribedEvents as one string
//     ("user.created") where the request schema has a list: EventTypeList
//     reads both;
//   - the messages' schema types attempts as strings, the example as
//     objects with responseStatusCode a number once and a string ("500")
//     once: MessageAttempt and StatusCode read each;
//   - the list's example gives data as one webhook, not a list of one:
//     ListWebhooks reads both;
//   - the example secret (rfiuheo43934) has no whsec_ prefix, while Basiq's
//     security guide's has it: WebhookSecret is whatever Basiq sends.

const (
	testWebhookID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	testMessageID = "11a85f64-5717-4562-b3fc-2c963f66af11"
)

// TestContractWebhookRequests drives every webhook call against a stub and
// validates each request it sent against webhooks.json.
func TestContractWebhookRequests(t *testing.T) {
	basiqspec.Dir(t)
	stub := newRecordingStub(t)
	mux, srv := stub.mux, stub.srv
	hook := map[string]any{"type": "webhook", "id": testWebhookID, "url": "https://piper.com/basiq-messages/", "status": "active",
		"subscribedEvents": []string{"user.created"}, "links": map[string]any{"self": srv.URL + "/notifications/webhooks/" + testWebhookID}}
	mux.HandleFunc("POST /notifications/webhooks", func(w http.ResponseWriter, r *http.Request) {
		created := map[string]any{"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
		for k, v := range hook {
			created[k] = v
		}
		writeJSON(w, 201, created)
	})
	mux.HandleFunc("GET /notifications/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "list", "count": 1, "size": 1, "data": []any{hook}})
	})
	one := func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, hook) }
	mux.HandleFunc("GET /notifications/webhooks/{id}", one)
	mux.HandleFunc("POST /notifications/webhooks/{id}", one)
	mux.HandleFunc("DELETE /notifications/webhooks/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	message := map[string]any{"id": testMessageID, "payload": map[string]any{"eventTypeId": "user.created", "eventId": testJobID}}
	mux.HandleFunc("GET /notifications/webhooks/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"type": "list", "count": 1, "size": 1, "data": []any{message}})
	})
	mux.HandleFunc("GET /notifications/webhooks/{id}/messages/{mid}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, message) })
	mux.HandleFunc("POST /notifications/messages/test", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) })

	c := stub.client(t)
	ctx := context.Background()
	req := WebhookRequest{URL: "https://piper.com/basiq-messages/", Name: "My General Webhook", Description: "all of them", SubscribedEvents: []string{"user.created", "consent.revoked"}}
	steps := []error{
		errOf(c.CreateWebhook(ctx, req)),
		errOf(c.ListWebhooks(ctx)),
		errOf(c.GetWebhook(ctx, testWebhookID)),
		errOf(c.UpdateWebhook(ctx, testWebhookID, WebhookRequest{URL: "https://piper.com/other/"})),
		errOf(c.ListWebhookMessages(ctx, testWebhookID)),
		errOf(c.GetWebhookMessage(ctx, testWebhookID, testMessageID)),
		c.SendTestMessage(ctx, "user.created", "basiq-onboard trigger"),
		c.DeleteWebhook(ctx, testWebhookID),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}

	spec, seen := stub.validate(t)
	opts := &openapi3filter.Options{AuthenticationFunc: checkAuth, MultiError: true}
	// The validator can fail: a webhook without its url does.
	bad, _ := http.NewRequest(http.MethodPost, srv.URL+"/notifications/webhooks", strings.NewReader(`{"name":"no url"}`))
	bad.Header.Set("Authorization", "Bearer eyJ.x.y")
	bad.Header.Set("Content-Type", "application/json")
	if route, params, err := spec.FindRoute(bad); err != nil {
		t.Errorf("no route for POST /notifications/webhooks: %v", err)
	} else if err := openapi3filter.ValidateRequest(ctx, &openapi3filter.RequestValidationInput{Request: bad, PathParams: params, Route: route, Options: opts}); err == nil {
		t.Error("a webhook without a url passed validation")
	}
	var want []string
	for path, item := range spec.Docs["webhooks.json"].Paths.Map() {
		for method := range item.Operations() {
			want = append(want, method+" "+path)
		}
	}
	sort.Strings(want)
	for _, route := range want {
		if !seen[route] {
			t.Errorf("%s (webhooks.json) was never exercised", route)
		}
	}
	if len(want) != 8 {
		t.Errorf("webhooks.json has %d operations, want the 8 the client calls: %v", len(want), want)
	}
}

// TestContractWebhookExamples decodes every example answer of webhooks.json
// into the client's types, and each error example as Basiq's error list.
func TestContractWebhookExamples(t *testing.T) {
	doc := basiqspec.Load(t, "").Docs["webhooks.json"]
	targets := map[string]func() any{
		"POST /notifications/webhooks":                                 func() any { return new(Webhook) },
		"GET /notifications/webhooks":                                  func() any { return new(webhookList) },
		"GET /notifications/webhooks/{webhookId}":                      func() any { return new(Webhook) },
		"POST /notifications/webhooks/{webhookId}":                     func() any { return new(Webhook) },
		"GET /notifications/webhooks/{webhookId}/messages":             func() any { return new(listBody[WebhookMessage]) },
		"GET /notifications/webhooks/{webhookId}/messages/{messageId}": func() any { return new(WebhookMessage) },
	}
	decoded := map[string]any{}
	errorCodes := map[string]bool{}
	jsonAnswers(doc, func(key, code string, media *openapi3.MediaType) {
		for name, raw := range examples(media) {
			b, _ := json.Marshal(raw)
			if !strings.HasPrefix(code, "2") {
				e := decodeError(400, nil, b)
				if len(e.Items) == 0 {
					t.Errorf("%s %s example %q is not read as an error list", key, code, name)
				}
				errorCodes[e.Code()] = true
				continue
			}
			target, ok := targets[key]
			if !ok {
				t.Errorf("%s %s: an example the client has no type for", key, code)
				continue
			}
			v := target()
			if err := json.Unmarshal(b, v); err != nil {
				t.Errorf("%s %s example %q does not decode: %v", key, code, name, err)
				continue
			}
			decoded[key] = v
		}
	})
	for key := range targets {
		if decoded[key] == nil {
			t.Errorf("%s: no example decoded", key)
		}
	}
	if w, _ := decoded["POST /notifications/webhooks"].(*Webhook); w == nil || w.Secret.Reveal() != "rfiuheo43934" || len(w.SubscribedEvents) != 1 || w.SubscribedEvents[0] != "user.created" || w.Status != WebhookActive {
		t.Errorf("the created webhook's example read as %#v", w)
	}
	if l, _ := decoded["GET /notifications/webhooks"].(*webhookList); l == nil || len(l.Data) != 1 || l.Data[0].URL == "" {
		t.Errorf("the list's example read as %+v", l)
	}
	m, _ := decoded["GET /notifications/webhooks/{webhookId}/messages/{messageId}"].(*WebhookMessage)
	if m == nil || len(m.Attempts) != 2 || m.Attempts[0].ResponseStatusCode != 200 || m.Attempts[1].ResponseStatusCode != 500 ||
		!m.Attempts[0].Succeeded() || m.Attempts[1].Succeeded() || m.Attempts[1].Time().IsZero() || m.TypeID() != "user.created" || m.Payload.Links.EventEntity == "" {
		t.Errorf("the message's example read as %+v", m)
	}
	for _, code := range []string{CodeAlreadyExists, CodeAlreadySubscribed, CodeInvalidContent} {
		if !errorCodes[code] {
			t.Errorf("no error example with code %s: %v", code, errorCodes)
		}
	}
}
