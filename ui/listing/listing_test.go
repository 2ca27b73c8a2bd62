package listing

import (
	"strings"
	"testing"

	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

func TestColumnsGiveWayHighestDropFirstAndAFlexibleOneTakesTheRest(t *testing.T) {
	m := New(theme.New(true), []Column{
		{Title: "Date"},
		{Title: "Description", Flex: true, Min: 20},
		{Title: "Class", Drop: 2},
		{Title: "Account", Drop: 1},
		{Title: "Note", Drop: 3}, // empty in every row: never shown
	}, false)
	m.SetRows([][]string{{"2026-11-23", strings.Repeat("d", 40), "payment", "Transaction 14000", ""}})
	for w, want := range map[int][]int{
		100: {10, 40, 7, 17, 0}, // all that has a value, the description whole
		70:  {10, 29, 7, 17, 0}, // the description shorter, still over its 20
		55:  {10, 23, 0, 17, 0}, // under 20 it would be: Class goes before Account
		40:  {10, 27, 0, 0, 0},  // then Account
	} {
		if got := m.layout(w); !equal(got, want) {
			t.Errorf("at %d columns: widths %v, want %v", w, got, want)
		}
	}
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestALongRequestBreaksAtItsQuerysSeparators(t *testing.T) {
	req := "GET /users/7f1c2a4e…/transactions?filter=transaction.direction.eq('debit'),transaction.postDate.gteq('2026-01-01')&limit=50"
	lines := breakRequest(req, 60)
	whole := lines[0]
	for _, l := range lines[1:] {
		whole += strings.TrimPrefix(l, "  ")
	}
	if len(lines) < 2 || whole != req {
		t.Errorf("the lines do not make the request: %q", lines)
	}
	for i, l := range lines {
		if len([]rune(l)) > 60 || i > 0 && !strings.HasPrefix(l, "  ") {
			t.Errorf("line %d %q: at most 60 columns, indented after the first", i, l)
		}
		if i < len(lines)-1 && !strings.ContainsAny(l[len(l)-1:], "?,&") {
			t.Errorf("line %d %q breaks inside a filter", i, l)
		}
	}
}

func TestRowsThatOnlyScrollStopAtTheLastWindow(t *testing.T) {
	m := New(theme.New(true), []Column{{Title: "N"}}, false)
	rows := make([][]string, 10)
	for i := range rows {
		rows[i] = []string{string(rune('a' + i))}
	}
	m.SetRows(rows)
	m.Update(uitest.Press("end"), 4)
	if from, to := m.Window(4); from != 6 || to != 10 || m.Selected() != -1 || m.Position(4) != "7–10 of 10" {
		t.Errorf("end: window %d–%d, selected %d, %q", from, to, m.Selected(), m.Position(4))
	}
	m.Update(uitest.Press("down"), 4)
	if from, _ := m.Window(4); from != 6 {
		t.Errorf("down past the end scrolled to %d", from)
	}
}
