// Package jobs is the fourth screen: the connection jobs' steps, live.
package jobs

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Messages to flow.
type (
	ReconsentMsg struct{} // r: go through consent again
	RetryMsg     struct{} // t: try again what failed
	QuitMsg      struct{} // q
	ContinueMsg  struct{} // enter: on to the accounts
)

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
}

// State is everything the screen shows; it decides none of it.
type State struct {
	Jobs          []Job
	Elapsed       time.Duration // since watching began
	Progress      float64       // share of all steps over
	AllOver       bool
	AccountsReady bool
	Failed        int
	// Problem is a failure not under one job's steps (checking a job, loading the accounts).
	Problem *theme.Problem
	// The ways on that the failure offers.
	Retry, Reconsent bool
}

// Model is the job view.
type Model struct {
	st            *theme.Styles
	width, height int
	state         State
	spin          spinner.Model

	reconsent, retry, quit, cont key.Binding
}

// New builds the job view.
func New(st *theme.Styles) Model {
	return Model{
		st:        st,
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner)),
		reconsent: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reopen consent")),
		retry:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "retry")),
		quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		cont:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "accounts")),
	}
}

// SetSize gives the screen its body size.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Tick starts the spinner.
func (m Model) Tick() tea.Cmd { return m.spin.Tick }

// SetState shows the jobs as they are now.
func (m *Model) SetState(s State) { m.state = s }

// Capturing is false: the job view has no text field.
func (m Model) Capturing() bool { return false }

// Keys are this screen's keys for its state.
func (m Model) Keys() []key.Binding {
	var ks []key.Binding
	if m.state.AccountsReady {
		ks = append(ks, m.cont)
	}
	if m.state.Retry {
		ks = append(ks, m.retry)
	}
	if m.state.Reconsent {
		ks = append(ks, m.reconsent)
	}
	return append(ks, m.quit)
}

// Update handles keys and the spinner.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.quit):
			return m, keys.Send(QuitMsg{})
		case key.Matches(msg, m.cont) && m.state.AccountsReady:
			return m, keys.Send(ContinueMsg{})
		case key.Matches(msg, m.retry) && m.state.Retry:
			return m, keys.Send(RetryMsg{})
		case key.Matches(msg, m.reconsent) && m.state.Reconsent:
			return m, keys.Send(ReconsentMsg{})
		}
	}
	return m, nil
}

// View draws every job with its steps, then the overall progress.
func (m Model) View() string {
	w := max(m.width, 40)
	var blocks []string
	for _, j := range m.state.Jobs {
		blocks = append(blocks, m.jobView(j, w))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, m.st.Muted.Render("Waiting for the first news of the job…"))
	}
	blocks = append(blocks, m.progressView(w))
	if p := m.state.Problem; p != nil {
		blocks = append(blocks, m.st.RenderProblem(m.withKeys(*p), w))
	}
	out := strings.Join(blocks, "\n\n")
	// Too tall: keep the end (failures and progress) and say what was cut.
	if lines := strings.Split(out, "\n"); m.height > 0 && len(lines) > m.height {
		out = m.st.Muted.Render(fmt.Sprintf("… %d lines above", len(lines)-m.height+1)) + "\n" + strings.Join(lines[len(lines)-m.height+1:], "\n")
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(out)
}

// withKeys ends a problem's advice with the keys that act on it.
func (m Model) withKeys(p theme.Problem) theme.Problem {
	switch {
	case m.state.Retry && m.state.Reconsent:
		p.Next = strings.TrimSpace(p.Next + " Press t to retry, or r to go through consent again.")
	case m.state.Retry:
		p.Next = strings.TrimSpace(p.Next + " Press t to retry.")
	case m.state.Reconsent:
		p.Next = strings.TrimSpace(p.Next + " Press r to reopen consent.")
	}
	return p
}

func (m Model) jobView(j Job, w int) string {
	st := m.st
	bank := theme.Safe(j.Bank)
	title := "Connecting " + bank
	switch j.Job.State() {
	case basiq.JobSucceeded:
		title = "Connected " + bank
	case basiq.JobFailed:
		title = "Could not connect to " + bank
	}
	right := st.Muted.Render("job " + theme.ShortID(theme.Safe(j.Job.ID)))
	lines := []string{theme.Spread(st.Title.Render(title), right, w)}
	lines = append(lines, "")
	if !j.Seen {
		lines = append(lines, m.st.Spin(m.spin)+" "+st.Muted.Render("Asking Basiq about the job…"))
	}
	for _, s := range j.Job.Steps {
		var mark string
		switch {
		case s.Done():
			mark = st.Success.Render(theme.SymbolDone)
		case s.Status == basiq.StepFailed:
			mark = st.Error.Render(theme.SymbolFailed)
		case s.Status == basiq.StepInProgress:
			mark = m.st.Spin(m.spin)
		default:
			mark = st.Muted.Render(theme.SymbolPending)
		}
		nameStyle := st.Text
		if s.Status == basiq.StepPending {
			nameStyle = st.Muted
		}
		took := ""
		if d, ok := j.Took[s.Title]; ok {
			took = seconds(d)
		}
		lines = append(lines, theme.Spread(mark+" "+nameStyle.Render(theme.Safe(basiq.StepName(s.Title))), st.Muted.Render(took), w))
		if s.Status == basiq.StepFailed && j.Failure != nil {
			lines = append(lines, lipgloss.NewStyle().PaddingLeft(2).Render(m.st.RenderProblem(m.withKeys(*j.Failure), w-2)))
		}
	}
	if j.Trouble != nil {
		lines = append(lines, "", st.RenderProblem(*j.Trouble, w))
	}
	return strings.Join(lines, "\n")
}

// progressView is the bar over every step of every job, with an estimate
// from the institutions' usual durations.
func (m Model) progressView(w int) string {
	st := m.st
	s := m.state
	bar := progress.New(progress.WithColors(st.AccentColor), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'),
		progress.WithWidth(min(max(w-40, 20), 50)))
	line := bar.ViewAs(s.Progress) + "  " + st.Text.Render(fmt.Sprintf("%3.0f%%", s.Progress*100))
	if s.AllOver {
		switch {
		case s.Failed == 0:
			return line + "  " + st.Success.Render("done")
		case s.Failed < len(s.Jobs):
			return line + "  " + st.Error.Render(fmt.Sprintf("%d of %d connections failed", s.Failed, len(s.Jobs)))
		}
		return line + "  " + st.Error.Render("stopped: a step failed")
	}
	var usual time.Duration
	name := ""
	for _, j := range s.Jobs {
		if j.Usual > usual {
			usual, name = j.Usual, theme.Safe(j.Bank)
		}
	}
	elapsed := max(s.Elapsed, 0)
	switch {
	case usual <= 0:
		line += "\n" + st.Muted.Render(seconds(elapsed)+" so far")
	case float64(elapsed) > slowFactor*float64(usual):
		line += "\n" + st.Warning.Render(fmt.Sprintf("%s Taking longer than usual: %s so far, usually %s. Still checking.", theme.SymbolWarning, roughly(elapsed), roughly(usual)))
	default:
		left := max(usual-elapsed, time.Second)
		line += "\n" + st.Muted.Render(fmt.Sprintf("About %s left · %s usually takes %s", roughly(left), name, roughly(usual)))
	}
	if s.AccountsReady {
		line += "\n\n" + theme.Wrap(w, st.Success.Render(theme.SymbolDone+" Accounts are in"), st.Muted.Render(" (transactions still coming). enter shows the accounts."))
	}
	return st.Text.Width(w).Render(line)
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
