// Package consent is the third screen: the consent link (opened in the
// browser, copied, or shown as a QR code) and the wait for the job it starts.
package consent

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// JobsPastedMsg asks flow to watch the jobs of a pasted redirect URL or job ids.
// The screen's other requests are keys.IntentMsg: o, a, w, b and r.
type JobsPastedMsg struct{ IDs []string }

// Model is the consent screen.
type Model struct {
	widget.Body
	st *theme.Styles

	userID, userName string
	link             string
	expires          time.Time
	working          string
	browserOpened    bool
	browserOpens     int
	browserReason    string
	demo             bool
	persona          string
	anotherBank      string // the bank a connects, for a user who has one already; "" for a first consent
	sandboxBank      string // the bank the sandbox hint names, with its login: "" gives no hint
	sandboxLogin     string
	sandboxPassword  string
	polled           time.Time
	pollWhat         string
	now              time.Time
	timedOut         bool
	waited           time.Duration
	problem          *theme.Problem
	canRetry         bool // enter tries again what failed
	canReopen        bool // b: a new link
	copied           bool
	openRefused      bool // o was pressed where no browser opens: say so, and why
	showQR           bool
	showLink         bool // the link whole, alone in the window
	pasting          bool
	pasteErr         string
	paste            textinput.Model
	spin             widget.Spinner

	copyKey, linkKey, qrKey, openKey, pasteKey, autoKey, waitKey, reopenKey, retryKey, enterKey, cancelKey key.Binding
}

// New builds the consent screen.
func New(st *theme.Styles) Model {
	in := widget.TextInput("https://…?jobId=… or a job id", 4096)
	return Model{
		st:        st,
		paste:     in,
		spin:      widget.NewSpinner(st),
		copyKey:   keys.Copy.Help("copy link"),
		linkKey:   keys.WholeLink.Binding(),
		qrKey:     keys.QRCode.Binding(),
		openKey:   keys.OpenBrowser.Binding(),
		pasteKey:  keys.Paste.Binding(),
		autoKey:   keys.AutoConsent.Binding(),
		waitKey:   keys.WaitLonger.Binding(),
		reopenKey: keys.NewLink.Binding(),
		retryKey:  keys.TryAgain.Binding(),
		enterKey:  keys.Main.Help("watch this job"),
		cancelKey: keys.Back.Help("cancel"),
	}
}

// State is consent as the session has it: the screen draws it, and owns
// only the paste field, what is shown (the link whole, its QR code) and
// what c did.
type State struct {
	UserID, UserName string
	// Link is the consent link while consent waits ("" while there is none).
	Link    string
	Expires time.Time
	Working string // what consent waits on besides the person, "" for nothing
	// Browser: whether it opened (Opens times), and if not why; Refused, o
	// was pressed where none can open.
	Opened  bool
	Opens   int
	Reason  string
	Refused bool
	// Demo offers a (consent as Persona); AnotherBank is the bank a connects
	// for a user who has one already ("" for a first consent). The sandbox
	// hint names SandboxBank and its login ("" bank: no hint).
	Demo                                       bool
	Persona, AnotherBank                       string
	SandboxBank, SandboxLogin, SandboxPassword string
	// Polled is when the user's jobs were last listed, with Polling.
	Polled  time.Time
	Polling string
	Now     time.Time
	// TimedOut: past --timeout, after a wait of Waited.
	TimedOut bool
	Waited   time.Duration
	// Problem is a failure (nil: none); Retry, that r tries again, NewLink,
	// that b mints another link.
	Problem        *theme.Problem
	Retry, NewLink bool
}

// SetState shows consent as the session has it; it returns the spinner's
// tick when it starts turning.
func (m *Model) SetState(s State) tea.Cmd {
	m.setUser(s.UserID, s.UserName)
	m.setLink(s.Link, s.Expires)
	m.setWorking(s.Working)
	m.setBrowser(s.Opened, s.Opens, s.Reason)
	m.setOpenRefused(s.Refused)
	m.setDemo(s.Demo, s.Persona)
	m.setAnotherBank(s.AnotherBank)
	m.setSandbox(s.SandboxBank, s.SandboxLogin, s.SandboxPassword)
	m.setPolling(s.Polled, s.Polling)
	m.setNow(s.Now)
	m.setTimedOut(s.TimedOut, s.Waited)
	m.setProblem(s.Problem)
	m.setRemedies(s.Retry, s.NewLink)
	return m.Spin()
}

// TakesEsc reports whether esc is the screen's: it closes the paste field.
func (m Model) TakesEsc() bool { return m.pasting }

// SetSize gives the screen its body size.
func (m *Model) SetSize(width, height int) {
	m.Body.SetSize(width, height)
	widget.SetInputWidth(&m.paste, max(width-16, 20))
}

// setUser names whose consent this is.
func (m *Model) setUser(id, name string) { m.userID, m.userName = id, name }

// setWorking shows a spinner with what is happening ("" for nothing).
func (m *Model) setWorking(what string) { m.working = what }

// Spin starts the spinner when the screen shows one and it is not turning
// yet; call it after changing what the screen shows. The spinner stops by
// itself once it is not shown, so a screen left behind redraws nothing.
func (m *Model) Spin() tea.Cmd { return m.spin.Start(m.spinnerShown()) }

// spinnerShown reports whether View draws the spinner.
func (m Model) spinnerShown() bool {
	switch {
	case m.link == "":
		return m.working != ""
	case m.showQR || m.showLink || m.pasting:
		return false
	}
	return m.working != "" || !m.timedOut
}

// setLink shows the consent link ("" while there is none).
func (m *Model) setLink(url string, expires time.Time) {
	if url != m.link {
		m.copied, m.showQR, m.showLink, m.openRefused = false, false, false, false
	}
	m.link, m.expires = url, expires
}

// setBrowser says whether the browser opened (opens: how many times), and if not, why.
func (m *Model) setBrowser(opened bool, opens int, reason string) {
	m.browserOpened, m.browserOpens, m.browserReason = opened, opens, reason
}

// setOpenRefused says o was pressed where no browser can open: the screen
// says so beside the link, with the reason (SetBrowser's).
func (m *Model) setOpenRefused(refused bool) { m.openRefused = refused }

// setDemo offers a (complete consent as login) in the demo.
func (m *Model) setDemo(demo bool, login string) { m.demo, m.persona = demo, login }

// setAnotherBank says the link connects another bank, for a user who has
// consented already (Basiq's action=connect); in the demo, a connects bank.
// "" is a first consent.
func (m *Model) setAnotherBank(bank string) { m.anotherBank = bank }

// setSandbox names the sandbox bank the link is for and its login.
func (m *Model) setSandbox(bank, login, password string) {
	m.sandboxBank, m.sandboxLogin, m.sandboxPassword = bank, login, password
}

// setRemedies says which ways on a problem offers: r tries again, b a new link.
func (m *Model) setRemedies(retry, reopen bool) { m.canRetry, m.canReopen = retry, reopen }

// setPolling says when the jobs were last checked, and with what request.
func (m *Model) setPolling(last time.Time, what string) { m.polled, m.pollWhat = last, what }

// setNow moves the screen's clock ("checked 3s ago").
func (m *Model) setNow(now time.Time) { m.now = now }

// setTimedOut offers to wait longer or start again, past --timeout
// (waited is how long the wait was).
func (m *Model) setTimedOut(timedOut bool, waited time.Duration) {
	m.timedOut, m.waited = timedOut, waited
}

// setProblem shows a failure (polling, minting); nil clears it.
func (m *Model) setProblem(p *theme.Problem) { m.problem = p }

// ShowingQR reports whether the QR code is up (esc hides it).
func (m Model) ShowingQR() bool { return m.showQR }

// ShowingLink reports whether the link is shown whole, alone in the window.
func (m Model) ShowingLink() bool { return m.showLink }

// Capturing reports whether the paste field has focus.
func (m Model) Capturing() bool { return m.pasting }

// FullHelp are the help line's keys: the screen has no others.
func (m Model) FullHelp() [][]key.Binding { return keys.KeyMap{Short: m.ShortHelp()}.FullHelp() }

// ShortHelp are this screen's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	if m.pasting {
		return []key.Binding{m.enterKey, m.cancelKey}
	}
	ks := []key.Binding{}
	if m.canRetry {
		ks = append(ks, m.retryKey)
	}
	if m.timedOut {
		ks = append(ks, m.waitKey)
	}
	if m.timedOut || m.canReopen {
		ks = append(ks, m.reopenKey)
	}
	if m.link == "" {
		return ks
	}
	if m.demo && m.working == "" {
		ks = append(ks, m.autoKey)
	}
	return append(ks, m.copyKey, m.linkKey, m.qrKey, m.openKey, m.pasteKey)
}

// Update handles keys, paste and the spinner.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case spinner.TickMsg:
		m.spin, cmd = m.spin.Update(msg, m.spinnerShown())
		return m, cmd
	case tea.PasteMsg:
		m.showQR = false
		if !m.pasting {
			m.pasting = true
			m.paste.SetValue("")
			m.paste.Focus()
		}
		m.pasteErr = widget.PasteWhole(&m.paste, msg.Content)
		return m, nil
	case tea.KeyPressMsg:
		switch {
		case m.showQR:
			m.showQR = false // any key returns from the QR code
		case m.showLink && key.Matches(msg, m.copyKey):
			m.copied = true
			cmd = tea.SetClipboard(m.link)
		case m.showLink:
			m.showLink = false // any other key returns from the whole link
		case m.pasting:
			m, cmd = m.pasteKeyPress(msg)
		default:
			m, cmd = m.key(msg)
		}
		return m, tea.Batch(cmd, m.Spin())
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.retryKey) && m.canRetry:
		return m, keys.Ask(keys.TryAgain)
	case key.Matches(msg, m.reopenKey) && (m.timedOut || m.canReopen):
		return m, keys.Ask(keys.NewLink)
	case m.link == "":
		return m, nil
	}
	switch {
	case key.Matches(msg, m.copyKey):
		m.copied = true
		return m, tea.SetClipboard(m.link)
	case key.Matches(msg, m.linkKey):
		m.showLink = true
	case key.Matches(msg, m.qrKey):
		m.showQR = true
	case key.Matches(msg, m.openKey):
		return m, keys.Ask(keys.OpenBrowser)
	case key.Matches(msg, m.pasteKey):
		m.pasting, m.pasteErr = true, ""
		m.paste.SetValue("")
		return m, m.paste.Focus()
	case key.Matches(msg, m.autoKey) && m.demo && m.working == "":
		return m, keys.Ask(keys.AutoConsent)
	case key.Matches(msg, m.waitKey) && m.timedOut:
		return m, keys.Ask(keys.WaitLonger)
	}
	return m, nil
}

func (m Model) pasteKeyPress(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.cancelKey):
		m.pasting, m.pasteErr = false, ""
		m.paste.Blur()
		return m, nil
	case key.Matches(msg, m.enterKey):
		ids, err := basiq.ParseJobRefs(m.paste.Value())
		if err != nil {
			m.pasteErr = err.Error()
			return m, nil
		}
		m.pasting, m.pasteErr = false, ""
		m.paste.Blur()
		return m, keys.Send(JobsPastedMsg{IDs: ids})
	}
	var cmd tea.Cmd
	m.paste, cmd = m.paste.Update(msg)
	m.pasteErr = ""
	return m, cmd
}

// View draws the screen.
func (m Model) View() string {
	st := m.st
	w := m.BodyWidth()
	var b strings.Builder
	title := "Consent in the browser"
	if m.anotherBank != "" {
		title = "Connect another bank"
	}
	b.WriteString(st.Title.Render(title) + "\n\n")
	if m.link == "" {
		if m.working != "" {
			b.WriteString(m.spin.View(m.st) + " " + st.Text.Render(m.working) + "\n")
		}
		if m.problem != nil {
			b.WriteString("\n" + st.RenderProblem(*m.problem, w) + "\n")
		}
		return strings.TrimRight(b.String(), "\n")
	}
	who := "The user"
	if m.userName != "" {
		who = text.Field(text.Safe(m.userName))
	}
	lead := who + " chooses a bank on Basiq's consent page and agrees to share data."
	if m.anotherBank != "" {
		lead = who + " has consented already: Basiq's consent page (action=connect) goes straight to choosing another bank."
	}
	switch {
	case m.browserOpened && m.browserOpens > 1:
		lead += " It opened in your browser again; if it did not, open this link."
	case m.browserOpened:
		lead += " It opened in your browser; if it did not, open this link."
	case m.browserReason != "":
		lead += " " + m.browserReason
	default:
		lead += " Open this link:"
	}
	b.WriteString(st.Text.Width(w).Render(lead) + "\n\n")
	b.WriteString(m.linkLine(w) + "\n")
	note := "The link holds a token that expires"
	if !m.expires.IsZero() {
		note += " at " + m.expires.Local().Format("15:04")
	} else {
		note += " in an hour"
	}
	note += "; treat it like a password."
	if m.copied {
		// It cannot know whether the terminal took it: it says what it did.
		note = st.Success.Render(theme.SymbolDone+" "+sentToClipboard+" ") + note
	}
	b.WriteString(st.Muted.Width(w).Render(note) + "\n")
	if m.openRefused && m.browserReason != "" {
		b.WriteString(st.Warning.Width(w).Render(theme.SymbolWarning+" o opened nothing: "+m.browserReason) + "\n")
	}
	b.WriteString("\n")
	// Basiq's sandbox and the simulator share these; a production key has no Hooli, and says so.
	if m.sandboxBank != "" {
		b.WriteString(st.Label.Render("Sandbox bank: ") + st.Value.Render(text.Safe(m.sandboxBank)) + st.Label.Render(" · login ") +
			st.Code.Render(text.Safe(m.sandboxLogin)) + st.Label.Render(" · password ") + st.Code.Render(text.Safe(m.sandboxPassword)) + "\n")
	}
	switch {
	case m.demo && m.anotherBank != "":
		b.WriteString(theme.Wrap(w, st.Muted.Render("No browser? Press "), st.Key.Render("a"), st.Muted.Render(" to connect "+text.Field(text.Safe(m.anotherBank))+
			" as "+text.Safe(m.persona)+" (it asks a security question, which the demo answers).")) + "\n")
	case m.demo:
		b.WriteString(theme.Wrap(w, st.Muted.Render("No browser? Press "), st.Key.Render("a"), st.Muted.Render(" to complete consent as "+text.Safe(m.persona)+".")) + "\n")
	}
	b.WriteString("\n")
	switch {
	case m.pasting:
		b.WriteString(st.Label.Render("Job or URL  ") + m.paste.View() + "\n")
		if m.pasteErr != "" {
			b.WriteString(st.Error.Width(w).Render(theme.SymbolFailed+" "+m.pasteErr) + "\n")
		} else {
			b.WriteString(st.Muted.Width(w).Render("Paste the address the consent page ended on (it carries jobIds), or a job id.") + "\n")
		}
	case m.working != "":
		b.WriteString(m.spin.View(m.st) + " " + st.Text.Render(m.working) + "\n")
	case m.timedOut:
		b.WriteString(st.Warning.Width(w).Render(fmt.Sprintf("%s No connection after %s. Did consent finish? Press w to wait longer, b for a new link, or ctrl+c to quit.",
			theme.SymbolWarning, m.waited.Round(time.Second))) + "\n")
	default:
		line := m.spin.View(m.st) + " " + st.Text.Render("Waiting for a connection…")
		if !m.polled.IsZero() && !m.now.IsZero() {
			ago := max(m.now.Sub(m.polled), 0).Round(time.Second)
			if ago < time.Second {
				line += st.Muted.Render(" checked just now")
			} else {
				line += st.Muted.Render(fmt.Sprintf(" checked %s ago", ago))
			}
		}
		if m.pollWhat != "" {
			line += st.Muted.Render(" (" + m.pollWhat + ")")
		}
		b.WriteString(line + "\n")
	}
	if m.problem != nil {
		b.WriteString("\n" + st.RenderProblem(*m.problem, w) + "\n")
	}
	return m.Fit(strings.TrimRight(b.String(), "\n"))
}

// linkLine is the link as an OSC 8 hyperlink: clickable in full even where
// the visible text has to be shortened to fit.
func (m Model) linkLine(w int) string {
	if len(m.link) <= w {
		return m.st.Link.Hyperlink(m.link).Render(m.link)
	}
	// Too long to show whole: the hyperlink still carries all of it, and l
	// shows it whole for terminals that cannot follow links.
	const hint = "  (l shows all)"
	visible := ansi.Truncate(m.link, w-len(hint), text.Ellipsis)
	return m.st.Link.Hyperlink(m.link).Render(visible) + m.st.Muted.Render(hint)
}

// sentToClipboard is what c did: the terminal may or may not have let it in.
const sentToClipboard = "Sent to the terminal's clipboard (OSC 52)."

// LinkWindow is the link whole, alone in a window of width x height: from
// the first column, wrapped at the window's edge onto lines that hold
// nothing else, so a mouse selection (or the terminal's own copy) takes the
// link in one piece; every line is the same OSC 8 hyperlink, so a click on
// any of them opens all of it. Under it, what the keys do.
func (m Model) LinkWindow(width, height int) string {
	st := m.st
	width = max(width, 1)
	// One id for every line: terminals that group hyperlinks by id treat
	// the lines as one link.
	style := st.Link.Hyperlink(m.link, "id=basiq-consent-link")
	var lines []string
	for rest := m.link; rest != ""; {
		part := ansi.Truncate(rest, width, "")
		rest = ansi.TruncateLeft(rest, width, "")
		lines = append(lines, style.Render(part))
	}
	caption := []string{"", st.Title.Render("The consent link, whole") + st.Muted.Render(fmt.Sprintf(" (%d characters; it holds a token: treat it like a password)", len(m.link)))}
	if m.copied {
		caption = append(caption, st.Success.Render(theme.SymbolDone+" "+sentToClipboard))
	}
	caption = append(caption, st.Key.Render("c")+st.Muted.Render(" sends it to the terminal's clipboard · any other key returns"))
	// Each caption wraps at the window's edge (at 80 columns the first one
	// takes two lines), counted line by line for the height.
	var wrapped []string
	for _, c := range caption {
		wrapped = append(wrapped, strings.Split(theme.Wrap(width, c), "\n")...)
	}
	caption = wrapped
	if len(lines)+len(caption) > height {
		caption = caption[:max(height-len(lines), 0)]
	}
	all := append(lines, caption...)
	return strings.Join(all[:min(len(all), max(height, 1))], "\n")
}

// QRWindow is the link as a QR code, alone in a window of width x height
// (the frame steps aside: a code for a real link needs 40 rows or more),
// or, where even the whole window is too small, the size it needs.
func (m Model) QRWindow(width, height int) string {
	st := m.st
	place := func(s string) string { return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, s) }
	rows, err := qrRows(m.link)
	if err != nil {
		return place(st.Error.Render(theme.SymbolFailed+" No QR code for this link: "+err.Error()) + "\n\n" + st.Muted.Render("Any key returns."))
	}
	// Two lines at most: the demo's code and its caption just fit 120x40.
	caption := []string{st.Text.Render("Scan it to finish consent on a phone.") + st.Muted.Render(" Any key returns.")}
	if isLoopback(m.link) {
		host := text.Safe(hostOf(m.link))
		next := "Open it in a browser here."
		if m.demo {
			next = "Open it in a browser here, or press a on the consent screen."
		}
		caption = []string{st.Warning.Render(theme.SymbolWarning + " The link points at " + host + ", this computer: a phone cannot reach it."),
			st.Muted.Render(next + " Any key returns.")}
	}
	needW := max(lipgloss.Width(rows[0]), lipgloss.Width(strings.Join(caption, "\n")))
	needH := len(rows) + 1 + len(caption)
	if needW > width || needH > height {
		msg := st.Title.Render("The QR code needs a bigger window") + "\n\n" +
			st.Text.Render(fmt.Sprintf("It needs %dx%d; this one is %dx%d.", needW, needH, width, height)) + "\n" +
			st.Muted.Render("Make the window larger (or the font smaller), or copy the link with c.") + "\n\n" +
			st.Muted.Render("Any key returns.")
		return place(widget.Cut(msg, width))
	}
	code := st.QR.Render(strings.Join(rows, "\n"))
	return place(lipgloss.JoinVertical(lipgloss.Center, code, " ", strings.Join(caption, "\n")))
}

// isLoopback reports whether a URL points at this computer (the demo's
// simulator): no other device can open it.
func isLoopback(link string) bool {
	switch h := hostOf(link); {
	case h == "localhost", h == "::1", strings.HasPrefix(h, "127."):
		return true
	}
	return false
}

func hostOf(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
