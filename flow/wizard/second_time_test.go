package wizard

import (
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// Issue 19: the paths a person takes the second time, or one key off the
// README's order, in the wizard. Each test is named after the item.

// demoFromTheKeyScreen makes the rig start on the real API's key screen,
// with the demo a key away (ctrl+d or d), as the wizard starts without --demo.
func (r *rig) demoFromTheKeyScreen() {
	r.demo("")
	r.cfg.Demo = false
}

func TestItem4EnterOnTheDemosEmptyFormFromTheKeyScreenCreatesMax(t *testing.T) {
	for _, demoKey := range []string{"ctrl+d", "d"} {
		r := newRig()
		r.demoFromTheKeyScreen()
		w := r.start(t).settle()
		w.keys(demoKey)
		w.sees("Create a user", qs.ExampleEmail)
		w.keys("enter")
		if u := w.m.session.User.User; u.Email != qs.ExampleEmail || r.api.Count("POST /users") != 1 {
			t.Errorf("%s, then enter on the empty form: user %+v, calls %q; screen:\n%s", demoKey, u, r.api.Calls(), w.screen())
		}
		w.sees("Created user")
	}
}

func TestItem5TheDemoFromTheKeyScreenDoesNotOfferTheRealAPIsUser(t *testing.T) {
	r := newRig()
	r.demoFromTheKeyScreen()
	memory := &fakeMemory{kept: map[string]qs.Memory{r.cfg.APIURL: {UserID: flowtest.UserID, Created: true}}}
	r.cfg.Memory = memory
	w := r.start(t).settle()
	w.keys("ctrl+d")
	w.sees("Create a user")
	if s := w.screen(); w.m.session.User.Offer != nil || strings.Contains(s, "Continue where you left off") {
		t.Errorf("the demo offers the real API's user:\n%s", s)
	}
	w.keys("enter")
	w.keys("q", "n")
	if m := memory.kept[r.cfg.APIURL]; m.UserID != flowtest.UserID {
		t.Errorf("the demo wrote over the real API's session: %+v", m)
	}
	if len(memory.kept) != 1 {
		t.Errorf("the demo kept a session: %+v", memory.kept)
	}
}
