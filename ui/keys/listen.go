package keys

import "charm.land/bubbles/v2/key"

// Listen are the keys of listen's view, from the table: the events
// forwarded, newest first, and one opened with its payload, the handler's
// answers and the entity it links to. No text field: letters are keys.
type Listen struct {
	Open   key.Binding // enter (Main): the selected event in full, its entity fetched
	Resend key.Binding // r (TryAgain): send the selected event again, the same webhook-id
	Close  key.Binding // esc (Back): from the event back to the list
	// The moves scroll the opened event.
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Quit                                  key.Binding // q: stop listening (exit 0), as ctrl+c
}

// NewListen returns the bindings of listen's view.
func NewListen() Listen {
	return Listen{
		Open:     Main.Help("open"),
		Resend:   TryAgain.Help("resend"),
		Close:    Back.Help("back"),
		Up:       Up.Help("scroll"),
		Down:     Down.Hidden(),
		PageUp:   PageUp.Binding(),
		PageDown: PageDown.Hidden(),
		Home:     Home.Binding(),
		End:      End.Binding(),
		Quit:     Quit.Binding(),
	}
}
