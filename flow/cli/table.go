package cli

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"
)

// printTable writes rows (cells already safe) under a header, through the
// redactor, fitted to the terminal stdout is (whole through a pipe).
func (a *app) printTable(conn *apiConn, header []string, rows [][]string) {
	width := 0
	if term.IsTerminal(a.stdout.Fd()) {
		if w, _, err := term.GetSize(a.stdout.Fd()); err == nil {
			width = w
		}
	}
	printLines(a.stdout, conn.redact, formatTable(header, rows, width)...)
}

// formatTable lays rows out in columns two spaces apart, leaving out a
// column empty in every row. Wider than width (0: no limit), each row
// becomes a block instead: the leading columns that fit on its first
// line (three at most), then one indented line for each other column,
// named.
func formatTable(header []string, rows [][]string, width int) []string {
	var keep []int
	for c := range header {
		for _, r := range rows {
			if c < len(r) && r[c] != "" {
				keep = append(keep, c)
				break
			}
		}
	}
	widths := make([]int, len(header))
	for _, c := range keep {
		widths[c] = ansi.StringWidth(header[c])
		for _, r := range rows {
			widths[c] = max(widths[c], ansi.StringWidth(cell(r, c)))
		}
	}
	total := -2
	for _, c := range keep {
		total += widths[c] + 2
	}
	line := func(r []string, cols []int) string {
		var b strings.Builder
		for i, c := range cols {
			v := cell(r, c)
			b.WriteString(v)
			if i < len(cols)-1 {
				b.WriteString(strings.Repeat(" ", widths[c]-ansi.StringWidth(v)+2))
			}
		}
		return b.String()
	}
	if width == 0 || total <= width {
		out := []string{line(header, keep)}
		for _, r := range rows {
			out = append(out, line(r, keep))
		}
		return out
	}
	// Blocks: as many leading columns as fit (three at most: more, unnamed,
	// would be read as one), the rest a line each.
	first, used := 0, -2
	for first < len(keep) && first < 3 && (first == 0 || used+2+widths[keep[first]] <= width) {
		used += widths[keep[first]] + 2
		first++
	}
	var out []string
	for _, r := range rows {
		out = append(out, line(r, keep[:first]))
		for _, c := range keep[first:] {
			if v := cell(r, c); v != "" {
				out = append(out, "  "+strings.ToLower(header[c])+": "+v)
			}
		}
	}
	return out
}

func cell(r []string, c int) string {
	if c < len(r) {
		return r[c]
	}
	return ""
}
