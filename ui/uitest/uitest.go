// Package uitest holds what the screen tests share: goldens of a rendered
// view with the colour profile pinned, so a CI terminal cannot change them.
package uitest

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// MainInUTC runs a package's tests in UTC, for a TestMain: goldens that
// show a time of day are then drawn alike wherever they run.
func MainInUTC(m *testing.M) {
	time.Local = time.UTC
	os.Exit(m.Run())
}

// Render converts a styled view to what a terminal with the given profile
// receives: colorprofile.NoTTY gives plain text, colorprofile.ANSI256 keeps
// colours in a stable 256-colour form. Trailing spaces are trimmed per line
// so goldens do not depend on padding.
func Render(view string, profile colorprofile.Profile) string {
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: profile}
	_, _ = w.WriteString(view)
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// Golden compares the view, as plain text, with testdata/<test name>.golden
// (go test ./... -update rewrites it).
func Golden(t testing.TB, view string) {
	t.Helper()
	golden.RequireEqual(t, Render(view, colorprofile.NoTTY))
}

// GoldenInBody is Golden for a screen's view, after checking that it fits
// the body it was drawn for: no line wider than width, no more lines than height.
func GoldenInBody(t testing.TB, view string, width, height int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	for _, line := range lines {
		if w := ansi.StringWidth(line); w > width {
			t.Errorf("a line of %d columns in a body of %d: %q", w, width, line)
		}
	}
	if len(lines) > height {
		t.Errorf("%d lines in a body of %d", len(lines), height)
	}
	Golden(t, view)
}

// Windows are the terminal sizes every screen is drawn at: the smallest
// the wizard draws in, a common one, and a large one.
var Windows = [][2]int{{80, 24}, {120, 40}, {200, 60}}

// Goldens is the one golden loop: each state drawn in each window becomes
// the subtest name_WxH. view gets the window's size and returns the
// screen's body, held to the size body gives (frame.BodySize) and compared
// with its golden.
func Goldens[S any](t *testing.T, windows [][2]int, body func(w, h int) (int, int), states map[string]S, view func(state S, width, height int) string) {
	t.Helper()
	for name, state := range states {
		for _, win := range windows {
			t.Run(fmt.Sprintf("%s_%dx%d", name, win[0], win[1]), func(t *testing.T) {
				bw, bh := body(win[0], win[1])
				GoldenInBody(t, view(state, win[0], win[1]), bw, bh)
			})
		}
	}
}

// GoldenColor is Golden with colours kept (256-colour profile), for the one
// golden per screen that guards the palette.
func GoldenColor(t testing.TB, view string) {
	t.Helper()
	golden.RequireEqual(t, Render(view, colorprofile.ANSI256))
}

// Golden16 is Golden with colours kept as a terminal of 8 or 16 colours
// (TERM=xterm) receives them, for the goldens that guard the palette there.
func Golden16(t testing.TB, view string) {
	t.Helper()
	golden.RequireEqual(t, Render(view, colorprofile.ANSI))
}

// Press is the key press a key name stands for: "enter", "esc", "tab",
// "ctrl+c", "f1", "shift+tab", or a single character.
func Press(name string) tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"esc":       {Code: tea.KeyEscape},
		"tab":       {Code: tea.KeyTab},
		"space":     {Code: tea.KeySpace, Text: " "},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"left":      {Code: tea.KeyLeft},
		"right":     {Code: tea.KeyRight},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"backspace": {Code: tea.KeyBackspace},
		"pgup":      {Code: tea.KeyPgUp},
		"pgdown":    {Code: tea.KeyPgDown},
		"f1":        {Code: tea.KeyF1},
		"f2":        {Code: tea.KeyF2},
	}
	if k, ok := named[name]; ok {
		return k
	}
	if mod, ch, ok := strings.Cut(name, "+"); ok && mod == "ctrl" {
		return tea.KeyPressMsg{Code: []rune(ch)[0], Mod: tea.ModCtrl}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// Type is the key presses that type text, one a character.
func Type(text string) []tea.Msg {
	msgs := make([]tea.Msg, 0, len(text))
	for _, r := range text {
		msgs = append(msgs, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return msgs
}

// Updater is a screen as tests drive it: its Update returns itself.
type Updater[M any] interface {
	Update(tea.Msg) (M, tea.Cmd)
}

// Keys presses the named keys (as Press names them) in turn, and returns
// the screen and what the last key sent; nil where it sent nothing.
func Keys[M Updater[M]](m M, names ...string) (M, tea.Msg) {
	var msg tea.Msg
	for _, name := range names {
		var cmd tea.Cmd
		m, cmd = m.Update(Press(name))
		msg = nil
		if cmd != nil {
			msg = cmd()
		}
	}
	return m, msg
}

// Typed is the screen after typing text, a key press a character.
func Typed[M Updater[M]](m M, text string) M {
	for _, msg := range Type(text) {
		m, _ = m.Update(msg)
	}
	return m
}

// Sized is a screen (new) sized for a w x h window's body (body gives it:
// frame.BodySize, or frame.TabbedBodySize under the tabs).
func Sized[M any, P interface {
	*M
	SetSize(width, height int)
}](m M, body func(w, h int) (int, int), w, h int) M {
	P(&m).SetSize(body(w, h))
	return m
}

// InTabs is a view of the user (new) sized for a w x h window's body under
// the tabs (tabbed gives it, frame.TabbedBodySize), showing state.
func InTabs[M any, S any, P interface {
	*M
	SetSize(width, height int)
	SetState(S)
}](m M, tabbed func(w, h int) (int, int), w, h int, state S) M {
	m = Sized[M, P](m, tabbed, w, h)
	P(&m).SetState(state)
	return m
}

// Sends fails t unless pressing the named keys on m sends want with the
// last of them (nil: nothing).
func Sends[M Updater[M]](t testing.TB, m M, want tea.Msg, names ...string) {
	t.Helper()
	if _, msg := Keys(m, names...); msg != want {
		t.Errorf("%s sent %#v, want %#v", strings.Join(names, " "), msg, want)
	}
}

// Drawn is a state a golden draws, and what is done to the screen before
// (nil: nothing).
type Drawn[S, M any] struct {
	State S
	Then  func(M) M
}

// Pressing is a Drawn's Then that presses the named keys.
func Pressing[M Updater[M]](names ...string) func(M) M {
	return func(m M) M {
		m, _ = Keys(m, names...)
		return m
	}
}

// StateGoldens is Goldens for a screen that sized builds for a window,
// showing a case's state, its Then done before it is drawn.
func StateGoldens[S any, M interface{ View() string }](t *testing.T, windows [][2]int, body func(w, h int) (int, int), cases map[string]Drawn[S, M], sized func(w, h int, state S) M) {
	t.Helper()
	Goldens(t, windows, body, cases, func(c Drawn[S, M], w, h int) string {
		m := sized(w, h, c.State)
		if c.Then != nil {
			m = c.Then(m)
		}
		return m.View()
	})
}
