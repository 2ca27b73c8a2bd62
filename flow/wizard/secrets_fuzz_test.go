package wizard

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	"github.com/basiq-onboard/basiq-onboard/flow/headless"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// fuzzKey is the configured API key: base64 of an application id and its secret.
const fuzzKey = "ZjNhOWMyZTEtOGQ3Yi00YTZmLTllNWQtMWMyYjNhNGQ1ZTZmOnNlY3JldC1vZi10aGUtZnV6ei1hcHBsaWNhdGlvbi0wMTIzNDU2Nzg5"

const fuzzCorrelation = "0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c"

// tokenAnswers are the simulator's real answers to POST /token: a server
// token's and a client token's, and the tokens in them.
var tokenAnswers = sync.OnceValues(func() ([]string, []string) {
	hs := httptest.NewServer(simulator.New(simulator.Options{}).Handler())
	defer hs.Close()
	answers, tokens, err := basiqtest.TokenAnswers(hs.URL, simulator.DemoAPIKey, flowtest.UserID)
	if err != nil {
		panic(err)
	}
	return answers, tokens
})

// hostileText is what a broken server might echo: token answers cut at an
// offset, re-encoded in one of several ways, run together with other bytes.
func hostileText(which uint8, cut uint16, how uint8, extra []byte) string {
	answers, _ := tokenAnswers()
	a := answers[int(which)%len(answers)]
	at := int(cut) % (len(a) + 1)
	piece := a[:at]
	if how&1 != 0 {
		piece = a[at:]
	}
	switch how >> 1 % 6 {
	case 1:
		piece = strings.ReplaceAll(piece, "eyJ", `\u0065yJ`)
	case 2: // whitespace inside, every 7 characters
		var b strings.Builder
		for i, c := range piece {
			if i > 0 && i%7 == 0 {
				b.WriteString([]string{" ", "\n", "\t", "\r\n"}[i/7%4])
			}
			b.WriteRune(c)
		}
		piece = b.String()
	case 3: // every character a JSON escape
		var b strings.Builder
		for _, c := range piece {
			fmt.Fprintf(&b, `\u%04x`, c)
		}
		piece = b.String()
	case 4:
		piece = strings.ReplaceAll(piece, ".", `\/.`)
	case 5: // styled, as a terminal would draw it
		piece = "\x1b[1m" + piece[:len(piece)/2] + "\x1b[0m\x1b[31m" + piece[len(piece)/2:] + "\x1b[0m"
	}
	text := piece + string(extra)
	if how&0x80 != 0 {
		text += answers[(int(which)+1)%len(answers)] // another answer after it
	}
	if how&0x40 != 0 {
		text += " key " + fuzzKey[:max(len(fuzzKey)-int(cut)%40, 0)]
	}
	return text
}

// hostileBasiq answers the quickstart with the real token answers and puts
// the hostile text in every name, detail and broken body it sends. Until
// it has given out the client token, the text holds pieces of the server
// token only: a token echoed before the run saw it is no secret of the run's.
type hostileBasiq struct {
	which, how   uint8
	cut          uint16
	extra        []byte
	mu           sync.Mutex
	clientMinted bool
	jobLists     int
	jobGets      int
	text         string
}

func (h *hostileBasiq) now() string {
	if h.clientMinted {
		return hostileText(h.which, h.cut, h.how, h.extra)
	}
	return hostileText(0, h.cut, h.how&^0x80, h.extra)
}

func (h *hostileBasiq) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	answers, _ := tokenAnswers()
	send := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Note", h.text)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.text = h.now()
	userBody := map[string]any{"type": "user", "id": flowtest.UserID, "email": h.text, "firstName": h.text, "mobile": h.text}
	job := map[string]any{"type": "job", "id": flowtest.JobID, "created": "2026-11-24T14:05:00Z",
		"institution": map[string]any{"type": "institution", "id": "AU00000"},
		"steps":       []any{map[string]any{"title": "verify-credentials", "status": "success"}, map[string]any{"title": "retrieve-accounts", "status": "success"}},
		"links":       map[string]any{"self": "/jobs/" + flowtest.JobID, "source": "/users/" + flowtest.UserID + "/connections/c1"}}
	switch p := r.URL.Path; {
	case p == "/token":
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("scope") == "CLIENT_ACCESS" {
			h.clientMinted = true
			io.WriteString(w, answers[1])
		} else {
			io.WriteString(w, answers[0])
		}
	case p == "/users" && r.Method == http.MethodPost, p == "/users/"+flowtest.UserID:
		send(http.StatusCreated, userBody)
	case p == "/users/"+flowtest.UserID+"/jobs":
		h.jobLists++
		jobs := []any{}
		if h.jobLists > 1 {
			jobs = append(jobs, job)
		}
		send(http.StatusOK, map[string]any{"type": "list", "data": jobs})
	case p == "/jobs/"+flowtest.JobID:
		if h.jobGets++; h.jobGets == 1 {
			w.WriteHeader(http.StatusBadGateway) // a proxy's broken page, the text raw
			io.WriteString(w, h.text)
			return
		}
		send(http.StatusOK, job)
	case strings.HasPrefix(p, "/institutions/"):
		send(http.StatusOK, map[string]any{"type": "institution", "id": "AU00000", "name": h.text, "shortName": h.text})
	case p == "/users/"+flowtest.UserID+"/accounts":
		send(http.StatusOK, map[string]any{"type": "list", "data": []any{map[string]any{"type": "account", "id": "acc-1", "name": h.text,
			"accountNo": "12345678", "balance": "1.00", "availableFunds": "1.00", "currency": "AUD", "institution": "AU00000",
			"status": "available", "class": map[string]any{"type": "savings", "product": h.text}}}})
	default:
		send(http.StatusBadRequest, map[string]any{"type": "list", "correlationId": fuzzCorrelation, "data": []any{map[string]any{
			"type": "error", "code": "parameter-not-valid", "title": h.text, "detail": h.text}}})
	}
}

// inMemory serves a client's requests from a handler: no socket at all.
type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// hostileConfig is a run against h: the real client, the one redactor, a
// trace in dir.
func hostileConfig(t *testing.T, h http.Handler, dir string) (flow.Config, func()) {
	redact := basiq.NewRedactor()
	traces, closeTrace, err := flow.NewTraceLog(filepath.Join(dir, "trace.log"))
	if err != nil {
		t.Fatal(err)
	}
	clock := basiqtest.NewClock()
	return flow.Config{
		NewAPI: func(key string) (flow.API, error) {
			return basiq.New(basiq.Config{APIKey: key, BaseURL: basiq.DefaultBaseURL, HTTPClient: &http.Client{Transport: inMemory{h}},
				Clock: clock, Trace: traces.Add, Redactor: redact, Jitter: func() float64 { return 0 }})
		},
		Clock: clock, Traces: traces.Snapshot, Redactor: redact, Jitter: func() float64 { return 0 },
		Where: "au-api.basiq.io", APIURL: basiq.DefaultBaseURL, ConsentBase: basiq.DefaultConsentBase,
		EnvKey: fuzzKey, Email: "a@b.co", Timeout: 5 * time.Second,
	}, closeTrace
}

// FuzzSecretsStayHiddenInEveryOutput feeds the outputs real token answers
// cut at any offset, re-encoded and run together, in every name, detail
// and broken body of a server's answers; no 16-character piece of a token
// the run saw, or of the key, survives in the trace, the inspector,
// --events, --json, the exported script or the summary, as shown or once
// its JSON escapes are undone. The ids stay.
func FuzzSecretsStayHiddenInEveryOutput(f *testing.F) {
	answers, _ := tokenAnswers()
	for _, cut := range []int{0, 17, 40, len(answers[0]) / 2, len(answers[0]) - 60} {
		f.Add(uint8(0), uint16(cut), uint8(0), []byte(""))
	}
	at := strings.Index(answers[0], `","`) // just before the token's closing quote
	for how := range 12 {
		f.Add(uint8(how%2), uint16(at), uint8(how), []byte(`"}`))
	}
	f.Add(uint8(1), uint16(300), uint8(0xc3), []byte(" \u009b31m"))
	f.Add(uint8(0), uint16(90), uint8(0x45), []byte(`\`))
	f.Fuzz(secretsStayHidden)
}

func secretsStayHidden(t *testing.T, which uint8, cut uint16, how uint8, extra []byte) {
	_, tokens := tokenAnswers()
	secrets := append([]string{fuzzKey}, tokens...)
	text := hostileText(which, cut, how, extra)
	server := func() *hostileBasiq { return &hostileBasiq{which: which, cut: cut, how: how, extra: extra} }
	check := func(where, out string) {
		t.Helper()
		if leaked := basiqtest.Leaks(out, secrets...); len(leaked) > 0 {
			t.Fatalf("%s leaks %q of a secret; the server's text was %q:\n%s", where, leaked, text, out)
		}
	}

	// Headless: --json, then --events with the exported script.
	for _, out := range []headless.Output{headless.OutputJSON, headless.OutputEvents} {
		dir := t.TempDir()
		cfg, closeTrace := hostileConfig(t, server(), dir)
		if out == headless.OutputEvents {
			cfg.ExportScript = filepath.Join(dir, "quickstart.sh")
		}
		var stdout, stderr bytes.Buffer
		code := headless.Run(context.Background(), cfg, out, &stdout, &stderr)
		closeTrace()
		if code != qs.ExitOK {
			t.Fatalf("the run ended with %d, not with the accounts:\n%s", code, &stderr)
		}
		trace, _ := os.ReadFile(filepath.Join(dir, "trace.log"))
		check("the --debug trace", string(trace))
		if !strings.Contains(string(trace), fuzzCorrelation) || !strings.Contains(string(trace), flowtest.UserID) {
			t.Fatalf("the trace lost an id:\n%s", trace)
		}
		switch out {
		case headless.OutputJSON:
			var doc qs.Result
			if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil || doc.User == nil || doc.User.ID != flowtest.UserID {
				t.Fatalf("--json (exit %d) is not the result with the user's id: %v\n%s\n%s", code, err, &stdout, &stderr)
			}
			check("--json", stdout.String())
		case headless.OutputEvents:
			for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
				var e map[string]any
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("an --events line that is not JSON: %v\n%s", err, line)
				}
				if e["event"] != "consent_link" { // the one line that holds the link, token and all
					check("--events", line)
				}
			}
			for _, name := range []string{"quickstart.sh", "quickstart.go"} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatalf("the exported %s (exit %d): %v\n%s", name, code, err, &stderr)
				}
				check("the exported "+name, string(b))
			}
		}
	}

	// The wizard: the inspector at every exchange, and the summary.
	r := newRig()
	cfg, closeTrace := hostileConfig(t, server(), t.TempDir())
	defer closeTrace()
	cfg.Keys, cfg.OpenBrowser = r.store, func(string) error { return nil }
	r.cfg = cfg
	w := r.start(t).settle()
	w.send(user.SubmittedMsg{Email: "a@b.co"})
	w.until("made the user", func(m Model) bool { return m.session.User.User.ID != "" })
	w.send(user.ConsentAskedMsg{})
	w.until("loaded the accounts", func(m Model) bool { return m.session.Accounts.Loaded })
	w.keys("enter", "i")
	for _, x := range cfg.Traces() {
		check("the inspector", w.screen())
		check("a curl the inspector copies", x.Curl())
		w.keys("up")
	}
	w.keys("esc", "q", "n")
	summary := w.m.Summary()
	check("the summary", summary)
	if !strings.Contains(ansi.Strip(summary), flowtest.UserID) {
		t.Fatalf("the summary lost the user's id:\n%s", summary)
	}
}
