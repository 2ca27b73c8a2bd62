package widget

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestABodyIsNeverNarrowerThanFortyAndFitCutsToIt(t *testing.T) {
	var b Body
	b.SetSize(100, 30)
	if b.BodyWidth() != 100 || b.Height != 30 {
		t.Errorf("a body of 100x30: width %d, height %d", b.BodyWidth(), b.Height)
	}
	b.SetSize(12, 5)
	if b.BodyWidth() != 40 {
		t.Errorf("a body of 12 columns draws in %d, want 40", b.BodyWidth())
	}
	if got := b.Fit(strings.Repeat("x", 60) + "\nshort"); lipgloss.Width(got) != 40 || !strings.HasSuffix(strings.TrimRight(got, " "), "\nshort") {
		t.Errorf("Fit in 40 columns: %q", got)
	}
}
