package frame

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var screenKeys = keys.KeyMap{Short: []key.Binding{
	keys.Copy.Help("copy link"), keys.QRCode.Binding(), keys.OpenBrowser.Binding(), keys.Paste.Binding(), keys.Requests.Binding(),
}}

func TestGoldens(t *testing.T) {
	st := theme.New(true)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 60}} {
		for _, help := range []bool{false, true} {
			t.Run(fmt.Sprintf("%dx%d_help_%v", size[0], size[1], help), func(t *testing.T) {
				out := Render(st, Frame{Width: size[0], Height: size[1], Where: "demo", Step: 2, Global: keys.NewGlobal(),
					Body: "Consent in the browser\n\nbody text", Keys: screenKeys, ShowHelp: help, CanGoBack: true, Notice: "✓ Key saved in the system keyring"})
				lines := strings.Split(out, "\n")
				if len(lines) != size[1] {
					t.Errorf("%d lines, want exactly %d", len(lines), size[1])
				}
				for _, l := range lines {
					if lipgloss.Width(l) > size[0] {
						t.Errorf("line wider than %d: %q", size[0], l)
					}
				}
				if plain := ansi.Strip(out); !strings.Contains(plain, "q quit") || !strings.Contains(plain, "◉ Consent") {
					t.Error("the frame lacks the quit key or the current step")
				}
				uitest.Golden(t, out)
			})
		}
	}
	t.Run("color", func(t *testing.T) {
		uitest.GoldenColor(t, Render(st, Frame{Width: 100, Height: 24, Where: "au-api.basiq.io", Step: 0, Body: "body", Keys: screenKeys, Global: keys.NewGlobal()}))
	})
	t.Run("color_light", func(t *testing.T) {
		uitest.GoldenColor(t, Render(theme.New(false), Frame{Width: 100, Height: 24, Where: "au-api.basiq.io", Step: 2, Body: "body", Keys: screenKeys, Global: keys.NewGlobal(), CanGoBack: true}))
	})
	// Issue 19 item 8: at 16 colours, on dark and light, the terminal's own palette.
	for name, dark := range map[string]bool{"16_colours_dark": true, "16_colours_light": false} {
		t.Run(name, func(t *testing.T) {
			f := Frame{Width: 100, Height: 24, Where: "au-api.basiq.io", Step: 2, Body: "body", Keys: screenKeys, Global: keys.NewGlobal(),
				CanGoBack: true, Notice: "✓ Key saved in the system keyring", Tabs: []string{"Accounts", "Transactions"}}
			uitest.Golden16(t, Render(theme.NewFor(dark, colorprofile.ANSI), f))
		})
	}
	t.Run("80x24_api_host", func(t *testing.T) {
		uitest.Golden(t, Render(st, Frame{Width: 80, Height: 24, Where: "au-api.basiq.io", Step: 3, Body: "body", Keys: screenKeys, Global: keys.NewGlobal()}))
	})
	t.Run("too_small", func(t *testing.T) { uitest.Golden(t, TooSmallView(st, 60, 20)) })
}

func TestHeaderKeepsWhereRequestsGoAt80Columns(t *testing.T) {
	st := theme.New(true)
	for where, want := range map[string]string{
		"au-api.basiq.io":                       "au-api.basiq.io",
		"127.0.0.1:8080":                        "127.0.0.1:8080",
		"basiq-proxy.staging.example.com:8443":  "…example.com",
		"[::1]:8080":                            "[::1]:8080",
		"demo":                                  "demo",
		"a-very-long-single-label-host-name-xx": "a-very-long-sing…",
	} {
		head := ansi.Strip(header(st, Frame{Width: 80, Where: where, Step: 2}))
		if w := lipgloss.Width(head); w > 80 {
			t.Errorf("%s: the header is %d wide", where, w)
		}
		if !strings.Contains(head, "· "+want+" ") || !strings.Contains(head, "◉ Consent") || !strings.Contains(head, "○ Accounts") {
			t.Errorf("%s: want %q and every step in %q", where, want, head)
		}
	}
	if head := ansi.Strip(header(st, Frame{Width: 120, Where: "au-api.basiq.io", Step: 2})); !strings.Contains(head, "● User ─ ◉ Consent") {
		t.Errorf("at 120 columns the steps keep their lines: %q", head)
	}
}

func TestShortHost(t *testing.T) {
	cases := []struct {
		host string
		room int
		want string
	}{
		{"au-api.basiq.io", 15, "au-api.basiq.io"},
		{"au-api.basiq.io", 10, "…basiq.io"},
		{"127.0.0.1:8080", 9, "127.0.0.1"},
		{"127.0.0.1:8080", 6, "127.0…"},
		{"[::1]:8080", 5, "[::1]"},
		{"::1", 3, "::1"},
		{"au-api.basiq.io", 3, ""},
	}
	for _, c := range cases {
		if got := ShortHost(c.host, c.room); got != c.want {
			t.Errorf("ShortHost(%q, %d) = %q, want %q", c.host, c.room, got, c.want)
		}
	}
}

func TestBodyOverflowIsClipped(t *testing.T) {
	long := strings.Repeat("a very long line that goes on ", 20) + "\n" + strings.Repeat("row\n", 100)
	out := Render(theme.New(false), Frame{Width: 80, Height: 24, Step: 0, Body: long, Global: keys.NewGlobal()})
	if n := len(strings.Split(out, "\n")); n != 24 {
		t.Errorf("%d lines, want 24", n)
	}
}

func TestTooSmall(t *testing.T) {
	if !TooSmall(79, 24) || !TooSmall(80, 23) || TooSmall(80, 24) {
		t.Error("the minimum is 80x24")
	}
}

func BenchmarkFrame(b *testing.B) {
	st := theme.New(true)
	f := Frame{Width: 200, Height: 60, Where: "au-api.basiq.io", Step: 2, Global: keys.NewGlobal(),
		Body: strings.Repeat("a line of the screen's body\n", 40), Keys: screenKeys, CanGoBack: true}
	b.ReportAllocs()
	for b.Loop() {
		_ = Render(st, f)
	}
}

var views = []string{"Accounts", "Transactions", "Connections", "Consents", "Jobs"}

func TestTabsGoUnderTheHeaderAndTheBodyFitsUnderThem(t *testing.T) {
	st := theme.New(true)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("tabs_%dx%d", size[0], size[1]), func(t *testing.T) {
			_, bodyH := TabbedBodySize(size[0], size[1])
			body := strings.TrimSuffix(strings.Repeat("row\n", bodyH), "\n")
			out := Render(st, Frame{Width: size[0], Height: size[1], Where: "demo", Step: 4, Global: keys.NewGlobal(),
				Body: body, Keys: screenKeys, Tabs: views, Tab: 2})
			lines := strings.Split(ansi.Strip(out), "\n")
			if len(lines) != size[1] || strings.Count(ansi.Strip(out), "row") != bodyH {
				t.Errorf("%d lines with %d body rows; want %d with all %d", len(lines), strings.Count(out, "row"), size[1], bodyH)
			}
			// Without colour the rule still marks the view shown: heavy under Connections.
			at, n := strings.Index(lines[2], " Connections "), len(" Connections ") // the names line is ASCII: bytes are columns
			if under := string([]rune(lines[3])[at : at+n]); under != strings.Repeat("━", n) {
				t.Errorf("the rule under Connections is %q", under)
			}
			uitest.Golden(t, out)
		})
	}
	t.Run("tabs_color", func(t *testing.T) {
		uitest.GoldenColor(t, Render(st, Frame{Width: 100, Height: 24, Where: "demo", Step: 4, Body: "body", Keys: screenKeys, Global: keys.NewGlobal(), Tabs: views}))
	})
	// Over help and over an overlay the tabs give way.
	for name, f := range map[string]Frame{"help": {ShowHelp: true}, "overlay": {Overlay: "Delete the connection?"}} {
		f.Width, f.Height, f.Global, f.Tabs = 80, 24, keys.NewGlobal(), views
		if out := ansi.Strip(Render(st, f)); strings.Contains(out, "Transactions") {
			t.Errorf("tabs over the %s:\n%s", name, out)
		}
	}
}

// TestAScreenThatGivesEscAMeaningListsItOnce: with a field open, esc
// cancels it and does not also go back, on the help line and in ?.
func TestAScreenThatGivesEscAMeaningListsItOnce(t *testing.T) {
	pasting := keys.KeyMap{Short: []key.Binding{keys.Main.Help("use it"), keys.Back.Help("cancel")}}
	for _, help := range []bool{false, true} {
		out := ansi.Strip(Render(theme.New(true), Frame{Width: 100, Height: 24, Step: 2, Global: keys.NewGlobal(), Body: "body",
			Keys: pasting, CanGoBack: true, Typing: true, ShowHelp: help}))
		if !strings.Contains(out, "esc") || strings.Count(out, "esc ") != 1+strings.Count(out, "esc, ") || strings.Contains(out, "back") {
			t.Errorf("help %v: esc is not listed once, as cancel:\n%s", help, out)
		}
	}
}
