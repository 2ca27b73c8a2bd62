package wizard

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"

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

// failedDemo runs the wizard's demo to a job that failed at the bank, and quits.
func failedDemo(t *testing.T, width int) (*rig, *runner) {
	r := newRig()
	r.demo("bighead")
	r.consented["bighead"] = []string{flowtest.JobID}
	r.api.Jobs[flowtest.JobID] = []basiq.Job{flowtest.Failed(flowtest.JobID, "invalid-credentials")}
	w := r.start(t).settle()
	w.send(tea.WindowSizeMsg{Width: width, Height: 30})
	w.keys("enter")
	w.send(uitest.Press("enter")).until("the job failed", func(m Model) bool { return len(m.session.Jobs.FailedIDs()) == 1 })
	w.settle()
	w.keys("q", "n")
	return r, w
}

func TestItem6AfterAFailedDemoTheSummaryAdvisesANewDemo(t *testing.T) {
	_, w := failedDemo(t, 100)
	s := ansi.Strip(w.m.Summary())
	if strings.Contains(s, "--user-id") || !strings.Contains(s, "basiq-onboard --demo") {
		t.Errorf("the summary after a failed demo:\n%s", s)
	}
}

func TestItem17IdsInTheSummaryAreNeverBrokenAcrossLines(t *testing.T) {
	r := newRig()
	var ids []string
	for i := range 3 {
		id := fmt.Sprintf("a03e4df4-0000-4000-8000-00000000000%d", i+1)
		ids = append(ids, id)
		r.api.Jobs[id] = []basiq.Job{flowtest.Failed(id, "invalid-credentials")}
	}
	r.cfg.JobIDs, r.cfg.EnvKey, r.cfg.UserID = ids, flowtest.GoodKey, flowtest.UserID
	w := r.start(t).settle()
	w.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	w.keys("q")
	s := ansi.Strip(w.m.Summary())
	for _, id := range append(ids, flowtest.UserID) {
		whole := 0
		for _, line := range strings.Split(s, "\n") {
			whole += strings.Count(line, id)
			if lipgloss.Width(line) > 80 {
				t.Errorf("a line of %d columns in 80: %q", lipgloss.Width(line), line)
			}
		}
		if whole == 0 {
			t.Errorf("%s is not whole on any line of the summary:\n%s", id, s)
		}
		if strings.Count(strings.ReplaceAll(s, "\n", ""), id) != strings.Count(s, id) {
			t.Errorf("%s is broken across lines somewhere in the summary:\n%s", id, s)
		}
	}
}
