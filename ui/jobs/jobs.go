// Package jobs is a view of the user: its jobs, newest first, when
// each started, at which bank, how it ended and where it failed.
package jobs

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Item is one job as flow has it: the job, its bank's name, and why it
// failed in a line ("" when it did not).
type Item struct {
	Job     basiq.Job
	Bank    string
	Failure string
}

// State is the user's jobs, newest first.
type State struct {
	Items []Item
	listing.Load
	Now time.Time
}

// Model is the Jobs view.
type Model struct {
	listing.Screen
	state State
}

const (
	colStarted = iota
	colBank
	colState
	colFailed
)

// New builds the Jobs view.
func New(st *theme.Styles) Model {
	return Model{
		Screen: listing.NewScreen(st, []listing.Column{
			colStarted: {Title: "Started"},
			colBank:    {Title: "Bank"},
			colState:   {Title: "State"},
			colFailed:  {Title: "Failed at", Flex: true, Drop: 2},
		}, true),
	}
}

// SetState shows the jobs as they are now.
func (m *Model) SetState(s State) {
	m.state = s
	m.List.Style = func(row, col int) *lipgloss.Style {
		switch state := s.Items[row].Job.State(); {
		case state == basiq.JobFailed && (col == colState || col == colFailed):
			return &m.St.Error
		case state == basiq.JobSucceeded && col == colState:
			return &m.St.Success
		}
		return nil
	}
	listing.SetRowsOf(&m.List, s.Items, func(it Item) []string {
		failed := ""
		if step := it.Job.FailedStep(); step != nil {
			failed = text.Safe(basiq.StepName(step.Title))
			if it.Failure != "" {
				failed += ": " + text.Safe(it.Failure)
			}
		}
		return []string{
			colStarted: listing.When(it.Job.Created, s.Now),
			colBank:    text.Safe(it.Bank),
			colState:   stateWords(it.Job),
			colFailed:  failed,
		}
	})
}

// stateWords is a job's state with its symbol, so it reads without colour.
func stateWords(j basiq.Job) string {
	if _, _, waiting := j.WaitingForMFA(); waiting {
		return theme.SymbolWarning + " waiting for a code"
	}
	switch j.State() {
	case basiq.JobSucceeded:
		return theme.SymbolDone + " done"
	case basiq.JobFailed:
		return theme.SymbolFailed + " failed"
	case basiq.JobRunning:
		return "running"
	}
	return "pending"
}

// FullHelp are the help line's keys and the list's other moves.
func (m Model) FullHelp() [][]key.Binding {
	return m.ListHelp(m.ShortHelp())
}

// ShortHelp are the view's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	if m.List.Len() == 0 {
		return nil
	}
	return []key.Binding{m.List.Move()}
}

// Update handles keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		m.Scroll(k, m.page())
	}
	return m, nil
}

func (m Model) page() listing.Page {
	s := m.state
	p := s.Load.Page("Jobs", listing.Plural(len(s.Items), "job")+", newest first", "No jobs: this user has connected no bank yet.")
	if it, ok := listing.SelectedOf(m.List, s.Items); ok {
		p.Under = m.details(it)
	}
	return p
}

// details are the selected job's id, steps and failure in full.
func (m Model) details(it Item) string {
	st := m.St
	w := m.BodyWidth()
	var steps []string
	for _, s := range it.Job.Steps {
		name := text.Field(text.Safe(basiq.StepName(s.Title)))
		switch {
		case s.Done():
			name += " " + theme.SymbolDone
		case s.Status == basiq.StepFailed:
			name += " " + theme.SymbolFailed
		case s.Status == basiq.StepInProgress:
			name += " (running)"
		default:
			name += " (pending)"
		}
		steps = append(steps, name)
	}
	lines := []string{st.Label.Render("Job ") + st.Code.Render(text.Field(text.Safe(it.Job.ID)))}
	if len(steps) > 0 {
		lines = append(lines, st.Muted.Width(w).Render(strings.Join(steps, " · ")))
	}
	if it.Failure != "" {
		lines = append(lines, st.Error.Width(w).Render(theme.SymbolFailed+" "+text.Field(text.Safe(it.Failure))))
	}
	return strings.Join(lines, "\n")
}

// View draws the jobs.
func (m Model) View() string {
	return m.Show(m.page())
}
