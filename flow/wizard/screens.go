package wizard

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
)

// screen is what the wizard asks of every screen (soft-serve's Component):
// it takes messages, draws itself in the size it is given, and says its
// keys. What it draws comes from the session, through its own State.
type screen interface {
	help.KeyMap
	Update(tea.Msg) tea.Cmd
	View() string
	SetSize(width, height int)
	// Capturing: a text field has focus, so letters are text.
	Capturing() bool
	// TakesEsc: esc closes something on the screen (a field, a question,
	// an account's detail) rather than going back.
	TakesEsc() bool
}

// bubble is a screen of ui/* as it is written: a value whose Update
// returns the next one, and whose SetSize is its pointer's (P).
type bubble[M any] interface {
	help.KeyMap
	Update(tea.Msg) (M, tea.Cmd)
	View() string
	Capturing() bool
	TakesEsc() bool
}

// component holds a ui screen as a screen; m is the screen itself, for
// the session's state to be given to it.
type component[M bubble[M], P interface {
	*M
	SetSize(width, height int)
}] struct{ m M }

func (c *component[M, P]) Update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	c.m, cmd = c.m.Update(msg)
	return cmd
}

func (c *component[M, P]) SetSize(width, height int) { P(&c.m).SetSize(width, height) }
func (c *component[M, P]) View() string              { return c.m.View() }
func (c *component[M, P]) ShortHelp() []key.Binding  { return c.m.ShortHelp() }
func (c *component[M, P]) FullHelp() [][]key.Binding { return c.m.FullHelp() }
func (c *component[M, P]) Capturing() bool           { return c.m.Capturing() }
func (c *component[M, P]) TakesEsc() bool            { return c.m.TakesEsc() }

// current is the screen shown: the stage's, or at the accounts the view's.
func (m Model) current() screen {
	if m.session.Stage == qs.StageAccounts {
		return m.currentView()
	}
	return m.stages[m.session.Stage]
}

// currentView is the screen of the view shown.
func (m Model) currentView() screen { return m.views[m.session.Explore.View] }

// capturing reports whether a text field has focus, so letters are the
// field's, not shortcuts.
func (m Model) capturing() bool { return m.current().Capturing() }

// screenTakesEsc reports whether esc closes something on the screen
// rather than going back. In the key and user forms esc means back; asked
// whether to save the key, it means not now.
func (m Model) screenTakesEsc() bool { return m.current().TakesEsc() }

func (m *Model) forwardToScreen(msg tea.Msg) tea.Cmd { return m.current().Update(msg) }

// forwardToAll gives a message every screen may own (a spinner tick
// carries the id of the spinner it belongs to) to all of them.
func (m *Model) forwardToAll(msg tea.Msg) tea.Cmd {
	cmds := []tea.Cmd{m.inspector.Update(msg)}
	for _, s := range m.all() {
		cmds = append(cmds, s.Update(msg))
	}
	return tea.Batch(cmds...)
}

// resize gives every screen the body size of the frame: the views' is under their tabs.
func (m *Model) resize() {
	w, h := frame.BodySize(m.Width, m.Height)
	m.inspector.SetSize(w, h)
	for _, s := range m.stages {
		s.SetSize(w, h)
	}
	w, h = frame.TabbedBodySize(m.Width, m.Height)
	for _, s := range m.views {
		s.SetSize(w, h)
	}
}

// all are the stages' screens and the views'.
func (m Model) all() []screen {
	return append(append([]screen{}, m.stages[:]...), m.views[:]...)
}
