package simulator

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
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
