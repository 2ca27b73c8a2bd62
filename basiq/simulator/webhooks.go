package simulator

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/internal/jsonlist"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// The application's webhooks (webhooks.json; basiq-api.md §12): each event
// a webhook subscribes to is POSTed to its URL by basiq/webhook's engine,
// signed with the webhook's secret (Standard Webhooks), retried on Basiq's
// schedule (Options.WebhookTimeScale compresses it) with the same
// webhook-id, every attempt recorded for GET …/messages. As Basiq's rules
// go: the secret is shown once, when the webhook is made, in its whsec_
// form; a URL registered already is a 409, checked first; an event type
// another webhook of the application holds is a 400
// event-already-subscribed, as is one Basiq does not have. The simulator
// delivers only to this machine (a 400 otherwise, when the webhook is made)
// and at once: no cool-off.

// subscription is one webhook of the application.
type subscription struct {
	id, name, description, url string
	events                     []string
	secret                     webhook.Secret
	created                    time.Time
}

// webhookHistory is how many messages are kept, with their attempts.
const webhookHistory = 5000

// webhookRequest is the body of POST /notifications/webhooks and of its
// update. subscribedEvents is a list, as the schema has it, or one type as
// a string, as the spec's example sends it.
type webhookRequest struct {
	Name             *string    `json:"name"`
	Description      *string    `json:"description"`
	URL              *string    `json:"url"`
	SubscribedEvents *eventList `json:"subscribedEvents"`
}

// webhookChange is a webhook's body that Basiq's rules have passed
// (checkWebhook): its url and event types as checked.
type webhookChange struct {
	in     webhookRequest
	url    string
	events []string
}

// apply sets what the body says on wh; a name or a description not sent
// stays as it was.
func (c webhookChange) apply(wh *subscription) {
	wh.url, wh.events = c.url, c.events
	if c.in.Name != nil {
		wh.name = *c.in.Name
	}
	if c.in.Description != nil {
		wh.description = *c.in.Description
	}
}

type eventList []string

func (l *eventList) UnmarshalJSON(b []byte) error {
	list, ok := jsonlist.Strings(b)
	if !ok {
		return errors.New("subscribedEvents is a list of event types")
	}
	*l = list
	return nil
}

func (s *Server) routeWebhooks(mux *http.ServeMux) {
	mux.HandleFunc("POST /notifications/webhooks", s.webhookBodyRoute(false, s.handleCreateWebhook))
	mux.HandleFunc("GET /notifications/webhooks", s.serverRoute(s.handleWebhooks))
	mux.HandleFunc("GET /notifications/webhooks/{id}", s.webhookRoute(s.handleWebhook))
	mux.HandleFunc("POST /notifications/webhooks/{id}", s.webhookBodyRoute(true, s.handleUpdateWebhook))
	mux.HandleFunc("DELETE /notifications/webhooks/{id}", s.webhookRoute(s.handleDeleteWebhook))
	mux.HandleFunc("GET /notifications/webhooks/{id}/messages", s.webhookRoute(s.handleMessages))
	mux.HandleFunc("GET /notifications/webhooks/{id}/messages/{mid}", s.webhookRoute(s.handleMessage))
	mux.HandleFunc("POST /notifications/messages/test", s.handleTestMessage)
}

// webhookRoute serves a route of one webhook, {id} in its path, to a server
// token, with s.mu held.
func (s *Server) webhookRoute(serve func(http.ResponseWriter, *http.Request, *subscription)) http.HandlerFunc {
	return s.serverRoute(func(w http.ResponseWriter, r *http.Request) {
		if wh, ok := s.lookupWebhook(w, r); ok {
			serve(w, r, wh)
		}
	})
}

// webhookBodyRoute reads a webhook's body (the token and the body before
// s.mu is taken), for an update finds the webhook, and serves the body once
// Basiq's rules have passed it.
func (s *Server) webhookBodyRoute(update bool, serve func(http.ResponseWriter, *http.Request, *subscription, webhookChange)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.authorize(r, serverOnly, ""); err != nil {
			s.fail(w, err)
			return
		}
		var in webhookRequest
		if !s.readJSON(w, r, &in, "Posted request not valid.", false) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		var wh *subscription
		if update {
			var ok bool
			if wh, ok = s.lookupWebhook(w, r); !ok {
				return
			}
		}
		change, apiErr := s.checkWebhook(wh, in)
		if apiErr != nil {
			s.fail(w, apiErr)
			return
		}
		serve(w, r, wh, change)
	}
}

func (s *Server) lookupWebhook(w http.ResponseWriter, r *http.Request) (*subscription, bool) {
	id := r.PathValue("id")
	if !validUUID(id) {
		s.fail(w, &apiError{status: http.StatusBadRequest, code: "path-parameter-not-valid", title: "Parameter value is not valid",
			detail: "Webhook ID value is not valid", source: &source{Parameter: "webhookId"}})
		return nil, false
	}
	for _, wh := range s.ev.webhooks {
		if wh.id == id {
			return wh, true
		}
	}
	s.fail(w, resourceNotFound("Webhook with provided id doesn't exist."))
	return nil, false
}

func invalidWebhook(detail string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "invalid-content", title: "Invalid request content", detail: detail}
}

// checkWebhook applies Basiq's rules to a webhook's body, in Basiq's order
// (the URL's conflict first), for wh (nil: a new one); s.mu is held. It
// gives the URL and the event types, deduplicated, in the order sent.
func (s *Server) checkWebhook(wh *subscription, in webhookRequest) (webhookChange, *apiError) {
	var events []string
	if in.URL == nil || strings.TrimSpace(*in.URL) == "" {
		return webhookChange{}, invalidWebhook("Posted request not valid. A webhook needs its url.")
	}
	url := strings.TrimSpace(*in.URL)
	for _, other := range s.ev.webhooks {
		if other != wh && other.url == url {
			return webhookChange{}, &apiError{status: http.StatusConflict, code: "resource-already-exists", title: "Resource already exists",
				detail: "Webhook with provided url already exists."}
		}
	}
	if err := webhook.CheckLoopback(url); err != nil {
		detail := "Posted url is not valid: " + err.Error() + ". Write it whole, e.g. http://127.0.0.1:3000/webhooks."
		if errors.Is(err, webhook.ErrNotLoopback) {
			u, _ := webhook.ParseURL(url)
			detail = "Posted url is not on this machine (" + u.Hostname() + "): the simulator delivers webhooks only here. Use 127.0.0.1, [::1] or localhost, e.g. http://127.0.0.1:3000/webhooks."
		}
		return webhookChange{}, badParameter(detail, "url")
	}
	if in.SubscribedEvents == nil {
		if wh != nil {
			return webhookChange{in, url, wh.events}, nil // an update that leaves them as they were
		}
		return webhookChange{}, invalidWebhook("Posted request not valid. A webhook needs subscribedEvents: one or more of GET /events/types.")
	}
	var unknown []string
	for _, t := range *in.SubscribedEvents {
		t = strings.TrimSpace(t)
		switch _, known := webhook.LookupEventType(t); {
		case !known:
			if near, ok := webhook.SuggestEventType(t); ok {
				t = fmt.Sprintf("%s (did you mean %s?)", t, near)
			}
			unknown = append(unknown, fmt.Sprintf("%q", t))
		case !slices.Contains(events, t):
			events = append(events, t)
		}
	}
	switch {
	case len(unknown) > 0:
		return webhookChange{}, invalidWebhook("Posted subscribedEvents contains unsupported event types: " + strings.Join(unknown, ", ") + ". GET /events/types lists them.")
	case len(events) == 0:
		return webhookChange{}, invalidWebhook("Posted request not valid. A webhook needs subscribedEvents: one or more of GET /events/types.")
	}
	for _, other := range s.ev.webhooks {
		if other == wh {
			continue
		}
		for _, t := range events {
			if slices.Contains(other.events, t) {
				return webhookChange{}, &apiError{status: http.StatusBadRequest, code: "event-already-subscribed", title: "Event already subscribed",
					detail: "Posted subscribedEvents contains events that are already subscribed to for this application: " + t + " (webhook " + other.id + ")."}
			}
		}
	}
	return webhookChange{in, url, events}, nil
}

// webhookBody is a webhook as Basiq shows it; the secret only when it is
// made.
func (s *Server) webhookBody(r *http.Request, wh *subscription, withSecret bool) map[string]any {
	body := map[string]any{"type": "webhook", "id": wh.id, "name": wh.name, "description": wh.description, "url": wh.url,
		"status": "active", "subscribedEvents": wh.events, "links": links{"self": s.baseURL(r) + "/notifications/webhooks/" + wh.id}}
	if withSecret {
		body["secret"] = wh.secret.Reveal()
	}
	return body
}

func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request, _ *subscription, change webhookChange) {
	if err := s.startDelivering(); err != nil {
		s.fail(w, internalError(err))
		return
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		s.fail(w, internalError(err))
		return
	}
	wh := &subscription{id: s.ids.uuid(), secret: secret, created: s.clock.Now()}
	change.apply(wh)
	s.ev.webhooks = append(s.ev.webhooks, wh)
	writeJSON(w, http.StatusCreated, s.webhookBody(r, wh, true))
}

// startDelivering makes the delivery engine, and starts the timer that
// raises a job's events on time, with the first webhook; s.mu is held.
func (s *Server) startDelivering() error {
	if s.ev.engine != nil {
		return nil
	}
	select {
	case <-s.stopped:
		return webhook.ErrClosed
	default:
	}
	e, err := webhook.New(webhook.Options{TimeScale: s.opts.WebhookTimeScale, Faults: s.opts.WebhookFaults,
		LoopbackOnly: true, Transport: s.opts.WebhookTransport, History: webhookHistory, Observe: s.opts.WebhookObserve})
	if err != nil {
		return err
	}
	s.ev.engine = e
	s.startTimer()
	return nil
}

func (s *Server) handleUpdateWebhook(w http.ResponseWriter, r *http.Request, wh *subscription, change webhookChange) {
	change.apply(wh)
	writeJSON(w, http.StatusOK, s.webhookBody(r, wh, false))
}

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	data := []map[string]any{}
	for _, wh := range s.ev.webhooks {
		data = append(data, s.webhookBody(r, wh, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "count": len(data), "size": len(data), "data": data,
		"links": links{"self": s.baseURL(r) + "/notifications/webhooks"}})
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request, wh *subscription) {
	writeJSON(w, http.StatusOK, s.webhookBody(r, wh, false))
}

// handleDeleteWebhook is DELETE …/{id}: 204; what it still had to send is
// not sent ("further delivery attempts to that endpoint will be
// automatically disabled", Basiq's delivery guide).
func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request, wh *subscription) {
	s.ev.webhooks = slices.DeleteFunc(s.ev.webhooks, func(x *subscription) bool { return x == wh })
	s.ev.engine.CancelTag(wh.id)
	w.WriteHeader(http.StatusNoContent)
}

// deliver sends an event to the webhook subscribed to its type; s.mu is held.
func (s *Server) deliver(e *event) {
	for _, wh := range s.ev.webhooks {
		if slices.Contains(wh.events, e.typeID()) {
			s.send(wh, e.typeID(), s.payload(e))
		}
	}
}

func (s *Server) send(wh *subscription, eventType string, payload []byte) (string, error) {
	return s.ev.engine.Send(webhook.Endpoint{URL: wh.url, Secret: wh.secret},
		webhook.Message{ID: s.ids.uuid(), EventType: eventType, Payload: payload, Tag: wh.id})
}

// messageFilters are the spec's words for the messages' filter: "date,
// status, eventTypeId, webhookId, eventId".
var messageFilters = filterFields[map[string]any]{
	"date":        {ops: comparisons, date: true, value: func(m map[string]any) string { return m["created"].(string) }},
	"status":      {ops: eqNeOrIn, value: func(m map[string]any) string { return m["status"].(string) }},
	"eventTypeId": {ops: eqNeOrIn, value: func(m map[string]any) string { return m["eventTypeId"].(string) }},
	"webhookId":   {ops: equality, value: func(m map[string]any) string { return m["webhookId"].(string) }},
	"eventId":     {ops: equality, value: func(m map[string]any) string { return m["eventId"].(string) }},
}

// maxMessagesPage is the spec's limit: "Max value = 500 and is the default".
const maxMessagesPage = 500

// handleMessages is GET …/{id}/messages: the messages sent to the webhook,
// newest first, each with its attempts.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request, wh *subscription) {
	limit, filters, ok := pageQuery(s, w, r, maxMessagesPage, messageFilters)
	if !ok {
		return
	}
	records := s.ev.engine.Messages(wh.id)
	data := []map[string]any{}
	for i := len(records) - 1; i >= 0 && len(data) < limit; i-- {
		if m := s.messageBody(r, wh, records[i]); messageFilters.match(m, filters) {
			data = append(data, m)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": "list", "count": len(data), "size": len(data), "data": data,
		"links": links{"self": s.baseURL(r) + r.URL.RequestURI()}})
}

func (s *Server) handleMessage(w http.ResponseWriter, r *http.Request, wh *subscription) {
	rec, ok := s.ev.engine.Message(r.PathValue("mid"))
	if !ok || rec.Tag != wh.id {
		s.fail(w, resourceNotFound("Message not found."))
		return
	}
	writeJSON(w, http.StatusOK, s.messageBody(r, wh, rec))
}

// messageBody is a message as the spec shows it, with its attempts as the
// spec's example has them (the schema says strings) and where it stands.
func (s *Server) messageBody(r *http.Request, wh *subscription, rec webhook.Record) map[string]any {
	var p payloadBody
	_ = json.Unmarshal(rec.Payload, &p)
	self := s.baseURL(r) + "/notifications/webhooks/" + wh.id
	attempts := []map[string]any{}
	for _, a := range rec.Attempts {
		var status any
		if a.Status != 0 {
			status = a.Status
		}
		outcome := "Failed"
		if a.OK() {
			outcome = "Success"
		}
		attempt := map[string]any{"id": a.ID, "url": a.URL, "response": a.Body, "responseStatusCode": status,
			"timestamp": stamp(a.Time), "status": outcome, "outcome": string(a.Outcome), "durationMs": a.Duration.Milliseconds()}
		if a.Err != "" {
			attempt["error"] = a.Err
		}
		if a.Fault != "" {
			attempt["fault"] = string(a.Fault)
		}
		attempts = append(attempts, attempt)
	}
	body := map[string]any{"type": "message", "id": rec.ID, "webhookId": wh.id, "eventTypeId": p.EventTypeID, "eventId": p.EventID,
		"created": stamp(rec.Created), "status": string(rec.State), "payload": json.RawMessage(rec.Payload), "attempts": attempts,
		"links": links{"self": self + "/messages/" + rec.ID, "webhook": self}}
	if p.Links.Event != "" {
		body["links"].(links)["event"] = p.Links.Event
	}
	if !rec.Next.IsZero() {
		body["nextAttempt"] = stamp(rec.Next)
	}
	return body
}

// testEventID is a test message's eventId: an event's form, no event's id.
func testEventID(k eventKey) string { return hex.EncodeToString(k[:]) }

// appID is the simulated application's id, as no-webhooks-found names it.
var appID = uuidOf("basiq-onboard simulator", "application")

// handleTestMessage is POST /notifications/messages/test, {"eventTypeId",
// "Text"}: a test message to the webhook subscribed to that type, or to
// every webhook where none is. It is no event: GET /events does not list
// it, and its payload links to nothing.
func (s *Server) handleTestMessage(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorize(r, serverOnly, ""); err != nil {
		s.fail(w, err)
		return
	}
	var in struct {
		EventTypeID *string `json:"eventTypeId"`
		Text        string  `json:"Text"`
	}
	if !s.readJSON(w, r, &in, "Posted request not valid.", false) {
		return
	}
	if in.EventTypeID == nil || *in.EventTypeID == "" {
		s.fail(w, invalidWebhook("Posted request not valid. A test message needs its eventTypeId."))
		return
	}
	eventType := *in.EventTypeID
	if _, known := webhook.LookupEventType(eventType); !known {
		detail := "Posted eventTypeId doesn't exists."
		if near, ok := webhook.SuggestEventType(eventType); ok {
			detail += " Did you mean " + near + "?"
		}
		s.fail(w, invalidWebhook(detail))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ev.webhooks) == 0 {
		s.fail(w, &apiError{status: http.StatusBadRequest, code: "no-webhooks-found", title: "No webhooks found",
			detail: "No webhooks found for an app: " + appID + ", at least one webhook should exist in the system"})
		return
	}
	targets := slices.DeleteFunc(slices.Clone(s.ev.webhooks), func(wh *subscription) bool { return !slices.Contains(wh.events, eventType) })
	if len(targets) == 0 {
		targets = s.ev.webhooks
	}
	payload, _ := json.Marshal(payloadBody{EventTypeID: eventType, EventID: testEventID(s.ev.eventKey([]byte("test " + s.ids.uuid()))), Text: in.Text})
	data := []map[string]any{}
	for _, wh := range targets {
		id, err := s.send(wh, eventType, payload)
		if err != nil {
			s.fail(w, &apiError{status: http.StatusServiceUnavailable, code: "service-unavailable", title: "Service Unavailable", detail: "Service Unavailable. Try again later."})
			return
		}
		if rec, ok := s.ev.engine.Message(id); ok {
			data = append(data, s.messageBody(r, wh, rec))
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"type": "list", "count": len(data), "size": len(data), "data": data})
}

// stopDelivering ends the timer and the engine (what they had still to
// send is not sent), after s.stopped is closed.
func (s *Server) stopDelivering() {
	s.mu.Lock()
	e := s.ev.engine // no engine or timer starts once s.stopped is closed
	s.mu.Unlock()
	s.ev.timer.Wait()
	if e != nil {
		_ = e.Close()
	}
}
