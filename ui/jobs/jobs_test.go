package jobs

import (
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var now = time.Date(2026, 11, 24, 14, 5, 12, 0, time.UTC)

func job(id string, created time.Time, steps ...basiq.Step) basiq.Job {
	return basiq.Job{ID: id, Created: created, Updated: created, Steps: steps}
}

func step(title, status string) basiq.Step { return basiq.Step{Title: title, Status: status} }

// three is a user's jobs, newest first: one waiting for a code at Pied
// Piper, a login Hooli refused, and the first that worked.
func three() State {
	mfa := step(basiq.StepMFAChallenge, basiq.StepInProgress)
	mfa.Result = &basiq.StepResult{Type: basiq.ResultMFA, Method: "token", Input: []string{"OTP Password"}, ExpiryMs: 120000}
	failed := step(basiq.StepVerifyCredentials, basiq.StepFailed)
	failed.Result = &basiq.StepResult{Code: "invalid-credentials", Title: "Cannot login to target institution"}
	return State{Load: listing.Load{Loaded: true, Request: "GET /users/7f1c2a4e…/jobs"}, Now: now, Items: []Item{
		{Job: job("c0000000-0000-4000-8000-000000000003", now.Add(-time.Minute), step(basiq.StepVerifyCredentials, basiq.StepSuccess), mfa,
			step(basiq.StepRetrieveAccounts, basiq.StepPending)), Bank: "Pied Piper Bank"},
		{Job: job("b0000000-0000-4000-8000-000000000002", now.Add(-time.Hour), failed, step(basiq.StepRetrieveAccounts, basiq.StepPending)),
			Bank: "Hooli Bank", Failure: "Cannot login to target institution (invalid-credentials)"},
		{Job: job("a0000000-0000-4000-8000-000000000001", now.AddDate(-1, 0, 0), step(basiq.StepVerifyCredentials, basiq.StepSuccess),
			step(basiq.StepRetrieveAccounts, basiq.StepSuccess)), Bank: "Hooli Bank"},
	}}
}

func sized(w, h int, s State) Model {
	return uitest.InTabs(New(theme.New(true)), frame.TabbedBodySize, w, h, s)
}

func TestGoldens(t *testing.T) {
	cases := map[string]uitest.Drawn[State, Model]{
		"three":           {State: three()},
		"failed_selected": {State: three(), Then: uitest.Pressing[Model]("down")},
		"none":            {State: State{Load: listing.Load{Loaded: true, Request: "GET /users/7f1c2a4e…/jobs"}}},
	}
	uitest.StateGoldens(t, uitest.Windows, frame.TabbedBodySize, cases, sized)
}

func TestEachJobSaysHowItEndedInWords(t *testing.T) {
	v := uitest.Render(sized(120, 40, three()).View(), 0)
	for _, want := range []string{"! waiting for a code", "✗ failed", "✓ done", "Verifying credentials: Cannot login", "24 Nov 2025"} {
		if !strings.Contains(v, want) {
			t.Errorf("the jobs lack %q:\n%s", want, v)
		}
	}
}
