// Package text is what every face does to text before it is shown, with
// no style: sanitising what a server sent (Safe), cutting to a width in
// terminal cells (Cut, Field), money (Money), ids (ShortID, MaskNumber),
// wrapping a value (WrapValue) and laying out a command (CommandLines).
// The headless faces use it as the screens do; colours live in ui/theme.
package text

import (
	"strings"
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

// PadRight is s cut to w cells and padded with spaces to w.
func PadRight(s string, w int) string {
	s = Cut(s, w)
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

// PadLeft is s cut to w cells and padded on the left to w: a number ends in line.
func PadLeft(s string, w int) string {
	s = Cut(s, w)
	return strings.Repeat(" ", max(w-ansi.StringWidth(s), 0)) + s
}

// Columns lays rows out in columns two spaces apart, each as wide as its
// widest cell measured in terminal cells (a wide character takes two), the
// columns right says so aligned right; trailing spaces trimmed. It is the
// plain table of the headless faces: the wizard's tables are ui/listing's.
func Columns(rows [][]string, right []bool) []string {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], ansi.StringWidth(cell))
		}
	}
	lines := make([]string, 0, len(rows))
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(right) && right[i] {
				b.WriteString(PadLeft(cell, widths[i]))
			} else {
				b.WriteString(PadRight(cell, widths[i]))
			}
		}
		lines = append(lines, strings.TrimRight(b.String(), " "))
	}
	return lines
}
