package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// Every one of the 15 types, raised for real in the simulator: trigger
// names the event, GET /events lists it for the user, and the app's
// webhook is sent it, signed with the secret create showed. The jobs'
// steps take a second each, so the events they bring are waited for (on
// the tests' clock, which the simulator shares).
func TestTriggerRaisesEachTypeForRealInTheSimulator(t *testing.T) {
	env, _ := hookSim(t, simulator.Options{StepDelay: time.Second})
	h := newHandler(t)
	made := jsonOf[struct {
		Secret string `json:"secret"`
	}](t, runCLI(t, env, "webhooks", "create", "--url", h.url, "--json"))
	secret, err := webhook.ParseSecret(made.Secret)
	if err != nil {
		t.Fatal(err)
	}
	client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: env["BASIQ_API_URL"]})
	if err != nil {
		t.Fatal(err)
	}
	delivered := map[string]string{} // event id -> type, of every delivery so far
	for _, typ := range webhook.EventTypeIDs() {
		r := runCLI(t, env, "trigger", typ, "--json")
		got := jsonOf[triggerResult](t, r)
		if r.code != 0 || !got.Simulator || got.EventTypeID != typ || got.UserID == "" || !got.UserCreated || len(got.Events) == 0 {
			t.Errorf("%s: exit %d %+v\n%s", typ, r.code, got, r.stderr)
			continue
		}
		entity, action, _ := strings.Cut(typ, ".")
		listed, err := client.ListEvents(context.Background(), basiq.EventFilter{UserID: got.UserID, Entity: entity, Type: action})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got.Events {
			if e.TypeID() != typ || e.UserID != got.UserID || !slices.ContainsFunc(listed, func(x basiq.Event) bool { return x.ID == e.ID }) {
				t.Errorf("%s: trigger names %+v, which GET /events does not list for the user (%d listed)", typ, e, len(listed))
			}
			for delivered[e.ID] == "" {
				d := h.next(t)
				if err := secret.Verify(d.body, d.header, time.Now()); err != nil {
					t.Errorf("%s: a delivery does not verify: %v", typ, err)
				}
				var p basiq.MessagePayload
				_ = json.Unmarshal(d.body, &p)
				delivered[p.EventID] = p.EventTypeID
			}
			if delivered[e.ID] != typ {
				t.Errorf("%s: event %s was delivered as %s", typ, e.ID, delivered[e.ID])
			}
		}
		if byJob := slices.Contains([]string{"connection.created", "connection.activated", "connection.invalidated", "account.updated", "transactions.updated"}, typ); byJob != (got.JobID != "") {
			t.Errorf("%s: job %q", typ, got.JobID)
		}
	}
}

// What a developer reads: the event, on whom, and how to see it.
func TestTriggerSaysWhatItDidAndWhereToSeeIt(t *testing.T) {
	env, _ := hookSim(t, simulator.Options{})
	r := runCLI(t, env, "trigger", "user.created")
	got := jsonOf[triggerResult](t, runCLI(t, env, "trigger", "user.created", "--json"))
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	text := r.stdout
	for _, want := range []string{"Raised user.created for real in the simulator (127.0.0.1:", "\n  event  ", "\n  at     ", ", new (trigger@example.com)\n",
		"See it with listen, or in GET /events:\n  basiq-onboard listen --api-url " + env["BASIQ_API_URL"] + " \\\n    --user-id ", " --forward-to 3000\n",
		"\n  GET /events?filter=user.id.eq('", "Webhooks subscribed to user.created are sent it too (webhooks list).", " raises more on this user."} {
		if !strings.Contains(text, want) {
			t.Errorf("trigger does not say %q:\n%s", want, text)
		}
	}
	for _, line := range lines(text) {
		if len([]rune(line)) > 80 {
			t.Errorf("a line of %d columns: %s", len([]rune(line)), line)
		}
	}

	// On a user of one's own: theirs, and what was raised on the way.
	warned := runCLI(t, env, "trigger", "consent.warning", "--user-id", got.UserID)
	if warned.code != 0 || !strings.Contains(warned.stdout, "Raised consent.warning") || !strings.Contains(warned.stdout, "\n  user   "+got.UserID+"\n") ||
		!strings.Contains(warned.stdout, "\n  also   consent.created\n") || strings.Contains(warned.stdout, "new (") {
		t.Errorf("on a user given: exit %d\n%s%s", warned.code, warned.stdout, warned.stderr)
	}
	// What a job raised on the way comes with the event it brought.
	tx := runCLI(t, env, "trigger", "transactions.updated")
	if tx.code != 0 || !strings.Contains(tx.stdout, "  job    ") ||
		!strings.Contains(tx.stdout, "  also   user.created, consent.created, connection.created,\n         connection.activated, account.updated ×4\n") {
		t.Errorf("a job's event: exit %d\n%s%s", tx.code, tx.stdout, tx.stderr)
	}
	unknown := runCLI(t, env, "trigger", "user.updated", "--user-id", "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a")
	if unknown.code != 1 || !strings.Contains(unknown.stderr, "404") || !strings.Contains(unknown.stderr, "leave out --user-id for a new one") {
		t.Errorf("an unknown user: exit %d\n%s", unknown.code, unknown.stderr)
	}
	twice := runCLI(t, env, "trigger", "consent.created", "--user-id", got.UserID)
	if twice.code != 1 || !strings.Contains(twice.stderr, "trigger consent.revoked first") {
		t.Errorf("a second consent: exit %d\n%s", twice.code, twice.stderr)
	}
}

// fakeBasiq is a Basiq on this machine: a token, no /_simulator (404, as
// Basiq has none), and the test message answered as asked.
type fakeBasiq struct {
	srv      *httptest.Server
	mu       sync.Mutex
	requests []string
	bodies   []string
	webhooks bool // whether the application has one
}

func newFakeBasiq(t *testing.T) *fakeBasiq {
	f := &fakeBasiq{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path)
		f.bodies = append(f.bodies, string(b))
		hooks := f.webhooks
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.Method + " " + r.URL.Path {
		case "POST /token":
			_, _ = w.Write([]byte(`{"access_token":"eyJ.fake.token","token_type":"Bearer","expires_in":3600}`))
		case "POST /notifications/messages/test":
			if !hooks {
				w.WriteHeader(400)
				_, _ = w.Write([]byte(`{"type":"list","correlationId":"c0ffee00-0000-4000-8000-000000000001","data":[{"type":"error","code":"no-webhooks-found","title":"No webhooks found","detail":"No webhooks found for an app: 1234, at least one webhook should exist in the system"}]}`))
				return
			}
			w.WriteHeader(201)
		default:
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"type":"list","data":[{"type":"error","code":"resource-not-found","title":"Not found","detail":"Resource not found."}]}`))
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBasiq) sent() ([]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests), slices.Clone(f.bodies)
}

// Against Basiq, trigger sends Basiq's test message: it says where that
// goes (the registered webhooks) and that listen does not see it, and,
// with no webhook, what to do. It never asks for a simulator's route but
// the one that tells them apart.
func TestTriggerAgainstBasiqSendsTheTestMessage(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	f := newFakeBasiq(t)
	env := map[string]string{"BASIQ_API_URL": f.srv.URL, "BASIQ_API_KEY": "dGVzdC1hcHAtaWQ6dGVzdC1zZWNyZXQta2V5LTEyMzQ1"}

	none := runCLI(t, env, "trigger", "transactions.updated")
	if none.code != 1 || none.stdout != "" {
		t.Errorf("no webhook: exit %d, stdout %q", none.code, none.stdout)
	}
	for _, want := range []string{"sending Basiq's test message for transactions.updated", "400 no-webhooks-found", "correlation id c0ffee00",
		"The application has no webhook", "webhooks create --url https://…/webhooks --events transactions.updated", "basiq-onboard listen"} {
		if !strings.Contains(none.stderr, want) {
			t.Errorf("no webhook: stderr lacks %q:\n%s", want, none.stderr)
		}
	}

	f.mu.Lock()
	f.webhooks = true
	f.mu.Unlock()
	sent := runCLI(t, env, "trigger", "transactions.updated", "--user-id", "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a")
	if sent.code != 0 {
		t.Fatalf("exit %d\n%s", sent.code, sent.stderr)
	}
	for _, line := range lines(sent.stdout) {
		if len([]rune(line)) > 80 {
			t.Errorf("a line of %d columns: %s", len([]rune(line)), line)
		}
	}
	for _, want := range []string{"Sent Basiq's test message for transactions.updated to 127.0.0.1:", "(POST /notifications/messages/test)", "registered webhooks only, at their public URLs",
		"not known to appear in GET /events, so listen does not show it"} {
		if !strings.Contains(sent.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, sent.stdout)
		}
	}
	if !strings.Contains(sent.stderr, "--user-id is not used") {
		t.Errorf("--user-id against Basiq is not said to go unused: %q", sent.stderr)
	}
	asJSON := jsonOf[triggerResult](t, runCLI(t, env, "trigger", "user.created", "--json"))
	if asJSON.Simulator || asJSON.Sent != "POST /notifications/messages/test" || asJSON.InEvents == nil || *asJSON.InEvents || len(asJSON.Events) != 0 {
		t.Errorf("--json: %+v", asJSON)
	}

	requests, bodies := f.sent()
	for i, r := range requests {
		switch r {
		case "POST /token", "GET /_simulator":
		case "POST /notifications/messages/test":
			var body struct {
				EventTypeID string `json:"eventTypeId"`
				Text        string `json:"Text"`
			}
			if err := json.Unmarshal([]byte(bodies[i]), &body); err != nil || !strings.Contains("transactions.updated user.created", body.EventTypeID) || body.Text == "" {
				t.Errorf("the test message's body: %s", bodies[i])
			}
		default:
			t.Errorf("trigger against Basiq sent %s", r)
		}
	}
	if !slices.Contains(requests, "GET /_simulator") {
		t.Errorf("trigger never asked whether the API is the simulator: %v", requests)
	}
}

// Basiq itself (not this machine) is never asked for the simulator's
// route; that it is Basiq follows from where it is.
func TestTriggerNeverAsksBasiqForTheSimulatorsRoute(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var asked []string
	conn := &apiConn{url: basiq.DefaultBaseURL}
	client, err := basiq.New(basiq.Config{APIKey: "dGVzdC1hcHAtaWQ6dGVzdC1zZWNyZXQta2V5LTEyMzQ1", HTTPClient: &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		asked = append(asked, r.Method+" "+r.URL.Path)
		return nil, io.ErrUnexpectedEOF
	})}})
	if err != nil {
		t.Fatal(err)
	}
	conn.client = client
	if sim, err := conn.client.IsSimulator(context.Background()); sim || err != nil || len(asked) != 0 {
		t.Errorf("Basiq: simulator %v, %v, asked %v", sim, err, asked)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
