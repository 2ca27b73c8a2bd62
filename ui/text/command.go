package text

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// commandBreaks are the options that start a line of their own.
var commandBreaks = map[string]bool{
	"-H": true, "--header": true, "-d": true, "--data": true, "--data-raw": true, "--data-binary": true,
}

// CommandLines lays out a one-line shell command (a curl) for reading in
// width columns: each header and body option on a line of its own, ended
// with a shell continuation and indented, so the lines still run when
// pasted. An option too long for a line (a JSON body) wraps further
// indented; those breaks are for the eye only, so offer the command itself
// for copying.
func CommandLines(cmd string, width int) []string {
	const indent = "  "
	var groups []string
	for _, word := range shellWords(cmd) {
		if len(groups) == 0 || commandBreaks[word.text] && !word.afterPipe {
			groups = append(groups, word.text)
			continue
		}
		groups[len(groups)-1] += " " + word.text
	}
	var lines []string
	for i, g := range groups {
		lead := ""
		if i > 0 {
			lead = indent
		}
		if i < len(groups)-1 {
			g += ` \`
		}
		room := max(width-len(lead), 10)
		if ansi.StringWidth(g) <= room {
			lines = append(lines, lead+g)
			continue
		}
		// Wrapped lines sit deeper than the options, whichever line they continue.
		const deeper = indent + indent
		wrapped := strings.Split(ansi.Hardwrap(g, max(width-len(deeper), 10), true), "\n")
		for j, part := range wrapped {
			if j == 0 {
				lines = append(lines, lead+part)
			} else {
				lines = append(lines, deeper+part)
			}
		}
	}
	return lines
}

type shellWord struct {
	text      string
	afterPipe bool // part of the next command of a pipeline
}

// shellWords splits a command at the spaces outside quotes, keeping the
// quotes: a body like '{"note":"a -H b"}' stays one word.
func shellWords(cmd string) []shellWord {
	var words []shellWord
	var b strings.Builder
	var quote rune
	piped, escaped := false, false
	flush := func() {
		if b.Len() > 0 {
			words = append(words, shellWord{text: b.String(), afterPipe: piped})
			piped = piped || b.String() == "|"
			b.Reset()
		}
	}
	for _, r := range cmd {
		switch {
		case escaped:
			escaped = false
		case r == '\\' && quote != '\'':
			escaped = true
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ':
			flush()
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return words
}
