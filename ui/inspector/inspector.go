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
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// Entry is one exchange, secrets already hidden by the client.
type Entry struct {
	Time          time.Time
	Method, URL   string
	Status        int
	Duration      time.Duration
	CorrelationID string
	Curl          string
	Response      string // the answer's body, secrets hidden, maybe only its start
	ResponseBytes int    // the whole body's length
	// ResponseNotKept: a token answer, whose body is never kept (Response is "").
	ResponseNotKept bool
	Err             string
}

// answerText is what the inspector shows of an exchange's answer: its body,
// readable, and what the trace did not keep of it.
func answerText(e Entry) string {
	switch {
	case e.ResponseNotKept:
		return fmt.Sprintf("body not kept: %d bytes (a token answer, status %d)", e.ResponseBytes, e.Status)
	case e.ResponseBytes > basiq.TraceBodyLimit:
		return readable(e.Response) + fmt.Sprintf("\n… the first %d bytes of %d", basiq.TraceBodyLimit, e.ResponseBytes)
	}
	return readable(e.Response)
}

// The inspector asks flow with keys.IntentMsg: esc (or i) closes it, s
// saves the session as a script (SetSaved says how it went).

// Model is the inspector.
type Model struct {
	widget.Body
	st          *theme.Styles
	entries     []Entry
	cursor      int
	follow      bool // the cursor stays on the newest until the user moves it
	copied      bool
	canSave     bool   // there is a session to save: s works
	saved       string // what the last save wrote, or why it did not
	saveFailed  bool
	answer      []string // the selected exchange's answer, laid out for width
	answerText  string   // the answer it was laid out from
	answerWidth int      // and for which width
	// scroll shows the answer a window at a time (its own keys unbound:
	// the one keymap's move it).
	scroll        viewport.Model
	answerFocused bool // ↑/↓ scroll the answer instead of choosing a request

	up, down, copyKey, saveKey, closeKey, reopenKey key.Binding
	pageUp, pageDown, focusKey                      key.Binding
}

// minAnswerRows is the least of an answer the inspector shows, however
// small the window: the list and the curl give way first.
const minAnswerRows = 5

// A small window shares its rows: the list keeps minListRows and a long
// curl minCurlRows, before either gives way further.
const (
	minListRows = 3
	minCurlRows = 3
)

// New builds the inspector.
func New(st *theme.Styles) Model {
	return Model{
		st:        st,
		follow:    true,
		up:        keys.Up.Help("choose"),
		down:      keys.Down.Hidden(),
		copyKey:   keys.Copy.Help("copy as curl"),
		saveKey:   keys.SaveScript.Help("save session as script"),
		closeKey:  keys.Back.Help("close (i too)"),
		reopenKey: keys.Requests.Hidden(), // i, which opened it, closes it
		pageUp:    keys.PageUp.Help("scroll"),
		pageDown:  keys.PageDown.Hidden(),
		focusKey:  keys.Next.Help("answer"),
		scroll:    viewport.New(viewport.WithWidth(40), viewport.WithHeight(minAnswerRows)),
	}
}

// Hide forgets what was said about the last thing done here ("sent to the
// clipboard"): it spoke of a moment that is over once the inspector closes.
func (m *Model) Hide() { m.copied = false }

// SetSize gives the inspector its body size.
func (m *Model) SetSize(width, height int) {
	m.Body.SetSize(width, height)
	m.layOutAnswer()
}

// SetEntries replaces the list, newest last.
func (m *Model) SetEntries(e []Entry) {
	m.entries = e
	before := m.cursor
	if m.follow || m.cursor >= len(e) {
		m.cursor = max(len(e)-1, 0)
	}
	if m.cursor != before {
		m.copied = false // it spoke of the request selected before
	}
	m.layOutAnswer()
}

// SetCanSave says whether the session can be saved as a script yet (it
// starts from a user), so s is offered only where it works.
func (m *Model) SetCanSave(can bool) { m.canSave = can }

// SetSaved shows what the last save wrote, or why it failed.
func (m *Model) SetSaved(text string, failed bool) { m.saved, m.saveFailed = text, failed }

// FullHelp are every key of the inspector.
func (m Model) FullHelp() [][]key.Binding { return keys.KeyMap{Short: m.ShortHelp()}.FullHelp() }

// ShortHelp are every key of the inspector, how to close it first: the help
// line drops what does not fit from the end, and ? lists them all.
func (m Model) ShortHelp() []key.Binding {
	up := m.up
	if m.answerFocused {
		up.SetHelp("↑/↓", "scroll")
	}
	ks := []key.Binding{m.closeKey, up, m.copyKey}
	if m.canSave {
		ks = append(ks, m.saveKey)
	}
	if len(m.answer) == 0 {
		return ks
	}
	focus := m.focusKey
	if m.answerFocused {
		focus.SetHelp("tab", "list")
	}
	return append(ks, focus, m.pageUp)
}

// TakesEsc is false: esc closes the inspector, which flow does.
func (m Model) TakesEsc() bool { return false }

// Capturing is false: the inspector has no text field.
func (m Model) Capturing() bool { return false }

// Update moves the cursor and copies.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	reading := true // someone reading an answer keeps it, whatever new requests come
	switch {
	case key.Matches(k, m.focusKey) && len(m.answer) > 0:
		m.answerFocused = !m.answerFocused
	case m.answerFocused && key.Matches(k, m.up):
		m.scrollAnswer(-1)
	case m.answerFocused && key.Matches(k, m.down):
		m.scrollAnswer(1)
	case key.Matches(k, m.pageUp):
		m.scrollAnswer(-m.layout().answerRows)
	case key.Matches(k, m.pageDown):
		m.scrollAnswer(m.layout().answerRows)
	default:
		reading = false
	}
	if reading {
		m.follow = false
		return m, nil
	}
	switch {
	case key.Matches(k, m.up) && m.cursor > 0:
		m.cursor--
		m.follow, m.copied = false, false
		m.layOutAnswer()
	case key.Matches(k, m.down) && m.cursor < len(m.entries)-1:
		m.cursor++
		m.follow, m.copied = m.cursor == len(m.entries)-1, false
		m.layOutAnswer()
	case key.Matches(k, m.copyKey) && len(m.entries) > 0:
		m.copied = true
		return m, tea.SetClipboard(m.entries[m.cursor].Curl)
	case key.Matches(k, m.saveKey) && m.canSave:
		return m, keys.Ask(keys.SaveScript)
	case key.Matches(k, m.closeKey, m.reopenKey):
		m.Hide()
		return m, keys.Ask(keys.Back)
	}
	return m, nil
}

// scrollAnswer moves the answer by n lines, within its length.
func (m *Model) scrollAnswer(n int) {
	m.scroll.SetHeight(max(min(m.layout().answerRows, len(m.answer)), 1))
	m.scroll.SetYOffset(m.scroll.YOffset() + n) // the viewport keeps it within the answer
}

// layOutAnswer formats the selected exchange's answer for the width, once
// per selection or size rather than every frame, and shows it from the top
// when the selection changed.
func (m *Model) layOutAnswer() {
	var text string
	if len(m.entries) > 0 {
		text = answerText(m.entries[m.cursor])
	}
	w := m.BodyWidth()
	if text != m.answerText {
		m.scroll.SetYOffset(0)
	}
	if text != m.answerText || w != m.answerWidth {
		m.answer, m.answerText, m.answerWidth = wrapAnswer(text, w), text, w
		m.scroll.SetWidth(w)
		m.scroll.SetContentLines(m.answer)
	}
	if len(m.answer) == 0 {
		m.answerFocused = false
	}
	m.scrollAnswer(0)
}

// layout is how the inspector shares its rows: the answer gets at least
// minAnswerRows, then the curl, then the list of exchanges.
type layout struct {
	listRows, curlRows, answerRows int
	curl                           []string
}

func (m Model) layout() layout {
	w := m.BodyWidth()
	var l layout
	if len(m.entries) == 0 {
		return l
	}
	e := m.entries[m.cursor]
	l.curl = text.CommandLines(text.Safe(e.Curl), w)
	used := 2 + 1 + 1 // title and blank, blank after the list, "curl"
	if e.CorrelationID != "" {
		used++
	}
	if e.Err != "" {
		used += lipgloss.Height(m.st.Error.Width(w).Render(theme.SymbolFailed + " " + text.Field(text.Safe(e.Err))))
	}
	answerWanted := 0
	if len(m.answer) > 0 {
		used += 2 // blank, "answer"
		answerWanted = min(len(m.answer), minAnswerRows)
	}
	room := max(m.Height-used, 2)
	l.listRows = max(min(len(m.entries), m.Height/3), 1)
	if m.answerFocused {
		l.listRows = min(l.listRows, minListRows) // reading the answer: it gets the room
	}
	l.curlRows = len(l.curl)
	if over := l.listRows + l.curlRows + answerWanted - room; over > 0 {
		// Each gives way in turn: the list to a few rows to move through, the
		// curl to its first lines (c copies it whole), the list to its
		// selected row, the curl to one line.
		for _, step := range []struct {
			rows  *int
			floor int
		}{{&l.listRows, minListRows}, {&l.curlRows, minCurlRows}, {&l.listRows, 1}, {&l.curlRows, 1}} {
			cut := min(over, max(*step.rows-step.floor, 0))
			*step.rows -= cut
			over -= cut
		}
	}
	l.answerRows = max(room-l.listRows-l.curlRows, 0)
	return l
}

// View draws the list and the selected exchange.
func (m Model) View() string {
	st := m.st
	w := m.BodyWidth()
	var b strings.Builder
	b.WriteString(st.Title.Render("Requests") + st.Muted.Render(fmt.Sprintf("  %d so far; keys and tokens hidden", len(m.entries))) + "\n")
	switch {
	case m.saved != "" && m.saveFailed:
		b.WriteString(st.Error.Width(w).Render(theme.SymbolFailed+" "+text.Safe(m.saved)) + "\n")
	case m.saved != "":
		b.WriteString(st.Success.Width(w).Render(theme.SymbolDone+" "+text.Safe(m.saved)) + "\n")
	}
	b.WriteString("\n")
	if len(m.entries) == 0 {
		b.WriteString(st.Muted.Render("No requests yet."))
		return b.String()
	}
	l := m.layout()
	first := max(0, min(m.cursor-l.listRows/2, len(m.entries)-l.listRows))
	for i := first; i < min(first+l.listRows, len(m.entries)); i++ {
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
		row = text.Cut(row, w-2)
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
		// It cannot know the terminal took it: it says what it did.
		b.WriteString(st.Success.Render("  " + theme.SymbolDone + " sent to the terminal's clipboard (OSC 52)"))
	}
	b.WriteString("\n")
	curl := l.curl[:l.curlRows]
	if l.curlRows < len(l.curl) {
		curl[len(curl)-1] = st.Muted.Render(fmt.Sprintf("… %d more lines; c copies the whole command", len(l.curl)-l.curlRows+1))
	}
	b.WriteString(st.Code.Render(strings.Join(curl, "\n")) + "\n")
	if e.CorrelationID != "" {
		b.WriteString(st.Muted.Render("correlation id "+text.Field(text.Safe(e.CorrelationID))) + "\n")
	}
	if e.Err != "" {
		b.WriteString(st.Error.Width(w).Render(theme.SymbolFailed+" "+text.Field(text.Safe(e.Err))) + "\n")
	}
	if len(m.answer) > 0 && l.answerRows > 0 {
		b.WriteString("\n" + m.answerLabel(l.answerRows) + "\n")
		// The viewport keeps where the answer is scrolled to; its lines are
		// drawn here, as laid out once per selection (its View would pad and
		// wrap every line on every frame).
		top := m.scroll.YOffset()
		b.WriteString(st.Code.Render(strings.Join(m.answer[top:min(top+l.answerRows, len(m.answer))], "\n")) + "\n")
	}
	return m.Fit(strings.TrimRight(b.String(), "\n"))
}

// answerLabel names the answer and, when it does not fit, which lines show.
func (m Model) answerLabel(rows int) string {
	st := m.st
	label := st.Label.Render("answer")
	if m.answerFocused {
		label = st.Selected.Render("› answer")
	}
	if len(m.answer) <= rows {
		return label
	}
	top := m.scroll.YOffset()
	end := min(top+rows, len(m.answer))
	where := fmt.Sprintf("  lines %d–%d of %d", top+1, end, len(m.answer))
	switch {
	case end < len(m.answer):
		where += " · pgdn for more"
	default:
		where += " · pgup goes back"
	}
	return label + st.Muted.Render(where)
}

// duration is an exchange's time at the precision that matters to a person.
func duration(d time.Duration) string {
	if d < time.Millisecond {
		return "<1ms"
	}
	return d.Round(time.Millisecond).String()
}

// readable indents a JSON answer; anything else is shown as it came.
func readable(body string) string {
	var out bytes.Buffer
	if json.Indent(&out, []byte(body), "", "  ") == nil {
		return out.String()
	}
	return body
}

// wrapAnswer is the answer's lines, made safe to print; a line too long
// for w wraps under its own indentation, so a long value reads as one.
func wrapAnswer(answer string, w int) []string {
	answer = strings.TrimRight(answer, "\n")
	if answer == "" {
		return nil
	}
	var out []string
	for _, line := range strings.Split(answer, "\n") {
		line = text.Safe(line)
		if ansi.StringWidth(line) <= w {
			out = append(out, line)
			continue
		}
		indent := strings.Repeat(" ", min(len(line)-len(strings.TrimLeft(line, " "))+2, w/2))
		parts := strings.Split(ansi.Wrap(strings.TrimLeft(line, " "), w-len(indent), ""), "\n")
		out = append(out, line[:len(indent)-2]+parts[0])
		for _, p := range parts[1:] {
			out = append(out, indent+p)
		}
	}
	return out
}

// pathOf shows the path and query of a URL, the part that differs between rows.
func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return text.Safe(u[i+3+j:])
		}
	}
	return text.Safe(u)
}
