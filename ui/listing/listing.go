// Package listing is what the views of the user share: a heading with the
// request the view read, what the list is doing (loading, a problem), and
// rows in columns that fit the window, scrolling under a cursor.
package listing

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// Column is one column of a list.
type Column struct {
	Title string
	Right bool // amounts and counts end in line
	// Flex takes the room the other columns leave (a description), cut
	// with an ellipsis where that is short; Min is the narrowest it gets
	// before other columns give way (default flexMin), Floor the narrowest
	// once none is left to give way (default Min).
	Flex       bool
	Min, Floor int
	// Max caps a column's width (a holder's two names), 0 for none.
	Max int
	// Group shows a cell only where it differs from the row above (and on
	// the first row shown): a bank's name heads its accounts.
	Group bool
	// Drop orders the columns that give way in a narrow window: the
	// highest goes first; 0 never goes. A column that can go is not
	// shown while no row has a value for it.
	Drop int
}

// flexMin is the narrowest a flexible column gets before columns are dropped.
const flexMin = 16

// Total is a line under the rows, after a rule: a label from the left
// edge, and a value in column Col, ending where the column ends.
type Total struct {
	Label, Value string
	Col          int
	// Strong: a total of totals, in bold; Negative: drawn in the error colour.
	Strong, Negative bool
}

// Model is rows under a header. Selectable rows have a cursor (the rows
// can be acted on); the others only scroll.
type Model struct {
	st         *theme.Styles
	cols       []Column
	rows       [][]string
	totals     []Total
	natural    []int  // widest cell per column, from SetRows
	filled     []bool // a row has a value in the column
	selectable bool
	cursor     int // the selected row, or (not selectable) the first shown
	top        int
	// Style styles a cell where it names a style (a negative amount, a
	// failed job); where it is nil the cell keeps the terminal's own
	// colour. It names one of the screen's Styles, so that a frame draws in
	// the colours of the moment: a frame renders each style it meets once.
	Style func(row, col int) *lipgloss.Style
	// RowStyle styles a whole row where it names a style (an account
	// unavailable at its bank, dimmed): drawn at once, not cell by cell.
	RowStyle func(row int) *lipgloss.Style

	up key.Binding // the moves' help; keys.Moved moves
}

// New is a list of these columns; selectable rows have a cursor.
func New(st *theme.Styles, cols []Column, selectable bool) Model {
	help := "scroll"
	if selectable {
		help = "move"
	}
	m := Model{
		st: st, cols: cols, selectable: selectable,
		up: keys.Up.Help(help),
	}
	m.SetRows(nil)
	return m
}

// SetColumns changes the columns (the rows are set again after it).
func (m *Model) SetColumns(cols []Column) { m.cols = cols }

// SetTotals gives the list its lines under the rows (none: no rule either);
// after SetRows, whose measure they join.
func (m *Model) SetTotals(totals []Total) {
	m.totals = totals
	for _, t := range totals {
		if t.Col >= 0 && t.Col < len(m.natural) {
			m.natural[t.Col] = max(m.natural[t.Col], lipgloss.Width(t.Value))
			m.capWidth(t.Col)
		}
	}
}

// Unselected is the list without a cursor, from its first row: as it stays
// in the terminal after the program.
func (m Model) Unselected() Model {
	m.selectable, m.cursor, m.top = false, 0, 0
	return m
}

func (m *Model) capWidth(i int) {
	if c := m.cols[i]; c.Max > 0 {
		m.natural[i] = min(m.natural[i], max(c.Max, lipgloss.Width(c.Title)))
	}
}

// SetRows gives the list its rows (cells already made safe to show). The
// cursor stays where it was, within the rows.
func (m *Model) SetRows(rows [][]string) {
	m.rows = make([][]string, len(rows))
	for i, r := range rows {
		m.rows[i] = make([]string, len(r))
		for j, cell := range r {
			m.rows[i][j] = text.Field(cell) // a server's megabyte of a name is measured as 200 cells
		}
	}
	rows = m.rows
	m.natural = make([]int, len(m.cols))
	m.filled = make([]bool, len(m.cols))
	for i, c := range m.cols {
		m.natural[i] = lipgloss.Width(c.Title)
	}
	for _, r := range rows {
		for i := range m.cols {
			if i < len(r) && r[i] != "" {
				m.natural[i] = max(m.natural[i], lipgloss.Width(r[i]))
				m.filled[i] = true
			}
		}
	}
	for i := range m.cols {
		m.capWidth(i)
	}
	m.totals = nil
	m.cursor = min(m.cursor, max(len(rows)-1, 0))
	m.top = min(m.top, m.cursor)
}

// Select puts the cursor on row (within the rows): for a list whose rows
// move under it, such as a log that grows at the top.
func (m *Model) Select(row int) {
	m.cursor = max(min(row, len(m.rows)-1), 0)
	m.top = min(m.top, m.cursor)
}

// Len is how many rows there are.
func (m Model) Len() int { return len(m.rows) }

// Selected is the row under the cursor, -1 when there is none.
func (m Model) Selected() int {
	if !m.selectable || len(m.rows) == 0 {
		return -1
	}
	return m.cursor
}

// Move is the moving keys' binding, for the help line.
func (m Model) Move() key.Binding { return m.up }

// Moves are the moves by the page and to the ends, for ?.
func (m Model) Moves() []key.Binding {
	if len(m.rows) == 0 {
		return nil
	}
	return []key.Binding{keys.PageUp.Binding(), keys.Home.Binding(), keys.End.Binding()}
}

// Update moves the cursor (or scrolls) for a key, in a window of visible
// rows; it reports whether the key was one of its own.
func (m *Model) Update(k tea.KeyPressMsg, visible int) bool {
	visible = max(visible, 1)
	last := max(len(m.rows)-1, 0)
	if !m.selectable {
		last = max(len(m.rows)-visible, 0) // the first row shown, at most
	}
	cursor, moved := keys.Moved(k, m.cursor, visible, last)
	if !moved {
		return false
	}
	m.cursor = cursor
	m.keepInView(visible)
	return true
}

func (m *Model) keepInView(visible int) {
	if !m.selectable {
		m.top = m.cursor
		return
	}
	if m.cursor < m.top {
		m.top = m.cursor
	} else if m.cursor >= m.top+visible {
		m.top = m.cursor - visible + 1
	}
}

// Window is the rows shown in visible lines: from, to (exclusive).
func (m Model) Window(visible int) (int, int) {
	top := m.top
	if m.selectable && m.cursor >= top+visible {
		top = m.cursor - visible + 1 // the window shrank since the last move
	}
	top = max(min(top, len(m.rows)-visible), 0)
	return top, min(top+max(visible, 1), len(m.rows))
}

// Position says which rows are shown, "" when all are: "1–15 of 50".
func (m Model) Position(visible int) string {
	from, to := m.Window(visible)
	if from == 0 && to == len(m.rows) {
		return ""
	}
	return fmt.Sprintf("%d–%d of %d", from+1, to, len(m.rows))
}

// layout is each column's width in w columns; 0 for a column that gave way.
func (m Model) layout(w int) []int {
	shown := make([]bool, len(m.cols))
	for i, c := range m.cols {
		shown[i] = m.filled[i] || c.Drop == 0
	}
	// need is the width of the columns shown, a flexible one at its narrowest.
	need := func() int {
		n := 1 - 2 // the gutter, where the cursor goes, and no gap before the first
		for i, c := range m.cols {
			if shown[i] {
				n += m.narrowest(c, i) + 2
			}
		}
		return n
	}
	for need() > w {
		drop := -1
		for i, c := range m.cols {
			if shown[i] && c.Drop > 0 && (drop < 0 || c.Drop > m.cols[drop].Drop) {
				drop = i
			}
		}
		if drop < 0 {
			break
		}
		shown[drop] = false
	}
	room := w - need()
	widths := make([]int, len(m.cols))
	for i, c := range m.cols {
		if !shown[i] {
			continue
		}
		widths[i] = m.natural[i]
		if c.Flex {
			narrowest := m.narrowest(c, i)
			floor := narrowest
			if c.Floor > 0 {
				floor = min(m.natural[i], c.Floor)
			}
			widths[i] = max(min(m.natural[i], narrowest+room), floor) // short of room, down to its floor
			room -= widths[i] - narrowest
		}
	}
	return widths
}

func (m Model) narrowest(c Column, i int) int {
	if !c.Flex {
		return m.natural[i]
	}
	if c.Min > 0 {
		return min(m.natural[i], c.Min)
	}
	return min(m.natural[i], flexMin)
}

// View draws the header and the rows of the window in w columns and
// visible lines.
func (m Model) View(w, visible int) string {
	st := m.st
	widths := m.layout(w)
	var b strings.Builder
	// A line and its cells' escapes: short, and the whole frame is copied
	// again as the builder grows.
	b.Grow((visible + 2 + len(m.totals)) * (w + 16*len(m.cols) + 16))
	b.WriteString(" ")
	header := make([]string, len(m.cols))
	for i, c := range m.cols {
		header[i] = c.Title
	}
	var p paints
	b.WriteString(st.TableHeader.Render(m.line(&p, header, widths, -1, -1, plainCells, "  ")))
	from, to := m.Window(visible)
	sel := st.SelectedRow
	selected := m.Selected()
	for r := from; r < to; r++ {
		above := -1 // the row above in the window, for a group's cells
		if r > from {
			above = r - 1
		}
		b.WriteString("\n")
		switch rs := m.rowStyle(r); {
		case r == selected:
			// The selection's background runs from edge to edge; without
			// colour the › and bold still mark it.
			b.WriteString(st.Selected.Background(sel.GetBackground()).Render("›"))
			m.writeLine(&b, &p, m.rows[r], widths, above, r, selectedCells, sel.Render("  "))
		case rs != nil:
			b.WriteString(" ")
			b.WriteString(p.around(rs, m.line(&p, m.rows[r], widths, above, r, plainCells, "  ")))
		default:
			b.WriteString(" ")
			m.writeLine(&b, &p, m.rows[r], widths, above, r, styledCells, "  ")
		}
	}
	for _, l := range m.totalLines(widths) {
		b.WriteString("\n")
		b.WriteString(l)
	}
	return b.String()
}

// How line draws a row's cells.
const (
	plainCells    = iota // as they are
	styledCells          // as Style says
	selectedCells        // on the selection's background, bold where Style says
)

// line lays row r's cells out in the columns' widths, drawn as cells
// says; a group's cell the row above (above, -1 for none) holds too is
// left blank.
func (m *Model) line(p *paints, cells []string, widths []int, above, r, how int, gap string) string {
	var b strings.Builder
	b.Grow(m.lineWidth(widths) * 2) // room for the cells and their styles' escapes
	m.writeLine(&b, p, cells, widths, above, r, how, gap)
	return b.String()
}

// writeLine is line written to b: a row drawn as it is, with no style
// around it, goes straight into the frame.
func (m *Model) writeLine(b *strings.Builder, p *paints, cells []string, widths []int, above, r, how int, gap string) {
	first := true
	for i := range m.cols {
		c := &m.cols[i]
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(gap)
		}
		first = false
		cell := ""
		if i < len(cells) {
			cell = cells[i]
		}
		if c.Group && above >= 0 && i < len(m.rows[above]) && m.rows[above][i] == cell {
			cell = "" // the row above, in the window, says it
		}
		text := fit(cell, widths[i], c.Right)
		switch s := m.cellStyle(r, i, how); {
		case s != nil && how == selectedCells:
			text = s.Bold(true).Background(m.st.SelectedRow.GetBackground()).Render(text)
		case how == selectedCells:
			text = m.st.SelectedRow.Render(text)
		case s != nil:
			text = p.around(s, text)
		}
		b.WriteString(text)
	}
}

// lineWidth is a line's cells and gaps.
func (m *Model) lineWidth(widths []int) int {
	n := 0
	for _, w := range widths {
		n += w + 2
	}
	return n
}

// StyleWhere is a Style that draws the cells where says so in style (a
// whole row where it ignores the column), the others in the terminal's
// own colour.
func StyleWhere(style *lipgloss.Style, where func(row, col int) bool) func(row, col int) *lipgloss.Style {
	return func(row, col int) *lipgloss.Style {
		if where(row, col) {
			return style
		}
		return nil
	}
}

// paints are the styles one frame has met, each rendered once: a cell is
// then its style's escapes around it, as Render draws it. (A Render a cell
// was two thirds of a long list's frame.)
type paints []paint

type paint struct {
	style   *lipgloss.Style
	on, off string // the escapes before a cell and after it
	render  bool   // the style does more than wrap a line: each cell is a Render
}

// around is s drawn in style, a line without a line break.
func (p *paints) around(style *lipgloss.Style, s string) string {
	for _, q := range *p {
		if q.style == style {
			if q.render {
				return style.Render(s)
			}
			return q.on + s + q.off
		}
	}
	const mark, probe = "\x00", "a b"
	drawn := style.Render(mark)
	q := paint{style: style, render: true}
	if i := strings.Index(drawn, mark); i >= 0 && strings.Count(drawn, mark) == 1 {
		q.on, q.off = drawn[:i], drawn[i+len(mark):]
		q.render = style.Render(probe) != q.on+probe+q.off // a width, an alignment
	}
	*p = append(*p, q)
	return p.around(style, s)
}

// SetRowsOf gives l one row an item, in order, its cells made of the item
// by cells (safe to show), so that SelectedOf finds the item under the cursor.
func SetRowsOf[T any](l *Model, items []T, cells func(T) []string) {
	rows := make([][]string, len(items))
	for i, it := range items {
		rows[i] = cells(it)
	}
	l.SetRows(rows)
}

// SelectedOf is the item under l's cursor, items being what its rows show
// in order; false where no row is selected.
func SelectedOf[T any](l Model, items []T) (T, bool) {
	if sel := l.Selected(); sel >= 0 && sel < len(items) {
		return items[sel], true
	}
	var none T
	return none, false
}

func (m *Model) cellStyle(r, i, how int) *lipgloss.Style {
	if m.Style == nil || how == plainCells {
		return nil
	}
	return m.Style(r, i)
}

func (m *Model) rowStyle(r int) *lipgloss.Style {
	if m.RowStyle == nil {
		return nil
	}
	return m.RowStyle(r)
}

// totalLines are the rule and the totals under the rows, in the columns'
// widths; none without totals.
func (m Model) totalLines(widths []int) []string {
	if len(m.totals) == 0 {
		return nil
	}
	tableW := -2
	for _, w := range widths {
		if w > 0 {
			tableW += w + 2
		}
	}
	lines := []string{" " + m.st.Rule.Render(strings.Repeat("─", max(tableW, 0)))}
	for _, t := range m.totals {
		end, colW := 0, 0 // where the total's column ends, and its width
		for i, w := range widths {
			if w == 0 {
				continue
			}
			if end > 0 {
				end += 2
			}
			end += w
			if i == t.Col {
				colW = w
				break
			}
		}
		label := t.Label + strings.Repeat(" ", max(end-colW-lipgloss.Width(t.Label), 2))
		labelStyle, valueStyle := m.st.Muted, m.st.TableRow
		if t.Strong {
			labelStyle, valueStyle = m.st.Text.Bold(true), m.st.TableRow.Bold(true)
		}
		if t.Negative {
			valueStyle = valueStyle.Foreground(m.st.ErrorColor)
		}
		lines = append(lines, " "+labelStyle.Render(label)+valueStyle.Render(text.PadLeft(t.Value, colW)))
	}
	return lines
}

func fit(s string, w int, right bool) string {
	if right {
		return text.PadLeft(s, w)
	}
	return text.PadRight(s, w)
}

// Heading is a view's first lines: its title, and the request the view
// read, muted, right of the title where they fit on one line and under it
// where not (broken at the query's separators where even that is short).
func Heading(st *theme.Styles, title, request string, w int) string {
	title = st.Title.Render(title)
	if request == "" {
		return title
	}
	req := text.Field(text.Safe(request))
	if lipgloss.Width(title)+2+lipgloss.Width(req) <= w {
		return widget.Spread(title, st.Muted.Render(req), w)
	}
	var lines []string
	for _, l := range breakRequest(req, w) {
		lines = append(lines, st.Muted.Render(l))
	}
	return title + "\n" + strings.Join(lines, "\n")
}

// breakRequest lays a request out in lines of w columns: after '?', ',' and
// '&' where it can, the lines after the first indented.
func breakRequest(req string, w int) []string {
	var parts []string
	start := 0
	for i, r := range req {
		if r == '?' || r == ',' || r == '&' {
			parts = append(parts, req[start:i+1])
			start = i + 1
		}
	}
	parts = append(parts, req[start:])
	var lines []string
	line := ""
	for _, p := range parts {
		if line != "" && lipgloss.Width(line+p) > w {
			lines = append(lines, line)
			line = "  "
		}
		line += p
	}
	lines = append(lines, line)
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = text.Cut(l, w)
		}
	}
	return lines
}

// Status is what a list says besides its rows: loading, or its problem
// with the key that reads it again; "" for neither.
func Status(st *theme.Styles, loading bool, problem *theme.Problem, w int) string {
	switch {
	case loading:
		return st.Muted.Render("Loading…")
	case problem != nil:
		p := *problem
		p.Next = strings.TrimSpace(p.Next + " Press r to try again.")
		return st.RenderProblem(p, w)
	}
	return ""
}

// When is a moment as the views show it: the day and time this year,
// the day and year before or after it; "" for none.
func When(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Local().Year() == now.Local().Year() {
		return t.Local().Format("2 Jan 15:04")
	}
	return t.Local().Format("2 Jan 2006")
}

// Load is how far a list has come, and the request it is read with.
type Load struct {
	Loaded  bool
	Loading bool
	Problem *theme.Problem
	Request string
}

// Page is the list's page: titled name until it is loaded and counted
// after, saying empty when it has no rows.
func (l Load) Page(name, counted, empty string) Page {
	title := name
	if l.Loaded {
		title = counted
	}
	return Page{Title: title, Request: l.Request, Loading: l.Loading, Loaded: l.Loaded, Problem: l.Problem, Empty: empty}
}

// Page is what a view of a list shows around its rows.
type Page struct {
	Title   string
	Request string // the request the list came from
	Loading bool
	Loaded  bool
	Problem *theme.Problem
	Empty   string // said once loaded, when there are no rows
	Above   string // under the heading (a filter)
	Note    string // after where the rows are: "m loads more"
	Noun    string // what the rows are, for where they are: "1–15 of 50 accounts"
	Under   string // under the rows: more of the selected one
}

// Render draws the page in w columns and h lines: the heading, what goes
// above the rows, what the list is doing, the rows that fit, where they
// are, and what goes under them.
func (m Model) Render(p Page, w, h int) string {
	top, bottom := m.around(p, w)
	return m.render(p, w, m.visible(top, bottom, h), top, bottom)
}

// RenderRows is Render showing at most rows rows, whatever the height (the
// table left in the terminal after the program).
func (m Model) RenderRows(p Page, w, rows int) string {
	top, bottom := m.around(p, w)
	return m.render(p, w, rows, top, bottom)
}

func (m Model) render(p Page, w, visible int, top, bottom []string) string {
	st := m.st
	blocks := []string{strings.Join(top, "\n")}
	switch {
	case len(m.rows) > 0:
		blocks = append(blocks, m.View(w, visible))
	case p.Loaded && !p.Loading && p.Problem == nil:
		blocks = append(blocks, st.Muted.Width(w).Render(p.Empty))
	}
	if note := m.note(p, visible); note != "" {
		blocks = append(blocks, st.Muted.Render(note))
	}
	if len(bottom) > 0 {
		blocks = append(blocks, strings.Join(bottom, "\n"))
	}
	return strings.Join(blocks, "\n")
}

// Visible is how many rows Render shows in w columns and h lines.
func (m Model) Visible(p Page, w, h int) int {
	top, bottom := m.around(p, w)
	return m.visible(top, bottom, h)
}

// around are the lines above the rows (heading, filter, status) and under
// them (the selected one's details, after a blank line).
func (m Model) around(p Page, w int) (top, bottom []string) {
	top = append(top, strings.Split(Heading(m.st, p.Title, p.Request, w), "\n")...)
	if p.Above != "" {
		top = append(top, strings.Split(p.Above, "\n")...)
	}
	top = append(top, "")
	if s := Status(m.st, p.Loading, p.Problem, w); s != "" {
		top = append(top, strings.Split(s, "\n")...)
		top = append(top, "")
	}
	if p.Under != "" && len(m.rows) > 0 {
		bottom = append(bottom, "")
		bottom = append(bottom, strings.Split(p.Under, "\n")...)
	}
	return top, bottom
}

// visible is the rows that fit in h lines besides top, bottom, the
// header, the totals under their rule and the note line; at least 3, so a
// list never disappears.
func (m Model) visible(top, bottom []string, h int) int {
	totals := 0
	if len(m.totals) > 0 {
		totals = 1 + len(m.totals)
	}
	return max(h-len(top)-len(bottom)-2-totals, 3)
}

func (m Model) note(p Page, visible int) string {
	parts := []string{}
	if pos := m.Position(visible); pos != "" && p.Noun != "" {
		from, to := m.Window(visible)
		parts = append(parts, fmt.Sprintf("%d–%d of %s", from+1, to, Plural(len(m.rows), p.Noun)))
	} else if pos != "" {
		parts = append(parts, pos)
	}
	if p.Note != "" {
		parts = append(parts, p.Note)
	}
	return strings.Join(parts, " · ")
}

// Plural is a count and its noun: "1 account", "1,024 accounts".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Thousands(n) + " " + noun + "s"
}

// Thousands writes a count with a comma every three digits.
func Thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Screen is what every view of a list has besides its own state and
// keys: the styles, the size of the body, and the list. A view embeds
// it, and says otherwise where it has a text field.
type Screen struct {
	St *theme.Styles
	widget.Body
	List Model
}

// NewScreen is a view's list of these columns; selectable rows have a cursor.
func NewScreen(st *theme.Styles, cols []Column, selectable bool) Screen {
	return Screen{St: st, List: New(st, cols, selectable)}
}

// Capturing is false: a list has no text field.
func (Screen) Capturing() bool { return false }

// TakesEsc is false: esc has nothing to close in a list.
func (Screen) TakesEsc() bool { return false }

// Scroll moves the cursor for k over page p as it is shown; it reports
// whether k was one of the list's keys.
func (s *Screen) Scroll(k tea.KeyPressMsg, p Page) bool {
	return s.List.Update(k, s.List.Visible(p, s.BodyWidth(), s.Height))
}

// ListHelp is a list view's full help: its keys (short), then the list's
// moves by the page and to its ends.
func (s Screen) ListHelp(short []key.Binding) [][]key.Binding {
	return keys.KeyMap{Short: short, More: s.List.Moves()}.FullHelp()
}

// Show draws page p around the rows, cut to the body's width.
func (s Screen) Show(p Page) string {
	return s.Fit(s.List.Render(p, s.BodyWidth(), s.Height))
}
