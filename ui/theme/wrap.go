package theme

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// Wrap joins already-styled pieces into one paragraph and wraps it at width,
// so a sentence that mixes styles (a key name inside muted text) wraps as a
// whole instead of being clipped at the screen's edge.
func Wrap(width int, styled ...string) string {
	return lipgloss.NewStyle().Width(width).Render(strings.Join(styled, ""))
}
