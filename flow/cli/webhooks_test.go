package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// The subscription routes from the command line, against the simulator:
// what a developer sees at each step, Basiq's refusals in words (exit 1),
// and the secret shown by create alone.
func TestWebhooksCommandsAgainstTheSimulator(t *testing.T) {
	env, _ := hookSim(t, simulator.Options{})
	h := newHandler(t)
	trace := filepath.Join(t.TempDir(), "trace.log")

	empty := runCLI(t, env, "webhooks", "list")
	if empty.code != 0 || !strings.Contains(empty.stdout, "No webhooks at 127.0.0.1:") || !strings.Contains(empty.stdout, "webhooks create --url URL") {
		t.Errorf("an empty list: exit %d\n%s%s", empty.code, empty.stdout, empty.stderr)
	}

	made := runCLI(t, env, "webhooks", "create", "--url", h.url, "--events", "user.created,consent.revoked", "--name", "my handler", "--debug", trace)
	if made.code != 0 {
		t.Fatalf("create: exit %d\n%s%s", made.code, made.stdout, made.stderr)
	}
	secret := ""
	for _, line := range lines(made.stdout) {
		if s := strings.TrimSpace(line); strings.HasPrefix(s, "whsec_") {
			secret = s
		}
	}
	if _, err := webhook.ParseSecret(secret); err != nil {
		t.Fatalf("create shows no secret that parses (%v):\n%s", err, made.stdout)
	}
	for _, want := range []string{"Created webhook ", "\n  url     " + h.url + "\n  status  active\n  events  user.created, consent.revoked\n", "shown this once", "never shown again",
		"\nexport BASIQ_WEBHOOK_SECRET=" + secret + "\n", "webhooks verify"} {
		if !strings.Contains(made.stdout, want) {
			t.Errorf("create does not say %q:\n%s", want, made.stdout)
		}
	}
	for _, line := range lines(made.stdout) {
		if len([]rune(line)) > 80 {
			t.Errorf("create writes a line of %d columns: %s", len([]rune(line)), line)
		}
	}
	if b, err := os.ReadFile(trace); err != nil || !strings.Contains(string(b), "POST") || strings.Contains(string(b), secret) || strings.Contains(string(b), secret[6:22]) {
		t.Errorf("the --debug trace (err %v) holds the secret, or nothing:\n%s", err, b)
	}

	listed := runCLI(t, env, "webhooks", "list")
	if listed.code != 0 || len(lines(listed.stdout)) != 2 || !strings.HasPrefix(listed.stdout, "ID ") || !strings.Contains(listed.stdout, h.url) ||
		!strings.Contains(listed.stdout, "user.created, consent.revoked") || !strings.Contains(listed.stdout, "my handler") || strings.Contains(listed.stdout, "whsec_") {
		t.Errorf("list: exit %d\n%s%s", listed.code, listed.stdout, listed.stderr)
	}
	hooks := jsonOf[[]basiq.Webhook](t, runCLI(t, env, "webhooks", "list", "--json"))
	if len(hooks) != 1 || hooks[0].URL != h.url || hooks[0].Secret != "" || hooks[0].Name != "my handler" {
		t.Fatalf("list --json: %+v", hooks)
	}
	id := hooks[0].ID
	if !strings.Contains(made.stdout, "Created webhook "+id) {
		t.Errorf("create did not name the webhook %s:\n%s", id, made.stdout)
	}

	for _, c := range []struct {
		name string
		args []string
		want []string
	}{
		{"the URL taken", []string{"--url", h.url, "--events", "user.deleted"}, []string{"409 resource-already-exists", "Webhook " + id + " has this URL", "webhooks delete " + id}},
		{"a type held", []string{"--url", h.url + "/2", "--events", "user.deleted,consent.revoked"}, []string{"400 event-already-subscribed", "Held already: consent.revoked by " + id}},
		{"all 15, some held", []string{"--url", h.url + "/3"}, []string{"event-already-subscribed", "user.created, consent.revoked by " + id, "Without --events a webhook asks for all 15"}},
		{"not this machine", []string{"--url", "https://example.com/webhooks", "--events", "user.deleted"}, []string{"not on this machine (example.com)", "give --url http://127.0.0.1:PORT/"}},
	} {
		r := runCLI(t, env, append([]string{"webhooks", "create"}, c.args...)...)
		if r.code != qs.ExitFailed || r.stdout != "" || !strings.HasPrefix(r.stderr, "basiq-onboard webhooks create: creating a webhook for ") {
			t.Errorf("%s: exit %d\nstdout %q\nstderr %s", c.name, r.code, r.stdout, r.stderr)
		}
		for _, want := range c.want {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%s: the refusal does not say %q:\n%s", c.name, want, r.stderr)
			}
		}
		if strings.Contains(r.stderr, secret) {
			t.Errorf("%s: the secret is in the refusal", c.name)
		}
	}

	// A delivery, and the messages the webhook was sent.
	raised := runCLI(t, env, "trigger", "user.created")
	if raised.code != 0 {
		t.Fatalf("trigger: exit %d\n%s", raised.code, raised.stderr)
	}
	d := h.next(t)
	s, _ := webhook.ParseSecret(secret)
	if err := s.Verify(d.body, d.header, time.Now()); err != nil {
		t.Errorf("the delivery does not verify with the secret create showed: %v", err)
	}
	messages := runCLI(t, env, "webhooks", "messages", id)
	if messages.code != 0 || !strings.HasPrefix(messages.stdout, "MESSAGE ") || !strings.Contains(messages.stdout, d.header.Get("webhook-id")) ||
		!strings.Contains(messages.stdout, "user.created") || !strings.Contains(messages.stdout, "delivered") || !strings.Contains(messages.stdout, "✓ 200") {
		t.Errorf("messages: exit %d\n%s%s", messages.code, messages.stdout, messages.stderr)
	}
	one := runCLI(t, env, "webhooks", "messages", id, d.header.Get("webhook-id"))
	for _, want := range []string{"Message " + d.header.Get("webhook-id") + "\n  webhook  " + id, "type     user.created", "status   delivered", `"eventTypeId":"user.created"`, "✓ 200", "→ " + h.url} {
		if !strings.Contains(one.stdout, want) {
			t.Errorf("one message does not show %q:\n%s", want, one.stdout)
		}
	}
	msgs := jsonOf[[]basiq.WebhookMessage](t, runCLI(t, env, "webhooks", "messages", id, "--json"))
	if len(msgs) != 1 || len(msgs[0].Attempts) != 1 || !msgs[0].Attempts[0].Succeeded() {
		t.Errorf("messages --json: %+v", msgs)
	}
	for _, out := range []string{listed.stdout, messages.stdout, one.stdout, raised.stdout} {
		if strings.Contains(out, secret) {
			t.Errorf("the secret shows again:\n%s", out)
		}
	}
	const unknown = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	if r := runCLI(t, env, "webhooks", "messages", unknown); r.code != 1 || !strings.Contains(r.stderr, "404") || !strings.Contains(r.stderr, "webhooks list shows the webhooks") {
		t.Errorf("an unknown webhook's messages: exit %d\n%s", r.code, r.stderr)
	}

	deleted := runCLI(t, env, "webhooks", "delete", id)
	if deleted.code != 0 || !strings.Contains(deleted.stdout, "Deleted webhook "+id) {
		t.Errorf("delete: exit %d\n%s%s", deleted.code, deleted.stdout, deleted.stderr)
	}
	again := runCLI(t, env, "webhooks", "delete", id)
	if again.code != 1 || !strings.Contains(again.stderr, "No webhook "+id) || !strings.Contains(again.stderr, "webhooks list shows the application's") {
		t.Errorf("delete again: exit %d\n%s", again.code, again.stderr)
	}
	if after := jsonOf[[]basiq.Webhook](t, runCLI(t, env, "webhooks", "list", "--json")); len(after) != 0 {
		t.Errorf("after delete, list --json has %+v", after)
	}
}

// create --json is for a script: the webhook, and its secret beside it.
func TestWebhooksCreateJSONGivesTheSecretOnce(t *testing.T) {
	env, _ := hookSim(t, simulator.Options{})
	h := newHandler(t)
	out := jsonOf[struct {
		Webhook basiq.Webhook `json:"webhook"`
		Secret  string        `json:"secret"`
	}](t, runCLI(t, env, "webhooks", "create", "--url", h.url, "--json"))
	if _, err := webhook.ParseSecret(out.Secret); err != nil || out.Webhook.ID == "" || out.Webhook.Secret != "" || len(out.Webhook.SubscribedEvents) != 15 {
		t.Errorf("create --json: %+v (secret: %v)", out, err)
	}
	if r := runCLI(t, env, "webhooks", "list"); !strings.Contains(r.stdout, "all 15") {
		t.Errorf("a webhook of every type is listed as:\n%s", r.stdout)
	}
}

// Basiq failing is said in words, and stays exit 1 (never a stack trace):
// a key it refuses, an answer that is not JSON, no answer.
func TestWebhooksCommandsSayWhatBasiqSaid(t *testing.T) {
	env, _ := hookSim(t, simulator.Options{Faults: simulator.MustParseFaults("GET /notifications/webhooks#1+=html")})
	r := runCLI(t, env, "webhooks", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "listing the webhooks of 127.0.0.1:") || !strings.Contains(r.stderr, "an HTML page instead of JSON") || len(lines(r.stderr)) > 3 {
		t.Errorf("an HTML answer: exit %d\n%s", r.code, r.stderr)
	}
	bad := runCLI(t, with(env, "BASIQ_API_KEY", "d3Jvbmc6a2V5LXRoYXQtbm8tb25lLWtub3dz"), "webhooks", "list")
	if bad.code != 1 || !strings.Contains(bad.stderr, "did not accept the API key") || strings.Contains(bad.stderr, "d3Jvbmc6a2V5") {
		t.Errorf("a wrong key: exit %d\n%s", bad.code, bad.stderr)
	}
	gone := runCLI(t, with(env, "BASIQ_API_URL", "http://127.0.0.1:1"), "webhooks", "list")
	if gone.code != 1 || !strings.Contains(gone.stderr, "No answer came") {
		t.Errorf("no API there: exit %d\n%s", gone.code, gone.stderr)
	}
}

// The key as the wizard finds it: BASIQ_API_KEY, else the key saved for
// that API's origin (never another's); --api-url over BASIQ_API_URL.
func TestWebhooksCommandsFindTheKeyAsTheWizardDoes(t *testing.T) {
	env, _ := hookSim(t, simulator.Options{})
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent") // no keyring: the 0600 file
	url := env["BASIQ_API_URL"]
	store, err := flow.OpenStore()
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Save(flow.Origin(url), simulator.DemoAPIKey); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, map[string]string{"BASIQ_API_URL": url}, "webhooks", "list"); r.code != 0 || !strings.Contains(r.stdout, "No webhooks at") {
		t.Errorf("the key saved for %s: exit %d\n%s%s", url, r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, nil, "webhooks", "list", "--api-url", url); r.code != 0 {
		t.Errorf("--api-url and the key saved for it: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, map[string]string{"BASIQ_API_URL": "http://127.0.0.1:1"}, "trigger", "user.created", "--api-url", url); r.code != 0 {
		t.Errorf("--api-url wins over BASIQ_API_URL: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "webhooks", "list", "--api-url", strings.Replace(url, "127.0.0.1", "localhost", 1)); r.code != 0 {
		t.Errorf("the same API spelt localhost did not find its key: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, nil, "webhooks", "list", "--api-url", "http://127.0.0.1:1"); r.code != qs.ExitUsage || !strings.Contains(r.stderr, "no API key") {
		t.Errorf("another origin got the key: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCLI(t, map[string]string{"BASIQ_API_URL": url, "BASIQ_API_KEY": "d3Jvbmc6a2V5LXRoYXQtbm8tb25lLWtub3dz"}, "webhooks", "list"); r.code != 1 || !strings.Contains(r.stderr, "did not accept the API key") {
		t.Errorf("BASIQ_API_KEY first: exit %d\n%s", r.code, r.stderr)
	}
}
