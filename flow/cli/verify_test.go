package cli

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
)

// realDeliveries are two deliveries of the simulator's own webhook, as its
// handler received them, and the webhook's secret: the first as sent, the
// second with a stale timestamp (--webhook-faults user.created#2=stale-timestamp).
func realDeliveries(t *testing.T) (fresh, stale captured, secret string) {
	t.Helper()
	env, _ := hookSim(t, simulator.Options{WebhookFaults: webhook.MustParseFaults("user.created#2=stale-timestamp")})
	h := newHandler(t)
	made := jsonOf[struct {
		Secret string `json:"secret"`
	}](t, runCLI(t, env, "webhooks", "create", "--url", h.url, "--events", "user.created", "--json"))
	for range 2 {
		if r := runCLI(t, env, "trigger", "user.created"); r.code != 0 {
			t.Fatalf("trigger: exit %d\n%s", r.code, r.stderr)
		}
	}
	return h.next(t), h.next(t), made.Secret
}

// withBody is the raw request c with another body (and its length).
func withBody(t *testing.T, c captured, body []byte) []byte {
	t.Helper()
	head, _, ok := bytes.Cut(c.raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("a capture without a blank line:\n%s", c.raw)
	}
	var out []string
	for _, line := range strings.Split(string(head), "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "content-length:") {
			line = "Content-Length: " + strconv.Itoa(len(body))
		}
		out = append(out, line)
	}
	return append([]byte(strings.Join(out, "\r\n")+"\r\n\r\n"), body...)
}

// without is the raw request c without the headers named.
func without(c captured, names ...string) []byte {
	var out []string
	for _, line := range strings.Split(string(c.raw), "\r\n") {
		name, _, _ := strings.Cut(line, ":")
		drop := false
		for _, n := range names {
			drop = drop || strings.EqualFold(strings.TrimSpace(name), n)
		}
		if !drop {
			out = append(out, line)
		}
	}
	return []byte(strings.Join(out, "\r\n"))
}

// Each pitfall, end to end through the command, on the bytes the
// simulator's webhook really sent: verify says which (exit 1), or
// "verified" (exit 0).
func TestVerifyNamesEachPitfallOfARealDelivery(t *testing.T) {
	fresh, stale, secret := realDeliveries(t)
	env := map[string]string{"BASIQ_WEBHOOK_SECRET": secret}
	other, _ := webhook.NewSecret()

	var reformatted bytes.Buffer
	if err := json.Indent(&reformatted, fresh.body, "", "  "); err != nil {
		t.Fatal(err)
	}
	var parsed map[string]any
	_ = json.Unmarshal(fresh.body, &parsed)
	remarshalled, _ := json.Marshal(parsed) // keys sorted: what a framework's parse and write gives
	tampered := bytes.Replace(fresh.body, []byte("user.created"), []byte("user.deleted"), 1)

	for _, c := range []struct {
		name  string
		env   map[string]string
		input []byte
		code  int
		want  []string
	}{
		{"the raw request", env, fresh.raw, 0, []string{"verified: the signature is this secret's over these exact bytes"}},
		{"the JSON form", env, fresh.asJSON(t), 0, []string{"verified"}},
		{"re-indented", env, withBody(t, fresh, reformatted.Bytes()), 1, []string{"the body is not the bytes that were signed", "re-serialised", "verify the raw bytes as received"}},
		{"parsed and written again", env, withBody(t, fresh, remarshalled), 1, []string{"the body is not the bytes that were signed", "the signature matches this body written compact, keys in the order eventTypeId, eventId, links", "re-serialised"}},
		{"the JSON form, re-serialised", env, captured{header: fresh.header, body: reformatted.Bytes()}.asJSON(t), 1, []string{"re-serialised"}},
		{"a tampered body", env, withBody(t, fresh, tampered), 1, []string{"not made with this secret over this body"}},
		{"another secret", map[string]string{"BASIQ_WEBHOOK_SECRET": other.Reveal()}, fresh.raw, 1, []string{"not made with this secret", "another secret made it"}},
		{"a stale timestamp", env, stale.raw, 1, []string{"the signature is right, but the timestamp is 10m", "old, more than 5 minutes from now"}},
		{"headers missing", env, without(fresh, "webhook-signature", "webhook-timestamp"), 1, []string{"the delivery has no webhook-timestamp, webhook-signature"}},
	} {
		r := runWithInput(t, c.env, c.input, "webhooks", "verify")
		if r.code != c.code || r.stderr != "" {
			t.Errorf("%s: exit %d, want %d\nstdout %s\nstderr %s", c.name, r.code, c.code, r.stdout, r.stderr)
		}
		for _, want := range c.want {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("%s: verify does not say %q:\n%s", c.name, want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, secret) || strings.Contains(r.stdout, secret[6:22]) {
			t.Errorf("%s: the secret is in the output", c.name)
		}
	}
}

// --computed names the handler's own mistake, recomputing the usual wrong
// ways (those of Basiq's Node sample and of stripe's most read issue).
func TestVerifyComputedNamesTheHandlersMistake(t *testing.T) {
	fresh, _, secret := realDeliveries(t)
	env := map[string]string{"BASIQ_WEBHOOK_SECRET": secret}
	id, ts := fresh.header.Get("webhook-id"), fresh.header.Get("webhook-timestamp")
	text := strings.TrimPrefix(secret, "whsec_")
	key, _ := base64.StdEncoding.DecodeString(text)
	right := strings.TrimPrefix(fresh.header.Get("webhook-signature"), "v1,")
	rightMAC, _ := base64.StdEncoding.DecodeString(right)
	// What a handler's own wrong code computes: the library signs with the
	// key it is given, and a hand-made HMAC stands for code that signs the
	// wrong content (the library only ever signs the right one).
	signWithKey := func(k []byte) string {
		wh, err := standardwebhooks.NewWebhookRaw(k)
		if err != nil {
			t.Fatal(err)
		}
		unix, _ := strconv.ParseInt(ts, 10, 64)
		sig, err := wh.Sign(id, unixTime(unix), fresh.body)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	handlersHMAC := func(content []byte) string {
		m := hmac.New(sha256.New, key)
		m.Write(content)
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	for _, c := range []struct {
		name, computed string
		code           int
		want           string
	}{
		{"right", "v1," + right, 0, "your code computes the right signature: the mistake is in how it compares"},
		{`"v1," not stripped`, right, 1, `strip "v1," from each space-separated entry`},
		{`"whsec_" not removed`, signWithKey([]byte(secret)), 1, `"whsec_" not removed`},
		{"the secret not decoded", signWithKey([]byte(text)), 1, "the secret not base64-decoded"},
		{"the body alone signed", handlersHMAC(fresh.body), 1, "the wrong signed content: your code signed the body alone"},
		{"no id signed", handlersHMAC([]byte(ts + "." + string(fresh.body))), 1, "timestamp.body, without the id"},
		{"a hex digest", hex.EncodeToString(rightMAC), 1, "a hex digest"},
		{"nothing known", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 1, "matches none of the usual mistakes"},
	} {
		r := runWithInput(t, env, fresh.raw, "webhooks", "verify", "--computed", c.computed)
		if r.code != c.code || !strings.Contains(r.stdout, c.want) || !strings.HasPrefix(r.stdout, "verified") {
			t.Errorf("%s: exit %d, want %d and %q:\n%s%s", c.name, r.code, c.code, c.want, r.stdout, r.stderr)
		}
	}
	asJSON := jsonOf[verifyResult](t, runWithInput(t, env, fresh.raw, "webhooks", "verify", "--json", "--computed", signWithKey([]byte(text))))
	if asJSON.OK || !asJSON.Verified || asJSON.Computed == nil || len(asJSON.Computed.Mistakes) != 1 || asJSON.Computed.Mistakes[0] != webhook.SecretNotDecoded {
		t.Errorf("--json: %+v", asJSON)
	}
}

// Where the secret comes from: the environment, a file, or a flag (which
// is warned about); and a capture that is not one is said so, exit 1.
func TestVerifyTakesTheSecretFromOnePlace(t *testing.T) {
	fresh, _, secret := realDeliveries(t)
	file := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runWithInput(t, nil, fresh.raw, "webhooks", "verify", "--secret-file", file); r.code != 0 || r.stderr != "" {
		t.Errorf("--secret-file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runWithInput(t, nil, fresh.raw, "webhooks", "verify", "--secret", secret)
	if r.code != 0 || !strings.Contains(r.stderr, "warning: --secret shows in ps") || strings.Contains(r.stderr, secret) {
		t.Errorf("--secret: exit %d\n%s", r.code, r.stderr)
	}
	other, _ := webhook.NewSecret()
	if r := runWithInput(t, map[string]string{"BASIQ_WEBHOOK_SECRET": other.Reveal()}, fresh.raw, "webhooks", "verify", "--secret-file", file); r.code != 0 {
		t.Errorf("--secret-file is not preferred to BASIQ_WEBHOOK_SECRET: exit %d\n%s", r.code, r.stdout)
	}
	for _, c := range []struct {
		name, input, want string
	}{
		{"nothing", "", "the capture is empty"},
		{"not a request", "hello\n", "neither JSON nor an HTTP/1.x request"},
		{"JSON without headers", `{"body": "{}"}`, `no "headers" object`},
	} {
		r := runWithInput(t, map[string]string{"BASIQ_WEBHOOK_SECRET": secret}, []byte(c.input), "webhooks", "verify")
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%s: exit %d\nstdout %q\nstderr %q", c.name, r.code, r.stdout, r.stderr)
		}
	}
}

func unixTime(s int64) time.Time { return time.Unix(s, 0) }
