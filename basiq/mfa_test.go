package basiq

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
)

func TestItem1AnswerMFAWithAClientTokenOfTheJobsUserAndNoAnswerInTheTrace(t *testing.T) {
	srv := simulator.New(simulator.Options{})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	var mu sync.Mutex
	var trace []Exchange
	c, err := New(Config{APIKey: simulator.DemoAPIKey, BaseURL: hs.URL, Trace: func(x Exchange) {
		mu.Lock()
		trace = append(trace, x)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	u, err := c.CreateUser(ctx, NewUser{Email: "max@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	// Whistler at Pied Piper is asked two questions; the consent page is closed before they are answered.
	id := consentAt(t, c, srv, u.ID, "AU00002", "Whistler")
	if _, _, ok := mustJob(t, c, id).WaitingForMFA(); !ok {
		t.Fatal("the job does not wait for an answer")
	}
	answers, _ := simulator.PersonaMFA("Whistler")
	if err := c.AnswerMFA(ctx, u.ID, id, answers); err != nil {
		t.Fatalf("the right answers: %v", err)
	}
	if j := mustJob(t, c, id); j.State() != JobSucceeded || !j.StepDone(StepMFAChallenge) {
		t.Errorf("after the right answers the job is %v: %+v", j.State(), j.Steps)
	}

	wrongID := consentAt(t, c, srv, u.ID, "AU00002", "Whistler")
	err = c.AnswerMFA(ctx, u.ID, wrongID, []string{"Hooligan", "AU99999"})
	if e, ok := asError(err); !ok || e.Status != 400 || e.Code() != "invalid-credentials" {
		t.Fatalf("a wrong answer: %v, want 400 invalid-credentials", err)
	}
	if f := mustJob(t, c, wrongID).FailedStep(); f == nil || f.Title != StepMFAChallenge {
		t.Errorf("after a wrong answer the failed step is %+v, want the challenge", f)
	}
	if strings.Contains(err.Error(), "Hooligan") {
		t.Errorf("the error holds the answer: %v", err)
	}

	mu.Lock()
	defer mu.Unlock()
	clientTokens, posts := 0, 0
	for _, x := range trace {
		if x.Method == "POST" && x.URL == hs.URL+"/token" && strings.Contains(x.RequestBody, "CLIENT_ACCESS") {
			clientTokens++
		}
		if strings.HasSuffix(x.URL, "/mfa") {
			posts++
			if x.RequestHeader.Get("Authorization") != "Bearer "+redacted {
				t.Errorf("the answer went with %q", x.RequestHeader.Get("Authorization"))
			}
			if want := `{"mfa-response":["[redacted]","[redacted]"]}`; x.RequestBody != want {
				t.Errorf("traced body %s, want %s", x.RequestBody, want)
			}
		}
		// Words no other request says: the wrong answers, anywhere in the trace.
		for _, secret := range []string{"Hooligan", "AU99999"} {
			if strings.Contains(x.RequestBody+x.ResponseBody+x.Err+x.Curl(), secret) {
				t.Errorf("%s %s: the trace holds the answer %q", x.Method, x.URL, secret)
			}
		}
	}
	// The two consent links took a client token each; the two answers shared one more.
	if posts != 2 || clientTokens != 3 {
		t.Errorf("%d answers posted with %d client tokens minted, want 2 answers and 3 tokens (2 for consent, 1 kept for answering)", posts, clientTokens)
	}
}

func mustJob(t *testing.T, c *Client, id string) Job {
	t.Helper()
	j, err := c.GetJob(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestItem3AJobNamesItsUserInLinksSource(t *testing.T) {
	for src, want := range map[string]string{
		"https://au-api.basiq.io/users/b540-1/connections/2149": "b540-1",
		"/users/b540-2/connections/2149":                        "b540-2",
		"":                                                      "",
		"https://au-api.basiq.io/connections/2149": "",
	} {
		if got := (Job{Links: Links{Source: src}}).UserID(); got != want {
			t.Errorf("links.source %q: user %q, want %q", src, got, want)
		}
	}
}
