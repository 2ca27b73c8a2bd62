package widget

import (
	"testing"

	"charm.land/lipgloss/v2"
)

func TestSpreadPutsRightAtTheEdgeOrTwoColumnsAfterLeft(t *testing.T) {
	if got := Spread("Accounts", "GET /users", 30); lipgloss.Width(got) != 30 || got[len(got)-len("GET /users"):] != "GET /users" {
		t.Errorf("in 30 columns: %q; want the right side ending at column 30", got)
	}
	if got := Spread("Accounts", "GET /users", 12); got != "Accounts  GET /users" {
		t.Errorf("in too few columns: %q; want both, two columns apart", got)
	}
}
