package wizard

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

func TestThePasteFieldsHelpLineListsEscOnceAsCancel(t *testing.T) {
	w := newRig().toConsent(t)
	if !w.m.session.CanGoBack() {
		t.Fatal("from consent esc goes back to the user: the frame would list esc back")
	}
	w.send(uitest.Press("p")) // not keys: consent polls for ever, so the wizard never settles
	h := w.helpLine()
	if !strings.Contains(h, "esc cancel") || strings.Contains(h, "back") {
		t.Errorf("with the paste field open the help line is %q; want esc once, as cancel", h)
	}
	w.send(uitest.Press("f1"))
	if s := w.screen(); strings.Count(s, "  esc   ") != 1 || strings.Contains(s, "back") {
		t.Errorf("? lists esc as other than cancel:\n%s", s)
	}
	w.send(uitest.Press("esc"), uitest.Press("esc"))
	if w.stage() != qs.StageConsent || w.m.consentScreen.Capturing() {
		t.Errorf("esc closed the help, then the field, and went no further: on %v, field open %v", w.stage(), w.m.consentScreen.Capturing())
	}
}

// TestEscThenCtrlCQuits: esc and ctrl+c within 30 ms arrive as one key,
// ctrl+alt+c; like every ctrl+c with a modifier, it quits, typing or not.
func TestEscThenCtrlCQuits(t *testing.T) {
	for name, k := range map[string]tea.KeyPressMsg{
		"ctrl+alt+c (esc, then ctrl+c)": {Code: 'c', Mod: tea.ModCtrl | tea.ModAlt},
		"ctrl+shift+c":                  {Code: 'c', Mod: tea.ModCtrl | tea.ModShift},
	} {
		t.Run(name, func(t *testing.T) {
			w := newRig().toUser(t) // the email field has focus: letters are text
			w.send(k).settle()
			if !w.quit || w.m.ExitCode() != qs.ExitInterrupted {
				t.Errorf("%s: quit %v, exit %d; want quit, 130", k, w.quit, w.m.ExitCode())
			}
		})
	}
}

// TestEveryHelpLineOfAWalkListsEachKeyOnce goes through the states a person
// reaches once the accounts are in, with ? and the inspector on the way;
// send checks every help line (helpListsEachKeyOnce), as it does in every
// wizard test.
func TestEveryHelpLineOfAWalkListsEachKeyOnce(t *testing.T) {
	r := newRig()
	r.withLists()
	r.cfg.Traces = func() []basiq.Exchange {
		return []basiq.Exchange{{Method: "GET", URL: "https://au-api.basiq.io/users/u", Status: 200, ResponseBody: `{"type":"user"}`}}
	}
	w := r.demoToAccounts(t)
	lines := map[string]bool{}
	intents := map[string]keys.Intent{} // every key seen bound, and what for
	walk := func(names string) {
		for _, k := range strings.Fields(names) {
			w.keys(k)
			lines[w.helpLine()] = true
			w.oneIntentPerKey(intents)
		}
	}
	walk("? esc i tab tab esc enter ? esc esc t esc") // accounts, their details and transactions, the inspector
	walk("tab f ? esc esc / esc")                     // transactions: the filter, the search
	walk("tab d ? esc n")                             // connections: deleting one asks
	walk("tab x n tab down tab tab")                  // consents: revoking asks; jobs; events; back to the accounts
	walk("tab tab")
	// Consent for another bank waits for ever: no settling there.
	w.send(uitest.Press("b")).until("showed another bank's link", func(m Model) bool { return m.session.Consent.Waiting })
	for _, k := range []string{"p", "esc"} {
		w.send(uitest.Press(k))
		lines[w.helpLine()] = true
		w.oneIntentPerKey(intents)
	}
	w.send(uitest.Press("esc")).until("went back to the views", stageIs(qs.StageAccounts)).settle()
	walk("q ?")
	if len(intents) < 30 {
		t.Errorf("the walk met %d keys; want the views', the inspector's and consent's, 30 at least", len(intents))
	}
	if w.m.session.Explore.Confirm == nil || len(lines) < 12 {
		t.Errorf("the walk saw %d help lines and ended on %q; want at least 12, and the question on quitting", len(lines), w.helpLine())
	}
	w.keys("esc", "n")
}

// oneIntentPerKey fails the test where a key shown on the screen now (the
// screen's, an overlay's and the global ones, as ? lists them) is not from
// the one keymap, or means other than it meant anywhere before.
func (w *runner) oneIntentPerKey(seen map[string]keys.Intent) {
	w.t.Helper()
	g := w.m.global
	all := []key.Binding{g.Quit, g.Help, g.HelpWhileTyping, g.Back, g.Requests, g.RequestsWhileTyping}
	for _, group := range w.m.shownKeys().FullHelp() {
		all = append(all, group...)
	}
	for _, b := range all {
		intent, ok := keys.IntentOf(b)
		if !ok {
			w.t.Errorf("%v (%q) is not a binding of the one keymap", b.Keys(), b.Help().Desc)
			continue
		}
		for _, k := range b.Keys() {
			if before, ok := seen[k]; ok && before != intent {
				w.t.Errorf("%s means intent %d here (%q) and %d elsewhere", k, intent, b.Help().Desc, before)
			}
			seen[k] = intent
		}
	}
}

// TestQQuitsFromAQuestionToo: the help line offers q over a y/N question,
// and q works there: no to the question, then quitting asks what it asks.
func TestQQuitsFromAQuestionToo(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab", "x")
	if c := w.m.session.Explore.Confirm; c == nil || c.Kind != qs.ConfirmDeleteConnection || !strings.Contains(w.helpLine(), "q quit") {
		t.Fatalf("x did not ask, or the help line lacks q: %q", w.helpLine())
	}
	w.keys("q")
	if c := w.m.session.Explore.Confirm; c == nil || c.Kind != qs.ConfirmDeleteUser || r.api.Count("DELETE /users/"+flowtest.UserID+"/connections/conn-1") != 0 {
		t.Fatalf("q over the question: %+v, calls %q; want no deletion and the question on quitting", c, r.api.Calls())
	}
	w.keys("q")
	if !w.quit || w.m.ExitCode() != qs.ExitOK {
		t.Errorf("q on the quit question: quit %v, exit %d; want quit, 0 (the user kept)", w.quit, w.m.ExitCode())
	}
}
