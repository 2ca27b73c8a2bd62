package keys

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestMovedGoesALineAPageOrToAnEndWithinTheRange(t *testing.T) {
	press := func(code rune, text string) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code, Text: text} }
	cases := []struct {
		name     string
		k        tea.KeyPressMsg
		at, want int
	}{
		{"↓", press(tea.KeyDown, ""), 3, 4},
		{"k", press('k', "k"), 3, 2},
		{"↑ at the top", press(tea.KeyUp, ""), 0, 0},
		{"pgdn past the end", press(tea.KeyPgDown, ""), 8, 10},
		{"space", press(tea.KeySpace, " "), 0, 5},
		{"pgup", press(tea.KeyPgUp, ""), 7, 2},
		{"G", press('G', "G"), 1, 10},
		{"home", press(tea.KeyHome, ""), 6, 0},
	}
	for _, c := range cases {
		if got, ok := Moved(c.k, c.at, 5, 10); !ok || got != c.want {
			t.Errorf("%s from %d: %d, %v; want %d", c.name, c.at, got, ok, c.want)
		}
	}
	if got, ok := Moved(press('x', "x"), 4, 5, 10); ok || got != 4 {
		t.Errorf("x moved to %d (%v): it is no move", got, ok)
	}
	if got, _ := Moved(press(tea.KeyEnd, ""), 0, 5, -3); got != 0 {
		t.Errorf("end of nothing to scroll: %d, want 0", got)
	}
}
