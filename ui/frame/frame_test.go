package frame

import (
	"fmt"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var screenKeys = []key.Binding{
	key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy link")),
	key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "QR code")),
	key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "open again")),
	key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "paste job id")),
	key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "requests")),
}

func TestGoldens(t *testing.T) {
	st := theme.New(true)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
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
				if plain := ansi.Strip(out); !strings.Contains(plain, "ctrl+c quit") || !strings.Contains(plain, "◉ Consent") {
					t.Error("the frame lacks the quit key or the current step")
				}
				uitest.Golden(t, out)
			})
		}
	}
	t.Run("color", func(t *testing.T) {
		uitest.GoldenColor(t, Render(st, Frame{Width: 100, Height: 24, Where: "au-api.basiq.io", Step: 0, Body: "body", Keys: screenKeys, Global: keys.NewGlobal()}))
	})
	t.Run("too_small", func(t *testing.T) { uitest.Golden(t, TooSmallView(st, 60, 20)) })
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
