package window

import (
	"image/color"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// Both faces draw nothing until the terminal gives its size, a note when it
// is too small, the picture in between, and an empty frame once quitting.
func TestViewDrawsThePictureOnlyWhenThereIsRoom(t *testing.T) {
	w := New(true)
	picture := func() string { return "the screen" }
	if v := w.View("title", picture); v.Content != "" || !v.AltScreen || v.WindowTitle != "title" {
		t.Errorf("before the size: %q alt %v title %q", v.Content, v.AltScreen, v.WindowTitle)
	}
	if handled, resized := w.Update(tea.WindowSizeMsg{Width: 20, Height: 5}); !handled || !resized {
		t.Errorf("a size: handled %v resized %v", handled, resized)
	}
	if v := w.View("title", picture); v.Content == "" || strings.Contains(v.Content, "the screen") {
		t.Errorf("at 20x5 the note, not the screen: %q", v.Content)
	}
	w.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if v := w.View("title", picture); v.Content != "the screen" {
		t.Errorf("at 100x30: %q", v.Content)
	}
	w.Quitting = true
	if v := w.View("title", picture); v.Content != "" || v.AltScreen {
		t.Errorf("quitting: %q alt %v", v.Content, v.AltScreen)
	}
}

// A light background restyles in place: the screens hold the same pointer.
func TestABackgroundRestylesThePointerTheScreensHold(t *testing.T) {
	w := New(true)
	held := w.Styles
	if handled, resized := w.Update(tea.BackgroundColorMsg{Color: color.White}); !handled || resized {
		t.Errorf("a background: handled %v resized %v", handled, resized)
	}
	if held.IsDark || w.IsDark {
		t.Errorf("after a light background the styles are still dark")
	}
	if handled, _ := w.Update(tea.KeyPressMsg{}); handled {
		t.Errorf("a key is not the window's")
	}
}
