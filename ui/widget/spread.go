package widget

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Spread puts left and right on one line of width w, at least two columns apart.
func Spread(left, right string, w int) string {
	gap := w - lipgloss.Width(left) - lipgloss.Width(right)
	if gap < 2 {
		return left + "  " + right
	}
	return left + strings.Repeat(" ", gap) + right
}
