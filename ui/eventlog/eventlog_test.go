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

func TestMain(m *testing.M) { uitest.MainInUTC(m) }

var now = time.Date(2026, 11, 24, 14, 5, 12, 0, time.UTC)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func base() State {
	return State{Now: now, To: "http://localhost:3000/webhooks", Secret: secret, Request: "GET /events", Every: time.Second, LastOK: now}
}

// onboarding is a demo onboarding's events, newest first: the consent's
// delivery answered 500 and waits for its retry.
func onboarding() State {
	s := base()
	s.Backfill = "Backfilled 2 events since 13:55:12 (the last 10m; --since reaches further). These come from Basiq's events API (GET /events), not from Basiq's own webhook deliveries."
	s.Forwarded, s.Delivered, s.Failures = 6, 5, 1
	at := func(sec int) time.Time { return now.Add(time.Duration(sec-60) * time.Second) }
	s.Rows = []Row{
		{ID: "e6", Time: at(58), Type: "transactions.updated", Entity: "transactions", State: Delivered, Status: 200, Took: 4 * time.Millisecond, Tried: 1},
		{ID: "e5", Time: at(57), Type: "account.updated", Entity: "account", State: Delivered, Status: 200, Took: 3 * time.Millisecond, Tried: 1},
		{ID: "e4", Time: at(50), Type: "connection.activated", Entity: "connection", State: Delivered, Status: 204, Took: 2 * time.Millisecond, Tried: 1, Resent: true},
		{ID: "e3", Time: at(47), Type: "consent.created", Entity: "consent", State: Retrying, Status: 500, Took: 12 * time.Millisecond, Tried: 1,
			Next: now.Add(4 * time.Second), Body: "{\"error\": \"the database is down\"}\nat handler.go:42\nat main.go:17\nat runtime"},
		{ID: "e2", Time: at(10), Type: "connection.created", Entity: "connection", State: Delivered, Status: 200, Took: 800 * time.Microsecond, Tried: 1, Backfill: true},
		{ID: "e1", Time: at(2), Type: "user.created", Entity: "user", State: Delivered, Status: 200, Took: time.Millisecond, Tried: 2, Backfill: true},
	}
	return s
}

func detail() Detail {
	return Detail{ID: "5a47115a7eed80a3b68761b725b78c75892e94cef06810ecc0e2e7b856738371", Type: "consent.created",
		UserID: "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", WebhookID: "msg_5a47115a7eed80a3b68761b725b78c75892e94cef06810ecc0e2e7b856738371",
		Created: now.Add(-13 * time.Second),
		Payload: "{\n  \"eventTypeId\": \"consent.created\",\n  \"eventId\": \"5a47115a\",\n  \"links\": {\n    \"event\": \"http://127.0.0.1:8080/events/5a47115a\",\n    \"eventEntity\": \"http://127.0.0.1:8080/users/7f1c2a4e/consents/c1\"\n  }\n}",
		Attempts: []Attempt{
			{N: 1, Time: now.Add(-12 * time.Second), Status: 500, Answer: "answered 500", Took: 12 * time.Millisecond, Body: `{"error": "the database is down"}`, Next: now.Add(4 * time.Second)},
		},
		EntityURL: "GET /users/7f1c2a4e/consents/c1",
		Entity:    "{\n  \"type\": \"consent\",\n  \"id\": \"c1\",\n  \"status\": \"active\"\n}",
		Data:      "{\n  \"id\": \"c1\",\n  \"status\": \"active\"\n}",
	}
}

func sized(w, h int, s State) Model { return sizedModel(New(theme.New(true)), w, h, s) }

// sizedModel is m in a window of w by h, showing s.
func sizedModel(m Model, w, h int, s State) Model {
	m.SetSize(frame.BodySize(w, h))
	m.SetState(s)
	return m
}

func TestGoldens(t *testing.T) {
	type goldenCase struct {
		state  State
		keys   []string
		detail *Detail
	}
	waiting := base()
	failing := onboarding()
	failing.Failing = &theme.Problem{What: "GET /events failed: 503 service-unavailable: Service unavailable.", Next: "listen tries again in 4s; the handler's deliveries go on."}
	ended := base()
	ended.Backfill = ""
	ended.Problem = &theme.Problem{What: "Basiq refused to list all of the application's events: 400 parameter-not-supplied.",
		Next:          "Give --user-id ID to listen to one user's events. The user saved for this API is 7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a: --user-id 7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a",
		CorrelationID: "c-1"}
	many := base()
	many.Backfill = "Nothing to backfill since 13:55:12 (the last 10m; --since reaches further)."
	for i := range 1000 {
		many.Rows = append(many.Rows, Row{ID: fmt.Sprint("e", 1000-i), Time: now.Add(-time.Duration(i) * time.Second), Type: "transactions.updated",
			Entity: "transactions", State: Delivered, Status: 200, Took: time.Millisecond})
	}
	many.Forwarded, many.Delivered, many.Dropped = 1250, 1250, 250
	empty := base()
	empty.Backfill = "Nothing to backfill since 13:55:12 (the last 10m; --since reaches further)."
	d := detail()
	cases := map[string]goldenCase{
		"waiting":         {state: waiting},
		"empty":           {state: empty},
		"onboarding":      {state: onboarding()},
		"failed_selected": {state: onboarding(), keys: []string{"down", "down", "down"}},
		"poll_failing":    {state: failing},
		"ended":           {state: ended},
		"thousand":        {state: many},
		"opened":          {state: onboarding(), keys: []string{"down", "down", "down", "enter"}, detail: &d},
	}
	uitest.Goldens(t, [][2]int{{80, 24}, {120, 40}}, frame.BodySize, cases, func(c goldenCase, w, h int) string {
		m := sized(w, h, c.state)
		m, _ = uitest.Keys(m, c.keys...)
		if c.detail != nil {
			m.SetDetail(*c.detail)
		}
		return m.View()
	})
}

func TestAFailedDeliveryShowsTheHandlersAnswerOneKeyAway(t *testing.T) {
	m := sized(120, 40, onboarding())
	m, _ = uitest.Keys(m, "down", "down", "down")
	v := uitest.Render(m.View(), 0)
	for _, want := range []string{"✗ 500", "retry in 4s", "The handler answered 500:", `{"error": "the database is down"}`, "enter shows all of it"} {
		if !strings.Contains(v, want) {
			t.Errorf("the failed row's answer lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "at runtime") {
		t.Error("the body was not cut under the list")
	}
	m, msg := uitest.Keys(m, "enter")
	if open, ok := msg.(OpenMsg); !ok || open.ID != "e3" || m.Opened() != "e3" {
		t.Fatalf("enter sent %#v", msg)
	}
	if _, msg := uitest.Keys(m, "r"); msg != (ResendMsg{ID: "e3"}) {
		t.Errorf("r in the opened event sent %#v", msg)
	}
	m, _ = uitest.Keys(m, "esc")
	if m.Opened() != "" {
		t.Error("esc did not close the event")
	}
	if _, msg := uitest.Keys(m, "q"); msg != (QuitMsg{}) {
		t.Errorf("q sent %#v", msg)
	}
}

func TestTheCursorFollowsTheNewestUnlessMovedAndThenStaysOnItsEvent(t *testing.T) {
	s := onboarding()
	m := sized(120, 40, s)
	if m.Selected() != "e6" {
		t.Fatalf("selected %q first", m.Selected())
	}
	more := s
	more.Rows = append([]Row{{ID: "e7", Time: now, Type: "user.updated", Entity: "user", State: Sending}}, s.Rows...)
	m.SetState(more)
	if m.Selected() != "e7" {
		t.Errorf("at the top the cursor did not follow the newest: %q", m.Selected())
	}
	m, _ = uitest.Keys(m, "down", "down")
	picked := m.Selected()
	evenMore := more
	evenMore.Rows = append([]Row{{ID: "e8", Time: now, Type: "user.updated", Entity: "user", State: Sending}}, more.Rows...)
	m.SetState(evenMore)
	if m.Selected() != picked {
		t.Errorf("the cursor left %s for %s when an event came", picked, m.Selected())
	}
	if _, msg := uitest.Keys(m, "r"); msg != (ResendMsg{ID: picked}) {
		t.Errorf("r sent %#v", msg)
	}
}

func TestNothingFromAServerRunsInTheTerminal(t *testing.T) {
	s := onboarding()
	s.Rows[3].Body = "\x1b]52;c;ZXZpbA==\a\x1b[2Jgotcha"
	s.Rows[0].Type = "user.created\x1b[31m"
	m := sized(120, 40, s)
	m, _ = uitest.Keys(m, "down", "down", "down")
	if v := m.View(); strings.Contains(v, "]52;") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b[31m") {
		t.Errorf("escapes from a server reached the screen: %q", v)
	}
	d := detail()
	d.Entity = "{\"name\": \"\x1b]0;title\a\"}"
	m, _ = uitest.Keys(m, "enter")
	m.SetDetail(d)
	if v := m.View(); strings.Contains(v, "]0;title") {
		t.Errorf("an escape in the entity reached the screen: %q", v)
	}
}

func TestTheOpenedEventScrolls(t *testing.T) {
	m := sized(80, 24, onboarding())
	m, _ = uitest.Keys(m, "enter")
	d := detail()
	d.Entity = strings.Repeat("{\"line\": 1},\n", 60)
	m.SetDetail(d)
	top := uitest.Render(m.View(), 0)
	if !strings.Contains(top, "more lines") {
		t.Fatalf("a long event does not say there is more:\n%s", top)
	}
	m, _ = uitest.Keys(m, "end")
	end := uitest.Render(m.View(), 0)
	if !strings.Contains(end, "Basiq's snapshot") || strings.Contains(end, "more lines") {
		t.Errorf("end does not reach the last lines:\n%s", end)
	}
	m, _ = uitest.Keys(m, "home")
	if uitest.Render(m.View(), 0) != top {
		t.Error("home does not come back to the top")
	}
}

// What a refusal most likely means (flow's hint) is said under its answer.
func TestAFailedDeliverysHintIsUnderItsAnswer(t *testing.T) {
	s := onboarding()
	for i := range s.Rows {
		if s.Rows[i].ID == "e3" {
			s.Rows[i].Status, s.Rows[i].Body, s.Rows[i].Hint = 401, "signature not verified", "signed with another secret?"
		}
	}
	m := sized(120, 40, s)
	m, _ = uitest.Keys(m, "down", "down", "down")
	if v := uitest.Render(m.View(), 0); !strings.Contains(v, "The handler answered 401:") || !strings.Contains(v, "signed with another secret?") {
		t.Errorf("the 401's hint is not under it:\n%s", v)
	}
}
