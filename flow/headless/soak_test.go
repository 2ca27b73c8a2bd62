package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// soakFaults is a Basiq having a bad day, seeded (per run) so a failure can
// be replayed: 5% 503, 5% 429 (half with Retry-After), a burst of 429s at
// the start, latency on every answer, the token refused as expired mid-job,
// connections reset and bodies cut short.
const soakFaults = "503=0.05,429=0.025,429-no-retry-after=0.025,burst429=3,latency=20ms,GET /jobs/{id}#2=expired,reset=0.01,truncate=0.02"

// TestSoakTwoHundredOnboardingsOnABadDay runs 200 headless demo runs, 25 at
// once, each against a simulator misbehaving its own way. Each ends with Wentworth-Smith's
// accounts, or (only where POST /users got no clear answer) exits 1 saying
// the user may exist; no run makes a user twice or mints more than three
// tokens (server, client, and one after an expiry).
func TestSoakTwoHundredOnboardingsOnABadDay(t *testing.T) {
	if testing.Short() {
		t.Skip("the soak test takes some seconds; it runs without -short (and in CI)")
	}
	const runs, atOnce = 200, 25
	results := make([]soakRun, runs)
	var wg sync.WaitGroup
	slots := make(chan struct{}, atOnce)
	for i := range runs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			results[i] = soakOnce(t, i+1)
		}()
	}
	wg.Wait()

	failed := 0
	for i, r := range results {
		name := fmt.Sprintf("run %d", i)
		if r.tokens > 3 || r.code == qs.ExitOK && r.tokens < 2 {
			t.Errorf("%s: %d tokens minted (exit %d); want a server and a client token, and at most one more", name, r.tokens, r.code)
		}
		if r.usersMade > 1 {
			t.Errorf("%s: %d users made", name, r.usersMade)
		}
		if r.code == qs.ExitOK {
			if r.accounts != 4 {
				t.Errorf("%s: %d accounts, want Wentworth-Smith's 4", name, r.accounts)
			}
			continue
		}
		failed++
		if !r.userUnclear || r.code != qs.ExitFailed || !strings.Contains(r.stderr, "may or may not exist") {
			t.Errorf("%s: exit %d (POST /users unclear: %v):\n%s", name, r.code, r.userUnclear, r.stderr)
		}
	}
	t.Logf("%d of %d runs ended with the accounts; %d stopped at an unclear POST /users", runs-failed, runs, failed)
}

type soakRun struct {
	code        int
	stderr      string
	accounts    int
	tokens      int  // POST /token answered with a token
	usersMade   int  // POST /users answered 2xx
	userUnclear bool // POST /users got no clear answer: a 5xx, no answer, or a cut body
}

func soakOnce(t *testing.T, seed int) soakRun {
	sim := simulator.New(simulator.Options{Faults: simulator.MustParseFaults(fmt.Sprintf("%s,seed=%d", soakFaults, seed))})
	baseURL, err := sim.Start("127.0.0.1:0")
	if err != nil {
		t.Error(err)
		return soakRun{}
	}
	defer func() { _ = sim.Close() }()
	var mu sync.Mutex
	var exchanges []basiq.Exchange
	tokens := &tokenCounter{next: http.DefaultTransport}
	clock := basiqtest.NewClock() // retry and poll waits pass at once; the simulator's latency is real
	client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL, Clock: clock,
		HTTPClient: &http.Client{Transport: tokens},
		Trace:      func(x basiq.Exchange) { mu.Lock(); exchanges = append(exchanges, x); mu.Unlock() }})
	if err != nil {
		t.Error(err)
		return soakRun{}
	}
	cfg := flow.Config{
		Demo: true, Persona: qs.SandboxPersona, Clock: clock, Timeout: 10 * time.Minute,
		StartDemo: func() (flow.Demo, error) {
			return flow.Demo{API: client, APIURL: baseURL, ConsentBase: sim.ConsentBase(),
				AutoConsent: func(ctx context.Context, token, inst, login, _ string) ([]string, error) {
					password, _ := simulator.Persona(login)
					return sim.CompleteConsent(ctx, token, inst, login, password)
				}}, nil
		},
	}
	var stdout, stderr bytes.Buffer
	r := soakRun{code: Run(context.Background(), cfg, OutputJSON, &stdout, &stderr), stderr: stderr.String()}
	var doc qs.Result
	if json.Unmarshal(stdout.Bytes(), &doc) == nil {
		r.accounts = len(doc.Accounts)
	}
	mu.Lock()
	defer mu.Unlock()
	r.tokens = int(tokens.minted.Load())
	for _, x := range exchanges {
		switch {
		case x.Method == http.MethodPost && strings.HasSuffix(x.URL, "/users"):
			if x.Status/100 == 2 {
				r.usersMade++
			}
			var u struct{ ID string }
			unreadable := x.Status/100 == 2 && (json.Unmarshal([]byte(x.ResponseBody), &u) != nil || u.ID == "")
			r.userUnclear = r.userUnclear || x.Status == 0 || x.Status >= 500 || x.Err != "" || unreadable
		}
	}
	return r
}

// tokenCounter counts the token answers a client could use (a body cut
// short is asked for again), read on the wire: a trace never keeps them.
type tokenCounter struct {
	next   http.RoundTripper
	minted atomic.Int32
}

func (c *tokenCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || req.URL.Path != "/token" || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &tok) == nil && tok.AccessToken != "" {
		c.minted.Add(1)
	}
	resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
	return resp, nil
}

// errReader gives the error reading the body ended with, so the client sees it as it came.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) {
	if e.err == nil {
		return 0, io.EOF
	}
	return 0, e.err
}
