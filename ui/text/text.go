// Package text is what every face does to text before it is shown, with
// no style: sanitising what a server sent (Safe), cutting to a width in
// terminal cells (Cut, Field), money (Money), ids (ShortID, MaskNumber),
// wrapping a value (WrapValue) and laying out a command (CommandLines).
// The headless faces use it as the screens do; colours live in ui/theme.
package text

import (
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq/printable"
)

// FieldCells is the most a field (a name, a reason, an id) takes on screen
// or in a plain line: a server cannot fill a terminal with one.
const FieldCells = 200

// Ellipsis ends text that was cut.
const Ellipsis = printable.Ellipsis

// Field is s cut to FieldCells cells.
func Field(s string) string { return Cut(s, FieldCells) }

// Cut is s in at most cells terminal cells, with an ellipsis where it was
// cut (printable.Cut: the one cut, which basiq's own messages use too).
func Cut(s string, cells int) string { return printable.Cut(s, cells) }

// PadRight is s cut to w cells and padded with spaces to w.
func PadRight(s string, w int) string {
	s = Cut(s, w)
	return s + strings.Repeat(" ", max(w-printable.Width(s), 0))
}

// PadLeft is s cut to w cells and padded on the left to w: a number ends in line.
func PadLeft(s string, w int) string {
	s = Cut(s, w)
	return strings.Repeat(" ", max(w-printable.Width(s), 0)) + s
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
			widths[i] = max(widths[i], printable.Width(cell))
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
