package widget

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// NewSpinner is the spinner every screen turns, in st's spinner style.
func NewSpinner(st *theme.Styles) spinner.Model {
	return spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(st.Spinner))
}

// Working is what a form says while it waits on Basiq: what is being done,
// beside a spinner that turns only meanwhile.
type Working struct {
	what string
	spin spinner.Model
}

// NewWorking is a form's Working, nothing being done yet.
func NewWorking(st *theme.Styles) Working { return Working{spin: NewSpinner(st)} }

// Set says what is being done ("" for nothing); it returns the spinner's
// first tick when it starts.
func (w *Working) Set(what string) tea.Cmd {
	started := what != "" && w.what == ""
	w.what = what
	if started {
		return w.spin.Tick
	}
	return nil
}

// Busy reports whether something is being done.
func (w Working) Busy() bool { return w.what != "" }

// Update turns the spinner on its tick while something is being done; a
// stopped spinner lets its tick go, so it stops asking for more.
func (w Working) Update(msg spinner.TickMsg) (Working, tea.Cmd) {
	if w.what == "" {
		return w, nil
	}
	var cmd tea.Cmd
	w.spin, cmd = w.spin.Update(msg)
	return w, cmd
}

// View is the spinner and what is being done, in st's colours of now.
func (w Working) View(st *theme.Styles) string { return st.Spin(w.spin) + " " + st.Text.Render(w.what) }
