package keys

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Moved is where a cursor or a scroll at moves for k, within 0..last: a line
// for Up and Down, page lines for PageUp and PageDown, to an end for Home
// and End. False for a key that is none of these: every screen that moves
// or scrolls means the same by the same key.
func Moved(k tea.KeyPressMsg, at, page, last int) (int, bool) {
	switch {
	case key.Matches(k, Up.Binding()):
		at--
	case key.Matches(k, Down.Binding()):
		at++
	case key.Matches(k, PageUp.Binding()):
		at -= page
	case key.Matches(k, PageDown.Binding()):
		at += page
	case key.Matches(k, Home.Binding()):
		at = 0
	case key.Matches(k, End.Binding()):
		at = last
	default:
		return at, false
	}
	return max(min(at, last), 0), true
}
