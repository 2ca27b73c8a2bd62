// Package inspector is the request inspector (i): every HTTP exchange the
// wizard made, the curl command that repeats the selected one, and what
// Basiq answered; s saves the whole session as a script.
package inspector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Entry is one exchange, secrets already hidden by the client.
type Entry struct {
	Time          time.Time
	Method, URL   string
	Status        int
	Duration      time.Duration
	CorrelationID string
	Curl          string
	Response      string // the answer's body, secrets hidden
	Err           string
}

// CloseMsg asks flow to close the inspector.
type CloseMsg struct{}

// SaveScriptMsg asks flow to save the session as a script (SetSaved says how it went).
type SaveScriptMsg struct{}

// Model is the inspector.
type Model struct {
	st            *theme.Styles
	width, height int
	entries       []Entry
	cursor        int
	follow        bool // the cursor stays on the newest until the user moves it
	copied        bool
	canSave       bool   // there is a session to save: s works
	saved         string // what the last save wrote, or why it did not
	saveFailed    bool

	up, down, copyKey, saveKey, closeKey key.Binding
}

// New builds the inspector.
func New(st *theme.Styles) Model {
	return Model{
		st:       st,
		follow:   true,
		up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "choose")),
		down:     key.NewBinding(key.WithKeys("down", "j")),
		copyKey:  key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy as curl")),
		saveKey:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save session as script")),
		closeKey: key.NewBinding(key.WithKeys("esc", "i"), key.WithHelp("i", "close")),
	}
}

// SetSize gives the inspector its body size.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// SetEntries replaces the list, newest last.
func (m *Model) SetEntries(e []Entry) {
	m.entries = e
	if m.follow || m.cursor >= len(e) {
		m.cursor = max(len(e)-1, 0)
	}
}

// SetCanSave says whether the session can be saved as a script yet (it
// starts from a user), so s is offered only where it works.
func (m *Model) SetCanSave(can bool) { m.canSave = can }

// SetSaved shows what the last save wrote, or why it failed.
func (m *Model) SetSaved(text string, failed bool) { m.saved, m.saveFailed = text, failed }

// Keys are the inspector's keys.
func (m Model) Keys() []key.Binding {
	if m.canSave {
		return []key.Binding{m.up, m.copyKey, m.saveKey, m.closeKey}
	}
	return []key.Binding{m.up, m.copyKey, m.closeKey}
}

// Capturing is false: the inspector has no text field.
func (m Model) Capturing() bool { return false }

// Update moves the cursor and copies.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.up) && m.cursor > 0:
		m.cursor--
		m.follow, m.copied = false, false
	case key.Matches(k, m.down) && m.cursor < len(m.entries)-1:
		m.cursor++
		m.follow, m.copied = m.cursor == len(m.entries)-1, false
	case key.Matches(k, m.copyKey) && len(m.entries) > 0:
		m.copied = true
		return m, tea.SetClipboard(m.entries[m.cursor].Curl)
	case key.Matches(k, m.saveKey) && m.canSave:
		return m, func() tea.Msg { return SaveScriptMsg{} }
	case key.Matches(k, m.closeKey):
		return m, func() tea.Msg { return CloseMsg{} }
	}
	return m, nil
}

// View draws the list and the selected exchange.
func (m Model) View() string {
	st := m.st
	w := max(m.width, 40)
	var b strings.Builder
	b.WriteString(st.Title.Render("Requests") + st.Muted.Render(fmt.Sprintf("  %d so far; keys and tokens hidden", len(m.entries))) + "\n")
	switch {
	case m.saved != "" && m.saveFailed:
		b.WriteString(st.Error.Width(w).Render(theme.SymbolFailed+" "+theme.Safe(m.saved)) + "\n")
	case m.saved != "":
		b.WriteString(st.Success.Width(w).Render(theme.SymbolDone+" "+theme.Safe(m.saved)) + "\n")
	}
	b.WriteString("\n")
	if len(m.entries) == 0 {
		b.WriteString(st.Muted.Render("No requests yet."))
		return b.String()
	}
	listRows := max(min(len(m.entries), m.height/2-2), 3)
	first := max(0, min(m.cursor-listRows/2, len(m.entries)-listRows))
	for i := first; i < min(first+listRows, len(m.entries)); i++ {
		e := m.entries[i]
		status := fmt.Sprint(e.Status)
		statusStyle := st.Success
		switch {
		case e.Err != "" || e.Status == 0:
			status, statusStyle = "---", st.Error
		case e.Status >= 400:
			statusStyle = st.Error
		}
		row := fmt.Sprintf("%s  %-6s %s  %s  %s", e.Time.Local().Format("15:04:05"), e.Method,
			statusStyle.Render(fmt.Sprintf("%3s", status)), st.Muted.Render(fmt.Sprintf("%6s", duration(e.Duration))), pathOf(e.URL))
		row = ansi.Truncate(row, w-2, theme.Ellipsis)
		if i == m.cursor {
			row = st.Selected.Render("› ") + row
		} else {
			row = "  " + row
		}
		b.WriteString(row + "\n")
	}
	e := m.entries[m.cursor]
	b.WriteString("\n" + st.Label.Render("curl"))
	if m.copied {
		b.WriteString(st.Success.Render("  " + theme.SymbolDone + " copied"))
	}
	b.WriteString("\n")
	b.WriteString(st.Code.Width(w).Render(curlForReading(theme.Safe(e.Curl))) + "\n")
	if e.CorrelationID != "" {
		b.WriteString(st.Muted.Render("correlation id "+theme.Safe(e.CorrelationID)) + "\n")
	}
	if e.Err != "" {
		b.WriteString(st.Error.Width(w).Render(theme.SymbolFailed+" "+theme.Safe(e.Err)) + "\n")
	}
	if e.Response != "" {
		// The answer gets whatever room is left: it is the longest part.
		room := m.height - strings.Count(b.String(), "\n") - 2
		if room >= 2 {
			b.WriteString("\n" + st.Label.Render("answer") + "\n" + st.Code.Render(firstLines(readable(e.Response), room, w)) + "\n")
		}
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(strings.TrimRight(b.String(), "\n"))
}

// duration is an exchange's time at the precision that matters to a person.
func duration(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

// curlForReading puts each option of the one-line curl command on a line of
// its own, with shell continuations, so it still works when pasted. Only for
// the screen: c copies the command as it is.
func curlForReading(curl string) string {
	for _, opt := range []string{" -H ", " --data-raw "} {
		curl = strings.ReplaceAll(curl, opt, " \\\n  "+strings.TrimPrefix(opt, " "))
	}
	return curl
}

// readable indents a JSON answer; anything else is shown as it came.
func readable(body string) string {
	var out bytes.Buffer
	if json.Indent(&out, []byte(body), "", "  ") == nil {
		return out.String()
	}
	return body
}

// firstLines is at most n lines of text, each cut to width w, saying how
// many were left out.
func firstLines(text string, n, w int) string {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	if len(lines) > n {
		left := len(lines) - (n - 1)
		lines = append(lines[:n-1], fmt.Sprintf("… %d more lines", left))
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(theme.Safe(l), w, theme.Ellipsis)
	}
	return strings.Join(lines, "\n")
}

// pathOf shows the path and query of a URL, the part that differs between rows.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return theme.Safe(u[i+3+j:])
		}
	}
	return theme.Safe(u)
}
