package flow

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	"github.com/basiq-onboard/basiq-onboard/flow/listen"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// TestTheExportedWebhookHandlerVerifiesWhatListenSends: the export's
// handler, built as `go run .` in its folder would build it (its own
// module: it needs the Standard Webhooks library; GOFLAGS=-mod=mod and the
// module proxy, or the module cache, fetch it), prints a delivery listen's
// signer sent, and refuses a tampered one with 401.
func TestTheExportedWebhookHandlerVerifiesWhatListenSends(t *testing.T) {
	dir := t.TempDir()
	files, err := ExportScript(ScriptFacts{NewUser: basiq.NewUser{Email: "max@example.com"}}, filepath.Join(dir, "quickstart.sh"))
	if err != nil {
		t.Fatal(err)
	}
	handlerDir := qs.HandlerDirFor(filepath.Join(dir, "quickstart.sh"))
	if len(files) != 3 || files[2] != handlerDir {
		t.Fatalf("the export wrote %q, want the script, the program and the handler's folder", files)
	}
	for _, name := range []string{"main.go", "go.mod", "go.sum"} {
		info, err := os.Stat(filepath.Join(handlerDir, name))
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v, want a 0600 file", name, err, info)
		}
	}
	// The library's version is ours: the one this module is tested with.
	ours, _ := os.ReadFile("../go.mod")
	theirs, _ := os.ReadFile(filepath.Join(handlerDir, "go.mod"))
	for _, line := range strings.Split(string(theirs), "\n") {
		if strings.HasPrefix(line, "require ") && !strings.Contains(string(ours), strings.TrimPrefix(line, "require ")) {
			t.Errorf("the handler requires %q; basiq-onboard's go.mod has another version", line)
		}
	}
	program, _ := os.ReadFile(files[1])
	if bytes.Contains(program, []byte("standard-webhooks")) {
		t.Error("the quickstart program imports the library: it stays standard library only")
	}

	bin := filepath.Join(t.TempDir(), "handler")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = handlerDir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the exported handler does not build: %v\n%s", err, out)
	}

	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	handler := exec.Command(bin)
	handler.Env = append(os.Environ(), "BASIQ_WEBHOOK_SECRET="+secret.Reveal(), "ADDR="+addr)
	stderr, err := handler.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := flowtest.Start(t, handler)
	// What the handler logs, a line at a time: a line comes through a pipe,
	// after the answer it was logged before, so a test waits for it.
	logged := make(chan string, 64)
	go func() {
		lines := bufio.NewScanner(stderr)
		for lines.Scan() {
			logged <- lines.Text()
		}
		close(logged)
	}()
	waitListening(t, addr)

	// What listen sends: its Forwarder, its payload and webhook-id, its signature.
	f, err := NewForwarder(ForwarderConfig{To: "http://" + addr + "/webhooks", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := basiq.Event{ID: "evt-1", Entity: "connection", EventType: "created", DataRef: "http://127.0.0.1:8080/users/u1/connections/c1",
		Links: basiq.EventLinks{Self: "http://127.0.0.1:8080/events/evt-1"}}
	payload := listen.Payload(e, "")
	if sent := f.Perform(context.Background(), listen.Forward{EventID: e.ID, MessageID: listen.MessageID(e.ID), EventType: e.TypeID(), Payload: payload}); sent.(listen.Sent).Err != nil {
		t.Fatal(sent.(listen.Sent).Err)
	}
	select {
	case ev := <-f.Attempts():
		if a := ev.(listen.Attempted).Attempt; a.Status != http.StatusOK {
			t.Errorf("the handler answered listen's delivery %d (%s), want 200", a.Status, a.Body)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no answer from the handler")
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if !strings.HasPrefix(line, "msg_evt-1 connection.created evt-1 http://127.0.0.1:8080/users/u1/connections/c1") {
		t.Errorf("the handler printed %q", line)
	}

	// The same delivery with its body changed after signing: refused.
	sig, err := secret.Sign("msg_evt-2", time.Now(), payload)
	if err != nil {
		t.Fatal(err)
	}
	tampered := bytes.Replace(payload, []byte("connection.created"), []byte("connection.deleted"), 1)
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks", bytes.NewReader(tampered))
	req.Header.Set("webhook-id", "msg_evt-2")
	req.Header.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a tampered delivery: %d %s, want 401", res.StatusCode, body)
	}
	var said []string
	waiting := time.After(30 * time.Second)
	for refused := false; !refused; {
		select {
		case line, ok := <-logged:
			if !ok {
				t.Fatalf("the handler ended without saying it refused the tampered delivery:\n%s", strings.Join(said, "\n"))
			}
			said = append(said, line)
			refused = strings.Contains(line, "refused msg_evt-2")
		case <-waiting:
			t.Fatalf("the handler did not say it refused the tampered delivery:\n%s", strings.Join(said, "\n"))
		}
	}
}

// waitListening waits until something accepts connections at addr (the
// handler just started), for at most 30 s.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("nothing listens at %s", addr)
		}
	}
}
