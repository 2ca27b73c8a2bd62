// Package keys holds the key bindings that work on every screen. Each screen
// has its own bindings beside its model; the help line shows both.
package keys

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Global are the bindings flow handles before any screen sees a key.
type Global struct {
	Quit key.Binding // ctrl+c: quit from anywhere, cancelling what is in flight
	Help key.Binding // ?: all keys of this screen
	// HelpWhileTyping is f1: in a text field ? is a character, so help
	// needs a key that types nothing.
	HelpWhileTyping key.Binding
	Back            key.Binding // esc: one step back, where that makes sense
	Requests        key.Binding // i: the request inspector
	// RequestsWhileTyping is f2, for the same reason as f1.
	RequestsWhileTyping key.Binding
}

// NewGlobal returns the global bindings.
func NewGlobal() Global {
	return Global{
		Quit:                key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Help:                key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		HelpWhileTyping:     key.NewBinding(key.WithKeys("f1"), key.WithHelp("f1", "help")),
		Back:                key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Requests:            key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "requests")),
		RequestsWhileTyping: key.NewBinding(key.WithKeys("f2"), key.WithHelp("f2", "requests")),
	}
}

// Quits reports whether k asks to quit: ctrl+c, with whatever other
// modifier the terminal reported along with it. A person who presses esc
// and then ctrl+c within about 30 ms sends ESC 0x03, which Bubble Tea reads
// as one key, ctrl+alt+c; kitty's keyboard protocol adds shift or caps
// lock. Each means what the person meant: quit.
func (g Global) Quits(k tea.KeyPressMsg) bool {
	if key.Matches(k, g.Quit) {
		return true
	}
	return k.Mod.Contains(tea.ModCtrl) && (k.Code == 'c' || k.Code == 'C' || k.BaseCode == 'c')
}

// Send is a command that delivers msg: how a screen tells flow what a key
// press asks for.
func Send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// CloseOverlay is esc on whatever is drawn over a screen (the request
// inspector, the help, the whole consent link, the QR code): one press
// closes all of it, back to the screen.
func CloseOverlay() key.Binding {
	return key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close"))
}

// WholeLink shows the consent link whole, alone in the window, wrapped
// across lines that hold nothing else, so a selection takes it in one piece.
func WholeLink() key.Binding {
	return key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "whole link"))
}
