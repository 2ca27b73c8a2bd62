package flow

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// A run begun with a key, --forward-to and no --demo, turned into the demo
// with ctrl+d: the demo's made-up events reach the handler signed with the
// demo's secret, so a handler that trusts the API's secret refuses them.
func TestCtrlDsDemoForwardsSignedWithTheDemosSecretNotTheAPIs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		apiSecret, _ := webhook.NewSecret()
		demoSecret, _ := webhook.NewSecret()
		var mu sync.Mutex
		var signedBy []string
		_, tr := basiqtest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case apiSecret.Verify(body, r.Header, time.Now()) == nil:
				signedBy = append(signedBy, "api")
			case demoSecret.Verify(body, r.Header, time.Now()) == nil:
				signedBy = append(signedBy, "demo")
			default:
				signedBy = append(signedBy, "neither")
			}
		}))
		cfg := Config{APIURL: "https://au-api.basiq.io", ForwardTo: "http://localhost:3000/webhooks", ForwardTransport: tr,
			ForwardSecret: apiSecret, DemoForwardSecret: demoSecret,
			StartDemo: func() (Demo, error) { return Demo{}, nil }}
		if cfg.ForwardSecretFor(false) != apiSecret || cfg.ForwardSecretFor(true) != demoSecret {
			t.Fatal("ForwardSecretFor: the API's outside the demo, the demo's in it")
		}
		p := NewPerformer(cfg)
		defer p.Close()
		ctx := context.Background()
		forward := func(id string) {
			p.perform(ctx, qs.ListenWork{Effects: []listen.Effect{listen.Forward{EventID: id, MessageID: "msg_" + id, EventType: "user.created", Payload: []byte(`{"id":"` + id + `"}`)}}})
			synctest.Wait()
		}
		forward("before")
		if ev := p.perform(ctx, qs.StartDemo{}); ev.(qs.DemoStarted).Err != nil {
			t.Fatal(ev)
		}
		forward("after")
		mu.Lock()
		defer mu.Unlock()
		if len(signedBy) != 2 || signedBy[0] != "api" || signedBy[1] != "demo" {
			t.Errorf("deliveries signed by %q, want the API's secret before ctrl+d and the demo's after", signedBy)
		}
	})
}
