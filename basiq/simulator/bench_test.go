package simulator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

// BenchmarkOnboarding is the simulator's hot path, one quickstart an
// iteration, in process: a user made, consent given, the job read once its
// steps are done, the accounts listed. It reports onboardings a second; it
// never fails on a slow machine.
func BenchmarkOnboarding(b *testing.B) {
	s := newSim(b, Options{StepDelay: time.Second})
	h := s.srv.Handler()
	var tok string
	call := func(method, path, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		// The fake clock moves 5 s an onboarding: a token an iteration.
		tok = s.srv.mint(claims{Scope: scopeServer, Version: "3.0", Expires: s.clock.Now().Add(time.Hour).Unix()})
		w := call("POST", "/users", `{"email":"max@example.com"}`)
		if w.Code != 201 {
			b.Fatalf("POST /users: %d", w.Code)
		}
		id := w.Body.String()[strings.Index(w.Body.String(), `"id":"`)+6:][:36]
		jobs, err := s.srv.CompleteConsent(context.Background(), s.srv.mint(claims{Scope: scopeClient, UserID: id, Version: "3.0",
			Expires: s.clock.Now().Add(time.Hour).Unix()}), "AU00000", "Wentworth-Smith", "whislter")
		if err != nil {
			b.Fatal(err)
		}
		s.clock.Advance(5 * time.Second)
		if w := call("GET", "/jobs/"+jobs[0], ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"retrieve-transactions","status":"success"`) {
			b.Fatalf("GET /jobs: %d %s", w.Code, w.Body)
		}
		if w := call("GET", "/users/"+id+"/accounts", ""); w.Code != 200 {
			b.Fatalf("GET accounts: %d", w.Code)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "onboardings/s")
}

// BenchmarkEventToWebhook is the time from an event raised in the
// simulator to a handler's receipt of its delivery, over loopback (target:
// under 5 ms). It reports the median and the 99th percentile; it never
// fails.
func BenchmarkEventToWebhook(b *testing.B) {
	handler := basiqtest.NewArrivals(b)
	srv := New(Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	tok := srv.mint(claims{Scope: scopeServer, Version: "3.0", Expires: time.Now().Add(time.Hour).Unix()})
	req, _ := http.NewRequest("POST", base+"/notifications/webhooks", strings.NewReader(`{"url":"`+handler.URL+`","subscribedEvents":["user.updated"]}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		b.Fatalf("the webhook: %v %v", resp, err)
	}
	resp.Body.Close()
	u := &user{email: "max@example.com"}
	srv.mu.Lock()
	srv.createUser(u, time.Now())
	srv.mu.Unlock()
	latencies := make([]time.Duration, 0, b.N)
	for b.Loop() {
		srv.mu.Lock()
		start := time.Now()
		srv.raiseUser(u, "updated", start)
		srv.mu.Unlock()
		latencies = append(latencies, handler.Since(start))
	}
	basiqtest.ReportLatencies(b, latencies)
}
