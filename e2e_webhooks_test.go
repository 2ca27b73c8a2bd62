package main

// Webhooks as a developer meets them, with the built binary: a simulator in
// its own process, a handler on this machine, a webhook made with
// `webhooks create`, an event raised with `trigger`, and the delivery the
// handler received checked with `webhooks verify`, as captured, and as a
// framework that re-serialises JSON would hand it over.

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestWebhookLoopWithTheBinary(t *testing.T) {
	apiURL, apiKey := startSimulator(t)
	env, _ := cleanEnv(t, "BASIQ_API_URL="+apiURL, "BASIQ_API_KEY="+apiKey)
	got := make(chan []byte, 10)
	handler := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		raw, _ := httputil.DumpRequest(r, true)
		got <- raw
	}))
	defer handler.Close()

	code, out, errOut := runBinary(t, env, "webhooks", "create", "--url", handler.URL+"/webhooks", "--events", "user.created", "--json")
	var made struct {
		Secret string `json:"secret"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &made) != nil || !strings.HasPrefix(made.Secret, "whsec_") {
		t.Fatalf("webhooks create: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runBinary(t, env, "trigger", "user.created"); code != 0 || !strings.Contains(out, "Raised user.created for real in the simulator") {
		t.Fatalf("trigger: exit %d\n%s%s", code, out, errOut)
	}
	var raw []byte
	select {
	case raw = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler got no delivery")
	}

	verify := func(input []byte, extra ...string) (int, string) {
		cmd := exec.Command(binary(t), append([]string{"webhooks", "verify"}, extra...)...)
		cmd.Env = append(env, "BASIQ_WEBHOOK_SECRET="+made.Secret)
		cmd.Stdin = bytes.NewReader(input)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		code := 0
		if exit, ok := err.(*exec.ExitError); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String()
	}
	if code, out := verify(raw); code != 0 || !strings.HasPrefix(out, "verified") {
		t.Errorf("the delivery as captured: exit %d\n%s", code, out)
	}
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	var parsed map[string]any
	if err := json.Unmarshal(body, &parsed); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(parsed)
	head = bytes.Replace(head, []byte("Content-Length: "), []byte("X-Was-Length: "), 1) // the length of the old body
	if code, out := verify(append(append(head, "\r\n\r\n"...), again...)); code != 1 || !strings.Contains(out, "re-serialised") {
		t.Errorf("the body parsed and written again: exit %d\n%s", code, out)
	}
}
