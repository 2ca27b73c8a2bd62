package widget

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

func TestWorkingTurnsOnlyWhileSomethingIsBeingDone(t *testing.T) {
	st := theme.New(true)
	w := NewWorking(st)
	if w.Busy() {
		t.Fatal("a new Working is busy")
	}
	if cmd := w.Set("Creating the user…"); cmd == nil {
		t.Error("starting gives no first tick: the spinner would never turn")
	}
	if cmd := w.Set("Looking up the user…"); cmd != nil {
		t.Error("a spinner already turning was started again: two ticks would race")
	}
	if v := w.View(st); !strings.Contains(v, "Looking up the user…") {
		t.Errorf("the view does not say what is being done: %q", v)
	}
	tick := w.spin.spin.Tick().(spinner.TickMsg)
	if _, cmd := w.Update(tick); cmd == nil {
		t.Error("a busy Working let its tick go: the spinner stops")
	}
	w.Set("")
	if _, cmd := w.Update(tick); cmd != nil || w.Busy() {
		t.Error("an idle Working keeps ticking")
	}
}

func TestASpinnerTurnsOnItsOwnTicksOnlyWhileShownAndStartsOnce(t *testing.T) {
	st := theme.New(true)
	s, other := NewSpinner(st), NewSpinner(st)
	if s.Start(false) != nil {
		t.Fatal("a spinner not shown started")
	}
	start := s.Start(true)
	if start == nil {
		t.Fatal("a shown spinner did not start")
	}
	if s.Start(true) != nil {
		t.Error("a turning spinner started again: two ticks would race")
	}
	if _, cmd := s.Update(other.spin.Tick().(spinner.TickMsg), true); cmd != nil {
		t.Error("a spinner turned on another spinner's tick")
	}
	tick := start().(spinner.TickMsg)
	if _, cmd := s.Update(tick, true); cmd == nil {
		t.Error("a shown spinner let its tick go: it stops")
	}
	s, _ = s.Update(tick, false)
	if s.Start(true) == nil {
		t.Error("a spinner stopped while hidden did not start again when shown")
	}
}
