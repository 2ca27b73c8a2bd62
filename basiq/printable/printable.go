// Package printable makes text this program did not write (a server's
// answer, a handler's body, a pasted value) fit to show in a terminal. It
// holds the one definition of a hidden character: basiq refuses input that
// has one, and every face draws untrusted text without them.
package printable

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Hidden reports a character a person cannot see or that changes how the
// text around it shows: C0 and C1 controls (ESC, U+009B CSI), formatting
// characters (zero-width, bidi overrides and isolates) and the line and
// paragraph separators.
func Hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// Text is s fit to keep and show on several lines: invalid UTF-8 becomes
// U+FFFD, escape sequences are removed, newlines and tabs stay, carriage
// returns and other hidden characters go. A face still cuts it to its width.
func Text(s string) string { return clean(s, true) }

// Line is s fit to print on one line: as Text, but tabs, newlines and
// carriage returns become spaces. A name like "Hooli\x1b]52;c;...\a" could
// otherwise set the clipboard or redraw the screen.
func Line(s string) string { return clean(s, false) }

func clean(s string, keepLines bool) string {
	if plain(s, keepLines) {
		return s
	}
	s = ansi.Strip(strings.ToValidUTF8(s, "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if keepLines {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			if !keepLines {
				b.WriteByte(' ')
			}
		case Hidden(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// plain reports whether s is printable ASCII (with newlines and tabs where
// they stay), the common case, which needs no copy.
func plain(s string, keepLines bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keepLines && (c == '\n' || c == '\t') {
			continue
		}
		if c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Ellipsis ends text that was cut.
const Ellipsis = "…"

// bytesPerCell bounds the bytes measured for a cut: a cell is one to four
// bytes, or a few more with combining marks; a field of megabytes is cut
// to its start before it is measured at all.
const bytesPerCell = 32

// Width is s's width in terminal cells, as Cut measures it: a wide
// character takes two, an escape sequence none. Printable ASCII, most of
// what a table holds, is its length, counted without the grapheme walk.
func Width(s string) int {
	if plain(s, false) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

// Cut is s in at most cells terminal cells: whole when it fits, else its
// start and an ellipsis in the last cell. Cells are measured as a terminal
// draws them: a wide character takes two, an escape sequence none.
func Cut(s string, cells int) string {
	if cells <= 0 {
		return ""
	}
	if len(s) <= cells {
		return s // a cell takes a byte at least
	}
	limit := cells * bytesPerCell
	if len(s) <= limit {
		if Width(s) <= cells {
			return s
		}
		return ansi.Truncate(s, cells, Ellipsis)
	}
	start := s[:limit]
	for len(start) > 0 && !utf8.RuneStart(s[len(start)]) {
		start = start[:len(start)-1]
	}
	if Width(start) < cells {
		return start + Ellipsis // marks that take no cell: cut all the same
	}
	return ansi.Truncate(start, cells, Ellipsis)
}
