package widget

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

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

// SetInputWidth sets a field's width and re-fits its text to it: textinput
// only scrolls its text on a cursor move, so a value set before the first
// window size would otherwise be drawn at full length.
func SetInputWidth(in *textinput.Model, width int) {
	in.SetWidth(width)
	in.SetCursor(in.Position())
}

// PasteWhole puts pasted text, trimmed of the newline and spaces a copy
// often carries, in the field in place of what it held (a key, a link:
// pasted whole); it says why not ("" when it went in).
func PasteWhole(in *textinput.Model, content string) string {
	text := strings.TrimSpace(content)
	if why := PasteTooLong(*in, text); why != "" {
		return why
	}
	in.SetValue(text)
	in.CursorEnd()
	return ""
}

// PasteAtCursor puts pasted text, trimmed of the newline and spaces a copy
// often carries, in the field at its cursor (a code, an email: added to what
// is typed); it says why not ("" when it went in).
func PasteAtCursor(in *textinput.Model, content string) (why string, cmd tea.Cmd) {
	text := strings.TrimSpace(content)
	if why := PasteTooLong(*in, in.Value()+text); why != "" {
		return why, nil
	}
	*in, cmd = in.Update(tea.PasteMsg{Content: text})
	return "", cmd
}

// PasteTooLong says why a paste that would make the field hold result does
// not fit ("" when it does). A field's limit quietly cuts what is typed, but
// a paste cut short would be a different value that looks like the one
// copied: it is refused whole.
func PasteTooLong(in textinput.Model, result string) string {
	n := utf8.RuneCountInString(result)
	if in.CharLimit <= 0 || n <= in.CharLimit {
		return ""
	}
	return fmt.Sprintf("Nothing pasted: that would be %d characters, and this field takes at most %d.", n, in.CharLimit)
}
