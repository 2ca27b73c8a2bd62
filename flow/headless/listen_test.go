package headless

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/zalando/go-keyring"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// The tests of listen's faces run in testing/synctest bubbles, over
// in-memory networks: a fake Basiq that serves only the events API, and a
// handler that verifies each delivery with the Standard Webhooks library.
// Hours pass in the bubble's clock, not the machine's.

// eventsAPI is a Basiq that serves POST /token and GET /events only.
type eventsAPI struct {
	mu     sync.Mutex
	events []basiq.Event // oldest first
	polls  int
	// answer, when set, answers GET /events instead (a status, a body).
	answer func(n int) (int, string)
}

func (f *eventsAPI) raise(id, typ string, at time.Time) {
	entity, action, _ := strings.Cut(typ, ".")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, basiq.Event{Type: "event", ID: id, CreatedDate: at.UTC().Format(time.RFC3339), Entity: entity, EventType: action,
		UserID: flowtest.UserID, DataRef: "http://127.0.0.1:9/users/" + flowtest.UserID, Links: basiq.EventLinks{Self: "http://127.0.0.1:9/events/" + id}})
}

func (f *eventsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/token":
		if r.Header.Get("Authorization") != "Basic "+flowtest.GoodKey {
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"type":"list","data":[{"type":"error","code":"parameter-not-valid","detail":"Unable to authenticate. Please, check your API key"}]}`)
			return
		}
		_, _ = io.WriteString(w, `{"access_token":"eyJhbGciOiJIUzI1NiJ9.dG9rZW4.c2ln","token_type":"Bearer","expires_in":3600}`)
	case r.Method == http.MethodGet && r.URL.Path == "/events":
		f.mu.Lock()
		f.polls++
		n, answer := f.polls, f.answer
		list := make([]basiq.Event, 0, len(f.events))
		for i := len(f.events) - 1; i >= 0; i-- { // newest first, the last 7 days
			if e := f.events[i]; time.Since(e.Created()) <= 7*24*time.Hour {
				list = append(list, e)
			}
		}
		f.mu.Unlock()
		if answer != nil {
			if status, body := answer(n); status != 0 {
				w.WriteHeader(status)
				_, _ = io.WriteString(w, body)
				return
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "list", "data": list})
	default:
		http.NotFound(w, r)
	}
}

func (f *eventsAPI) pollCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

// hook is a developer's handler: it verifies each delivery with the
// Standard Webhooks library and the secret listen printed.
type hook struct {
	mu sync.Mutex
	// printed is the stdout of the listen that runs: the secret is read
	// from its banner, as a developer copies it.
	printed *syncBuffer
	got     []hookDelivery
	answer  func(n int) (int, string) // nil: 200
}

type hookDelivery struct {
	at       time.Time
	id       string
	body     []byte
	verified error
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	d := hookDelivery{at: time.Now(), id: r.Header.Get("webhook-id"), body: body}
	secret := ""
	if m := printedSecret.FindStringSubmatch(h.printed.String()); m != nil {
		secret = m[1]
	}
	if wh, err := standardwebhooks.NewWebhook(secret); err != nil {
		d.verified = err
	} else {
		d.verified = wh.Verify(body, r.Header)
	}
	h.got = append(h.got, d)
	n, answer := len(h.got), h.answer
	h.mu.Unlock()
	status, text := 200, "ok"
	if answer != nil {
		status, text = answer(n)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

func (h *hook) deliveries() []hookDelivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.got)
}

// serve runs h on an in-memory network and gives the transport that reaches it.
func serve(t *testing.T, h http.Handler) *http.Transport {
	_, tr := basiqtest.Serve(t, h)
	return tr
}

// syncBuffer is stdout or stderr, read while listen writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// listening is one listen running in a bubble.
type listening struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	code           chan int
	client         *basiq.Client
}

// stop is ctrl+c: it returns the exit code.
func (l *listening) stop() int {
	l.cancel()
	return <-l.code
}

type listenSetup struct {
	api    *eventsAPI
	hook   *hook
	store  *flow.Store
	out    ListenOutput
	opts   func(*flow.ListenOptions)
	apiTr  *http.Transport
	hookTr *http.Transport
	key    string
}

func newListenSetup(t *testing.T) *listenSetup {
	noKeyring(t)
	s := &listenSetup{api: &eventsAPI{}, hook: &hook{}, store: &flow.Store{Dir: filepath.Join(t.TempDir(), "basiq-onboard")}, key: flowtest.GoodKey}
	s.apiTr, s.hookTr = serve(t, s.api), serve(t, s.hook)
	return s
}

// start runs listen as the command does, without a terminal.
func (s *listenSetup) start(t *testing.T) *listening {
	t.Helper()
	redact := basiq.NewRedactor()
	client, err := basiq.New(basiq.Config{APIKey: s.key, BaseURL: "http://127.0.0.1:9", HTTPClient: &http.Client{Transport: s.apiTr}, Redactor: redact})
	if err != nil {
		t.Fatal(err)
	}
	o := flow.ListenOptions{API: client, APIURL: client.BaseURL(), Store: s.store, To: "http://localhost:3000/webhooks",
		Redactor: redact, Transport: s.hookTr}
	if s.opts != nil {
		s.opts(&o)
	}
	run, err := flow.PrepareListen(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, code: make(chan int, 1), client: client}
	s.hook.mu.Lock()
	s.hook.printed = l.stdout
	s.hook.mu.Unlock()
	go func() { l.code <- Listen(ctx, run, s.out, l.stdout, l.stderr) }()
	synctest.Wait()
	return l
}

var printedSecret = regexp.MustCompile(`Webhook signing secret: (whsec_[A-Za-z0-9+/=]+) `)

func TestListenForwardsSignedWithThePrintedSecretAndBackfillsAfterARestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newListenSetup(t)
		start := time.Now()
		s.api.raise("old", "user.created", start.Add(-11*time.Minute)) // before the first start's 10 minutes
		s.api.raise("e1", "user.created", start.Add(-5*time.Minute))
		s.api.raise("e2", "consent.created", start.Add(-4*time.Minute))

		l := s.start(t)
		m := printedSecret.FindStringSubmatch(l.stdout.String())
		if m == nil {
			t.Fatalf("no secret printed:\n%s", l.stdout)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		s.api.raise("e3", "connection.created", time.Now())
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if code := l.stop(); code != 0 {
			t.Errorf("ctrl+c ended listen with %d, want 0", code)
		}
		got := s.hook.deliveries()
		wantIDs := []string{"msg_e1", "msg_e2", "msg_e3"}
		if ids := deliveryIDs(got); !slices.Equal(ids, wantIDs) {
			t.Fatalf("the handler received %v, want %v (the backfill oldest first, then the new one)", ids, wantIDs)
		}
		for _, d := range got {
			if d.verified != nil {
				t.Errorf("%s did not verify with the printed secret: %v", d.id, d.verified)
			}
			var p map[string]any
			if json.Unmarshal(d.body, &p) != nil || p["eventId"] != strings.TrimPrefix(d.id, "msg_") {
				t.Errorf("%s carried %s", d.id, d.body)
			}
		}
		out := l.stdout.String()
		for _, want := range []string{"Backfilled 2 events", "not from Basiq's own webhook deliveries", "user.created", "✓ 200", "· backfill", "Stopped: 3 events forwarded"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}

		// Stopped a while: two more events came. A restart forwards those
		// two, and only those, signed with the same secret.
		s.api.raise("e4", "account.updated", time.Now().Add(time.Minute))
		time.Sleep(2 * time.Minute)
		s.api.raise("e5", "transactions.updated", time.Now())
		again := s.start(t)
		if m2 := printedSecret.FindStringSubmatch(again.stdout.String()); m2 == nil || m2[1] != m[1] {
			t.Errorf("the secret changed across runs: %q, then %q", m[1], m2)
		}
		time.Sleep(3 * time.Second)
		synctest.Wait()
		again.stop()
		got = s.hook.deliveries()
		if ids := deliveryIDs(got); !slices.Equal(ids, append(wantIDs, "msg_e4", "msg_e5")) {
			t.Errorf("after a restart the handler received %v, want e4 and e5 added", ids)
		}
		for _, d := range got {
			if d.verified != nil {
				t.Errorf("%s: %v", d.id, d.verified)
			}
		}
		if !strings.Contains(again.stdout.String(), "Backfilled 2 events since") || !strings.Contains(again.stdout.String(), "the last one forwarded before") {
			t.Errorf("the restart's backfill was not said:\n%s", again.stdout)
		}
	})
}

func deliveryIDs(ds []hookDelivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.id
	}
	return ids
}

func TestAHandlerAnswering500Then200SeesTheRetryWithTheSameWebhookIDFiveSecondsOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newListenSetup(t)
		s.hook.answer = func(n int) (int, string) {
			if n == 1 {
				return 500, `{"error":"the database is down"}`
			}
			return 200, "ok"
		}
		s.api.raise("e1", "user.created", time.Now())
		l := s.start(t)
		time.Sleep(10 * time.Second)
		synctest.Wait()
		l.stop()
		got := s.hook.deliveries()
		if len(got) != 2 {
			t.Fatalf("the handler received %d deliveries, want the 500 and its retry", len(got))
		}
		if got[0].id != got[1].id || got[0].id != "msg_e1" {
			t.Errorf("webhook-ids %q and %q: a retry keeps the id", got[0].id, got[1].id)
		}
		if gap := got[1].at.Sub(got[0].at); gap < 5*time.Second || gap > 5*time.Second+time.Second {
			t.Errorf("the retry came %v after, want Basiq's 5 s", gap)
		}
		out := l.stdout.String()
		for _, want := range []string{"✗ 500", "attempt 1, again in 5s", `{"error":"the database is down"}`, "✓ 200"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestTheJSONOutputIsOnlyJSONObjectsOneALine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newListenSetup(t)
		s.out = ListenJSON
		s.hook.answer = func(n int) (int, string) { return []int{503, 200, 200}[min(n-1, 2)], "busy\x1b[31m" }
		s.api.raise("e1", "user.created", time.Now())
		s.api.answer = func(n int) (int, string) {
			if n >= 3 && n <= 6 { // the client tries 4 times before it gives up
				return 502, "<html>bad gateway</html>"
			}
			return 0, ""
		}
		l := s.start(t)
		time.Sleep(20 * time.Second)
		s.api.raise("e2", "user.deleted", time.Now())
		time.Sleep(5 * time.Second)
		synctest.Wait()
		l.stop()
		kinds := map[string]int{}
		for i, line := range strings.Split(strings.TrimSuffix(l.stdout.String(), "\n"), "\n") {
			var obj map[string]any
			if err := json.Unmarshal([]byte(line), &obj); err != nil {
				t.Fatalf("line %d is not a JSON object: %q (%v)", i+1, line, err)
			}
			kind, _ := obj["event"].(string)
			if kind == "" || obj["time"] == nil {
				t.Errorf("line %d has no event or time: %s", i+1, line)
			}
			kinds[kind]++
			if kind == "ready" && !strings.HasPrefix(fmt.Sprint(obj["secret"]), "whsec_") {
				t.Errorf("the ready line has no secret: %s", line)
			}
			if strings.Contains(line, "\x1b") {
				t.Errorf("an escape reached stdout: %q", line)
			}
		}
		for kind, n := range map[string]int{"ready": 1, "backfill": 1, "basiq_event": 2, "handler_answer": 3, "poll_failed": 1, "poll_recovered": 1, "done": 1} {
			if kinds[kind] != n {
				t.Errorf("%d %q lines, want %d (all: %v)", kinds[kind], kind, n, kinds)
			}
		}
		if !strings.Contains(l.stderr.String(), "502") {
			t.Errorf("the failed poll was not said on stderr: %q", l.stderr)
		}
	})
}

func TestTheSecretAndTheKeyNeverShowInWhatListenPrintsButTheBanner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newListenSetup(t)
		var secret string
		s.hook.answer = func(int) (int, string) { return 400, "bad signature with " + secret + " and key " + flowtest.GoodKey }
		s.api.raise("e1", "user.created", time.Now())
		for _, out := range []ListenOutput{ListenLines, ListenJSON} {
			s.out = out
			l := s.start(t)
			secret = regexp.MustCompile(`whsec_[A-Za-z0-9+/=]+`).FindString(l.stdout.String())
			if secret == "" {
				t.Fatal("no secret printed")
			}
			s.api.mu.Lock()
			s.api.events[0].ID = fmt.Sprint("e", out+2) // a new event for each run
			s.api.mu.Unlock()
			time.Sleep(2 * time.Second)
			synctest.Wait()
			l.stop()
			all := l.stdout.String() + l.stderr.String()
			if n := strings.Count(all, secret); n != 1 {
				t.Errorf("the secret shows %d times, want once (the banner):\n%s", n, all)
			}
			if strings.Contains(all, flowtest.GoodKey) {
				t.Errorf("the key shows:\n%s", all)
			}
			if !strings.Contains(all, "[redacted]") {
				t.Errorf("the handler's answer was not shown, redacted:\n%s", all)
			}
		}
	})
}

func TestAnUnfilteredListBasiqRefusesEndsListenNamingTheSavedUser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newListenSetup(t)
		if err := s.store.Remember(flow.Origin("http://127.0.0.1:9"), rememberedUser()); err != nil {
			t.Fatal(err)
		}
		s.api.answer = func(int) (int, string) {
			return 400, `{"type":"list","correlationId":"c-1","data":[{"type":"error","code":"parameter-not-supplied","title":"Required parameter not supplied","detail":"filter user.id is required"}]}`
		}
		l := s.start(t)
		if code := <-l.code; code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		for _, want := range []string{"refused to list all", "--user-id " + flowtest.UserID, "c-1"} {
			if !strings.Contains(l.stderr.String(), want) {
				t.Errorf("stderr lacks %q:\n%s", want, l.stderr)
			}
		}
		if len(s.hook.deliveries()) != 0 {
			t.Error("something was forwarded")
		}
	})
}

// TestAListenOfHoursKeepsWorking: eight hours in the bubble, an event every
// five minutes, a handler down for an hour and Basiq failing now and then:
// every event reaches the handler, in order of its first delivery, and
// listen still polls at the end.
func TestAListenOfHoursKeepsWorking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newListenSetup(t)
		start := time.Now()
		down := func() bool { d := time.Since(start); return d > 2*time.Hour && d < 3*time.Hour }
		s.hook.answer = func(int) (int, string) {
			if down() {
				return 503, "down for maintenance"
			}
			return 204, ""
		}
		s.api.answer = func(n int) (int, string) {
			if n%500 < 4 && n > 4 {
				return 503, `{"type":"list","data":[{"code":"service-unavailable"}]}`
			}
			return 0, ""
		}
		s.opts = func(o *flow.ListenOptions) { o.PollEvery = 5 * time.Second }
		l := s.start(t)
		raised := 0
		for time.Since(start) < 6*time.Hour {
			s.api.raise(fmt.Sprintf("e%03d", raised), "transactions.updated", time.Now())
			raised++
			time.Sleep(5 * time.Minute)
		}
		time.Sleep(2*time.Hour + 10*time.Minute) // the retries of the hour the handler was down
		synctest.Wait()
		polls := s.api.pollCount()
		if polls < int(8*time.Hour/(5*time.Second))*9/10 {
			t.Errorf("%d polls in 8 hours at 5 s", polls)
		}
		l.stop()
		delivered := map[string]bool{}
		for _, d := range s.hook.deliveries() {
			if d.verified != nil {
				t.Fatalf("%s: %v", d.id, d.verified)
			}
			delivered[d.id] = true
		}
		for i := range raised {
			if id := fmt.Sprintf("msg_e%03d", i); !delivered[id] {
				t.Errorf("%s never reached the handler", id)
			}
		}
		if !strings.Contains(l.stdout.String(), "✗ 503") {
			t.Error("the hour the handler was down left no line")
		}
	})
}

func rememberedUser() qs.Memory { return qs.Memory{UserID: flowtest.UserID} }

// TestListenForwardsEveryEventOfADemoOnboardingInOrder: listen against
// the simulator (its events API, served in the bubble) while a user is
// onboarded as the demo does it: the handler receives every event the
// simulator raised, each once, oldest first, verified with the printed
// secret.
func TestListenForwardsEveryEventOfADemoOnboardingInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		noKeyring(t)
		sim := simulator.New(simulator.Options{StepDelay: 2 * time.Second})
		_, apiTr := basiqtest.Serve(t, sim.Handler())
		hook := &hook{}
		_, hookTr := basiqtest.Serve(t, hook)
		redact := basiq.NewRedactor()
		client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: "http://127.0.0.1:9", HTTPClient: &http.Client{Transport: apiTr}, Redactor: redact})
		if err != nil {
			t.Fatal(err)
		}
		run, err := flow.PrepareListen(flow.ListenOptions{API: client, APIURL: client.BaseURL(), Store: &flow.Store{Dir: filepath.Join(t.TempDir(), "basiq-onboard")},
			To: "http://localhost:3000/webhooks", Redactor: redact, Transport: hookTr})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stdout, stderr := &syncBuffer{}, &syncBuffer{}
		hook.printed = stdout
		done := make(chan int, 1)
		go func() { done <- Listen(ctx, run, ListenLines, stdout, stderr) }()

		// The demo's onboarding: a user, consent at Hooli as the sandbox persona, the job to its end.
		userID, jobID := flowtest.ConsentedUser(t, ctx, client, sim, "max@example.com")
		for {
			job, err := client.GetJob(ctx, jobID)
			if err != nil {
				t.Fatal(err)
			}
			if job.State() == basiq.JobSucceeded {
				break
			}
			time.Sleep(time.Second)
		}
		time.Sleep(3 * time.Second) // the last events' poll and delivery
		synctest.Wait()
		listed, err := client.ListEvents(ctx, basiq.EventFilter{UserID: userID})
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		var want []string // oldest first, as raised
		for i := len(listed) - 1; i >= 0; i-- {
			want = append(want, "msg_"+listed[i].ID)
		}
		got := hook.deliveries()
		if ids := deliveryIDs(got); !slices.Equal(ids, want) {
			t.Errorf("the handler received %d deliveries:\n%q\nthe simulator raised %d:\n%q", len(ids), ids, len(want), want)
		}
		types := map[string]int{}
		for _, d := range got {
			if d.verified != nil {
				t.Errorf("%s: %v", d.id, d.verified)
			}
			var p struct{ EventTypeID string }
			_ = json.Unmarshal(d.body, &p)
			types[p.EventTypeID]++
		}
		for _, typ := range []string{"user.created", "consent.created", "connection.created", "connection.activated", "account.updated", "transactions.updated"} {
			if types[typ] == 0 {
				t.Errorf("no %s among the deliveries: %v", typ, types)
			}
		}
	})
}

// noKeyring makes the store fall back to its files.
func noKeyring(t *testing.T) {
	t.Helper()
	keyring.MockInitWithError(errors.New("no secret service"))
}
