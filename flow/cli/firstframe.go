package cli

import (
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/flow/wizard"
)

// Bubble Tea draws a program's first frame on its renderer's first tick,
// one frame period after the renderer starts, whatever is ready sooner. Two
// things bring the key screen closer to exec (see BenchmarkStartupToKeyScreen):

// firstFrameFPS is the wizard's frame rate: at 120 the first tick comes
// 8.3 ms after the renderer starts rather than 16.7 (the default 60). A
// tick whose view has not changed draws nothing.
const firstFrameFPS = 120

// madeInInit is the wizard made in Init, which Bubble Tea calls once the
// renderer has started: making the screens (1 to 3 ms on a cold start)
// then overlaps the wait for that first tick instead of coming before it.
type madeInInit struct {
	make func() wizard.Model
	m    *wizard.Model // nil until Init
}

func (w *madeInInit) Init() tea.Cmd {
	m := w.make()
	w.m = &m
	return m.Init()
}

func (w *madeInInit) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := w.m.Update(msg)
	if m, ok := next.(wizard.Model); ok {
		*w.m = m
	}
	return w, cmd
}

func (w *madeInInit) View() tea.View { return w.m.View() }

// model is the wizard as the program left it; false if it never started.
func (w *madeInInit) model() (wizard.Model, bool) {
	if w.m == nil {
		return wizard.Model{}, false
	}
	return *w.m, true
}

// close ends what the wizard still has in flight, if it was made, and
// says what it could not finish (wizard.Model.Close).
func (w *madeInInit) close() (unfinished []string) {
	if w.m != nil {
		return w.m.Close()
	}
	return nil
}
