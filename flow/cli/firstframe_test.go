package cli

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/wizard"
)

func TestTheWizardIsMadeInInitAndKeepsItsState(t *testing.T) {
	made := 0
	w := &madeInInit{make: func() wizard.Model { made++; return wizard.New(flow.Config{Where: "example.test"}, true) }}
	if _, ok := w.model(); ok || made != 0 {
		t.Fatalf("made %d times before Init", made)
	}
	w.close() // nothing to close yet: no panic
	w.Init()
	next, _ := w.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if next != tea.Model(w) || made != 1 {
		t.Fatalf("Update returned %T, made %d times", next, made)
	}
	if view := w.View().Content; !strings.Contains(view, "Paste the key from the Basiq dashboard") {
		t.Errorf("after the window's size the key screen is not drawn:\n%s", view)
	}
	if m, ok := w.model(); !ok || !strings.Contains(m.View().Content, "example.test") {
		t.Errorf("model() is not the wizard the program ran (ok %v)", ok)
	}
	w.close()
}
