package listing

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"

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

// A frame renders each style once and puts its escapes around each cell:
// the cells must come out as Render draws them, in every style a list
// uses, on either background and in 16 colours.
func TestACellIsDrawnAsItsStyleRendersIt(t *testing.T) {
	for _, dark := range []bool{true, false} {
		for _, profile := range []colorprofile.Profile{colorprofile.TrueColor, colorprofile.ANSI} {
			st := theme.NewFor(dark, profile)
			for name, style := range map[string]*lipgloss.Style{"Error": &st.Error, "Success": &st.Success,
				"Warning": &st.Warning, "Dimmed": &st.Dimmed, "TableRow": &st.TableRow, "padded": new(lipgloss.NewStyle().Padding(0, 1)), "wide": new(lipgloss.NewStyle().Width(14))} {
				var p paints
				for _, cell := range []string{"-$6,081.50  ", "failed", ""} {
					if got, want := p.around(style, cell), style.Render(cell); got != want && cell != "" {
						t.Errorf("dark %v, %v, %s: %q drawn %q, want %q", dark, profile, name, cell, got, want)
					}
				}
				if len(p) != 1 {
					t.Errorf("%s rendered %d times in a frame, want once", name, len(p))
				}
			}
		}
	}
}

// A list's styles are the screen's own, read each frame: a terminal that
// says its background is light after the rows are in redraws them in the
// light palette.
func TestAFrameDrawsTheStylesOfTheMoment(t *testing.T) {
	st := theme.New(true)
	m := New(st, []Column{{Title: "Name"}, {Title: "Status"}}, false)
	m.SetRows([][]string{{"Pied Piper", "invalid"}})
	m.Style = StyleWhere(&st.Error, func(row, col int) bool { return col == 1 })
	dark := uitest.Render(m.View(60, 5), colorprofile.ANSI256)
	*st = *theme.New(false)
	light := uitest.Render(m.View(60, 5), colorprofile.ANSI256)
	if want := uitest.Render(st.Error.Render("invalid"), colorprofile.ANSI256); dark == light || !strings.Contains(light, want) {
		t.Errorf("after the background changed:\n%q\nwant it to hold %q", light, want)
	}
}

func TestStyleWhereColoursOnlyTheCellsItNames(t *testing.T) {
	st := theme.New(true)
	m := New(st, []Column{{Title: "Name"}, {Title: "Status"}}, false)
	m.SetRows([][]string{{"Hooli", "active"}, {"Pied Piper", "invalid"}})
	m.Style = StyleWhere(&st.Warning, func(row, col int) bool { return row == 1 && col == 1 })
	styled := uitest.Render(m.View(60, 5), colorprofile.ANSI256)
	plain := strings.Split(uitest.Render(m.View(60, 5), colorprofile.NoTTY), "\n")
	lines := strings.Split(styled, "\n")
	if lines[1] != plain[1] {
		t.Errorf("a row StyleWhere does not name is coloured: %q", lines[1])
	}
	if want := uitest.Render(st.Warning.Render("invalid"), colorprofile.ANSI256); lines[2] == plain[2] || !strings.Contains(lines[2], want) {
		t.Errorf("the cell StyleWhere names is not in its style: %q", lines[2])
	}
}

func TestSelectedOfIsTheItemUnderTheCursorAndNoneWithoutOne(t *testing.T) {
	items := []string{"first", "second"}
	cols := []Column{{Title: "Item"}}
	m := New(theme.New(true), cols, true)
	m.SetRows([][]string{{"first"}, {"second"}})
	m.Update(uitest.Press("down"), 5)
	if it, ok := SelectedOf(m, items); !ok || it != "second" {
		t.Errorf("after down: %q, %v; want the second", it, ok)
	}
	if _, ok := SelectedOf(New(theme.New(true), cols, true), items); ok {
		t.Error("a list without rows has a selected item")
	}
	scrolled := New(theme.New(true), cols, false)
	scrolled.SetRows([][]string{{"first"}, {"second"}})
	if _, ok := SelectedOf(scrolled, items); ok {
		t.Error("a list without a cursor has a selected item")
	}
}

func TestSetRowsOfDrawsARowAnItemInOrderAndSelectsThem(t *testing.T) {
	type item struct{ name, amount string }
	items := []item{{"rent", "-1,200.00"}, {"salary", "4,000.00"}}
	m := New(theme.New(true), []Column{{Title: "Name"}, {Title: "Amount", Right: true}}, true)
	SetRowsOf(&m, items, func(it item) []string { return []string{it.name, it.amount} })
	v := uitest.Render(m.View(40, 5), colorprofile.NoTTY)
	if m.Len() != 2 || strings.Index(v, "rent") > strings.Index(v, "salary") || !strings.Contains(v, "4,000.00") {
		t.Errorf("%d rows, drawn:\n%s\nwant rent then salary with their amounts", m.Len(), v)
	}
	m.Update(uitest.Press("down"), 5)
	if it, _ := SelectedOf(m, items); it.name != "salary" {
		t.Errorf("after down the selected item is %q, want salary", it.name)
	}
}
