package theme

import "charm.land/bubbles/v2/textinput"

// TextInput is a field as every screen draws one: no prompt (the screen
// labels it), a placeholder, and a steady cursor, so no timer ticks while
// someone reads.
func TextInput(placeholder string, limit int) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	steady := in.Styles()
	steady.Cursor.Blink = false
	in.SetStyles(steady)
	in.Placeholder = placeholder
	in.CharLimit = limit
	return in
}
