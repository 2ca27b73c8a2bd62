package theme

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// Problem is a failure as a screen shows it: what happened, what it means and
// what to do, with Basiq's correlation id when there is one. flow builds it
// (from basiq.AdviceFor); screens only render it.
type Problem struct {
	What          string // "Basiq did not recognise this key (404 parameter-not-valid)."
	Meaning       string // optional: what it means in plain words
	Next          string // what to do now
	CorrelationID string // Basiq's id for support, "" when none
}

// RenderProblem draws a problem in at most width cells: a ✗ line, then the
// meaning and the next step indented under it. Every part is passed through
// Safe, since parts of it come from the server.
func (s *Styles) RenderProblem(p Problem, width int) string {
	if p.What == "" {
		return ""
	}
	wrap := func(st lipgloss.Style, words string, indent int) string {
		w := max(width-indent, 10)
		return lipgloss.NewStyle().PaddingLeft(indent).Render(st.Width(w).Render(text.Safe(words)))
	}
	var lines []string
	// The ✗ hangs in the margin: the text wraps two columns in.
	what := strings.TrimPrefix(wrap(s.Error, p.What, 2), "  ")
	lines = append(lines, s.Error.Render(SymbolFailed+" ")+what)
	for _, line := range []string{p.Meaning, p.Next} {
		if line != "" {
			lines = append(lines, wrap(s.Text, line, 2))
		}
	}
	if p.CorrelationID != "" {
		lines = append(lines, wrap(s.Muted, "Basiq correlation id "+p.CorrelationID, 2))
	}
	return strings.Join(lines, "\n")
}
