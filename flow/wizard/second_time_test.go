package wizard

import (
	"fmt"
	"image/color"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow"
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

func TestItem14AFailureNoticeGoesOnceTheRetryWorked(t *testing.T) {
	r := newRig()
	r.withLists()
	r.api.RefreshErrs = []error{flowtest.Unavailable("/users/" + flowtest.UserID + "/connections/conn-1/refresh")}
	refreshed := "c3000000-0000-4000-8000-000000000003"
	r.api.Refreshed = refreshed
	r.api.Jobs[refreshed] = []basiq.Job{flowtest.Job(refreshed, basiq.StepSuccess, basiq.StepSuccess, basiq.StepSuccess)}
	w := r.demoToAccounts(t)
	w.keys("tab", "tab", "u")
	w.sees("Service unavailable")
	w.send(uitest.Press("u")).until("watched the refresh", stageIs(qs.StageConnect))
	if s := w.screen(); strings.Contains(s, "Service unavailable") {
		t.Errorf("the failure notice stays while the retry runs:\n%s", s)
	}
	w.againToAccounts()
	w.keys("tab", "tab")
	if s := w.screen(); strings.Contains(s, "Service unavailable") {
		t.Errorf("the failure notice outlived the retry that worked:\n%s", s)
	}
	// News of the key step (the demo started) is gone once past the user.
	if s := w.screen(); strings.Contains(s, "Demo: a built-in Basiq simulator answers") {
		t.Errorf("the demo's notice is still up at the views:\n%s", s)
	}
}

// withTraces gives the inspector two exchanges with answers to show.
func (r *rig) withTraces() {
	r.cfg.Traces = func() []basiq.Exchange {
		return []basiq.Exchange{
			{Method: "POST", URL: "https://au-api.basiq.io/token", Status: 200, ResponseBody: `{"access_token":"x","expires_in":3600}`},
			{Method: "GET", URL: "https://au-api.basiq.io/users/" + flowtest.UserID + "/accounts", Status: 200, ResponseBody: `{"type":"list","data":[]}`},
		}
	}
}

func TestItem14TheInspectorsCopiedNoteGoesWhenThePersonMovesOn(t *testing.T) {
	r := newRig()
	r.withTraces()
	w := r.demoToAccounts(t)
	w.keys("i", "c")
	w.sees("sent to the terminal's clipboard (OSC 52)")
	w.keys("esc", "i")
	if s := w.screen(); strings.Contains(s, "clipboard") {
		t.Errorf("the note outlived the inspector:\n%s", s)
	}
	w.keys("c", "up")
	if s := w.screen(); strings.Contains(s, "clipboard") {
		t.Errorf("the note stays on another request:\n%s", s)
	}
}

func TestItem15EscClosesTheInspectorAndItsHelpAndTheHelpListsItsKeys(t *testing.T) {
	r := newRig()
	r.withTraces()
	w := r.demoToAccounts(t)
	w.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	w.keys("i")
	if h := w.helpLine(); !strings.Contains(h, "esc close") {
		t.Errorf("the inspector's help line does not say how to close it: %q", h)
	}
	w.keys("?")
	w.sees("Keys on this screen", "esc        close (i too)", "copy as curl", "save session as script", "tab        answer", "pgup/pgdn  scroll")
	if s := w.screen(); strings.Contains(s, "next view") {
		t.Errorf("the inspector's help lists the views' keys, which do not act there:\n%s", s)
	}
	w.keys("esc")
	if w.m.showHelp || w.m.showInspector {
		t.Errorf("one esc left help %v, inspector %v", w.m.showHelp, w.m.showInspector)
	}
	w.sees("Hooli Bank · 4 accounts")
}

func TestItem16UWithOneConnectionSaysItRefreshesIt(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	w.keys("tab", "tab")
	if h := w.helpLine(); !strings.Contains(h, "U refresh all (the one)") {
		t.Errorf("help line %q", h)
	}
	r.api.RefreshedAll = nil // Basiq starts nothing: the notice stays to be read
	w.send(uitest.Press("U")).until("refreshing", func(m Model) bool { return m.session.Explore.Busy != "" })
	w.sees("Refreshing the only connection, to Hooli Bank…")
	w.settle()
	if r.api.Count("POST /users/"+flowtest.UserID+"/connections/refresh") != 1 {
		t.Errorf("U did not refresh: %q", r.api.Calls())
	}
}

func TestItem16AnEmptyKeySaysAKeyIsNeededAfterTheClockTicks(t *testing.T) {
	w := newRig().start(t).settle()
	w.keys("enter")
	w.send(clockTickMsg{}).settle()
	w.sees("A key is needed")
}

func TestItem16EscWhileOfferedToSaveKeepsTheSavedKey(t *testing.T) {
	r := newRig()
	r.store.key, r.store.origin = "a-key-that-no-longer-works", "https://au-api.basiq.io"
	w := r.start(t).settle()
	w.sees("The saved key no longer works")
	w.send(uitest.Type(flowtest.GoodKey)...)
	w.keys("enter")
	w.sees("instead of the key saved for this API", "esc keeps the saved key")
	if h := w.helpLine(); !strings.Contains(h, "n/esc not now") {
		t.Errorf("help line %q", h)
	}
	w.keys("esc")
	if w.stage() != qs.StageUser || r.store.key != "a-key-that-no-longer-works" {
		t.Errorf("after esc: on %v, saved key %q; want the user form and the saved key kept", w.stage(), r.store.key)
	}
	// Without a saved key, esc is not now too.
	r2 := newRig()
	w2 := r2.start(t).settle()
	w2.send(uitest.Type(flowtest.GoodKey)...)
	w2.keys("enter", "esc")
	if w2.stage() != qs.StageUser || r2.store.key != "" {
		t.Errorf("after esc: on %v, saved %q", w2.stage(), r2.store.key)
	}
}

// noBrowserHere makes the rig a machine where no browser can open.
func (r *rig) noBrowserHere() {
	r.cfg.OpenBrowser = nil
	r.cfg.BrowserUnavailable = "There is no display here (DISPLAY and WAYLAND_DISPLAY are unset), so no browser can open."
}

func TestItem7OWhereNoBrowserCanOpenSaysSoAndWhy(t *testing.T) {
	r := newRig()
	r.noBrowserHere()
	w := r.toConsent(t)
	if strings.Contains(w.screen(), "o opened nothing") {
		t.Fatalf("said before o was pressed:\n%s", w.screen())
	}
	w.send(uitest.Press("o")).until("asked for the browser", func(m Model) bool { return m.session.Consent.Browser.Refused })
	w.sees("o opened nothing: There is no display here")
}

func TestItem7ALoopbackLinkOutsideTheDemoDoesNotSuggestTheQRCode(t *testing.T) {
	r := newRig()
	r.noBrowserHere()
	r.cfg.ConsentBase = "http://127.0.0.1:8080/consent/home" // a simulator of one's own
	w := r.toConsent(t)
	if s := w.screen(); strings.Contains(s, "scan the QR code") || !strings.Contains(s, "a phone cannot reach") {
		t.Errorf("a loopback link outside the demo:\n%s", s)
	}
	// Basiq's own page: the QR code is a way.
	r2 := newRig()
	r2.noBrowserHere()
	w2 := r2.toConsent(t)
	w2.sees("scan the QR code (v)")
}

func TestItem7LShowsTheLinkWholeAndAnyKeyReturns(t *testing.T) {
	w := newRig().toConsent(t)
	link := w.m.session.Link.URL
	w.send(uitest.Press("l"))
	content := w.m.View().Content
	if !strings.Contains(content, "\x1b]8;id=basiq-consent-link;"+link) || !strings.Contains(ansi.Strip(content), "The consent link, whole") {
		t.Fatalf("l:\n%s", ansi.Strip(content))
	}
	if strings.Contains(ansi.Strip(content), "basiq-onboard ·") {
		t.Errorf("the frame is drawn around the whole link:\n%s", ansi.Strip(content))
	}
	w.send(uitest.Press("c"))
	w.sees("Sent to the terminal's clipboard (OSC 52).")
	w.send(uitest.Press("esc"))
	w.sees("Consent in the browser")
	if h := w.helpLine(); !strings.Contains(h, "l whole link") {
		t.Errorf("help line %q", h)
	}
}

func TestItem8AtSixteenColoursTheWizardDrawsWithTheTerminalsOwnPalette(t *testing.T) {
	w := newRig().demoToAccounts(t)
	w.send(tea.ColorProfileMsg{Profile: colorprofile.ANSI})
	var buf strings.Builder
	out := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.ANSI}
	_, _ = out.WriteString(w.m.View().Content)
	for _, blue := range []string{"[34m", ";34m", "[34;", ";34;", "[90m", ";90m", "[94m", ";94m"} {
		if strings.Contains(buf.String(), blue) {
			t.Errorf("at 16 colours the accounts draw %q (blue or bright black)", blue)
		}
	}
	w.send(tea.BackgroundColorMsg{Color: color.White}) // a light terminal: still its own palette
	if w.m.Styles.IsDark || w.m.Styles.Muted.GetFaint() != true {
		t.Errorf("after a light background at 16 colours: dark %v, muted faint %v", w.m.Styles.IsDark, w.m.Styles.Muted.GetFaint())
	}
}

func TestItem18TheSessionsScriptCoversEveryConsentAndConnection(t *testing.T) {
	r := newRig()
	r.withLists()
	w := r.demoToAccounts(t)
	answered := &basiq.StepResult{Type: basiq.ResultMFA, Method: "token", Input: []string{"OTP Password"}, ExpiryMs: 120000}
	r.anotherBank(t, w, piedPiperJob(basiq.StepSuccess, answered, r.clock.Now(), basiq.StepSuccess, basiq.StepSuccess))
	w.againToAccounts()
	if !w.m.session.CanSaveScript() {
		t.Fatal("no script to save")
	}
	facts := flow.ScriptFactsOf(w.m.session.ScriptToSave(""), r.cfg)
	want := []qs.BankConsent{{Bank: "Hooli Bank"}, {Action: basiq.ConsentConnect, Bank: "Pied Piper Bank"}}
	if !slices.Equal(facts.Consents, want) {
		t.Errorf("the script's consents %+v, want %+v", facts.Consents, want)
	}
	script, program, err := flow.ScriptFiles(facts, "q.sh", "q.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "connect_bank '' 'Hooli Bank'\nconnect_bank connect 'Pied Piper Bank'\n") ||
		!strings.Contains(string(program), `{"connect", "Pied Piper Bank"}`) {
		t.Errorf("the files do not go through both consents:\n%s", script)
	}
}
