package listen

import (
	"net/http"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// The wizard's session of its user: every event kept and shown, only those
// of the onboarding forwarded, and none without --forward-to.
func TestTheWizardsSessionForwardsOnlyWhatItsOnboardingRaised(t *testing.T) {
	now := t0.Add(time.Hour)
	s := started(t, Config{UserID: userID, Since: MaxSince, SinceGiven: true, ForwardFrom: now.Add(-2 * time.Second), Stay: true}, now)
	lastWeek := ev("e0", "user.created", now.Add(-72*time.Hour))
	ours := ev("e1", "consent.created", now.Add(-1500*time.Millisecond)) // the onboarding's own second counts
	effects := s.Apply(now, Polled{Events: newestFirst(lastWeek, ours)})
	if got := forwardedIDs(effects); len(got) != 1 || got[0] != "e1" {
		t.Errorf("forwarded %v, want only e1 (the onboarding's)", got)
	}
	if len(s.Items) != 2 || s.Items[0].State != Kept || s.Items[1].State != Sending {
		t.Errorf("the user's week is kept to show, not forwarded: %+v", s.Items)
	}
	if n := notes(effects, NoteEvent); len(n) != 2 {
		t.Errorf("each event seen is news (basiq_event), forwarded or not: %d notes", len(n))
	}

	w := started(t, Config{UserID: userID, NoForward: true}, now)
	effects = w.Apply(now, Polled{Events: newestFirst(ours)})
	if len(of[Forward](effects)) != 0 || w.Items[0].State != Kept || w.Forwarded != 0 {
		t.Errorf("without --forward-to nothing is forwarded: %+v", effects)
	}
	if effects = w.Apply(now, ResendAsked{EventID: "e1"}); len(effects) != 0 {
		t.Errorf("nor resent: %+v", effects)
	}
}

// The wizard never ends for its events: what would end listen stops the
// polling, and r (PollAsked) starts it again; a poll PollAsked overtook
// polls no more.
func TestTheWizardsSessionStopsOnWhatWouldEndListenAndPollsAgainWhenAsked(t *testing.T) {
	now := t0
	s := started(t, Config{UserID: userID, PollEvery: time.Second, Stay: true}, now)
	notFound := &basiq.Error{Status: http.StatusNotFound, Path: "/events", Method: "GET"}
	effects := s.Apply(now, Polled{Err: notFound})
	if done, _ := s.Finished(); done || len(of[Poll](effects)) != 0 || !s.Poll.Stopped || s.Poll.Failing == nil {
		t.Fatalf("a 404 stops the polling and leaves the session open: %+v, %+v", effects, s.Poll)
	}
	effects = s.Apply(now, PollAsked{})
	polls := of[Poll](effects)
	if len(polls) != 1 || polls[0].After != 0 || polls[0].Gen != 1 || s.Poll.Stopped {
		t.Fatalf("r polls at once, in a new generation: %+v", effects)
	}
	s.Apply(now, Polled{Gen: 1, Events: newestFirst(ev("e1", "user.created", now))})
	if s.Poll.Failing != nil || len(s.Items) != 1 {
		t.Errorf("the poll that works clears the failure: %+v", s.Poll)
	}
	// r just after a poll that worked sends nothing: the list is that fresh.
	if effects := s.Apply(now.Add(500*time.Millisecond), PollAsked{}); len(effects) != 0 {
		t.Errorf("r half a second after a poll: %+v", effects)
	}
	// r while a poll waits: the waiting one's answer is dropped, and starts no second loop.
	now = now.Add(2 * time.Second)
	s.Apply(now, PollAsked{})
	if effects = s.Apply(now, Polled{Gen: 1, Events: newestFirst(ev("e2", "user.updated", now))}); len(effects) != 0 || len(s.Items) != 1 {
		t.Errorf("a poll of an older generation is dropped: %+v", effects)
	}
	if polls := of[Poll](s.Apply(now, Polled{Gen: 2})); len(polls) != 1 || polls[0].Gen != 2 {
		t.Errorf("the newer generation polls on: %+v", polls)
	}
}
