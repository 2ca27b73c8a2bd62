package inspector

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var t0 = time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)

func entries() []Entry {
	return []Entry{
		{Time: t0, Method: "POST", URL: "https://au-api.basiq.io/token", Status: 200, Duration: 312 * time.Millisecond,
			Curl: `curl -X POST https://au-api.basiq.io/token -H "Authorization: Basic $BASIQ_API_KEY" -H "basiq-version: 3.0" -d scope=SERVER_ACCESS`},
		{Time: t0.Add(time.Second), Method: "POST", URL: "https://au-api.basiq.io/users", Status: 400, Duration: 120 * time.Millisecond,
			CorrelationID: "abc-123", Curl: `curl -X POST https://au-api.basiq.io/users -H "Authorization: Bearer $BASIQ_TOKEN" --data-raw '{"email":"max@"}'`,
			Response: `{"type":"list","correlationId":"abc-123","data":[{"type":"error","code":"parameter-not-valid","title":"Parameter value is not valid","detail":"Email has an invalid format.","source":{"pointer":"data/attributes/email"}}]}`},
		{Time: t0.Add(2 * time.Second), Method: "GET", URL: "https://au-api.basiq.io/jobs/a03e", Err: "connection refused",
			Curl: `curl https://au-api.basiq.io/jobs/a03e -H "Authorization: Bearer $BASIQ_TOKEN"`},
	}
}

func TestGolden(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(96, 25)
	m.SetEntries(entries())
	uitest.Golden(t, m.View())
}

func TestCursorFollowsTheNewestUntilMovedAndCopiesCurl(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(96, 25)
	m.SetEntries(entries()[:2])
	m.SetEntries(entries())
	if !strings.Contains(m.View(), "connection refused") {
		t.Error("the newest exchange is not selected")
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyUp})
	m.SetEntries(append(entries(), Entry{Method: "GET", URL: "https://au-api.basiq.io/jobs/b"}))
	if !strings.Contains(m.View(), "abc-123") {
		t.Error("after moving up the cursor should stay where the user put it")
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Text: "c"}); cmd == nil {
		t.Error("c did not copy the curl command")
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}); cmd == nil || cmd() != (CloseMsg{}) {
		t.Error("esc did not close the inspector")
	}
}

func TestTheAnswerIsShownIndentedWithinTheRoomLeft(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(96, 25)
	m.SetEntries(entries()[:2])
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	for _, want := range []string{"answer", `"detail": "Email has an invalid format."`, "  --data-raw '{\"email\":\"max@\"}'"} {
		if !strings.Contains(v, want) {
			t.Errorf("the inspector lacks %q:\n%s", want, v)
		}
	}
	m.SetSize(96, 16)
	v = uitest.Render(m.View(), colorprofile.NoTTY)
	if n := strings.Count(v, "\n") + 1; n > 16 || !strings.Contains(v, "more lines") {
		t.Errorf("in 16 rows the answer should be cut, saying so (%d lines):\n%s", n, v)
	}
}

func TestSaveIsOfferedOnceThereIsASessionAndSaysWhereItWent(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(96, 25)
	m.SetEntries(entries())
	if _, cmd := m.Update(uitest.Press("s")); cmd != nil {
		t.Error("s saved before there was a session to save")
	}
	for _, k := range m.Keys() {
		if k.Help().Key == "s" {
			t.Error("s is offered before it works")
		}
	}
	m.SetCanSave(true)
	if _, cmd := m.Update(uitest.Press("s")); cmd == nil || cmd() != (SaveScriptMsg{}) {
		t.Error("s did not ask to save the session")
	}
	m.SetSaved("Saved the session as q.sh and q.go in /tmp (mode 0600)", false)
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "✓ Saved the session as q.sh and q.go in /tmp (mode 0600)") || strings.Count(v, "\n") >= 25 {
		t.Errorf("the inspector does not say where the session went, within its rows:\n%s", v)
	}
	m.SetSaved("Session not saved as a script: q.sh exists\x1b[2J", true)
	if v := uitest.Render(m.View(), colorprofile.NoTTY); !strings.Contains(v, "✗ Session not saved as a script: q.sh exists") || strings.Contains(v, "\x1b[2J") {
		t.Errorf("a failed save is not shown, safely:\n%q", v)
	}
}
