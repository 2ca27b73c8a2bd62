package consent

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

const link = "https://consent.basiq.io/home?token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6IkNMSUVOVF9BQ0NFU1MiLCJ1c2VyaWQiOiI3ZjFjMmE0ZSJ9.c2lnbmF0dXJl&state=7f1c2a4e"

var now = time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)

func sized(w, h int) Model {
	m := uitest.Sized(New(theme.New(true)), frame.BodySize, w, h)
	m.setUser("7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a", "")
	return m
}

func withLink(m Model) Model {
	m.setLink(link, now.Add(time.Hour))
	m.setBrowser(true, 1, "")
	m.setNow(now.Add(3 * time.Second))
	m.setPolling(now, "GET /users/7f1c2a4e…/jobs")
	m.setSandbox("Hooli Bank", "Wentworth-Smith", "whislter")
	return m
}

func pressKey(m Model, code rune, text string) (Model, tea.Msg) {
	m, cmd := m.Update(tea.KeyPressMsg{Code: code, Text: text})
	return m, sent(cmd)
}

// sent is what a command tells flow, leaving out the spinner's ticks.
func sent(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			if m := sent(c); m != nil {
				return m
			}
		}
		return nil
	case spinner.TickMsg:
		return nil
	default:
		return msg
	}
}

func TestGoldens(t *testing.T) {
	states := map[string]func(Model) Model{
		"minting": func(m Model) Model { m.setWorking("Minting a client token for the consent link…"); return m },
		"waiting": withLink,
		"no_browser": func(m Model) Model {
			m = withLink(m)
			m.setBrowser(false, 0, "This is an SSH session, so a browser here would open on the remote machine. Open the link on a computer with a browser, or scan the QR code (v).")
			return m
		},
		"demo": func(m Model) Model { m = withLink(m); m.setDemo(true, "Wentworth-Smith"); return m },
		"another_bank_demo": func(m Model) Model {
			m = withLink(m)
			m.setDemo(true, "Wentworth-Smith")
			m.setAnotherBank("Pied Piper Bank")
			m.setSandbox("Pied Piper Bank", "Wentworth-Smith", "whislter")
			return m
		},
		"paste": func(m Model) Model {
			m = withLink(m)
			m, _ = pressKey(m, 'p', "p")
			m, _ = m.Update(tea.PasteMsg{Content: "https://example.com/done?state=x"})
			m, _ = pressKey(m, tea.KeyEnter, "")
			return m
		},
		"timed_out": func(m Model) Model { m = withLink(m); m.setTimedOut(true, 10*time.Minute); return m },
		"error": func(m Model) Model {
			m = withLink(m)
			m.setProblem(&theme.Problem{What: "Basiq answered 503 while checking for the connection.", Next: "Checking again in 8s."})
			return m
		},
	}
	uitest.Goldens(t, uitest.Windows, frame.BodySize, states, func(state func(Model) Model, w, h int) string {
		return state(sized(w, h)).View()
	})
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, withLink(sized(100, 30)).View()) })
	t.Run("color_light", func(t *testing.T) {
		m := New(theme.New(false))
		m.SetSize(frame.BodySize(100, 30))
		m = withLink(m)
		m.setDemo(true, "Wentworth-Smith")
		uitest.GoldenColor(t, m.View())
	})
}

func TestLinkIsAClickableHyperlinkToTheWholeURL(t *testing.T) {
	view := withLink(sized(80, 24)).View()
	if !strings.Contains(view, "\x1b]8;;"+link) {
		t.Errorf("no OSC 8 hyperlink to the full URL in:\n%q", view)
	}
}

func TestKeys(t *testing.T) {
	m := withLink(sized(100, 30))
	if _, msg := pressKey(m, 'c', "c"); msg == nil {
		t.Error("c did not copy the link")
	}
	if _, msg := pressKey(m, 'o', "o"); msg != (keys.IntentMsg{Intent: keys.OpenBrowser}) {
		t.Errorf("o sent %#v", msg)
	}
	if _, msg := pressKey(m, 'a', "a"); msg != nil {
		t.Error("a completed consent outside the demo")
	}
	m.setDemo(true, "Wentworth-Smith")
	if _, msg := pressKey(m, 'a', "a"); msg != (keys.IntentMsg{Intent: keys.AutoConsent}) {
		t.Errorf("a in the demo sent %#v", msg)
	}
	if _, msg := pressKey(m, 'w', "w"); msg != nil {
		t.Error("w did something before the timeout")
	}
	m.setTimedOut(true, 10*time.Minute)
	if _, msg := pressKey(m, 'w', "w"); msg != (keys.IntentMsg{Intent: keys.WaitLonger}) {
		t.Errorf("w sent %#v", msg)
	}
	if _, msg := pressKey(m, 'b', "b"); msg != (keys.IntentMsg{Intent: keys.NewLink}) {
		t.Errorf("r sent %#v", msg)
	}
}

func TestPastedRedirectGivesItsJobs(t *testing.T) {
	m := withLink(sized(100, 30))
	m, _ = pressKey(m, 'p', "p")
	if !m.Capturing() {
		t.Fatal("p did not open the paste field")
	}
	m, _ = m.Update(tea.PasteMsg{Content: "https://example.com/done?jobIds=a03e4df4-0000-4000-8000-000000000001,b03e4df4-0000-4000-8000-000000000002&state=x\n"})
	m, msg := pressKey(m, tea.KeyEnter, "")
	got, ok := msg.(JobsPastedMsg)
	if !ok || len(got.IDs) != 2 || m.Capturing() {
		t.Errorf("paste sent %#v (capturing %v)", msg, m.Capturing())
	}
}

// demoLink is a consent link as the demo's simulator makes it, on loopback.
const demoLink = "http://127.0.0.1:41673/consent/home?state=7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a&token=eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6IkNMSUVOVF9BQ0NFU1MiLCJ1c2VyaWQiOiI3ZjFjMmE0ZSJ9.c2lnbmF0dXJl"

func TestQRCodeHasTheWholeWindowOrSaysWhatItNeeds(t *testing.T) {
	for _, c := range []struct {
		name, link string
		demo       bool
	}{{"real", link, false}, {"demo", demoLink, true}} {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, size[0], size[1]), func(t *testing.T) {
				m := withLink(sized(size[0], size[1]))
				m.setLink(c.link, now.Add(time.Hour))
				m.setDemo(c.demo, "Wentworth-Smith")
				m, _ = pressKey(m, 'v', "v")
				if !m.ShowingQR() {
					t.Fatal("v did not show the QR code")
				}
				view := m.QRWindow(size[0], size[1])
				lines := strings.Split(view, "\n")
				for _, line := range lines {
					if lipgloss.Width(line) > size[0] {
						t.Errorf("line wider than %d: %q", size[0], line)
					}
				}
				if len(lines) != size[1] {
					t.Errorf("%d lines for a window of %d", len(lines), size[1])
				}
				plain := ansi.Strip(view)
				if !strings.Contains(plain, "▀") && !strings.Contains(plain, fmt.Sprintf("this one is %dx%d", size[0], size[1])) {
					t.Errorf("neither the code nor the size it needs:\n%s", plain)
				}
				if c.demo && strings.Contains(plain, "▀") && !strings.Contains(plain, "a phone cannot reach it") {
					t.Errorf("the demo's code should say a phone cannot reach 127.0.0.1:\n%s", plain)
				}
				uitest.Golden(t, view)
				m, _ = pressKey(m, 'x', "x")
				if m.ShowingQR() {
					t.Error("a key did not return from the QR code")
				}
			})
		}
	}
}

func TestTheSpinnerTurnsOnlyWhileShown(t *testing.T) {
	m := withLink(sized(100, 30))
	start := m.Spin()
	if start == nil {
		t.Fatal("waiting for a connection does not turn the spinner")
	}
	tick := start().(spinner.TickMsg)
	if m.Spin() != nil {
		t.Error("a second Spin started a second spinner")
	}
	m.setLink("", time.Time{}) // consent is over: the screen is left behind
	m, next := m.Update(tick)
	if next != nil || m.Spin() != nil {
		t.Error("the spinner of a screen with nothing to wait for still turns")
	}
	m.setLink(link, now.Add(time.Hour))
	if m.Spin() == nil {
		t.Error("a new link did not turn the spinner again")
	}
}

func TestQRCodeRowsAreSquareAndScannable(t *testing.T) {
	rows, err := qrRows(link)
	if err != nil {
		t.Fatal(err)
	}
	width := lipgloss.Width(rows[0])
	if len(rows) != (width+1)/2 {
		t.Errorf("%d rows for %d columns: half blocks should halve the height", len(rows), width)
	}
	for _, r := range rows {
		if lipgloss.Width(r) != width {
			t.Fatalf("ragged QR row %q", r)
		}
	}
}

func TestPollAgeReadsNaturally(t *testing.T) {
	m := withLink(sized(100, 30))
	if v := ansi.Strip(m.View()); !strings.Contains(v, "checked 3s ago") {
		t.Errorf("three seconds after a poll:\n%s", v)
	}
	m.setNow(now.Add(200 * time.Millisecond))
	if v := ansi.Strip(m.View()); !strings.Contains(v, "checked just now") {
		t.Errorf("right after a poll the screen should say just now, not 0s ago:\n%s", v)
	}
}

func BenchmarkConsentView(b *testing.B) {
	m := withLink(sized(200, 60))
	m.setDemo(true, "Wentworth-Smith")
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

// longLink is as long as Basiq's own consent links (389 characters).
var longLink = "https://consent.basiq.io/home?token=" + strings.Repeat("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", 10)[:353-len("&state=7f1c2a4e")] + "&state=7f1c2a4e"

// Issue 19 item 7: l shows the link whole, wrapped across lines that hold
// nothing else, each the same OSC 8 hyperlink to all of it.
func TestItem7TheWholeLinkHasLinesOfItsOwnEachAHyperlinkToAllOfIt(t *testing.T) {
	if len(longLink) != 389 {
		t.Fatalf("the test's link has %d characters", len(longLink))
	}
	m := withLink(sized(80, 24))
	m.setLink(longLink, now.Add(time.Hour))
	if !strings.Contains(uitest.Render(m.View(), colorprofile.NoTTY), "l shows all") {
		t.Errorf("the cut link does not say how to see it whole:\n%s", uitest.Render(m.View(), colorprofile.NoTTY))
	}
	m, _ = pressKey(m, 'l', "l")
	if !m.ShowingLink() {
		t.Fatal("l did not show the link whole")
	}
	for _, w := range []int{80, 120, 200} {
		window := m.LinkWindow(w, 24)
		lines := strings.Split(window, "\n")
		var joined string
		n := 0
		for _, l := range lines {
			plain := ansi.Strip(l)
			if !strings.Contains(l, "\x1b]8;id=basiq-consent-link;"+longLink) {
				break
			}
			if ansi.StringWidth(plain) > w {
				t.Errorf("%d columns: a line of %d", w, ansi.StringWidth(plain))
			}
			joined += plain
			n++
		}
		if joined != longLink {
			t.Errorf("%d columns: the link's lines (%d) hold %q, want the link and nothing else", w, n, joined)
		}
		if want := (389 + w - 1) / w; n != want {
			t.Errorf("%d columns: %d lines, want %d", w, n, want)
		}
		// The caption under it says all of its words, wrapped, not cut.
		caption := strings.Join(strings.Fields(ansi.Strip(strings.Join(lines[n:], " "))), " ")
		if !strings.Contains(caption, "(389 characters; it holds a token: treat it like a password)") || !strings.Contains(caption, "any other key returns") {
			t.Errorf("%d columns: the caption reads %q", w, caption)
		}
		for _, l := range lines[n:] {
			if ansi.StringWidth(l) > w {
				t.Errorf("%d columns: a caption line of %d", w, ansi.StringWidth(l))
			}
		}
	}
	// c sends it to the clipboard from there, and says only that; any other key returns.
	m, _ = m.Update(tea.KeyPressMsg{Code: 'c', Text: "c"})
	if !m.ShowingLink() || !strings.Contains(ansi.Strip(m.LinkWindow(80, 24)), "Sent to the terminal's clipboard (OSC 52).") {
		t.Errorf("c in the whole link:\n%s", ansi.Strip(m.LinkWindow(80, 24)))
	}
	m, _ = pressKey(m, tea.KeyEscape, "")
	if m.ShowingLink() {
		t.Error("esc did not return from the whole link")
	}
}

func TestItem7CSaysItSentTheLinkAndODoesNotHideThatNothingOpened(t *testing.T) {
	m := withLink(sized(100, 30))
	m, _ = m.Update(tea.KeyPressMsg{Code: 'c', Text: "c"})
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	if !strings.Contains(v, "Sent to the terminal's clipboard (OSC 52).") || strings.Contains(v, "Copied") {
		t.Errorf("after c:\n%s", v)
	}
	m.setBrowser(false, 0, "There is no display here (DISPLAY and WAYLAND_DISPLAY are unset), so no browser can open.")
	m.setOpenRefused(true)
	if v := uitest.Render(m.View(), colorprofile.NoTTY); !strings.Contains(v, "o opened nothing: There is no display here") {
		t.Errorf("after o where no browser opens:\n%s", v)
	}
}
