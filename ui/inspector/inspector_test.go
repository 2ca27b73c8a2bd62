package inspector

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var t0 = time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)

func entries() []Entry {
	return []Entry{
		{Time: t0, Method: "POST", URL: "https://au-api.basiq.io/token", Status: 200, Duration: 312 * time.Millisecond,
			ResponseNotKept: true, ResponseBytes: 1021,
			Curl: `curl -X POST https://au-api.basiq.io/token -H "Authorization: Basic $BASIQ_API_KEY" -H "basiq-version: 3.0" -d scope=SERVER_ACCESS`},
		{Time: t0.Add(time.Second), Method: "POST", URL: "https://au-api.basiq.io/users", Status: 400, Duration: 120 * time.Millisecond,
			CorrelationID: "abc-123", Curl: `curl -X POST https://au-api.basiq.io/users -H "Authorization: Bearer $BASIQ_TOKEN" --data-raw '{"email":"max@"}'`,
			Response: `{"type":"list","correlationId":"abc-123","data":[{"type":"error","code":"parameter-not-valid","title":"Parameter value is not valid","detail":"Email has an invalid format.","source":{"pointer":"data/attributes/email"}}]}`},
		{Time: t0.Add(2 * time.Second), Method: "GET", URL: "https://au-api.basiq.io/jobs/a03e", Err: "connection refused",
			Curl: `curl https://au-api.basiq.io/jobs/a03e -H "Authorization: Bearer $BASIQ_TOKEN"`},
	}
}

func TestGolden(t *testing.T) {
	states := map[string]func(Model) Model{
		"error":  func(m Model) Model { return m },
		"answer": func(m Model) Model { m.SetEntries(append(entries(), longAnswer())); return m },
		"long_body": func(m Model) Model {
			body := `{"email":"max.wentworth-smith@` + strings.Repeat("a", 60) + `.example.com","mobile":"+61412345678","firstName":"Max","lastName":"Wentworth-Smith"}`
			m.SetEntries(append(entries(), Entry{Time: t0, Method: "POST", URL: "https://au-api.basiq.io/users", Status: 201, Duration: time.Second,
				Curl:     `curl -X POST 'https://au-api.basiq.io/users' -H 'Accept: application/json' -H "Authorization: Bearer $BASIQ_TOKEN" --data-raw '` + body + `'`,
				Response: `{"type":"user","id":"7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"}`}))
			return m
		},
		"token_answer": func(m Model) Model {
			m, _ = uitest.Keys(m, "up", "up")
			return m
		},
		"cut_body": func(m Model) Model {
			m.SetEntries(append(entries(), Entry{Time: t0, Method: "GET", URL: "https://au-api.basiq.io/users/7f1c2a4e/accounts", Status: 200,
				Curl:     `curl 'https://au-api.basiq.io/users/7f1c2a4e/accounts' -H "Authorization: Bearer $BASIQ_TOKEN"`,
				Response: `{"type":"list","data":[{"type":"account","name":"` + strings.Repeat("Savings ", 30), ResponseBytes: 2 << 20}))
			return m
		},
		"scrolled": func(m Model) Model {
			m.SetEntries(append(entries(), longAnswer()))
			m, _ = m.Update(uitest.Press("pgdown"))
			return m
		},
		"focused": func(m Model) Model {
			m.SetEntries(append(entries(), longAnswer()))
			m, _ = m.Update(uitest.Press("tab"))
			m, _ = m.Update(uitest.Press("down"))
			return m
		},
	}
	uitest.Goldens(t, uitest.Windows, frame.BodySize, states, func(state func(Model) Model, w, h int) string {
		m := New(theme.New(true))
		m.SetSize(frame.BodySize(w, h))
		m.SetEntries(entries())
		return state(m).View()
	})
}

func TestGoldenColorLight(t *testing.T) {
	m := New(theme.New(false))
	m.SetSize(frame.BodySize(100, 30))
	m.SetEntries(append(entries(), longAnswer()))
	uitest.GoldenColor(t, m.View())
}

func TestAtTheSmallestWindowTheAnswerStillShowsAndScrollsToItsEnd(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(frame.BodySize(80, 24))
	m.SetEntries(append(entries(), longAnswer()))
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	_, after, ok := strings.Cut(v, "answer")
	if !ok || strings.Count(after, "\n") < minAnswerRows {
		t.Fatalf("at 80x24 the answer needs at least %d lines:\n%s", minAnswerRows, v)
	}
	for range 200 {
		m, _ = m.Update(uitest.Press("pgdown"))
	}
	v = uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.HasSuffix(strings.TrimSpace(v), "}") || !strings.Contains(v, "pgup goes back") {
		t.Errorf("pgdn to the end should show the answer's last line:\n%s", v)
	}
	m, _ = m.Update(uitest.Press("tab"))
	m, _ = m.Update(uitest.Press("up"))
	if m.cursor != len(m.entries)-1 || m.scroll.YOffset() == 0 {
		t.Errorf("with the answer focused, up scrolls it (cursor %d, top %d)", m.cursor, m.scroll.YOffset())
	}
	m, _ = m.Update(uitest.Press("tab"))
	m, _ = m.Update(uitest.Press("up"))
	if m.cursor != len(m.entries)-2 || m.scroll.YOffset() != 0 {
		t.Errorf("back on the list, up chooses the exchange before, its answer from the top (cursor %d, top %d)", m.cursor, m.scroll.YOffset())
	}
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
	if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}); cmd == nil || cmd() != (keys.IntentMsg{Intent: keys.Back}) {
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
	if n := strings.Count(v, "\n") + 1; n > 16 || !strings.Contains(v, "pgdn for more") {
		t.Errorf("in 16 rows the answer should be cut, saying how to see the rest (%d lines):\n%s", n, v)
	}
}

// longAnswer is an exchange whose answer runs to hundreds of lines, as
// GET /users/{id}/accounts does.
func longAnswer() Entry {
	var b strings.Builder
	b.WriteString(`{"type":"list","data":[`)
	for i := range 40 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"type":"account","id":"acc-%d","name":"Account %d","balance":"%d.00","currency":"AUD","class":{"type":"savings","product":"Hooli Saver"}}`, i, i, i*100)
	}
	b.WriteString(`]}`)
	return Entry{Time: t0, Method: "GET", URL: "https://au-api.basiq.io/users/7f1c2a4e/accounts", Status: 200, Duration: 80 * time.Millisecond,
		Curl: `curl 'https://au-api.basiq.io/users/7f1c2a4e/accounts' -H 'Accept: application/json' -H "Authorization: Bearer $BASIQ_TOKEN" -H 'Basiq-Version: 3.0'`, Response: b.String()}
}

func BenchmarkInspectorView(b *testing.B) {
	m := New(theme.New(true))
	m.SetSize(196, 55)
	m.SetEntries(append(entries(), longAnswer()))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func TestSaveIsOfferedOnceThereIsASessionAndSaysWhereItWent(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(96, 25)
	m.SetEntries(entries())
	if _, cmd := m.Update(uitest.Press("s")); cmd != nil {
		t.Error("s saved before there was a session to save")
	}
	for _, k := range m.ShortHelp() {
		if k.Help().Key == "s" {
			t.Error("s is offered before it works")
		}
	}
	m.SetCanSave(true)
	if _, cmd := m.Update(uitest.Press("s")); cmd == nil || cmd() != (keys.IntentMsg{Intent: keys.SaveScript}) {
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

// TestATokenAnswerShowsOnlyItsLengthAndACutBodyItsWholeLength: what the
// trace did not keep, the inspector says.
func TestATokenAnswerShowsOnlyItsLengthAndACutBodyItsWholeLength(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(frame.BodySize(100, 30))
	m.SetEntries(entries())
	m, _ = uitest.Keys(m, "up", "up")
	if v := uitest.Render(m.View(), colorprofile.NoTTY); !strings.Contains(v, "body not kept: 1021 bytes (a token answer, status 200)") {
		t.Errorf("the token answer:\n%s", v)
	}
	m.SetEntries(append(entries(), Entry{Method: "GET", URL: "https://h/users/u", Status: 200, Response: `{"name":"` + strings.Repeat("a", 100), ResponseBytes: 3 << 20}))
	m, _ = uitest.Keys(m, "down", "down", "down")
	if v := uitest.Render(m.View(), colorprofile.NoTTY); !strings.Contains(v, "the first 65536 bytes of 3145728") {
		t.Errorf("a cut body:\n%s", v)
	}
}

// What the wizard's inspector showed at 80x24 after a retried POST /users:
// its 7-line curl, correlation id and error answer took every row but one of
// the list, so up/down moved through exchanges one at a time, unseen.
func TestAtTheSmallestWindowALongCurlGivesWayBeforeTheList(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(frame.BodySize(80, 24))
	retried := Entry{Time: t0.Add(3 * time.Second), Method: "POST", URL: "https://au-api.basiq.io/users", Status: 429, Duration: 2 * time.Millisecond,
		CorrelationID: "8d5ad3ac-41b6-4381-8141-06d456130203",
		Curl:          `curl -X POST https://au-api.basiq.io/users -H 'Accept: application/json' -H "Authorization: Bearer $BASIQ_TOKEN" -H 'Basiq-Version: 3.0' -H 'Content-Type: application/json' -H 'User-Agent: basiq-onboard/dev' --data-raw '{"email":"max@example.com"}'`,
		Response:      `{"correlationId":"8d5ad3ac-41b6-4381-8141-06d456130203","data":[{"type":"error","code":"too-many-requests","title":"Too many requests","detail":"Slow down."}],"type":"list"}`}
	m.SetEntries(append(entries(), longAnswer(), retried))
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	listed := 0
	for _, line := range strings.Split(v, "\n") {
		if strings.Contains(line, "  /") { // a row of the list: time, method, status, path
			listed++
		}
	}
	if listed < 3 {
		t.Errorf("at 80x24 the list should keep at least 3 of its 5 rows (a long curl gives way first), got %d:\n%s", listed, v)
	}
	if !strings.Contains(v, "c copies the whole command") {
		t.Errorf("the cut curl should say how to get it whole:\n%s", v)
	}
	if _, after, _ := strings.Cut(v, "answer"); strings.Count(after, "\n") < minAnswerRows {
		t.Errorf("the answer keeps its %d lines:\n%s", minAnswerRows, v)
	}
}
