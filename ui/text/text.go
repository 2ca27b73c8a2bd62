// Package text is what every face does to text before it is shown, with
// no style: sanitising what a server sent (Safe), cutting to a width in
// terminal cells (Cut, Field), money (Money), ids (ShortID, MaskNumber),
// wrapping a value (WrapValue) and laying out a command (CommandLines).
// The headless faces use it as the screens do; colours live in ui/theme.
package text

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// FieldCells is the most a field (a name, a reason, an id) takes on screen
// or in a plain line: a server cannot fill a terminal with one.
const FieldCells = 200

// Ellipsis ends text that was cut.
const Ellipsis = "…"

// bytesPerCell bounds the bytes measured for a cut: a cell is one to four
// bytes, or a few more with combining marks; a field of megabytes is cut
// to its start before it is measured at all.
const bytesPerCell = 32

// Field is s cut to FieldCells cells.
func Field(s string) string { return Cut(s, FieldCells) }

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
		if ansi.StringWidth(s) <= cells {
			return s
		}
		return ansi.Truncate(s, cells, Ellipsis)
	}
	start := s[:limit]
	for len(start) > 0 && !utf8.RuneStart(s[len(start)]) {
		start = start[:len(start)-1]
	}
	if ansi.StringWidth(start) < cells {
		return start + Ellipsis // marks that take no cell: cut all the same
	}
	return ansi.Truncate(start, cells, Ellipsis)
}
