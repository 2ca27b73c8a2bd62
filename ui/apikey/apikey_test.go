package apikey

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

const secret = "NjA0ZmY0ZTgtc2VjcmV0LWtleTpzZWNyZXQ="

func sized(w, h int) Model {
	m := uitest.Sized(New(theme.New(true)), frame.BodySize, w, h)
	m.focus()
	return m
}

func typeText(m Model, s string) Model { return uitest.Typed(m, s) }

func TestGoldens(t *testing.T) {
	states := map[string]func(Model) Model{
		"empty":  func(m Model) Model { return m },
		"typing": func(m Model) Model { return typeText(m, secret) },
		"invalid": func(m Model) Model {
			m = typeText(m, secret)
			m.setProblem(theme.Problem{What: "Basiq did not recognise this key (404 parameter-not-valid).", Next: "Copy it again from the Basiq dashboard.", CorrelationID: "a1b2c3"}, false)
			return m
		},
		"working": func(m Model) Model { m = typeText(m, secret); m.setWorking(true); return m },
		"error": func(m Model) Model {
			m = typeText(m, secret)
			m.setProblem(theme.Problem{What: "Could not reach Basiq while checking the key: connection refused", Next: "Check your network connection (or proxy), then try again."}, true)
			return m
		},
		"done": func(m Model) Model { m = typeText(m, secret); m.askSave("the system keyring", false, false); return m },
		"insecure": func(m Model) Model {
			m = typeText(m, secret)
			m.askSave("/home/max/.config/basiq-onboard/secrets.json", true, false)
			return m
		},
	}
	uitest.Goldens(t, [][2]int{{80, 24}, {120, 40}}, frame.BodySize, states, func(state func(Model) Model, w, h int) string {
		view := state(sized(w, h)).View()
		if strings.Contains(view, secret) {
			t.Fatal("the key is on screen")
		}
		return view
	})
	m := typeText(sized(100, 30), secret)
	m.setProblem(theme.Problem{What: "Basiq did not recognise this key."}, false)
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, m.View()) })
}

func result(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

func TestPasteIsTrimmedAndSubmitted(t *testing.T) {
	m := sized(100, 30)
	m, _ = m.Update(tea.PasteMsg{Content: "  \n" + secret + "\n  "})
	if m.Value() != secret {
		t.Fatalf("pasted value = %q, want it trimmed", m.Value())
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if got, ok := result(cmd).(SubmittedMsg); !ok || got.Key != secret {
		t.Errorf("enter sent %#v, want SubmittedMsg with the key", result(cmd))
	}
}

func TestEmptyEnterAsksForTheKeyAndSendsNothing(t *testing.T) {
	m := sized(100, 30)
	m, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if result(cmd) != nil || !strings.Contains(m.View(), "A key is needed") {
		t.Errorf("empty enter: msg %#v, view:\n%s", result(cmd), m.View())
	}
}

func TestDemoKeys(t *testing.T) {
	m := sized(100, 30)
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'd', Text: "d"}); result(cmd) != (keys.IntentMsg{Intent: keys.Demo}) {
		t.Error("d on an empty field did not start the demo")
	}
	m = typeText(m, "abc")
	m2, cmd := m.Update(tea.KeyPressMsg{Code: 'd', Text: "d"})
	if result(cmd) == (keys.IntentMsg{Intent: keys.Demo}) || m2.Value() != "abcd" {
		t.Errorf("d in a typed key must be text (value %q)", m2.Value())
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'd', Mod: tea.ModCtrl}); result(cmd) != (keys.IntentMsg{Intent: keys.Demo}) {
		t.Error("ctrl+d did not start the demo")
	}
}

func TestSaveAnswer(t *testing.T) {
	m := typeText(sized(100, 30), secret)
	m.askSave("the system keyring", false, false)
	if m.Capturing() {
		t.Error("while asking y/n the field still captures letters")
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"}); result(cmd) != (keys.IntentMsg{Intent: keys.Yes}) {
		t.Error("y did not answer yes")
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: 'n', Text: "n"}); result(cmd) != (keys.IntentMsg{Intent: keys.No}) {
		t.Error("n did not answer no")
	}
}

func TestAKeySetBeforeTheWindowSizeStillFitsItsField(t *testing.T) {
	m := New(theme.New(true))
	m.SetValue(strings.Repeat("K", 100)) // BASIQ_API_KEY arrives before the first WindowSizeMsg
	m.setFromEnv(true)
	bw, bh := frame.BodySize(80, 24)
	m.SetSize(bw, bh)
	for _, line := range strings.Split(uitest.Render(m.View(), colorprofile.NoTTY), "\n") {
		if n := strings.Count(line, "•"); n > 60 {
			t.Errorf("the masked field draws %d bullets, wider than its 60 columns:\n%s", n, line)
		}
	}
}

func TestAPasteTooLongIsRefusedWholeWithTheReason(t *testing.T) {
	m := sized(100, 30)
	m.focus()
	m, _ = m.Update(tea.PasteMsg{Content: strings.Repeat("k", 600)})
	if m.Value() != "" || !strings.Contains(m.View(), "Nothing pasted: that would be 600 characters") {
		t.Errorf("value %d characters long; view:\n%s", len(m.Value()), m.View())
	}
	m, _ = m.Update(tea.PasteMsg{Content: " key \n"})
	if m.Value() != "key" || strings.Contains(m.View(), "Nothing pasted") {
		t.Errorf("a paste that fits: %q\n%s", m.Value(), m.View())
	}
}

// Issue 19 item 16: the word that a key is needed stays until the person
// types (every frame after a clock tick clears the problem, not this).
func TestItem16AnEmptyKeySaysAKeyIsNeededUntilTyping(t *testing.T) {
	m := sized(100, 30)
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	m.clearProblem() // what the wizard does on every sync with no problem standing
	m.setWorking(false)
	if v := uitest.Render(m.View(), colorprofile.NoTTY); !strings.Contains(v, "A key is needed") {
		t.Errorf("the hint went with the next frame:\n%s", v)
	}
	m = typeText(m, "a")
	if strings.Contains(m.View(), "A key is needed") {
		t.Error("the hint stays while typing")
	}
}

// Issue 19 item 16: esc while asked to save the key is "not now": the key
// saved for this API before, if any, is kept.
func TestItem16EscWhileOfferedToSaveKeepsTheSavedKey(t *testing.T) {
	m := typeText(sized(100, 30), secret)
	m.askSave("the system keyring", false, true)
	if !m.TakesEsc() {
		t.Fatal("esc is not the question's")
	}
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "instead of the key saved for this API") || !strings.Contains(v, "esc keeps the saved key") {
		t.Errorf("the offer does not say it replaces the saved key:\n%s", v)
	}
	if _, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEscape}); result(cmd) != (keys.IntentMsg{Intent: keys.No}) {
		t.Errorf("esc sent %#v, want not now", result(cmd))
	}
	if h := m.ShortHelp()[1].Help(); h.Key != "n/esc" {
		t.Errorf("the help names %q for not now", h.Key)
	}
}
