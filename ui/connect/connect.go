// Package connect is the fourth screen (Connect): the connection jobs' steps, live.
package connect

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// AccountsAskedMsg: enter, on to the accounts. The screen's other requests
// are keys.IntentMsg: r (try again), u (refresh the connection), q.
type AccountsAskedMsg struct{}

// slowFactor is how far past the institution's average a job may run
// before the screen says it is taking longer than usual.
const slowFactor = 1.5

// Job is one job as the screen shows it.
type Job struct {
	Job   basiq.Job
	Seen  bool          // Job holds an answer
	Bank  string        // the bank's name for people
	Usual time.Duration // how long the bank usually takes, 0 when unknown
	// Took is how long each step has run (so far), by step title.
	Took map[string]time.Duration
	// Trouble is a problem checking the job, being worked around.
	Trouble *theme.Problem
	// Failure says why the job failed, nil while it has not.
	Failure *theme.Problem
	// MFA is the bank's security question the job waits on, nil when none.
	MFA *MFA
	// Events are the Basiq events the connection raised, by the title of
	// the step that raised them, oldest first.
	Events map[string][]Event
}

// Event is one of Basiq's events, a line under its step.
type Event struct {
	Time time.Time
	Type string // "connection.created"
	// Handler is what the handler answered (--forward-to), "" when none.
	Handler string
}

// State is everything the screen shows; it decides none of it.
type State struct {
	Jobs          []Job
	Elapsed       time.Duration // since watching began
	Progress      float64       // share of all steps over
	AllOver       bool
	AccountsReady bool
	// BackToAccounts: the jobs are over without accounts, and those from
	// before them can be shown again.
	BackToAccounts bool
	Failed         int
	// Problem is a failure not under one job's steps (checking a job, loading the accounts).
	Problem *theme.Problem
	// The ways on that the failure offers: r tries again (after a failed
	// job: consent again, for its connection), u refreshes the connection.
	Retry, Refresh bool
	// RetryWords say what r does here: "consent again", "try again".
	RetryWords string
	// Stopped: a failure stands and nothing is being checked until a key is pressed.
	Stopped bool
}

// Model is the job view.
type Model struct {
	widget.Body
	st    *theme.Styles
	state State
	spin  widget.Spinner

	// The fields of the banks' questions, by job id; the one with focus;
	// later: the person left them (esc), and the jobs wait on.
	fields     map[string][]textinput.Model
	focusJob   string
	focusField int
	later      bool
	pasteHint  string // why the last paste into an answer did not go in, "" when it did
	// scroll is the first line shown when the jobs do not fit; pinned
	// keeps the end (the progress, a failure) in view until a scroll.
	scroll int
	pinned bool

	send, nextField, prevField, leave, answer key.Binding
	refresh, retry, cont, back                key.Binding
	up, down, pageUp, pageDown                key.Binding
}

// New builds the job view.
func New(st *theme.Styles) Model {
	return Model{
		st:        st,
		spin:      widget.NewSpinner(st),
		refresh:   keys.Refresh.Help("retry the connection"),
		retry:     keys.TryAgain.Binding(),
		cont:      keys.Main.Help("accounts"),
		back:      keys.Main.Help("back to the accounts"),
		send:      keys.Main.Help("send"),
		nextField: keys.Next.Help("next field"),
		prevField: keys.Prev.Help("previous field"),
		leave:     keys.Back.Help("answer later"),
		answer:    keys.Main.Help("answer the bank"),
		up:        keys.Up.Help("scroll"),
		down:      keys.Down.Hidden(),
		pageUp:    keys.PageUp.Help("scroll a page"),
		pageDown:  keys.PageDown.Hidden(),
		pinned:    true,
	}
}

// SetSize gives the screen its body size.
func (m *Model) SetSize(width, height int) {
	m.Body.SetSize(width, height)
	m.fitFields()
}

// bodyWidth is the width the screen draws in.
func (m Model) bodyWidth() int { return min(m.BodyWidth(), readableWidth) }

// SetState shows the jobs as they are now. It returns the spinner's first
// tick when something starts running: the spinner turns, and the screen
// redraws, only while a step runs.
func (m *Model) SetState(s State) tea.Cmd {
	m.state = s
	focus := m.syncFields()
	if start := m.spin.Start(m.running()); start != nil {
		return tea.Batch(start, focus)
	}
	return focus
}

// running reports whether the screen shows a spinner: a step under way, or
// a job Basiq has not answered for yet.
func (m Model) running() bool {
	for _, j := range m.state.Jobs {
		if !j.Seen {
			return true
		}
		for _, s := range j.Job.Steps {
			if s.Status == basiq.StepInProgress {
				return true
			}
		}
	}
	return false
}

// TakesEsc reports whether esc is the screen's: it leaves a bank's question for later.
func (m Model) TakesEsc() bool { return m.answering() }

// Capturing reports whether a field of a bank's question has focus:
// letters are answers then, and esc leaves the fields.
func (m Model) Capturing() bool { return m.answering() }

// ShortHelp are this screen's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	var ks []key.Binding
	if m.answering() {
		ks = append(ks, m.send)
		if m.fieldCount() > 1 {
			ks = append(ks, m.nextField)
		}
		ks = append(ks, m.leave)
		if m.scrollable() {
			ks = append(ks, m.up)
		}
		return ks
	}
	if m.leftQuestions() {
		ks = append(ks, m.answer)
	}
	if m.scrollable() {
		ks = append(ks, m.up)
	}
	switch {
	case m.state.AccountsReady:
		ks = append(ks, m.cont)
	case m.state.BackToAccounts:
		ks = append(ks, m.back)
	}
	if m.state.Retry {
		retry := m.retry
		retry.SetHelp("r", m.state.RetryWords)
		ks = append(ks, retry)
	}
	if m.state.Refresh {
		ks = append(ks, m.refresh)
	}
	return ks // q quits, as everywhere: the frame lists it
}

// FullHelp are the help line's keys and those ? lists beside them: the
// way back through the fields, a page at a time.
func (m Model) FullHelp() [][]key.Binding {
	k := keys.KeyMap{Short: m.ShortHelp()}
	if m.answering() && m.fieldCount() > 1 {
		k.More = append(k.More, m.prevField)
	}
	if m.scrollable() {
		k.More = append(k.More, m.pageUp)
	}
	return k.FullHelp()
}

// fieldCount is how many fields the open questions have.
func (m Model) fieldCount() int {
	n := 0
	for _, j := range m.state.Jobs {
		if j.MFA.open() {
			n += len(j.MFA.Questions)
		}
	}
	return n
}

// Update handles keys and the spinner.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg, m.running())
		return m, cmd
	case tea.PasteMsg:
		if m.answering() {
			var cmd tea.Cmd
			m.pasteHint, cmd = widget.PasteAtCursor(&m.fields[m.focusJob][m.focusField], msg.Content)
			return m, cmd
		}
	case tea.KeyPressMsg:
		if m.answering() {
			return m, m.mfaKey(msg)
		}
		switch {
		case key.Matches(msg, m.answer) && m.leftQuestions():
			m.later = false
			return m, m.refocus()
		case key.Matches(msg, m.up, m.down, m.pageUp, m.pageDown):
			m.scrollBy(msg)
		case key.Matches(msg, m.cont) && (m.state.AccountsReady || m.state.BackToAccounts):
			return m, keys.Send(AccountsAskedMsg{})
		case key.Matches(msg, m.retry) && m.state.Retry:
			return m, keys.Ask(keys.TryAgain)
		case key.Matches(msg, m.refresh) && m.state.Refresh:
			return m, keys.Ask(keys.Refresh)
		}
	}
	return m, nil
}

// readableWidth bounds the screen's width: on a wide terminal a step's time
// and a job's id stay near what they belong to.
const readableWidth = 100

// View draws every job with its steps, then the overall progress. Where
// that does not fit, jobs that are done fold to a line, and the rest
// scrolls (↑/↓), the end in view until the person scrolls, and a bank's
// question's field with the cursor in view always.
func (m Model) View() string {
	w := m.bodyWidth()
	lines, focus := m.lines(w, false)
	if m.Height > 0 && len(lines) > m.Height {
		lines, focus = m.lines(w, true)
	}
	if m.Height > 0 && len(lines) > m.Height {
		top, shown := m.window(len(lines), focus)
		out := lines[top : top+shown]
		if top > 0 {
			out = append([]string{m.st.Muted.Render(fmt.Sprintf("↑ %d more lines above", top))}, out...)
		}
		if below := len(lines) - top - shown; below > 0 {
			out = append(out, m.st.Muted.Render(fmt.Sprintf("↓ %d more lines below", below)))
		}
		lines = out
	}
	return widget.Cut(strings.Join(lines, "\n"), w)
}

// lines are the screen's lines, whole, and the line of the field with the
// cursor (-1 for none); fold draws each job that is done as one line.
func (m Model) lines(w int, fold bool) (lines []string, focus int) {
	nameW := 0
	for _, j := range m.state.Jobs {
		for _, s := range j.Job.Steps {
			nameW = max(nameW, lipgloss.Width(text.Field(text.Safe(basiq.StepName(s.Title)))))
		}
	}
	nameW = min(nameW, w-10) // room for the mark and the time
	focus = -1
	folded := false // the last block was a job folded to a line: the next folded one follows it at once
	add := func(block string, fold bool) {
		if len(lines) > 0 && !(fold && folded) {
			lines = append(lines, "")
		}
		folded = fold
		lines = append(lines, strings.Split(block, "\n")...)
	}
	for _, j := range m.state.Jobs {
		view, at := m.jobView(j, w, nameW, fold)
		if at >= 0 {
			focus = len(lines) + at
			if len(lines) > 0 {
				focus++ // the blank line add puts first
			}
		}
		add(view, fold && j.Job.State() == basiq.JobSucceeded)
	}
	if len(m.state.Jobs) == 0 {
		add(m.st.Muted.Render("Waiting for the first news of the job…"), false)
	}
	add(m.progressView(w), false)
	if p := m.state.Problem; p != nil {
		add(m.st.RenderProblem(m.withKeys(*p), w), false)
	}
	return lines, focus
}

// window is the first line shown and how many, for total lines in the
// screen's height, room kept for the lines that say more is above or below.
func (m Model) window(total, focus int) (top, shown int) {
	h := m.Height
	last := max(total-(h-1), 0) // the end in view, under the line that says more is above
	switch {
	case m.pinned:
		top = last
	default:
		top = min(max(m.scroll, 0), last)
	}
	if focus >= 0 && (focus < top+1 || focus >= top+h-2) {
		top = min(max(focus-1, 0), last) // the field with the cursor, and the line above it
	}
	shown = h
	if top > 0 {
		shown--
	}
	if top+shown < total {
		shown--
	}
	return top, min(shown, total-top)
}

// scrollable reports whether the jobs do not fit even folded.
func (m Model) scrollable() bool {
	if m.Height <= 0 {
		return false
	}
	lines, _ := m.lines(m.bodyWidth(), true)
	return len(lines) > m.Height
}

// scrollBy moves the window a line or a page; at the end it follows the end again.
func (m *Model) scrollBy(msg tea.KeyPressMsg) {
	lines, focus := m.lines(m.bodyWidth(), false)
	if len(lines) <= m.Height {
		lines, focus = m.lines(m.bodyWidth(), true)
	}
	if m.Height <= 0 || len(lines) <= m.Height {
		return
	}
	top, _ := m.window(len(lines), focus)
	last := max(len(lines)-(m.Height-1), 0)
	m.scroll, _ = keys.Moved(msg, top, max(m.Height-2, 1), last)
	m.pinned = m.scroll == last
}

// withKeys ends a problem's advice with the keys that act on it.
func (m Model) withKeys(p theme.Problem) theme.Problem {
	switch {
	case m.state.Retry && m.state.Refresh:
		p.Next = strings.TrimSpace(p.Next + " Press u to retry the connection, or r to " + m.state.RetryWords + ".")
	case m.state.Retry:
		p.Next = strings.TrimSpace(p.Next + " Press r to " + m.state.RetryWords + ".")
	case m.state.Refresh:
		p.Next = strings.TrimSpace(p.Next + " Press u to retry the connection.")
	}
	return p
}

// jobView is a job's heading and its steps, each step's time just after
// the longest step name (nameW), so the two read together; folded, a job
// that is done is its heading and one line. focus is the line of the
// field with the cursor, -1 when none.
func (m Model) jobView(j Job, w, nameW int, fold bool) (view string, focus int) {
	st := m.st
	bank := text.Field(text.Safe(j.Bank))
	title := "Connecting " + bank
	switch j.Job.State() {
	case basiq.JobSucceeded:
		title = "Connected " + bank
	case basiq.JobFailed:
		title = "Could not connect to " + bank
	}
	right := st.Muted.Render("job " + text.ShortID(text.Safe(j.Job.ID)))
	lines := []string{widget.Spread(st.Title.Render(title), right, w)}
	lines = append(lines, "")
	if !j.Seen && !m.state.Stopped {
		lines = append(lines, m.spin.View(m.st)+" "+st.Muted.Render("Asking Basiq about the job…"))
	}
	focus = -1
	if fold && j.Job.State() == basiq.JobSucceeded {
		var took time.Duration
		for _, d := range j.Took {
			took += d
		}
		done := fmt.Sprintf("%s %s · %d steps done", theme.SymbolDone, title, len(j.Job.Steps))
		if took > 0 {
			done += " in " + seconds(took)
		}
		return widget.Spread(st.Success.Render(done), right, w), -1
	}
	for _, s := range j.Job.Steps {
		var mark string
		switch {
		case s.Done():
			mark = st.Success.Render(theme.SymbolDone)
		case s.Status == basiq.StepFailed:
			mark = st.Error.Render(theme.SymbolFailed)
		case s.Status == basiq.StepInProgress:
			mark = m.spin.View(m.st)
		default:
			mark = st.Muted.Render(theme.SymbolPending)
		}
		nameStyle := st.Text
		if s.Status == basiq.StepPending {
			nameStyle = st.Muted
		}
		line := mark + " " + nameStyle.Render(text.PadRight(text.Safe(basiq.StepName(s.Title)), nameW))
		if d, ok := j.Took[s.Title]; ok {
			line += "  " + st.Muted.Render(fmt.Sprintf("%6s", seconds(d)))
		}
		lines = append(lines, line)
		if s.Title == basiq.StepMFAChallenge && s.Status == basiq.StepInProgress && j.MFA != nil {
			view, at := m.mfaView(j, w-2)
			if at >= 0 {
				focus = strings.Count(strings.Join(lines, "\n"), "\n") + 1 + at
			}
			lines = append(lines, lipgloss.NewStyle().PaddingLeft(2).Render(view))
		}
		if s.Status == basiq.StepFailed && j.Failure != nil {
			lines = append(lines, lipgloss.NewStyle().PaddingLeft(2).Render(m.st.RenderProblem(m.withKeys(*j.Failure), w-2)))
		}
		lines = append(lines, m.eventLines(j.Events[s.Title], w, fold)...)
	}
	if j.Trouble != nil {
		lines = append(lines, "", st.RenderProblem(*j.Trouble, w))
	}
	return strings.Join(lines, "\n"), focus
}

// eventLines are a step's events, one line each: when, the type, and what
// the handler answered. Where the jobs do not fit (fold), events of one
// type in a row that the handler answered alike share a line: "×4".
func (m Model) eventLines(events []Event, w int, fold bool) []string {
	st := m.st
	var lines []string
	for i := 0; i < len(events); {
		e, n := events[i], 1
		for fold && i+n < len(events) && events[i+n].Type == e.Type && events[i+n].Handler == e.Handler {
			n++
		}
		line := "  " + st.Muted.Render("↳ "+e.Time.Local().Format("15:04:05")+" ") + st.Text.Render(text.Field(text.Safe(e.Type)))
		if n > 1 {
			line += st.Muted.Render(fmt.Sprintf(" ×%d", n))
		}
		if e.Handler != "" {
			line += st.Muted.Render(" → handler " + text.Safe(e.Handler))
		}
		lines = append(lines, text.Cut(line, w))
		i += n
	}
	return lines
}

// progressView is the bar over every step of every job, with an estimate
// from the institutions' usual durations.
func (m Model) progressView(w int) string {
	st := m.st
	s := m.state
	bar := progress.New(progress.WithColors(st.AccentColor), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'),
		progress.WithWidth(min(max(w-40, 20), 50)))
	bar.EmptyColor = st.SubtleColor // the track, readable on light and dark alike
	line := bar.ViewAs(s.Progress) + "  " + st.Text.Render(fmt.Sprintf("%3.0f%%", s.Progress*100))
	switch {
	case s.AllOver && s.Failed == 0:
		line += "  " + st.Success.Render("done")
	case s.AllOver && s.Failed < len(s.Jobs):
		line += "  " + st.Error.Render(fmt.Sprintf("%d of %d connections failed", s.Failed, len(s.Jobs)))
	case s.AllOver:
		line += "  " + st.Error.Render("stopped: a step failed")
	case s.Stopped:
		line += "  " + st.Error.Render("stopped")
	default:
		line += "\n" + m.estimate()
	}
	if s.BackToAccounts {
		line += "\n\n" + theme.Wrap(w, st.Text.Render("The accounts from before are still there: "), st.Key.Render("enter"), st.Text.Render(" goes back to them."))
	}
	if s.AccountsReady {
		// The accounts wait for enter: the job stays on screen, whole, until then.
		more := " to see them."
		if !s.AllOver {
			more = " to see them (their transactions are still coming)."
		}
		line += "\n\n" + theme.Wrap(w, st.Success.Render(theme.SymbolDone+" The accounts are in."), st.Text.Render(" Press "), st.Key.Render("enter"), st.Text.Render(more))
	}
	return st.Text.Width(w).Render(line)
}

// estimate says how long is left, from the institutions' usual durations.
func (m Model) estimate() string {
	st := m.st
	s := m.state
	var usual time.Duration
	name := ""
	for _, j := range s.Jobs {
		if j.Usual > usual {
			usual, name = j.Usual, text.Field(text.Safe(j.Bank))
		}
	}
	elapsed := max(s.Elapsed, 0)
	for _, j := range s.Jobs {
		if j.MFA.open() {
			// Nothing moves until the bank has its answer: no estimate to make.
			return st.Muted.Render("The job goes on once the bank has its answer.")
		}
	}
	switch {
	case usual <= 0:
		return st.Muted.Render(seconds(elapsed) + " so far")
	case float64(elapsed) > slowFactor*float64(usual):
		return st.Warning.Render(fmt.Sprintf("%s Taking longer than usual: %s so far, usually %s. Still checking.", theme.SymbolWarning, roughly(elapsed), roughly(usual)))
	}
	left := max(usual-elapsed, time.Second)
	return st.Muted.Render(fmt.Sprintf("About %s left · %s usually takes %s", roughly(left), name, roughly(usual)))
}

// roughly is an estimate's duration in whole seconds: a tenth of a second
// would claim a precision the estimate does not have.
func roughly(d time.Duration) string {
	return d.Round(time.Second).String()
}

func seconds(d time.Duration) string {
	if d >= time.Minute {
		return d.Round(time.Second).String()
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}
