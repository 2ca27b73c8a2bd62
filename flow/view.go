package flow

import (
	"fmt"
	"net/url"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/inspector"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// View draws the frame around the current screen, full-window. On quit it
// draws nothing: main prints Summary after the terminal is restored, so the
// accounts and how to get them again stay in the scrollback, whole.
func (m Model) View() tea.View {
	if m.quitting {
		return tea.NewView("")
	}
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = "basiq-onboard"
	if m.width == 0 {
		return v // no size yet: nothing sensible to draw
	}
	if frame.TooSmall(m.width, m.height) {
		v.Content = frame.TooSmallView(m.styles, m.width, m.height)
		return v
	}
	f := frame.Frame{
		Width:     m.width,
		Height:    m.height,
		Where:     m.where,
		Step:      int(m.step),
		Keys:      m.screenKeys(),
		ShowHelp:  m.showHelp,
		Typing:    m.capturing(),
		CanGoBack: m.canGoBack(),
		Notice:    m.notice,
	}
	if m.showInspector {
		f.Overlay = m.inspector.View()
		f.Keys = m.inspector.Keys()
	} else {
		f.Body = m.screenView()
	}
	v.Content = frame.Render(m.styles, f)
	return v
}

func (m Model) screenView() string {
	switch m.step {
	case StepKey:
		return m.keyScreen.View()
	case StepUser:
		return m.userScreen.View()
	case StepConsent:
		return m.consentScreen.View()
	case StepConnect:
		return m.jobsScreen.View()
	}
	return m.accountsScreen.View()
}

// screenKeys are the current screen's keys plus the request inspector's.
func (m Model) screenKeys() []key.Binding {
	var ks []key.Binding
	switch m.step {
	case StepKey:
		ks = m.keyScreen.Keys()
	case StepUser:
		ks = m.userScreen.Keys()
	case StepConsent:
		ks = m.consentScreen.Keys()
	case StepConnect:
		ks = m.jobsScreen.Keys()
	case StepAccounts:
		ks = m.accountsScreen.Keys()
	}
	if m.cfg.Traces != nil && !m.capturing() {
		ks = append(ks, m.inspectKey)
	}
	return ks
}

// Summary is what stays in the terminal after quitting: the accounts, and
// what was created with how to pick it up again. Never a secret.
func (m Model) Summary() string {
	width := m.width
	if width <= 0 {
		width = 100
	}
	st := m.styles
	var b strings.Builder
	if m.accountsLoaded {
		b.WriteString(m.accountsScreen.FinalView(width))
		b.WriteString("\n\n")
	}
	for _, id := range m.jobsScreen.Failed() {
		if step := m.jobStates[id].FailedStep(); step != nil {
			// Wrapped here: the terminal keeps what the last frame says, so it must fit.
			line := fmt.Sprintf("%s Job %s failed at %s: %s", theme.SymbolFailed, id, step.Title, theme.Safe(strings.TrimSpace(stepFailure(step))))
			b.WriteString(st.Error.Width(width).Render(line) + "\n")
		}
	}
	if m.user.ID == "" {
		return strings.TrimRight(b.String(), "\n")
	}
	summary := "User " + st.Code.Render(m.user.ID)
	if len(m.jobOrder) > 0 {
		summary += " · job " + st.Code.Render(strings.Join(m.jobOrder, ", "))
	}
	b.WriteString(summary + "\n")
	switch {
	case m.accountsLoaded:
		intro := "Fetch the same accounts again (the key stays in $BASIQ_API_KEY, never on screen):"
		if m.demo != nil {
			intro = "The calls that fetch these accounts (the demo's simulator stopped with the wizard; with your own key they work against Basiq):"
		}
		b.WriteString(st.Muted.Width(width).Render(intro) + "\n")
		for _, line := range accountsCurl(m.cfg.APIURL, m.user.ID) {
			b.WriteString("  " + line + "\n")
		}
	case m.demo == nil:
		b.WriteString(st.Muted.Width(width).Render("Pick up where you left off: basiq-onboard "+m.resumeFlags()) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func stepFailure(s *basiq.Step) string {
	if s.Result == nil {
		return "no reason given"
	}
	return joinSentences(s.Result.Title, s.Result.Explanation()) + " (" + s.Result.Code + ")"
}

// resumeFlags are the flags that continue this session: the user, and the jobs if any.
func (m Model) resumeFlags() string {
	flags := "--user-id " + m.user.ID
	if len(m.jobOrder) > 0 {
		flags += " --job-id " + strings.Join(m.jobOrder, ",")
	}
	return flags
}

// accountsCurl is the quickstart's last two calls as shell lines: a server
// token from the key in $BASIQ_API_KEY, then the user's accounts.
func accountsCurl(apiURL, userID string) []string {
	if apiURL == "" {
		apiURL = basiq.DefaultBaseURL
	}
	apiURL = strings.TrimRight(apiURL, "/")
	return []string{
		fmt.Sprintf(`export BASIQ_TOKEN=$(curl -s -X POST %s/token -H "Authorization: Basic $BASIQ_API_KEY" -H "basiq-version: 3.0" -d scope=SERVER_ACCESS | jq -r .access_token)`, apiURL),
		fmt.Sprintf(`curl -s -H "Authorization: Bearer $BASIQ_TOKEN" -H "basiq-version: 3.0" %s/users/%s/accounts`, apiURL, url.PathEscape(userID)),
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
			CorrelationID: x.CorrelationID, Curl: x.Curl(), Response: x.ResponseBody, Err: x.Err,
		})
	}
	return entries
}
