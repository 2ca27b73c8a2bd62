package main

// The built binary against a server that misbehaves on purpose, as no
// simulator would: every run ends in bounded time, with no panic, no raw
// escape byte on screen or in any file, and the terminal as it was.

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

const (
	hostileUser = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	hostileJob  = "a03e4df4-0000-4000-8000-000000000001"
	// evil is text that, printed raw, would set the clipboard (OSC 52), the
	// window title (OSC 0), clear the screen and ring the bell.
	evil = "\x1b]52;c;ZXZpbA==\x07\x1b]0;pwned\x07\x1b[2J\x07\u009b31m"
	// hostileToken is a server token as Basiq's look: a JWT.
	hostileToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6IlNFUlZFUl9BQ0NFU1MiLCJ2ZXJzaW9uIjoiMy4wIiwiaWF0IjoxNzk2Mjk2Mzc0fQ.c2lnbmVkLWJ5LWEtaG9zdGlsZS1zZXJ2ZXItMTIzNA"
)

// hugeName is a 2 MiB name, as a hostile server might give an account.
var hugeName = "Savings " + strings.Repeat("ABCDEFGH", 2<<20/8)

// hostileServer answers every request the way mode says. "escapes" is a
// working API whose every name and detail carries terminal escapes.
func hostileServer(t *testing.T, mode string) string {
	t.Helper()
	mux := http.NewServeMux()
	json200 := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	job := map[string]any{"type": "job", "id": hostileJob, "created": "2026-11-24T14:05:00Z",
		"institution": map[string]any{"type": "institution", "id": "AU00000"},
		"steps": []any{
			map[string]any{"title": "verify-credentials", "status": "success", "result": nil},
			map[string]any{"title": "retrieve-accounts", "status": "success", "result": nil},
			map[string]any{"title": "retrieve-" + evil, "status": "success", "result": nil},
		},
		"links": map[string]any{"self": "/jobs/" + hostileJob, "source": "/users/" + hostileUser + "/connections/c1"}}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch mode {
		case "html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html><body><h1>502 Bad Gateway" + evil + "</h1></body></html>"))
		case "truncated":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok","data":[{"type":"acc`))
		case "cuttoken":
			// Every token answer cut just before the token's closing quote.
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"` + hostileToken))
		case "huge":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"` + strings.Repeat("A", 20<<20) + `"}`))
		case "drip":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(200)
			for range 600 { // one byte every 200ms: two minutes, if nobody gives up
				if _, err := w.Write([]byte(" ")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(200 * time.Millisecond):
				}
			}
		case "reset":
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0)
				}
				_ = conn.Close()
			}
		case "429forever":
			w.Header().Set("Retry-After", "1")
			json200(w, 429, map[string]any{"type": "list", "data": []any{map[string]any{"type": "error", "code": "too-many-requests", "title": "Too many" + evil}}})
		case "expiredforever":
			if r.URL.Path == "/token" {
				json200(w, 200, map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
				return
			}
			json200(w, 403, map[string]any{"type": "list", "data": []any{map[string]any{"type": "error", "code": "access-denied", "title": "Access denied.", "detail": "Token has expired"}}})
		case "escapes", "hugename":
			name := "Savings" + evil
			if mode == "hugename" {
				name = hugeName
			}
			switch {
			case r.URL.Path == "/token":
				json200(w, 200, map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
			case r.URL.Path == "/users" && r.Method == http.MethodPost:
				json200(w, 201, map[string]any{"type": "user", "id": hostileUser, "email": "a@b.co", "name": "Max" + evil})
			case r.URL.Path == "/jobs/"+hostileJob:
				json200(w, 200, job)
			case r.URL.Path == "/users/"+hostileUser+"/jobs":
				json200(w, 200, map[string]any{"type": "list", "data": []any{job}})
			case strings.HasPrefix(r.URL.Path, "/institutions/"):
				json200(w, 200, map[string]any{"type": "institution", "id": "AU00000", "name": "Hooli" + evil, "shortName": "Hooli" + evil})
			case r.URL.Path == "/users/"+hostileUser+"/accounts":
				json200(w, 200, map[string]any{"type": "list", "data": []any{map[string]any{
					"type": "account", "id": "acc-1", "name": name, "accountNo": "12" + evil, "balance": "1.00",
					"availableFunds": "1.00", "currency": "AUD", "institution": "AU00000", "status": "available",
					"class": map[string]any{"type": "savings", "product": "Bonus" + evil}}}})
			default:
				json200(w, 404, map[string]any{"type": "list", "data": []any{map[string]any{"type": "error", "code": "resource-not-found", "title": "Not found" + evil}}})
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// rawEscapes finds bytes a terminal would act on: ESC, BEL, and the C1
// controls (U+0080 to U+009F, in UTF-8 as 0xC2 0x80-0x9F).
func rawEscapes(b []byte) bool {
	if bytes.ContainsAny(b, "\x1b\x07") {
		return true
	}
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xc2 && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return true
		}
	}
	return false
}

func TestHostileServersHeadless(t *testing.T) {
	for _, c := range []struct {
		mode string
		exit int
		want string // in stderr
	}{
		{"html", 1, "HTML page"},
		{"truncated", 1, "cut short"},
		// 20 MiB to read past the bound: on a loaded machine more than 5 s,
		// which is drip's and 429forever's business, not this one's.
		{"huge", 1, "10 MiB"},
		{"drip", 1, "--timeout"},
		{"reset", 1, "checking the key"},
		{"429forever", 1, "--timeout"}, // Retry-After is honoured, each time, until --timeout
		{"expiredforever", 1, "Token has expired"},
		{"escapes", 0, "1 account"},
		{"cuttoken", 1, "cut short"},
		{"hugename", 0, "1 account"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			trace := filepath.Join(dir, "trace.log")
			env, _ := cleanEnv(t, "BASIQ_API_URL="+hostileServer(t, c.mode), "BASIQ_API_KEY=a-key")
			timeout := "5s"
			if c.mode == "huge" {
				timeout = "60s"
			}
			cmd := exec.Command(binary(t), "--email", "a@b.co", "--job-id", hostileJob, "--plain", "--timeout", timeout, "--debug", trace)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			}
			if code != c.exit || !strings.Contains(stderr.String(), c.want) {
				t.Errorf("exit %d (want %d), stderr lacks %q:\n%s", code, c.exit, c.want, &stderr)
			}
			if took > 20*time.Second {
				t.Errorf("took %v: a run must end within about --timeout", took)
			}
			if strings.Contains(stderr.String(), "panic") || strings.Contains(stderr.String(), "goroutine ") {
				t.Errorf("a panic:\n%s", &stderr)
			}
			logged, _ := os.ReadFile(trace)
			for name, b := range map[string][]byte{"stdout": stdout.Bytes(), "stderr": stderr.Bytes(), "the --debug trace": logged} {
				if rawEscapes(b) {
					t.Errorf("a raw escape in %s: %q", name, b)
				}
				if leaked := basiqtest.Leaks(string(b), hostileToken); len(leaked) > 0 || bytes.Contains(b, []byte("access_token")) {
					t.Errorf("the token (or its answer) in %s: %q", name, leaked)
				}
				// Bounded: a 2 MiB name costs a field's 200 cells on screen
				// and a body's 64 KiB in the trace.
				if limit := map[string]int{"stdout": 4 << 10, "stderr": 16 << 10, "the --debug trace": 160 << 10}[name]; len(b) > limit {
					t.Errorf("%d bytes in %s, over %d", len(b), name, limit)
				}
			}
			if c.mode == "hugename" {
				t.Logf("a 2 MiB account name: %d bytes on stdout, %d on stderr, %d in the trace", stdout.Len(), stderr.Len(), len(logged))
			}
		})
	}
}

// hostileAccounts runs the wizard in tmux against a hostile server in
// mode to its accounts: the user made, the job watched, enter.
func hostileAccounts(t *testing.T, mode string) *tmuxSession {
	env, _ := cleanEnv(t, "BASIQ_API_URL="+hostileServer(t, mode), "BASIQ_API_KEY=a-key")
	s := startTmux(t, env, 100, 30, "--email", "a@b.co", "--job-id", hostileJob)
	s.waitFor("Email")
	s.keys("Enter")
	s.waitFor("Press enter")
	s.keys("Enter")
	return s
}

func TestTmuxHostileNamesNeverReachTheTerminal(t *testing.T) {
	s := hostileAccounts(t, "escapes")
	s.holds(s.waitFor("Savings"), "the accounts (the bank's name, cleaned)", "Hooli")
	s.quit(keepTheUser)
	s.exits("0", "")
	if out, _ := exec.Command("tmux", "-S", s.socket, "list-buffers").Output(); len(out) > 0 {
		t.Errorf("a server's name set the clipboard: %q", out)
	}
	title, _ := exec.Command("tmux", "-S", s.socket, "display", "-p", "-t", s.name, "#{pane_title}").Output()
	if strings.Contains(string(title), "pwned") {
		t.Errorf("a server's name set the window title: %q", title)
	}
	s.leftTheTerminalAsItWas("quitting")
}

// TestTmuxAHugeNameIsCutAndTheWizardStaysQuick: a 2 MiB account name is a
// field of 200 cells in the details, the table and the summary left in the
// terminal; the wizard answers keys as it always does.
func TestTmuxAHugeNameIsCutAndTheWizardStaysQuick(t *testing.T) {
	s := hostileAccounts(t, "hugename")
	s.waitFor("Savings ABCDEFGH")
	s.keys("Enter") // the account in full: its name wraps, cut at 200 cells
	p := s.waitFor("Account id")
	if n := strings.Count(p, "ABCDEFGH"); n == 0 || n > 200/8+2 {
		t.Errorf("the details show %d pieces of the name, want it cut to 200 cells:\n%s", n, p)
	}
	s.keys("Escape")
	s.waitFor("Total AUD")
	s.quit(keepTheUser)
	s.exits("0", "")
	if p := s.pane(); strings.Count(p, "ABCDEFGH") > 200/8+2 {
		t.Errorf("the summary holds more of the name than a field:\n%s", p)
	}
}
