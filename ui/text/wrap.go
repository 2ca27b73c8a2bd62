package text

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// WrapValue wraps a value (a name, an email, an id) to width for a column
// of its own: at spaces where it has them, and a word longer than the line
// where the line ends, never at a '-' (an id or an email is one word).
func WrapValue(s string, width int) string {
	width = max(width, 1)
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= width:
			line += " " + word
			continue
		default:
			lines = append(lines, line)
			line = word
		}
		for ansi.StringWidth(line) > width {
			lines = append(lines, ansi.Truncate(line, width, ""))
			line = ansi.TruncateLeft(line, width, "")
		}
	}
	return strings.Join(append(lines, line), "\n")
}
