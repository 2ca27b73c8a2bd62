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
	ReconsentMsg struct{ JobID string } // r: go through consent again
	RetryMsg     struct{ JobID string } // t: run the connection again
	QuitMsg      struct{}               // q
	ContinueMsg  struct{}               // enter: on to the accounts
)

var stepNames = map[string]string{
	basiq.StepVerifyCredentials:    "Verifying credentials",
	basiq.StepRetrieveAccounts:     "Retrieving accounts",
	basiq.StepRetrieveTransactions: "Retrieving transactions",
	basiq.StepRetrieveStatements:   "Retrieving statements",
	basiq.StepMFAChallenge:         "Answering a security question",
}

// StepName is a step title in plain words; unknown titles stay as they come.
func StepName(title string) string {
	if n, ok := stepNames[title]; ok {
		return n
	}
	return theme.Safe(title)
}

// slowFactor is how far past the institution's average a job may run
// before the screen says it is taking longer than usual.
const slowFactor = 1.5

// watched is one job and what the screen has seen of it.
type watched struct {
	job     basiq.Job
	first   time.Time            // when the screen first saw the job
	started map[string]time.Time // step title -> first seen running
	ended   map[string]time.Time // step title -> first seen done or failed
	problem *theme.Problem       // polling trouble, shown under the job
}

// Model is the job view.
type Model struct {
	st            *theme.Styles
	width, height int
	order         []string
	jobs          map[string]*watched
	insts         map[string]basiq.Institution
	now           time.Time
	problem       *theme.Problem // trouble not tied to one job (loading accounts)
	spin          spinner.Model
	bar           progress.Model

	reconsent, retry, quit, cont key.Binding
}

// New builds the job view.
func New(st *theme.Styles) Model {
	return Model{
		st:        st,
		jobs:      map[string]*watched{},
		insts:     map[string]basiq.Institution{},
		spin:      spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner)),
		bar:       progress.New(progress.WithColors(st.AccentColor), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░')),
		reconsent: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reopen consent")),
		retry:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "retry")),
		quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		cont:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "accounts")),
	}
}

// SetSize gives the screen its body size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.bar.SetWidth(min(max(width-40, 20), 50))
}

// Tick starts the spinner.
func (m Model) Tick() tea.Cmd { return m.spin.Tick }

// SetJob adds or updates a job; now dates what changed since the last look.
func (m *Model) SetJob(job basiq.Job, now time.Time) {
	m.now = now
	w, ok := m.jobs[job.ID]
	if !ok {
		w = &watched{first: now, started: map[string]time.Time{}, ended: map[string]time.Time{}}
		m.jobs[job.ID] = w
		m.order = append(m.order, job.ID)
	}
	w.job = job
	for _, s := range job.Steps {
		if s.Status != basiq.StepPending {
			if _, seen := w.started[s.Title]; !seen {
				w.started[s.Title] = now
			}
		}
		if s.Done() || s.Status == basiq.StepFailed {
			if _, seen := w.ended[s.Title]; !seen {
				w.ended[s.Title] = now
			}
		}
	}
}

// SetInstitution names the bank of the jobs that connect to it.
func (m *Model) SetInstitution(inst basiq.Institution) { m.insts[inst.ID] = inst }

// SetNow moves the screen's clock.
func (m *Model) SetNow(now time.Time) { m.now = now }

// SetPollProblem shows trouble checking a job ("" = not one job); nil clears.
func (m *Model) SetPollProblem(jobID string, p *theme.Problem) {
	if w, ok := m.jobs[jobID]; ok {
		w.problem = p
		return
	}
	m.problem = p
}

// AccountsReady reports whether every job has retrieved its accounts.
func (m Model) AccountsReady() bool {
	if len(m.order) == 0 {
		return false
	}
	for _, id := range m.order {
		j := m.jobs[id].job
		if j.State() != basiq.JobSucceeded && !j.StepDone(basiq.StepRetrieveAccounts) {
			return false
		}
	}
	return true
}

// AllDone reports whether every job has succeeded or failed.
func (m Model) AllDone() bool {
	for _, id := range m.order {
		if s := m.jobs[id].job.State(); s != basiq.JobSucceeded && s != basiq.JobFailed {
			return false
		}
	}
	return len(m.order) > 0
}

// Failed lists the failed jobs' ids.
func (m Model) Failed() []string {
	var ids []string
	for _, id := range m.order {
		if m.jobs[id].job.State() == basiq.JobFailed {
			ids = append(ids, id)
		}
	}
	return ids
}

// Progress is the share of all steps of all jobs that are over.
func (m Model) Progress() float64 {
	total, done := 0, 0
	for _, id := range m.order {
		for _, s := range m.jobs[id].job.Steps {
			total++
			if s.Done() || s.Status == basiq.StepFailed {
				done++
			}
		}
	}
	if total == 0 {
		return 0
	}
	return float64(done) / float64(total)
}

// Capturing is false: the job view has no text field.
func (m Model) Capturing() bool { return false }

// remedies are the keys a failure offers, from Basiq's advice for its code.
func (m Model) remedies() (reconsent, retry bool, jobID string) {
	for _, id := range m.Failed() {
		step := m.jobs[id].job.FailedStep()
		code := ""
		if step != nil && step.Result != nil {
			code = step.Result.Code
		}
		switch basiq.AdviceFor(code).Remedy {
		case basiq.RemedyRetry, basiq.RemedyWaitRetry:
			retry = true
		}
		reconsent = true
		if jobID == "" {
			jobID = id
		}
	}
	return reconsent, retry, jobID
}

// Keys are this screen's keys for its state.
func (m Model) Keys() []key.Binding {
	var ks []key.Binding
	if m.AccountsReady() {
		ks = append(ks, m.cont)
	}
	reconsent, retry, _ := m.remedies()
	if retry {
		ks = append(ks, m.retry)
	}
	if reconsent {
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
		reconsent, retry, failedJob := m.remedies()
		switch {
		case key.Matches(msg, m.quit):
			return m, keys.Send(QuitMsg{})
		case key.Matches(msg, m.cont) && m.AccountsReady():
			return m, keys.Send(ContinueMsg{})
		case key.Matches(msg, m.retry) && retry:
			return m, keys.Send(RetryMsg{JobID: failedJob})
		case key.Matches(msg, m.reconsent) && reconsent:
			return m, keys.Send(ReconsentMsg{JobID: failedJob})
		}
	}
	return m, nil
}

// View draws every job with its steps, then the overall progress.
func (m Model) View() string {
	w := max(m.width, 40)
	var blocks []string
	for _, id := range m.order {
		blocks = append(blocks, m.jobView(m.jobs[id], w))
	}
	if len(blocks) == 0 {
		blocks = append(blocks, m.st.Muted.Render("Waiting for the first news of the job…"))
	}
	blocks = append(blocks, m.progressView(w))
	if m.problem != nil {
		blocks = append(blocks, m.st.RenderProblem(*m.problem, w))
	}
	out := strings.Join(blocks, "\n\n")
	// Too tall: keep the end (failures and progress) and say what was cut.
	if lines := strings.Split(out, "\n"); m.height > 0 && len(lines) > m.height {
		out = m.st.Muted.Render(fmt.Sprintf("… %d lines above", len(lines)-m.height+1)) + "\n" + strings.Join(lines[len(lines)-m.height+1:], "\n")
	}
	return lipgloss.NewStyle().MaxWidth(w).Render(out)
}

func (m Model) instName(j basiq.Job) string {
	id := j.InstitutionID()
	if inst, ok := m.insts[id]; ok {
		return theme.Safe(inst.DisplayName())
	}
	if id != "" {
		return theme.Safe(id)
	}
	return "your bank"
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func (m Model) jobView(wj *watched, w int) string {
	st := m.st
	j := wj.job
	title := "Connecting " + m.instName(j)
	switch j.State() {
	case basiq.JobSucceeded:
		title = "Connected " + m.instName(j)
	case basiq.JobFailed:
		title = "Could not connect to " + m.instName(j)
	}
	right := st.Muted.Render("job " + shortID(theme.Safe(j.ID)))
	lines := []string{spread(st.Title.Render(title), right, w)}
	lines = append(lines, "")
	for _, s := range j.Steps {
		var mark string
		switch {
		case s.Done():
			mark = st.Success.Render(theme.SymbolDone)
		case s.Status == basiq.StepFailed:
			mark = st.Error.Render(theme.SymbolFailed)
		case s.Status == basiq.StepInProgress:
			mark = m.spin.View()
		default:
			mark = st.Muted.Render(theme.SymbolPending)
		}
		name := StepName(s.Title)
		nameStyle := st.Text
		if s.Status == basiq.StepPending {
			nameStyle = st.Muted
		}
		took := ""
		if start, ok := wj.started[s.Title]; ok {
			end, over := wj.ended[s.Title]
			if !over {
				end = m.now
			}
			took = seconds(end.Sub(start))
		}
		lines = append(lines, spread(mark+" "+nameStyle.Render(name), st.Muted.Render(took), w))
		if s.Status == basiq.StepFailed {
			lines = append(lines, m.failureView(j, s, w))
		}
	}
	if wj.problem != nil {
		lines = append(lines, "", st.RenderProblem(*wj.problem, w))
	}
	return strings.Join(lines, "\n")
}

func (m Model) failureView(j basiq.Job, s basiq.Step, w int) string {
	code, title, detail := "", "", ""
	if s.Result != nil {
		code, title, detail = s.Result.Code, s.Result.Title, s.Result.Explanation()
	}
	advice := basiq.AdviceFor(code)
	what := "Basiq could not connect to " + m.instName(j)
	if title != "" {
		what += ": " + title
	}
	if detail != "" && detail != title {
		what = strings.TrimRight(what, ".") + ". " + detail
	}
	if code != "" {
		what += " (" + code + ")"
	}
	next := advice.Next
	switch advice.Remedy {
	case basiq.RemedyReconsent:
		next += " Press r to reopen consent."
	case basiq.RemedyRetry, basiq.RemedyWaitRetry:
		next += " Press t to retry, or r to go through consent again."
	}
	p := theme.Problem{What: what, Meaning: advice.Meaning, Next: next}
	return lipgloss.NewStyle().PaddingLeft(2).Render(m.st.RenderProblem(p, w-2))
}

// progressView is the bar over every step of every job, with an estimate
// from the institutions' usual durations.
func (m Model) progressView(w int) string {
	st := m.st
	pct := m.Progress()
	line := m.bar.ViewAs(pct) + "  " + st.Text.Render(fmt.Sprintf("%3.0f%%", pct*100))
	if m.AllDone() {
		if len(m.Failed()) == 0 {
			return line + "  " + st.Success.Render("done")
		}
		if failed := len(m.Failed()); failed < len(m.order) {
			return line + "  " + st.Error.Render(fmt.Sprintf("%d of %d connections failed", failed, len(m.order)))
		}
		return line + "  " + st.Error.Render("stopped: a step failed")
	}
	var usual time.Duration
	var since time.Time
	name := ""
	for _, id := range m.order {
		wj := m.jobs[id]
		if inst, ok := m.insts[wj.job.InstitutionID()]; ok && inst.AverageTotal() > usual {
			usual, name = inst.AverageTotal(), theme.Safe(inst.DisplayName())
		}
		if since.IsZero() || wj.first.Before(since) {
			since = wj.first
		}
	}
	elapsed := max(m.now.Sub(since), 0)
	switch {
	case usual <= 0:
		line += "\n" + st.Muted.Render(seconds(elapsed)+" so far")
	case float64(elapsed) > slowFactor*float64(usual):
		line += "\n" + st.Warning.Render(fmt.Sprintf("%s Taking longer than usual: %s so far, usually %s. Still checking.", theme.SymbolWarning, roughly(elapsed), roughly(usual)))
	default:
		left := max(usual-elapsed, time.Second)
		line += "\n" + st.Muted.Render(fmt.Sprintf("About %s left · %s usually takes %s", roughly(left), name, roughly(usual)))
	}
	if m.AccountsReady() {
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

// spread puts left and right on one line of width w.
func spread(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 1 {
		return left + " " + right
	}
	return left + strings.Repeat(" ", gap) + right
}
