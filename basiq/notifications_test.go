package basiq

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// deliveries is a handler on this machine that keeps what it is sent.
type deliveries struct {
	srv *httptest.Server
	got chan delivery
}

type delivery struct {
	header http.Header
	body   []byte
}

func newDeliveries(t *testing.T) *deliveries {
	d := &deliveries{got: make(chan delivery, 64)}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d.got <- delivery{r.Header.Clone(), b}
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *deliveries) next(t *testing.T) delivery {
	t.Helper()
	return basiqtest.Receive(t, d.got, "delivery")
}

// tracedClient is a client of the simulator whose every exchange is kept.
func tracedClient(t *testing.T, baseURL string) (*Client, func() []Exchange) {
	var mu sync.Mutex
	var traces []Exchange
	c, err := New(Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL, Trace: func(x Exchange) {
		mu.Lock()
		traces = append(traces, x)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []Exchange {
		mu.Lock()
		defer mu.Unlock()
		return append([]Exchange(nil), traces...)
	}
}

// The webhook calls against the simulator: a webhook made shows its secret
// once, the deliveries it gets verify with that secret, its messages and
// their attempts read back, and Basiq's refusals come back as the errors
// the commands put in words.
func TestWebhooksAgainstTheSimulator(t *testing.T) {
	srv := simulator.New(simulator.Options{})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	t.Cleanup(func() { srv.Close() })
	c, traces := tracedClient(t, hs.URL)
	ctx := context.Background()
	handler := newDeliveries(t)

	if err := c.SendTestMessage(ctx, "user.created", ""); !IsNoWebhooks(err) {
		t.Errorf("a test message with no webhook: %v, want no-webhooks-found", err)
	}
	created, err := c.CreateWebhook(ctx, WebhookRequest{URL: handler.srv.URL + "/hooks", Name: "mine", SubscribedEvents: []string{"user.created", "consent.revoked"}})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := webhook.ParseSecret(created.Secret.Reveal())
	if err != nil || !strings.HasPrefix(created.Secret.Reveal(), "whsec_") || created.Status != WebhookActive || len(created.SubscribedEvents) != 2 {
		t.Fatalf("created %#v (secret parses: %v)", created, err)
	}
	if s := created.Secret.String(); strings.Contains(s, "whsec_") {
		t.Errorf("the secret prints as %q", s)
	}

	listed, err := c.ListWebhooks(ctx)
	if err != nil || len(listed) != 1 || listed[0].ID != created.ID || listed[0].Secret != "" || listed[0].Name != "mine" {
		t.Errorf("listed %+v, %v", listed, err)
	}
	if got, err := c.GetWebhook(ctx, created.ID); err != nil || got.URL != handler.srv.URL+"/hooks" || got.Secret != "" {
		t.Errorf("got %+v, %v", got, err)
	}

	for _, c2 := range []struct {
		req  WebhookRequest
		want func(error) bool
		says string
	}{
		{WebhookRequest{URL: handler.srv.URL + "/hooks", SubscribedEvents: []string{"user.deleted"}}, IsWebhookURLTaken, "409"},
		{WebhookRequest{URL: handler.srv.URL + "/other", SubscribedEvents: []string{"user.created"}}, IsEventAlreadySubscribed, "event-already-subscribed"},
		{WebhookRequest{URL: handler.srv.URL + "/other", SubscribedEvents: []string{"user.craeted"}}, func(err error) bool { return hasErrorCode(err, CodeInvalidContent) }, "did you mean user.created?"},
		{WebhookRequest{URL: "https://example.com/hooks", SubscribedEvents: []string{"user.deleted"}}, func(err error) bool { return hasErrorCode(err, "parameter-not-valid") }, "not on this machine"},
	} {
		if _, err := c.CreateWebhook(ctx, c2.req); !c2.want(err) || !strings.Contains(err.Error(), c2.says) {
			t.Errorf("%+v: %v, want %s", c2.req, err, c2.says)
		}
	}
	if _, err := c.CreateWebhook(ctx, WebhookRequest{URL: " "}); err != errNoWebhookURL {
		t.Errorf("no url: %v", err)
	}

	trig, err := c.TriggerEvent(ctx, "user.created", "")
	if err != nil || trig.UserID == "" || len(trig.Events) != 1 || trig.Events[0].TypeID() != "user.created" || trig.JobID != "" || !trig.DueAt().IsZero() {
		t.Fatalf("trigger: %+v, %v", trig, err)
	}
	d := handler.next(t)
	if err := secret.Verify(d.body, d.header, time.Now()); err != nil {
		t.Errorf("the delivery does not verify with the secret create showed: %v", err)
	}
	if !strings.Contains(string(d.body), trig.Events[0].ID) {
		t.Errorf("the delivery %s is not of event %s", d.body, trig.Events[0].ID)
	}
	events, err := c.ListEvents(ctx, EventFilter{UserID: trig.UserID, Entity: "user", Type: "created"})
	if err != nil || len(events) != 1 || events[0].ID != trig.Events[0].ID {
		t.Errorf("the user's user.created events: %+v, %v", events, err)
	}

	messages, err := c.ListWebhookMessages(ctx, created.ID)
	if err != nil || len(messages) != 1 || messages[0].TypeID() != "user.created" || messages[0].Payload.EventID != trig.Events[0].ID {
		t.Fatalf("messages %+v, %v", messages, err)
	}
	m, err := c.GetWebhookMessage(ctx, created.ID, messages[0].ID)
	if err != nil || len(m.Attempts) != 1 || !m.Attempts[0].Succeeded() || m.Attempts[0].ResponseStatusCode != 200 || m.Attempts[0].Time().IsZero() || d.header.Get(webhook.HeaderID) != m.ID {
		t.Errorf("message %+v, %v (webhook-id %s)", m, err, d.header.Get(webhook.HeaderID))
	}

	if err := c.SendTestMessage(ctx, "consent.revoked", "from the test"); err != nil {
		t.Errorf("a test message: %v", err)
	}
	if test := handler.next(t); !strings.Contains(string(test.body), `"consent.revoked"`) || secret.Verify(test.body, test.header, time.Now()) != nil {
		t.Errorf("the test message arrived as %s", test.body)
	}

	if _, err := c.UpdateWebhook(ctx, created.ID, WebhookRequest{URL: handler.srv.URL + "/moved", SubscribedEvents: []string{"user.deleted"}}); err != nil {
		t.Errorf("update: %v", err)
	}
	if err := c.DeleteWebhook(ctx, created.ID); err != nil {
		t.Errorf("delete: %v", err)
	}
	if _, err := c.GetWebhook(ctx, created.ID); !IsNotFound(err) {
		t.Errorf("a deleted webhook: %v", err)
	}
	for _, bad := range []func() error{
		func() error { return c.DeleteWebhook(ctx, "nope") },
		func() error { _, err := c.ListWebhookMessages(ctx, "../users"); return err },
		func() error { _, err := c.GetWebhookMessage(ctx, created.ID, "a/b"); return err },
	} {
		if err := bad(); err == nil || IsNotFound(err) {
			t.Errorf("a bad id was sent: %v", err)
		}
	}

	for _, x := range traces() {
		for _, part := range []string{x.URL, x.RequestBody, x.ResponseBody, x.Err} {
			if strings.Contains(part, created.Secret.Reveal()) || strings.Contains(part, created.Secret.Reveal()[6:22]) {
				t.Errorf("%s %s: the webhook's secret is in the trace:\n%s", x.Method, x.URL, part)
			}
		}
	}
}

// A secret in the spec's example form (no whsec_, no shape to know it by)
// is hidden from the trace too, and remembered for every later answer.
func TestAWebhookSecretOfAnyFormStaysOutOfTheTrace(t *testing.T) {
	const secret = "rfiuheo43934qwerty"
	f := newFakeAPI(t)
	f.mux.HandleFunc("POST /notifications/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, map[string]any{"type": "webhook", "id": testWebhookID, "url": "https://example.com/h", "status": "active", "secret": secret, "subscribedEvents": "user.created"})
	})
	f.mux.HandleFunc("GET /notifications/webhooks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, map[string]any{"type": "list", "data": []any{map[string]any{"code": "internal-server-error", "detail": "the secret was " + secret}}})
	})
	var traced []string
	c, err := New(Config{APIKey: testKey, BaseURL: f.srv.URL, Clock: newFakeClock(), MaxAttempts: 1, Trace: func(x Exchange) { traced = append(traced, x.RequestBody, x.ResponseBody) }})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.CreateWebhook(context.Background(), WebhookRequest{URL: "https://example.com/h"})
	if err != nil || w.Secret.Reveal() != secret || len(w.SubscribedEvents) != 1 {
		t.Fatalf("%+v, %v", w, err)
	}
	_, err = c.ListWebhooks(context.Background())
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("the error shows the secret: %v", err)
	}
	for _, s := range traced {
		if strings.Contains(s, secret) {
			t.Errorf("the trace shows the secret: %s", s)
		}
	}
}

// IsSimulator asks only an API on this machine, and only the simulator
// says yes.
func TestIsSimulatorAsksOnlyOnThisMachine(t *testing.T) {
	c, _, _ := againstSimulator(t)
	if yes, err := c.IsSimulator(context.Background()); err != nil || !yes {
		t.Errorf("the simulator: %v, %v", yes, err)
	}
	f := newFakeAPI(t) // a Basiq on this machine with no /_simulator: 404
	fake, _ := New(Config{APIKey: testKey, BaseURL: f.srv.URL, Clock: newFakeClock()})
	if yes, err := fake.IsSimulator(context.Background()); err != nil || yes {
		t.Errorf("a fake Basiq: %v, %v", yes, err)
	}
	f.mux.HandleFunc("GET /_simulator", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>a proxy</html>")) })
	if yes, err := fake.IsSimulator(context.Background()); err != nil || yes {
		t.Errorf("a page at /_simulator: %v, %v", yes, err)
	}
	refused, _ := New(Config{APIKey: "d3Jvbmc6a2V5LXRoYXQtbm8tb25lLWtub3dz", BaseURL: f.srv.URL, Clock: newFakeClock()})
	if _, err := refused.IsSimulator(context.Background()); !IsBadAPIKey(err) {
		t.Errorf("a key refused says nothing either way, yet: %v", err)
	}
	asked := false
	remote, _ := New(Config{APIKey: testKey, BaseURL: "https://au-api.basiq.io", HTTPClient: &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		asked = true
		return nil, io.EOF
	})}})
	if yes, err := remote.IsSimulator(context.Background()); yes || err != nil || asked {
		t.Errorf("Basiq itself: %v, %v, asked %v", yes, err, asked)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
