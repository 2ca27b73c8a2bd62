package keys

import "charm.land/bubbles/v2/key"

// Listen are the keys of listen's view: the events forwarded, newest
// first, and one opened with its payload, the handler's answers and the
// entity it links to. No text field: letters are keys.
type Listen struct {
	Open   key.Binding // enter: the selected event in full (and its entity fetched)
	Resend key.Binding // r: send the selected event again, the same webhook-id
	Close  key.Binding // esc: from the event back to the list
	Scroll key.Binding // ↑/↓, pgup/pgdn in the opened event
	Quit   key.Binding // q: stop listening (exit 0), as ctrl+c
}

// NewListen returns the bindings of listen's view.
func NewListen() Listen {
	return Listen{
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Resend: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "resend")),
		Close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Scroll: key.NewBinding(key.WithKeys("up", "down", "k", "j", "pgup", "pgdown", "space", "home", "end"), key.WithHelp("↑/↓", "scroll")),
		Quit:   key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
	}
}
