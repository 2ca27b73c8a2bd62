package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/inspector"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// View draws the frame around the current screen, full-window. On quit it
// draws nothing: main prints Summary after the terminal is restored, so the
// accounts and how to get them again stay in the scrollback, whole.
func (m Model) View() tea.View {
	return m.Window.View("basiq-onboard", m.picture)
}

// picture is the window's content: the QR code or the link alone, or the
// frame around the screen.
func (m Model) picture() string {
	if m.showingQR() {
		return m.consentScreen.m.QRWindow(m.Width, m.Height)
	}
	if m.showingLink() {
		return m.consentScreen.m.LinkWindow(m.Width, m.Height)
	}
	f := frame.Frame{
		Width:     m.Width,
		Height:    m.Height,
		Where:     m.where(),
		Step:      int(m.session.Stage),
		Keys:      m.screenKeys(),
		ShowHelp:  m.showHelp,
		Typing:    m.capturing(),
		CanGoBack: m.session.CanGoBack() && !m.showInspector && !m.screenTakesEsc(), // esc does what the screen says
		Notice:    m.notice(),
		Global:    m.global,
	}
	if m.session.Stage == qs.StageAccounts {
		f.Tabs, f.Tab = viewNames(), int(m.session.Explore.View)
	}
	f.Keys = m.shownKeys()
	switch c := m.session.Explore.Confirm; {
	case c != nil:
		f.Overlay, f.Typing, f.CanGoBack = m.question(c), false, false
	case m.showInspector:
		f.Overlay = m.inspector.View()
		f.Typing = false
	default:
		f.Body = m.screenView()
	}
	return frame.Render(m.Styles, f)
}

// shownKeys are the keys of what is shown: a y/N question over everything,
// the inspector over the screen, or the screen.
func (m Model) shownKeys() help.KeyMap {
	switch {
	case m.session.Explore.Confirm != nil:
		return keys.KeyMap{Short: []key.Binding{m.yes, m.no}}
	case m.showInspector:
		return m.inspector
	}
	return m.screenKeys()
}

// showingQR reports whether the consent link's QR code has the window.
func (m Model) showingQR() bool {
	return m.session.Stage == qs.StageConsent && m.consentScreen.m.ShowingQR() && !m.showInspector && !m.showHelp
}

// showingLink reports whether the consent link, whole, has the window.
func (m Model) showingLink() bool {
	return m.session.Stage == qs.StageConsent && m.consentScreen.m.ShowingLink() && !m.showInspector && !m.showHelp
}

// where names the API in the header: "demo", or the API's host.
func (m Model) where() string {
	if m.session.Demo {
		return "demo"
	}
	return m.cfg.Where
}

func (m Model) notice() string {
	n := m.session.Notice
	switch saved := m.session.Script; {
	case m.session.Stage != qs.StageAccounts:
	case m.busy() != "":
		n = qs.Notice{Text: m.busy()} // what is under way, until its answer comes
	case saved != nil:
		// The latest thing the person did on this screen: what s wrote.
		n = qs.Notice{Text: saved.Said(false), Done: saved.Err == nil, Warning: saved.Err != nil} // the summary says where
	case !n.Warning && m.onViews() && m.session.Explore.View == qs.ViewAccounts && m.session.CanSaveScript():
		// The moment it all worked is the moment to offer to keep it (over news
		// from earlier steps; a warning still stands).
		n = qs.Notice{Text: "Take it with you: s saves this session as a bash script and a Go program."}
	}
	switch {
	case n.Text == "":
		return ""
	case n.Warning:
		return m.Styles.Warning.Render(theme.SymbolWarning + " " + text.Safe(n.Text))
	case n.Done:
		return m.Styles.Success.Render(theme.SymbolDone + " " + text.Safe(n.Text))
	}
	return m.Styles.Muted.Render(text.Safe(n.Text))
}

func (m Model) screenView() string { return m.current().View() }

// screenKeys are the current screen's keys (its help line's first, then
// what ? lists besides), the request inspector's and, in the views, those
// every view shares.
func (m Model) screenKeys() keys.KeyMap {
	screen := m.current()
	k := keys.KeyMap{Short: screen.ShortHelp()}
	for _, group := range screen.FullHelp() {
		k.More = append(k.More, group...)
	}
	if m.onViews() {
		k.More = append(k.More, m.tabKeys.next, m.tabKeys.prev) // the tabs name them: the help line leaves them the room
	}
	if m.cfg.Traces != nil {
		if m.capturing() {
			k.Short = append(k.Short, m.global.RequestsWhileTyping)
		} else {
			k.Short = append(k.Short, m.global.Requests)
		}
	}
	if m.onViews() && m.session.CanSaveScript() {
		// Late: where the line is short of room, the view's own keys and i come first (? lists all).
		k.Short = append(k.Short, m.tabKeys.saveScript)
	}
	switch {
	case m.onViews() && m.session.ViewProblem() != nil:
		// First: reading the view again is the way forward.
		k.Short = append([]key.Binding{keys.TryAgain.Binding()}, k.Short...)
	case m.onViews():
		// Last: the lists reload after every change.
		k.Short = append(k.Short, m.tabKeys.reload)
	}
	return k
}

// Summary is what stays in the terminal after quitting: the accounts, and
// what was created with how to pick it up again. Never a secret: it goes
// through the redactor whole.
func (m Model) Summary() string {
	s := m.cfg.Redactor.String(m.summary())
	if run := m.handlerRunLine(); run != "" {
		s += "\n" + run // after the redactor: it holds the secret the handler needs
	}
	return s
}

// handlerRunLine runs the exported webhook handler, with the secret its
// deliveries are signed with; "" when no handler was exported. It is the
// summary's last line.
func (m Model) handlerRunLine() string {
	w := m.session.Closing().Script
	if w == nil || w.Err != nil || len(w.Files) != 3 {
		return ""
	}
	return "  cd " + text.Safe(w.Files[2]) + " && BASIQ_WEBHOOK_SECRET=" + m.handlerSecret() + " go run ."
}

func (m Model) summary() string {
	s := m.session
	width := m.Width
	if width <= 0 {
		width = 100
	}
	st := m.Styles
	c := s.Closing()
	var b strings.Builder
	if s.Accounts.Loaded {
		b.WriteString(m.accountsScreen.m.FinalView(width))
		b.WriteString("\n\n")
	}
	for _, f := range c.Failed {
		// Wrapped here: the terminal keeps what the last frame says, so it must fit.
		line := fmt.Sprintf("%s Job %s failed at %s: %s", theme.SymbolFailed, text.Field(f.ID), text.Field(basiq.StepName(f.Step)), f.Reason)
		b.WriteString(wrapped(st.Error, line, width) + "\n")
	}
	if c.UserID == "" {
		return strings.TrimRight(b.String(), "\n")
	}
	summary := "User " + st.Code.Render(text.Field(text.Safe(c.UserID)))
	if len(c.JobIDs) > 0 {
		jobs := text.Field(text.Safe(strings.Join(c.JobIDs, ", ")))
		if line := summary + " · job " + st.Code.Render(jobs); lipgloss.Width(line) <= width {
			summary = line
		} else {
			// A line of their own, broken between ids, never inside one.
			summary += "\n" + st.Code.Render(text.WrapValue("Job "+jobs, width))
		}
	}
	b.WriteString(summary + "\n")
	if p := c.NotDeleted; p != nil {
		b.WriteString(wrapped(st.Error, theme.SymbolFailed+" The user was not deleted: "+p.What+
			" It is still there: delete it from the Basiq dashboard, or run the wizard again with --user-id "+c.UserID+".", width) + "\n")
	}
	if c.Deleted {
		b.WriteString(wrapped(st.Success, theme.SymbolDone+" Deleted the user (DELETE /users/"+c.UserID+
			"): Basiq removed it with its connections, accounts and transactions.", width) + "\n")
	}
	switch c.Fetch {
	case qs.FetchYourOwn:
		// The simulator stopped with the wizard: the calls are Basiq's, for a user of the reader's own.
		intro := "With your own key in $BASIQ_API_KEY, these calls fetch the accounts of one of your users from Basiq:"
		if c.DemoGone {
			intro = "The demo's simulator has stopped, and this user and its accounts went with it. " + intro
		}
		b.WriteString(wrapped(st.Muted, intro, width) + "\n")
		writeCommands(&b, width, "paste-a-user-id-here", c.FetchURL(m.cfg.APIURL))
	case qs.FetchThis:
		b.WriteString(wrapped(st.Muted, "Fetch the same accounts again (the key stays in $BASIQ_API_KEY, never on screen):", width) + "\n")
		writeCommands(&b, width, c.UserID, c.FetchURL(m.cfg.APIURL))
	}
	if c.Resume != "" {
		b.WriteString(wrapped(st.Muted, c.Resume, width) + "\n")
	}
	if e := s.Events; e != nil && m.cfg.ForwardTo != "" {
		line := fmt.Sprintf("Forwarded %d of the user's Basiq events to %s: %d delivered", e.Forwarded, m.cfg.ForwardTo, e.Delivered)
		if n := e.Forwarded - e.Delivered; n > 0 { // failing, retrying, or still on their way when it quit
			line += fmt.Sprintf(", %d not", n)
		}
		b.WriteString(wrapped(st.Muted, line+".", width) + "\n")
	}
	switch w := c.Script; {
	case w == nil:
	case w.Err != nil:
		b.WriteString(wrapped(st.Error, theme.SymbolFailed+" "+w.Said(false), width) + "\n")
	case len(w.Files) >= 2:
		intro := "The whole session as a script, saved"
		if w.Dir != "" {
			intro += " in " + w.Dir
		}
		b.WriteString(wrapped(st.Muted, intro+" (the key stays in $BASIQ_API_KEY):", width) + "\n")
		b.WriteString("  bash " + text.Safe(w.Files[0]) + "\n")
		b.WriteString("  go run " + text.Safe(w.Files[1]) + "\n")
		if len(w.Files) == 3 {
			then := "then basiq-onboard listen --forward-to 3000"
			if s.Demo {
				then = "then basiq-onboard --demo --forward-to 3000, whose secret is the demo's, below"
			}
			b.WriteString(wrapped(st.Muted, "A handler of Basiq's webhooks in Go, which verifies each delivery and prints it ("+then+"):", width) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// handlerSecret is how the exported handler's run line gets the secret its
// deliveries are signed with: the one this run forwarded with (shown at its
// start already; the demo's own is nowhere else), else listen's for the API.
func (m Model) handlerSecret() string {
	if sec := m.cfg.ForwardSecretFor(m.session.Demo); !sec.IsZero() {
		return basiq.ShellWord(sec.Reveal())
	}
	cmd := "basiq-onboard listen --print-secret"
	if u := m.cfg.APIURL; u != "" && flow.Origin(u) != flow.Origin(basiq.DefaultBaseURL) && !m.session.Demo {
		cmd += " --api-url " + basiq.ShellWord(u) // each API has its own: the handler's shell may not have BASIQ_API_URL
	}
	return "$(" + cmd + ")"
}

// wrapped is text made safe and wrapped to width at its spaces: an id (or
// any word with a '-') is never broken across lines, as lipgloss's wrapping
// would at its hyphens.
func wrapped(style lipgloss.Style, words string, width int) string {
	return style.Render(text.WrapValue(text.Safe(words), width))
}

// writeCommands writes the commands that fetch userID's accounts from
// apiURL again, for pasting into a shell: each is broken at its options,
// so it stays whole in a terminal of width columns.
func writeCommands(b *strings.Builder, width int, userID, apiURL string) {
	for _, c := range flow.FetchAccountsCommands(apiURL, userID) {
		for _, line := range text.CommandLines(c, width-2) {
			b.WriteString("  " + line + "\n")
		}
	}
}

// inspectorEntries turns the client's trace into the inspector's rows.
func (m Model) inspectorEntries() []inspector.Entry {
	if m.cfg.Traces == nil {
		return nil
	}
	traces := m.cfg.Traces()
	entries := make([]inspector.Entry, 0, len(traces))
	for _, x := range traces {
		entries = append(entries, inspector.Entry{
			Time: x.Time, Method: x.Method, URL: x.URL, Status: x.Status, Duration: x.Duration,
			CorrelationID: x.CorrelationID, Curl: x.Curl(), Response: x.ResponseBody, ResponseBytes: x.ResponseBytes,
			ResponseNotKept: x.ResponseNotKept, Err: x.Err,
		})
	}
	return entries
}

// question draws a y/N question: what it asks, and what Basiq does on yes.
func (m Model) question(c *qs.Confirm) string {
	st := m.Styles
	w, _ := frame.BodySize(m.Width, m.Height)
	return st.Title.Render(text.Safe(c.Question)) + "\n\n" + st.Text.Width(w).Render(text.Safe(c.Then)) + "\n\n" +
		theme.Wrap(w, st.Key.Render("y"), st.Text.Render(" yes · "), st.Key.Render("n"), st.Text.Render(" no (the default: enter or esc too)"))
}
