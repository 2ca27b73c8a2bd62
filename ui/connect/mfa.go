package connect

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// TypedMsg: enter on a bank's question, with one answer a question.
type TypedMsg struct {
	JobID   string
	Answers []string
}

// MFA is a bank's question a job waits on, as flow describes it.
type MFA struct {
	Token       bool     // a code the bank sent, not answers to questions
	Questions   []string // one field each
	Description string   // the bank's words, "" when none
	Left        time.Duration
	Sending     bool   // the answers are on their way
	Sent        bool   // Basiq took them
	Refused     string // Basiq did not take them: why
	// Problem is trouble sending them: they can be sent again.
	Problem *theme.Problem
}

// open reports whether the question takes answers now.
func (q *MFA) open() bool {
	return q != nil && !q.Sending && !q.Sent && q.Refused == "" && q.Left > 0
}

// answerLimit bounds an answer: a code or a word or two, never a page.
const answerLimit = 200

// syncFields gives each question waiting a field and keeps the focus on an
// open one: the first at once, unless the person left them (esc).
func (m *Model) syncFields() tea.Cmd {
	if m.fields == nil {
		m.fields = map[string][]textinput.Model{}
	}
	waiting := map[string]bool{}
	for _, j := range m.state.Jobs {
		q := j.MFA
		if q == nil {
			continue
		}
		waiting[j.Job.ID] = true
		if len(m.fields[j.Job.ID]) != len(q.Questions) {
			ins := make([]textinput.Model, len(q.Questions))
			for i := range ins {
				ins[i] = widget.TextInput("", answerLimit)
			}
			m.fields[j.Job.ID] = ins
		}
	}
	for id := range m.fields {
		if !waiting[id] {
			delete(m.fields, id)
		}
	}
	if q := m.question(m.focusJob); !q.open() {
		m.focusJob, m.focusField = "", 0
		for _, j := range m.state.Jobs {
			if j.MFA.open() {
				m.focusJob = j.Job.ID
				break
			}
		}
	}
	m.fitFields()
	return m.refocus()
}

// fitFields gives each field the room beside its question's label.
func (m *Model) fitFields() {
	w := m.bodyWidth() - 2 // under the step, indented
	for _, j := range m.state.Jobs {
		if j.MFA == nil {
			continue
		}
		labelW := 0
		for _, l := range m.labels(j.MFA) {
			labelW = max(labelW, lipgloss.Width(l))
		}
		labelW = min(labelW, w/2)
		for i := range m.fields[j.Job.ID] {
			widget.SetInputWidth(&m.fields[j.Job.ID][i], max(w-labelW-4, 10))
		}
	}
}

// labels are the fields' labels: the bank's questions, or what it calls its code.
func (m Model) labels(q *MFA) []string {
	labels := make([]string, len(q.Questions))
	for i, question := range q.Questions {
		labels[i] = text.Safe(question)
		if q.Token {
			labels[i] = "Code (" + labels[i] + ")"
		}
	}
	return labels
}

// refocus puts the cursor in the focused field, and takes it from the others.
func (m *Model) refocus() tea.Cmd {
	var cmd tea.Cmd
	for id, ins := range m.fields {
		for i := range ins {
			if id == m.focusJob && i == m.focusField && !m.later {
				if !ins[i].Focused() {
					cmd = ins[i].Focus()
				}
			} else {
				ins[i].Blur()
			}
		}
	}
	return cmd
}

// question is the job's question, nil when none.
func (m Model) question(jobID string) *MFA {
	for _, j := range m.state.Jobs {
		if j.Job.ID == jobID {
			return j.MFA
		}
	}
	return nil
}

// answering reports whether a question's field has focus: keys are its.
func (m Model) answering() bool {
	return m.focusJob != "" && !m.later && m.question(m.focusJob).open()
}

// leftQuestions reports whether a question is open but was left with esc.
func (m Model) leftQuestions() bool {
	return m.focusJob != "" && m.later && m.question(m.focusJob).open()
}

// mfaKey acts on a key while a question has focus.
func (m *Model) mfaKey(msg tea.KeyPressMsg) tea.Cmd {
	ins := m.fields[m.focusJob]
	m.pasteHint = ""
	switch {
	case key.Matches(msg, m.send):
		for i, in := range ins {
			if strings.TrimSpace(in.Value()) == "" {
				m.focusField = i // an answer is missing: its field, not Basiq, says so
				return m.refocus()
			}
		}
		answers := make([]string, len(ins))
		for i, in := range ins {
			answers[i] = strings.TrimSpace(in.Value())
		}
		return keys.Send(TypedMsg{JobID: m.focusJob, Answers: answers})
	case key.Matches(msg, m.nextField):
		m.moveField(1)
		return m.refocus()
	case key.Matches(msg, m.prevField):
		m.moveField(-1)
		return m.refocus()
	case key.Matches(msg, m.leave):
		m.later = true
		return m.refocus()
	case key.Matches(msg, m.up, m.down, m.pageUp, m.pageDown):
		m.scrollBy(msg)
		return nil
	}
	var cmd tea.Cmd
	m.fields[m.focusJob][m.focusField], cmd = ins[m.focusField].Update(msg)
	return cmd
}

// moveField moves the focus through the fields of every open question.
func (m *Model) moveField(step int) {
	type at struct {
		job   string
		field int
	}
	var all []at
	current := 0
	for _, j := range m.state.Jobs {
		if !j.MFA.open() {
			continue
		}
		for i := range j.MFA.Questions {
			if j.Job.ID == m.focusJob && i == m.focusField {
				current = len(all)
			}
			all = append(all, at{j.Job.ID, i})
		}
	}
	if len(all) == 0 {
		return
	}
	next := all[(current+step+len(all))%len(all)]
	m.focusJob, m.focusField = next.job, next.field
}

// mfaView is a bank's question under its step: what it asks, a field
// each, how long it waits, and what became of the answers; focus is the
// line of the field with the cursor, -1 when none.
func (m Model) mfaView(j Job, w int) (view string, focus int) {
	st := m.st
	q := j.MFA
	bank := text.Safe(j.Bank)
	var lines []string
	head := bank + " asks"
	if q.Token {
		head = bank + " sent a code"
	}
	switch {
	case q.Left <= 0 && !q.Sent && q.Refused == "":
		return st.Warning.Width(w).Render(theme.SymbolWarning + " The time to answer " + bank + "'s question is up: Basiq fails the step."), -1
	case q.Sent:
		return st.Success.Width(w).Render(theme.SymbolDone + " " + bank + " has the answers; the job goes on."), -1
	case q.Refused != "":
		return st.Error.Width(w).Render(theme.SymbolFailed + " " + bank + " did not take the answers: " + text.Safe(q.Refused)), -1
	}
	focus = -1
	lines = append(lines, theme.Wrap(w, st.Warning.Render(head), st.Muted.Render(" · "+roughly(q.Left)+" left")))
	if d := text.Safe(q.Description); d != "" {
		lines = append(lines, st.Muted.Width(w).Render(d))
	}
	labels := m.labels(q)
	labelW := 0
	for _, l := range labels {
		labelW = max(labelW, lipgloss.Width(l))
	}
	labelW = min(labelW, w/2)
	ins := m.fields[j.Job.ID]
	for i, label := range labels {
		if i >= len(ins) {
			break
		}
		in := ins[i]
		mark := "  "
		if in.Focused() {
			mark = st.Key.Render("›") + " "
			focus = strings.Count(strings.Join(lines, "\n"), "\n") + 1
		}
		lines = append(lines, st.Label.Render(text.PadRight(label, labelW))+" "+mark+in.View())
	}
	switch {
	case m.pasteHint != "" && m.focusJob == j.Job.ID:
		lines = append(lines, st.Warning.Width(w).Render(m.pasteHint))
	case q.Sending:
		lines = append(lines, m.spin.View(m.st)+" "+st.Muted.Render("Sending the answers to "+bank+"…"))
	case q.Problem != nil:
		lines = append(lines, st.RenderProblem(*q.Problem, w))
	case m.later && m.focusJob == j.Job.ID:
		lines = append(lines, theme.Wrap(w, st.Muted.Render("Left for now: "+bank+" waits "+roughly(q.Left)+" more, then fails the job. "),
			st.Key.Render("enter"), st.Muted.Render(" answers it.")))
	}
	return strings.Join(lines, "\n"), focus
}
