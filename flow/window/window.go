// Package window is what the full-screen faces (the wizard and listen's view)
// keep of their terminal and answer the same way: its size, its background
// and colour profile with the styles made for them, and the frame's edge
// cases (no size yet, too small, quitting).
package window

import (
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Window is embedded in a face's model.
type Window struct {
	// Styles are shared by pointer with every screen; replaced in place on a
	// background or profile change.
	Styles *theme.Styles
	// IsDark and Profile are what the styles were built for: the terminal's
	// background, and its colours (8 or 16 get a palette of their own).
	IsDark  bool
	Profile colorprofile.Profile
	// Width and Height are the terminal's, 0 until it says.
	Width, Height int
	// Quitting draws the last frame empty, so what the face prints after
	// the terminal is restored stands alone in the scrollback.
	Quitting bool
}

// New is a window for a background as far as known before the terminal
// answers.
func New(isDark bool) Window {
	return Window{Styles: theme.New(isDark), IsDark: isDark, Profile: colorprofile.TrueColor}
}

// Update takes the terminal's own messages: handled says msg was one,
// resized that it was a new size (the face lays its screens out again).
func (w *Window) Update(msg tea.Msg) (handled, resized bool) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		w.Width, w.Height = msg.Width, msg.Height
		return true, true
	case tea.BackgroundColorMsg:
		w.IsDark = msg.IsDark()
	case tea.ColorProfileMsg:
		w.Profile = msg.Profile
	default:
		return false, false
	}
	*w.Styles = *theme.NewFor(w.IsDark, w.Profile)
	return true, false
}

// View is the full window titled title: empty when quitting, blank until
// the size is known, a note when it is too small, else draw's picture.
func (w Window) View(title string, draw func() string) tea.View {
	if w.Quitting {
		return tea.NewView("")
	}
	var v tea.View
	v.AltScreen = true
	v.WindowTitle = title
	switch {
	case w.Width == 0:
		// no size yet: nothing sensible to draw
	case frame.TooSmall(w.Width, w.Height):
		v.Content = frame.TooSmallView(w.Styles, w.Width, w.Height)
	default:
		v.Content = draw()
	}
	return v
}
