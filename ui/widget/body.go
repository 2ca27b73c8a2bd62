package widget

import "charm.land/lipgloss/v2"

// Body is the room a screen draws in, as the frame gives it. A screen
// embeds it; one with fields sizes them in a SetSize of its own.
type Body struct{ Width, Height int }

// SetSize gives the screen its body size.
func (b *Body) SetSize(width, height int) { b.Width, b.Height = width, height }

// BodyWidth is the width the screen draws in: the body's, but never so
// narrow that a line has no room.
func (b Body) BodyWidth() int { return max(b.Width, 40) }

// Fit cuts what the screen draws to BodyWidth.
func (b Body) Fit(view string) string { return Cut(view, b.BodyWidth()) }

// Cut cuts every line of view to at most width cells.
func Cut(view string, width int) string {
	return lipgloss.NewStyle().MaxWidth(width).Render(view)
}
