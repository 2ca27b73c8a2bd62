package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
)

// EventsAPI is what listen asks of Basiq: *basiq.Client, or a fake in tests.
type EventsAPI interface {
	// ScanEvents lists the events f selects, keeping those keep takes, and
	// says how many the list held.
	ScanEvents(ctx context.Context, f basiq.EventFilter, keep func(basiq.Event) bool) ([]basiq.Event, int, error)
	GetLink(ctx context.Context, link string) (json.RawMessage, error)
}

// ForwarderConfig is what a Forwarder needs: where events come from and
// where they go.
type ForwarderConfig struct {
	API EventsAPI
	// To is the handler's URL (ParseForwardTo's); Secret signs each delivery.
	To     string
	Secret webhook.Secret
	// Timeout bounds each attempt (--forward-timeout; 0 = DefaultForwardTimeout).
	Timeout time.Duration
	// TimeScale multiplies Basiq's retry schedule (--retry-time-scale; 0 = 1).
	TimeScale float64
	// Faults make chosen deliveries misbehave (--forward-faults).
	Faults webhook.Faults
	// Keep is how many deliveries the engine keeps (0 = listen.DefaultKeep).
	Keep int
	// Clock times the waits between polls; nil = the real clock.
	Clock Clock
	// SaveCursor keeps the session's cursor (ListenStore.SaveCursor); nil = nowhere.
	SaveCursor func(listen.Cursor) error
	// Transport carries the deliveries; nil = the engine's own (tests give
	// an in-memory network).
	Transport http.RoundTripper
}

// DefaultForwardTimeout bounds one attempt to the handler: --forward-timeout's default.
const DefaultForwardTimeout = 10 * time.Second

// Forwarder performs listen's effects for every face (the lines, --json,
// the full-screen view, and the wizard's --forward-to for its user): it
// polls the events API, hands each delivery to basiq/webhook's engine
// (signed with the secret, retried on Basiq's schedule, every attempt
// bounded in time and recorded) and brings the engine's attempts back as
// listen.Attempted events.
type Forwarder struct {
	cfg      ForwarderConfig
	engine   *webhook.Engine
	clock    Clock
	attempts chan listen.Event
	done     chan struct{} // closed by Close: nobody reads attempts any more

	mu     sync.Mutex
	secret webhook.Secret // what signs the next delivery: cfg.Secret until SignWith
}

// NewForwarder starts the delivery engine; Close stops it.
func NewForwarder(cfg ForwarderConfig) (*Forwarder, error) {
	if _, err := webhook.ParseURL(cfg.To); err != nil {
		return nil, err
	}
	if cfg.Secret.IsZero() {
		return nil, errors.New("listen has no secret to sign with")
	}
	f := &Forwarder{cfg: cfg, clock: cfg.Clock, attempts: make(chan listen.Event, 64), done: make(chan struct{}), secret: cfg.Secret}
	if f.clock == nil {
		f.clock = basiq.RealClock{}
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultForwardTimeout
	}
	keep := cfg.Keep
	if keep == 0 {
		keep = listen.DefaultKeep
	}
	e, err := webhook.New(webhook.Options{
		Timeout:   timeout,
		TimeScale: cfg.TimeScale,
		History:   keep,
		Faults:    cfg.Faults,
		Transport: cfg.Transport,
		Observe: func(a webhook.Attempt) {
			select { // handed on, never worked on here: the next attempt waits for this
			case f.attempts <- listen.Attempted{Attempt: a}:
			case <-f.done:
			}
		},
	})
	if err != nil {
		return nil, err
	}
	f.engine = e
	return f, nil
}

// Attempts are the engine's attempts, as listen.Attempted events, in the
// order they ended. A face reads them until it closes the Forwarder.
func (f *Forwarder) Attempts() <-chan listen.Event { return f.attempts }

// Close stops the engine: what is in flight ends, nothing more is sent.
func (f *Forwarder) Close() {
	select {
	case <-f.done:
		return
	default:
	}
	close(f.done)
	_ = f.engine.Close()
}

// SignWith signs the deliveries from now on with secret: the wizard's, once
// ctrl+d has turned the run into the demo, whose events are the demo's.
func (f *Forwarder) SignWith(secret webhook.Secret) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secret = secret
}

// endpoint is where every delivery goes.
func (f *Forwarder) endpoint() webhook.Endpoint {
	f.mu.Lock()
	defer f.mu.Unlock()
	return webhook.Endpoint{URL: f.cfg.To, Secret: f.secret}
}

// Perform does one effect and returns its answer; nil for effects with
// none, and when ctx ends first. It blocks (a poll waits its interval):
// faces run it off their event loop.
func (f *Forwarder) Perform(ctx context.Context, eff listen.Effect) listen.Event {
	if ev, ok := ReadEvents(ctx, f.cfg.API, f.clock, eff); ok {
		return ev
	}
	switch e := eff.(type) {
	case listen.Forward:
		_, err := f.engine.Send(f.endpoint(), webhook.Message{ID: e.MessageID, EventType: e.EventType, Payload: e.Payload})
		return listen.Sent{EventID: e.EventID, Err: err}
	case listen.Resend:
		err := f.engine.Resend(e.MessageID)
		if errors.Is(err, webhook.ErrUnknownMessage) {
			// No longer kept by the engine: sent afresh, with the same id.
			_, err = f.engine.Send(f.endpoint(), webhook.Message{ID: e.MessageID, EventType: e.EventType, Payload: e.Payload})
		}
		return listen.Resent{EventID: e.EventID, Err: err}
	case listen.SaveCursor:
		if f.cfg.SaveCursor != nil {
			_ = f.cfg.SaveCursor(e.Cursor) // a convenience for next time: never worth stopping for
		}
	}
	return nil
}

// ReadEvents performs the effects of a listen session that read Basiq's
// events (a poll after its wait, an event's entity), for the Forwarder and
// for the wizard's session of its user, which may forward nothing. ok is
// false for another effect; the answer is nil when ctx ends first.
func ReadEvents(ctx context.Context, api EventsAPI, clock Clock, eff listen.Effect) (answer listen.Event, ok bool) {
	switch e := eff.(type) {
	case listen.Poll:
		if e.After > 0 {
			select {
			case <-clock.After(e.After):
			case <-ctx.Done():
				return nil, true
			}
		}
		events, listed, err := api.ScanEvents(ctx, e.Filter, e.Want.Takes)
		if ctx.Err() != nil {
			return nil, true
		}
		return listen.Polled{Gen: e.Gen, Events: events, Listed: listed, Err: err}, true
	case listen.FetchEntity:
		body, err := api.GetLink(ctx, e.URL)
		if ctx.Err() != nil {
			return nil, true
		}
		return listen.EntityFetched{EventID: e.EventID, Body: body, Err: err}, true
	}
	return nil, false
}

// ListenStore is what listen keeps per API origin through the store: its
// local secret and its cursor.
type ListenStore struct {
	Store  *Store
	Origin string
}

// listenSecretName is listen's secret in the store, per origin.
const listenSecretName = "listen-webhook-secret"

// Secret is listen's local signing secret for the origin, made (and kept)
// the first time: it never changes for that API, so a handler keeps it.
func (l ListenStore) Secret() (webhook.Secret, error) {
	text, err := l.Store.Secret(l.Origin, listenSecretName)
	if err != nil {
		return webhook.Secret{}, err
	}
	if text != "" {
		s, err := webhook.ParseSecret(text)
		if err == nil {
			return s, nil
		}
		return webhook.Secret{}, fmt.Errorf("the saved listen secret for %s cannot be read (%v); delete it from %s to make a new one", l.Origin, err, l.Store.Dir)
	}
	s, err := webhook.NewSecret()
	if err != nil {
		return webhook.Secret{}, err
	}
	if err := l.Store.SetSecret(l.Origin, listenSecretName, s.Reveal()); err != nil {
		return webhook.Secret{}, fmt.Errorf("the new listen secret cannot be saved: %w", err)
	}
	return s, nil
}

// Cursor is where the last listen against the origin stopped (the zero
// Cursor where none did, or it cannot be read).
func (l ListenStore) Cursor() listen.Cursor {
	v, _ := l.Store.Value(l.Origin, listen.CursorValue)
	return listen.ParseCursor(v)
}

// SaveCursor keeps c for the next listen against the origin.
func (l ListenStore) SaveCursor(c listen.Cursor) error {
	return l.Store.SetValue(l.Origin, listen.CursorValue, c.String())
}
