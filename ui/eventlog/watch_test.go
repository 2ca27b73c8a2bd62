package eventlog

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

// watched is the wizard's Events view of a demo onboarding: the user's
// events, shown, not forwarded (no --forward-to).
func watched() State {
	s := onboarding()
	s.To, s.Secret, s.Forwarded, s.Delivered, s.Failures = "", "", 0, 0, 0
	s.Request = "GET /events?filter=user.id.eq('7f1c2a4e…')"
	s.Empty = "No events of this user yet."
	for i := range s.Rows {
		s.Rows[i].State, s.Rows[i].Status, s.Rows[i].Took, s.Rows[i].Body, s.Rows[i].Resent = Kept, 0, 0, "", false
	}
	return s
}

func watchSized(w, h int, forwarding bool, s State) Model {
	return sizedModel(NewWatch(theme.New(true), forwarding), w, h, s)
}

func TestWatchGoldens(t *testing.T) {
	type watchCase struct {
		state      State
		forwarding bool
		keys       []string
		detail     *Detail
	}
	failing := watched()
	failing.Rows, failing.Backfill = nil, ""
	failing.Failing = &theme.Problem{What: "GET /events failed: 500 internal-server-error: Internal server error.", Next: "They are read again in 2s."}
	forwarded := onboarding()
	forwarded.Request = "GET /events?filter=user.id.eq('7f1c2a4e…')"
	forwarded.Rows[5].State, forwarded.Rows[5].Status = Kept, 0 // from before the run
	d := detail()
	d.Attempts = nil
	cases := map[string]watchCase{
		"watch":           {state: watched()},
		"watch_failing":   {state: failing},
		"watch_opened":    {state: watched(), keys: []string{"enter"}, detail: &d},
		"watch_forwarded": {state: forwarded, forwarding: true},
	}
	uitest.Goldens(t, [][2]int{{80, 24}, {120, 40}}, frame.BodySize, cases, func(c watchCase, w, h int) string {
		m := watchSized(w, h, c.forwarding, c.state)
		m, _ = uitest.Keys(m, c.keys...)
		if c.detail != nil {
			m.SetDetail(*c.detail)
		}
		return m.View()
	})
}

// In the wizard r is the views' "read again" and q the wizard's: the
// Events view sends neither a resend nor a quit, and its help line offers
// only what works there.
func TestTheWizardsEventsViewOpensButNeverResendsOrQuits(t *testing.T) {
	m := watchSized(100, 30, true, onboarding())
	for _, k := range []string{"r", "q"} {
		if _, msg := uitest.Keys(m, k); msg != nil {
			t.Errorf("%s sent %#v", k, msg)
		}
	}
	help := ""
	for _, b := range m.ShortHelp() {
		help += b.Help().Key + " " + b.Help().Desc + " · "
	}
	if strings.Contains(help, "resend") || !strings.Contains(help, "enter open") {
		t.Errorf("the help line: %s", help)
	}
	m, msg := uitest.Keys(m, "enter")
	if open, ok := msg.(OpenMsg); !ok || open.ID != "e6" {
		t.Fatalf("enter sent %#v", msg)
	}
	if _, msg := uitest.Keys(m, "r"); msg != nil {
		t.Errorf("r in an opened event sent %#v", msg)
	}
	v := uitest.Render(watchSized(100, 30, false, watched()).View(), 0)
	for _, no := range []string{"Handler", "Secret", "backfill", "Backfilled"} {
		if strings.Contains(v, no) {
			t.Errorf("without --forward-to the view shows %q:\n%s", no, v)
		}
	}
}

// thousand is the Events view with the 1,000 events it keeps.
func thousand() State {
	s := watched()
	s.Rows = nil
	at := time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)
	for i := range 1000 {
		s.Rows = append(s.Rows, Row{ID: fmt.Sprint("e", 1000-i), Time: at.Add(-time.Duration(i) * time.Second), Type: "transactions.updated",
			Entity: "transactions", State: Kept})
	}
	return s
}

// BenchmarkEventsViewNewState1000 is a frame of the wizard's Events view
// with 1,000 events: the state given again (as each poll does) and drawn.
func BenchmarkEventsViewNewState1000(b *testing.B) {
	s := thousand()
	m := watchSized(100, 30, false, s)
	b.ReportAllocs()
	for b.Loop() {
		m.SetState(s)
		_ = m.View()
	}
}

// BenchmarkEventsViewRedraw1000 is a frame of it drawn again, its state as it was.
func BenchmarkEventsViewRedraw1000(b *testing.B) {
	m := watchSized(100, 30, false, thousand())
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}
