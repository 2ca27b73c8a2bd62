package user

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

func sized(w, h int) Model {
	m := uitest.Sized(New(theme.New(true)), frame.BodySize, w, h)
	m.focusField()
	return m
}

func typeText(m Model, s string) Model { return uitest.Typed(m, s) }

func press(m Model, code rune, mod tea.KeyMod) (Model, tea.Msg) {
	m, cmd := m.Update(tea.KeyPressMsg{Code: code, Mod: mod})
	if cmd == nil {
		return m, nil
	}
	return m, cmd()
}

const userID = "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"

func TestGoldens(t *testing.T) {
	states := map[string]func(Model) Model{
		"empty":  func(m Model) Model { return m },
		"demo":   func(m Model) Model { m.setExample("max@example.com"); return m },
		"typing": func(m Model) Model { return typeText(m, "max@exam") },
		"invalid": func(m Model) Model {
			m = typeText(m, "max@example")
			m, _ = press(m, tea.KeyTab, 0)
			return typeText(m, "+61 4")
		},
		"working": func(m Model) Model {
			m = typeText(m, "max@example.com")
			m.setWorking("Creating the user (POST /users)…")
			return m
		},
		"error": func(m Model) Model {
			m = typeText(m, "max@example.com")
			m.setProblem(&theme.Problem{What: "Basiq answered 503 while creating the user.", Next: "Try again in a minute."}, true)
			return m
		},
		"api_field_error": func(m Model) Model {
			m, _ = press(m, tea.KeyTab, 0)
			m = typeText(m, "+61400000000")
			m.setFieldErrors(map[string]string{"mobile": "Mobile number is not a valid Australian number."})
			return m
		},
		"done": func(m Model) Model {
			m = typeText(m, "max@example.com")
			m.setUser(&basiq.User{ID: userID, Email: "max@example.com"}, true)
			return m
		},
		"long_email_done": func(m Model) Model {
			m.SetValues(longEmail, "+61412345678")
			m, _ = press(m, tea.KeyEnter, 0) // sent: both fields checked
			m.setUser(&basiq.User{ID: userID, Email: longEmail}, true)
			return m
		},
		"long_email_invalid": func(m Model) Model {
			m.SetValues(longEmail+"@", "")
			m, _ = press(m, tea.KeyTab, 0)
			m.setWorking("Creating the user (POST /users)…")
			return m
		},
		"offer": func(m Model) Model {
			m.setOffer(&Offer{UserID: userID, Created: true, Jobs: 1})
			return m
		},
		"offer_no_jobs": func(m Model) Model {
			m.setOffer(&Offer{UserID: userID})
			return m
		},
		"existing_id": func(m Model) Model {
			m, _ = press(m, 'o', tea.ModCtrl)
			return typeText(m, "not-an-id")
		},
	}
	uitest.Goldens(t, uitest.Windows, frame.BodySize, states, func(state func(Model) Model, w, h int) string {
		return state(sized(w, h)).View()
	})
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, states["invalid"](sized(100, 30)).View()) })
}

// longEmail is a valid email of 240 characters.
var longEmail = "max.wentworth-smith1@" + strings.Repeat("a", 60) + "." + strings.Repeat("b", 60) + "." + strings.Repeat("c", 60) + "." + strings.Repeat("d", 24) + ".example.com"

func TestALongValueWrapsAsOneBlockBesideItsLabel(t *testing.T) {
	if len(longEmail) != 240 {
		t.Fatalf("the email is %d long", len(longEmail))
	}
	m := sized(80, 24)
	m.SetValues(longEmail, "")
	m, _ = press(m, tea.KeyEnter, 0)
	m.setUser(&basiq.User{ID: userID, Email: longEmail}, true)
	lines := strings.Split(uitest.Render(m.View(), colorprofile.NoTTY), "\n")
	var block []string
	for _, l := range lines {
		if strings.HasPrefix(l, "Email") || len(block) > 0 && strings.HasPrefix(l, strings.Repeat(" ", labelWidth)) {
			block = append(block, l)
		} else if len(block) > 0 {
			break
		}
	}
	joined := strings.NewReplacer(" ", "", theme.SymbolDone, "").Replace(strings.Join(block, ""))
	if joined != "Email"+longEmail {
		t.Fatalf("the email is not all there, as one block under its column:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.HasSuffix(block[0], theme.SymbolDone) || strings.Contains(strings.Join(block[1:], ""), theme.SymbolDone) {
		t.Errorf("the ✓ belongs beside the value's first line, once:\n%s", strings.Join(block, "\n"))
	}
}

func TestInvalidEmailIsShownAndNothingIsSent(t *testing.T) {
	m := typeText(sized(100, 30), "max@")
	m, msg := press(m, tea.KeyEnter, 0)
	if msg != nil {
		t.Fatalf("an invalid email was submitted: %#v", msg)
	}
	if !strings.Contains(m.View(), "max@example.com") {
		t.Errorf("the error does not show an example of the form:\n%s", m.View())
	}
}

func TestValidDetailsAreSubmittedNormalised(t *testing.T) {
	m := typeText(sized(100, 30), "max@example.com")
	m, _ = press(m, tea.KeyTab, 0)
	m = typeText(m, "+61 412 345 678")
	_, msg := press(m, tea.KeyEnter, 0)
	if msg != (SubmittedMsg{Email: "max@example.com", Mobile: "+61412345678"}) {
		t.Errorf("submitted %#v", msg)
	}
}

// TestNothingGivenIsTheSessionsToAnswer: the form sends what it holds, and
// shows what the session says of it (the rule "an email or a mobile" is
// the session's, once).
func TestNothingGivenIsTheSessionsToAnswer(t *testing.T) {
	m, msg := press(sized(100, 30), tea.KeyEnter, 0)
	if msg != (SubmittedMsg{}) {
		t.Errorf("enter on the empty form sent %#v", msg)
	}
	m.setFieldErrors(map[string]string{"": "Give an email, a mobile, or both."})
	if !strings.Contains(m.View(), "Give an email, a mobile, or both") {
		t.Errorf("the session's words are not on the form:\n%s", m.View())
	}
}

func TestExistingUserID(t *testing.T) {
	m, _ := press(sized(100, 30), 'o', tea.ModCtrl)
	m = typeText(m, "nope")
	if m, msg := press(m, tea.KeyEnter, 0); msg != nil || !strings.Contains(m.View(), "not a Basiq id") {
		t.Errorf("a bad id: msg %#v, view:\n%s", msg, m.View())
	}
	m, _ = press(sized(100, 30), 'o', tea.ModCtrl)
	m = typeText(m, userID)
	if _, msg := press(m, tea.KeyEnter, 0); msg != (SubmittedMsg{ID: userID}) {
		t.Errorf("a good id sent %#v", msg)
	}
}

func TestCreatedUserIDCanBeCopiedThenContinue(t *testing.T) {
	m := sized(100, 30)
	m.setUser(&basiq.User{ID: userID}, true)
	if m.Capturing() {
		t.Error("after creation letters should be keys, not text")
	}
	m, msg := press(m, 'c', 0)
	if msg == nil || !strings.Contains(m.View(), "copied") {
		t.Errorf("c did not copy (msg %#v)", msg)
	}
	if _, msg := press(m, tea.KeyEnter, 0); msg != (ConsentAskedMsg{}) {
		t.Errorf("enter sent %#v, want ConsentAskedMsg", msg)
	}
}

func TestAPasteTooLongForTheFieldIsRefusedWithTheReason(t *testing.T) {
	m := sized(100, 30)
	m.focusField()
	m, _ = m.Update(tea.PasteMsg{Content: strings.Repeat("a", 300) + "@example.com"})
	if v := m.View(); !strings.Contains(v, "Nothing pasted") || strings.Contains(v, "aaaa") {
		t.Errorf("view:\n%s", v)
	}
}

func BenchmarkUserView(b *testing.B) {
	m := New(theme.New(true))
	m.SetSize(196, 55)
	m.SetValues("max@example.com", "+61412345678")
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func TestTheOfferToContinueTakesEnterOrNAndNothingIsTyped(t *testing.T) {
	m := sized(80, 24)
	m.setOffer(&Offer{UserID: userID, Jobs: 2})
	if m.Capturing() {
		t.Fatal("while the offer stands, letters are keys")
	}
	if v := m.View(); !strings.Contains(v, "Continue with user 7f1c2a4e… (and its unfinished jobs)?") || !strings.Contains(v, "2 of its jobs") {
		t.Errorf("the offer:\n%s", v)
	}
	m = typeText(m, "x")
	if _, msg := press(m, tea.KeyEnter, 0); msg != (keys.IntentMsg{Intent: keys.Yes}) {
		t.Errorf("enter sent %#v", msg)
	}
	if _, msg := press(m, 'n', 0); msg != (keys.IntentMsg{Intent: keys.No}) {
		t.Errorf("n sent %#v", msg)
	}
	m.setOffer(nil)
	if m = typeText(m, "x"); !strings.Contains(m.View(), "x") || !m.Capturing() {
		t.Errorf("after the offer, the form takes text again:\n%s", m.View())
	}
}
