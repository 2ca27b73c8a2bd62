package text

import (
	"strings"
	"unicode"

	"github.com/charmbracelet/x/ansi"

	"github.com/basiq-onboard/basiq-onboard/basiq"
)

// Safe makes a string from the server (or anywhere untrusted) fit to print:
// escape sequences are removed, tabs and newlines become spaces, and other
// control characters are dropped. A name like "Hooli\x1b]52;c;...\a" could
// otherwise set the clipboard or redraw the screen.
func Safe(s string) string {
	s = ansi.Strip(s)
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r == unicode.ReplacementChar:
			b.WriteRune(r)
		case basiq.HiddenRune(r):
			// Controls, and the zero-width and bidi marks that can make text lie about itself.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII, the common case, so Safe can skip building.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
