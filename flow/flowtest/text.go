package flowtest

import "strings"

// NonBlankLines are the lines of s with something on them: what a message's
// "at most N lines" counts.
func NonBlankLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
