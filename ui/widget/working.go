package widget

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Spinner is a screen's spinner: it turns only while the screen shows it,
// so a screen left behind redraws nothing, and one tick at a time is on its
// way.
type Spinner struct {
	spin    spinner.Model
	turning bool // a tick is on its way
}

// NewSpinner is the spinner every screen turns, in st's spinner style.
func NewSpinner(st *theme.Styles) Spinner {
	return Spinner{spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner))}
}

// Start returns the spinner's first tick when it is shown and not turning
// yet; call it after changing what the screen shows.
func (s *Spinner) Start(shown bool) tea.Cmd {
	if s.turning || !shown {
		return nil
	}
	s.turning = true
	return s.spin.Tick
}

// Update turns the spinner on its own tick while it is shown; otherwise it
// lets the tick go and stops, until Start.
func (s Spinner) Update(msg spinner.TickMsg, shown bool) (Spinner, tea.Cmd) {
	if msg.ID != s.spin.ID() {
		return s, nil
	}
	if !shown {
		s.turning = false
		return s, nil
	}
	var cmd tea.Cmd
	s.spin, cmd = s.spin.Update(msg)
	return s, cmd
}

// View is the spinner in st's colours of now.
func (s Spinner) View(st *theme.Styles) string { return st.Spin(s.spin) }

// Working is what a form says while it waits on Basiq: what is being done,
// beside a spinner that turns only meanwhile.
type Working struct {
	what string
	spin Spinner
}

// NewWorking is a form's Working, nothing being done yet.
func NewWorking(st *theme.Styles) Working { return Working{spin: NewSpinner(st)} }

// Set says what is being done ("" for nothing); it returns the spinner's
// first tick when it starts.
func (w *Working) Set(what string) tea.Cmd {
	w.what = what
	return w.spin.Start(w.Busy())
}

// Busy reports whether something is being done.
func (w Working) Busy() bool { return w.what != "" }

// Update turns the spinner on its tick while something is being done; a
// stopped spinner lets its tick go, so it stops asking for more.
func (w Working) Update(msg spinner.TickMsg) (Working, tea.Cmd) {
	var cmd tea.Cmd
	w.spin, cmd = w.spin.Update(msg, w.Busy())
	return w, cmd
}

// View is the spinner and what is being done, in st's colours of now.
func (w Working) View(st *theme.Styles) string { return w.spin.View(st) + " " + st.Text.Render(w.what) }
