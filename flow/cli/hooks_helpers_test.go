package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

// hookSim is a simulator on this machine whose jobs finish at once, and
// the environment a shell gets from its banner. The config directory is
// the test's own, so no key or user of the person running the tests is
// read.
func hookSim(t testing.TB, opts simulator.Options) (map[string]string, *simulator.Server) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("HOME", t.TempDir())
	clock := basiqtest.NewClock() // retries, and trigger's wait for a job's step, take no time
	clientClock = clock
	t.Cleanup(func() { clientClock = nil })
	if opts.Clock == nil {
		opts.Clock = clock // the simulator's jobs move as the commands wait
	}
	srv := simulator.New(opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return map[string]string{"BASIQ_API_URL": url, "BASIQ_API_KEY": simulator.DemoAPIKey}, srv
}

// captured is one delivery as a handler received it: the raw request,
// byte for byte as Go reads it, and its parts.
type captured struct {
	raw    []byte
	header http.Header
	body   []byte
}

// asJSON is the capture in verify's other form: {"headers", "body"}.
func (c captured) asJSON(t *testing.T) []byte {
	t.Helper()
	headers := map[string]string{}
	for k := range c.header {
		headers[strings.ToLower(k)] = c.header.Get(k)
	}
	b, err := json.Marshal(map[string]any{"headers": headers, "body": string(c.body)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// handler is a webhook handler on this machine that answers 200 and keeps
// each delivery.
type handler struct {
	url string
	got chan captured
}

func newHandler(t testing.TB) *handler {
	h := &handler{got: make(chan captured, 100)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading a delivery: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		raw, err := httputil.DumpRequest(r, true) // the request line, the headers, the body's bytes
		if err != nil {
			t.Errorf("dump: %v", err)
		}
		h.got <- captured{raw: raw, header: r.Header.Clone(), body: body}
	}))
	t.Cleanup(srv.Close)
	h.url = srv.URL + "/webhooks"
	return h
}

// next is the next delivery, within a bound that fails the test rather
// than hangs it.
func (h *handler) next(t testing.TB) captured {
	t.Helper()
	select {
	case c := <-h.got:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("the handler got no delivery within 10 s")
		return captured{}
	}
}

// runWithInput runs the command line in this process with env as its
// whole environment, files (not terminals) for its output, and input on
// stdin.
func runWithInput(t testing.TB, env map[string]string, input []byte, args ...string) result {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "stdin")
	if err := os.WriteFile(in, input, 0o600); err != nil {
		t.Fatal(err)
	}
	stdin, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	stdout, stderr := create(t, filepath.Join(dir, "stdout")), create(t, filepath.Join(dir, "stderr"))
	code := execute(context.Background(), args, stdin, stdout, stderr, func(k string) string { return env[k] })
	return result{code, read(t, stdout), read(t, stderr)}
}

// with is env and more.
func with(env map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// jsonOf decodes a command's --json stdout.
func jsonOf[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("exit %d, stdout is not the JSON wanted (%v):\n%s\nstderr:\n%s", r.code, err, r.stdout, r.stderr)
	}
	return v
}

// lines are a text's lines that are not blank.
func lines(s string) []string { return flowtest.NonBlankLines(s) }
