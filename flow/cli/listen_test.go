package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// ownConfig gives the test a config directory of its own, with no keyring:
// what listen keeps goes to 0600 files there.
func ownConfig(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
	return filepath.Join(dir, "basiq-onboard")
}

func TestListenUsageErrorsNameTheFlag(t *testing.T) {
	ownConfig(t)
	local := map[string]string{"BASIQ_API_URL": "http://127.0.0.1:1", "BASIQ_API_KEY": "k"}
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{local, nil, "--forward-to is needed"},
		{local, []string{"--forward-to", "localhost"}, "--forward-to"},
		{local, []string{"--forward-to", "3000", "--events", "user.create"}, "did you mean user.created?"},
		{local, []string{"--forward-to", "3000", "--events", "payments"}, `no event type "payments"`},
		{local, []string{"--forward-to", "3000", "--since", "200h"}, "7 days"},
		{local, []string{"--forward-to", "3000", "--since", "-1m"}, "--since cannot be negative"},
		{local, []string{"--forward-to", "3000", "--poll-interval", "10ms"}, "--poll-interval 0.01s: at least 0.1s"},
		{map[string]string{"BASIQ_API_KEY": "k"}, []string{"--forward-to", "3000", "--poll-interval", "500ms"}, "at least 1s for this API"},
		{local, []string{"--forward-to", "3000", "--retry-time-scale", "0"}, "--retry-time-scale 0"},
		{local, []string{"--forward-to", "3000", "--forward-timeout", "0s"}, "--forward-timeout must be positive"},
		{local, []string{"--forward-to", "3000", "--forward-faults", "user.created#2=explode"}, "--forward-faults"},
		{local, []string{"--forward-to", "3000", "--json", "--plain"}, "pick one"},
		{local, []string{"--forward-to", "3000", "--user-id", "nobody"}, "--user-id"},
		{local, []string{"--forward-to", "3000", "--api-url", "http://example.com"}, "--api-url"},
		{local, []string{"--forward-to", "3000", "--demo"}, "--demo is basiq-onboard's flag, not listen's"},
		{map[string]string{"BASIQ_API_URL": "http://127.0.0.1:1"}, []string{"--forward-to", "3000"}, "no API key"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runCLI(t, c.env, append([]string{"listen"}, c.args...)...)
			lines := flowtest.NonBlankLines(r.stderr)
			if len(lines) == 3 && strings.HasPrefix(lines[1], "Basiq's 15: ") {
				lines = append(lines[:1], lines[2]) // an unknown type lists the 15 on a line of their own
			}
			if r.code != qs.ExitUsage || len(lines) != 2 || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and two lines on stderr only", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(lines[0], c.want) || !strings.Contains(lines[0], "basiq-onboard listen:") {
				t.Errorf("the message lacks %q:\n%s", c.want, lines[0])
			}
			if !strings.Contains(lines[1], "basiq-onboard listen --help") {
				t.Errorf("the second line: %s", lines[1])
			}
		})
	}
}

func TestPrintSecretPrintsTheSameSecretAloneForEachAPI(t *testing.T) {
	dir := ownConfig(t)
	a := runCLI(t, map[string]string{"BASIQ_API_URL": "http://127.0.0.1:8080"}, "listen", "--print-secret")
	if a.code != 0 || !strings.HasPrefix(a.stdout, "whsec_") || strings.Count(a.stdout, "\n") != 1 || a.stderr != "" {
		t.Fatalf("--print-secret: exit %d, stdout %q, stderr %q", a.code, a.stdout, a.stderr)
	}
	if _, err := webhook.ParseSecret(strings.TrimSpace(a.stdout)); err != nil {
		t.Errorf("not a secret: %v", err)
	}
	again := runCLI(t, nil, "listen", "--print-secret", "--api-url", "http://127.0.0.1:8080/")
	if again.stdout != a.stdout {
		t.Errorf("the secret changed: %q, then %q", a.stdout, again.stdout)
	}
	other := runCLI(t, nil, "listen", "--print-secret", "--api-url", "http://127.0.0.1:9090")
	if other.stdout == a.stdout || !strings.HasPrefix(other.stdout, "whsec_") {
		t.Errorf("another API has the same secret, or none: %q", other.stdout)
	}
	info, err := os.Stat(filepath.Join(dir, "secrets.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("the secrets file: %v, %v", info, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "state.json"))
	if strings.Contains(string(b), "whsec_") {
		t.Errorf("a secret in state.json:\n%s", b)
	}
}

func TestListenCompletionOffersTheEventTypesAndTheSavedUser(t *testing.T) {
	ownConfig(t)
	types := complete(t, nil, "listen", "--events", "")
	if len(types) != len(webhook.EventTypes) {
		t.Errorf("--events offers %q", types)
	}
	more := complete(t, nil, "listen", "--events", "user.created,con")
	if len(more) == 0 {
		t.Fatal("no offer after a comma")
	}
	for _, o := range more {
		if !strings.HasPrefix(o, "user.created,con") {
			t.Errorf("offer %q does not keep what was typed", o)
		}
	}
	const local = "http://127.0.0.1:8080"
	rememberUser(t, local, flowtest.UserID)
	if kinds := complete(t, nil, "listen", "--forward-faults", "user.created#2="); len(kinds) != len(webhook.FaultKinds) || kinds[0] != "user.created#2=bad-signature" {
		t.Errorf("--forward-faults offers %q", kinds)
	}
	if got := complete(t, nil, "listen", "--api-url", local, "--user-id", ""); len(got) != 1 || got[0] != flowtest.UserID {
		t.Errorf("--user-id offers %q", got)
	}
}

// TestListenAgainstAFakeBasiqForwardsAsJSONAndStopsWithExitZero runs the
// command in this process against a Basiq on loopback that serves only
// the events API, with a handler that verifies with the printed secret.
func TestListenAgainstAFakeBasiqForwardsAsJSONAndStopsWithExitZero(t *testing.T) {
	ownConfig(t)
	basiq := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/token":
			_, _ = io.WriteString(w, `{"access_token":"eyJhbGciOiJIUzI1NiJ9.dG9rZW4.c2ln","token_type":"Bearer","expires_in":3600}`)
		case "/events":
			now := time.Now().UTC().Format(time.RFC3339)
			_, _ = io.WriteString(w, `{"type":"list","data":[{"type":"event","id":"e2","createdDate":"`+now+`","entity":"consent","eventType":"created","userId":"u","dataRef":"x","links":{"self":"s"}},`+
				`{"type":"event","id":"e1","createdDate":"`+now+`","entity":"user","eventType":"created","userId":"u","dataRef":"x","links":{"self":"s"}}]}`)
		}
	}))
	defer basiq.Close()
	secret := runCLI(t, map[string]string{"BASIQ_API_URL": basiq.URL}, "listen", "--print-secret").stdout
	wh, err := standardwebhooks.NewWebhook(strings.TrimSpace(secret))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []string
	two := make(chan struct{})
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := wh.Verify(body, r.Header); err != nil {
			t.Errorf("a delivery did not verify with --print-secret's secret: %v", err)
		}
		mu.Lock()
		defer mu.Unlock()
		if got = append(got, r.Header.Get("webhook-id")); len(got) == 2 {
			close(two)
		}
	}))
	defer handler.Close()

	dir := t.TempDir()
	stdout, stderr := create(t, filepath.Join(dir, "stdout")), create(t, filepath.Join(dir, "stderr"))
	stdin, _ := os.Open(os.DevNull)
	defer stdin.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	env := map[string]string{"BASIQ_API_URL": basiq.URL, "BASIQ_API_KEY": "a-key"}
	go func() {
		done <- execute(ctx, []string{"listen", "--forward-to", strings.TrimPrefix(handler.URL, "http://"), "--json"}, stdin, stdout, stderr, func(k string) string { return env[k] })
	}()
	select {
	case <-two:
	case <-time.After(30 * time.Second):
		t.Fatal("the handler received nothing in 30 s")
	}
	cancel() // ctrl+c
	if code := <-done; code != 0 {
		t.Errorf("stopped with exit %d, want 0\n%s", code, read(t, stderr))
	}
	if got[0] != "msg_e1" || got[1] != "msg_e2" {
		t.Errorf("the handler received %q, want the oldest first", got)
	}
	lines := strings.Split(strings.TrimSpace(read(t, stdout)), "\n")
	for i, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("stdout line %d is not JSON: %q", i+1, line)
		}
	}
	if !strings.Contains(lines[0], `"event":"ready"`) || !strings.Contains(lines[len(lines)-1], `"event":"done"`) {
		t.Errorf("stdout does not start ready and end done:\n%s", read(t, stdout))
	}
}
