package keys

import (
	"testing"

	tea "charm.land/bubbletea/v2"
)

func TestCtrlCWithAnyModifierQuits(t *testing.T) {
	g := NewGlobal()
	for name, k := range map[string]tea.KeyPressMsg{
		"ctrl+c":                 {Code: 'c', Mod: tea.ModCtrl},
		"esc then ctrl+c (30ms)": {Code: 'c', Mod: tea.ModCtrl | tea.ModAlt},
		"ctrl+shift+c":           {Code: 'c', Mod: tea.ModCtrl | tea.ModShift, ShiftedCode: 'C'},
		"ctrl+c with caps lock":  {Code: 'c', Mod: tea.ModCtrl | tea.ModCapsLock},
		"ctrl+c, another layout": {Code: 'с', BaseCode: 'c', Mod: tea.ModCtrl},
		"ctrl+meta+c":            {Code: 'c', Mod: tea.ModCtrl | tea.ModMeta},
	} {
		if !g.Quits(k) {
			t.Errorf("%s (%s) does not quit", name, k)
		}
	}
	for name, k := range map[string]tea.KeyPressMsg{
		"c":      {Code: 'c', Text: "c"},
		"alt+c":  {Code: 'c', Mod: tea.ModAlt},
		"ctrl+d": {Code: 'd', Mod: tea.ModCtrl},
		"ctrl+v": {Code: 'v', Mod: tea.ModCtrl},
	} {
		if g.Quits(k) {
			t.Errorf("%s quits", name)
		}
	}
}
