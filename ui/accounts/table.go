package accounts

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// row is one account, formatted once when the accounts arrive.
type row struct {
	acct                 basiq.Account
	cells                [columnCount]string
	negBal, negAvail, na bool
}

// columnID names a column of the table, in the order they are drawn.
type columnID int

const (
	colBank columnID = iota
	colName
	colType
	colProduct
	colHolder
	colBSB
	colNumber
	colBalance
	colAvail
	colLimit
	colUpdated
	columnCount
)

var columnTitles = [columnCount]string{"Bank", "Account", "Type", "Product", "Holder", "BSB", "Number", "Balance", "Available", "Credit limit", "Updated"}

// column is a column as laid out for one width.
type column struct {
	id    columnID
	width int
}

func (id columnID) alignsRight() bool {
	return id == colNumber || id == colBalance || id == colAvail || id == colLimit
}

// totalRow is one line under the table: a bank's total in one currency, or
// the total of every bank.
type totalRow struct {
	label, amount string
	negative      bool
	overall       bool
}

// Widths a column is held to.
const (
	minNameWidth  = 14 // an account's name is cut no shorter
	wantNameWidth = 24 // columns are dropped before a name is cut shorter than this
	maxBankWidth  = 20
	// A product or a holder ("Max Wentworth-Smith & Paul Wentworth-Smith")
	// is cut at this much rather than crowd out the money.
	maxProductWidth = 24
	maxHolderWidth  = 28
)

// SetAccounts shows the accounts; insts names their institutions. The rows
// are grouped by bank (in the order the banks first appear), so each bank
// has its total under the table.
func (m *Model) SetAccounts(accts []basiq.Account, insts map[string]basiq.Institution, updated time.Time) {
	m.updated = updated
	m.rows = m.rows[:0]
	m.unparsed = 0
	m.banks = m.banks[:0]
	byBank := map[string][]row{}
	for _, a := range accts {
		r := row{acct: a, na: a.Status == "unavailable"}
		bank := text.Safe(a.Institution)
		if inst, ok := insts[a.Institution]; ok {
			bank = text.Safe(inst.DisplayName())
		}
		r.cells = [columnCount]string{
			colBank:    bank,
			colName:    text.Safe(a.Name),
			colType:    classWords(a.Class.Type),
			colProduct: text.Safe(a.Class.Product),
			colHolder:  text.Safe(a.AccountHolder),
			colBSB:     formatBSB(a.BSB), // only where Basiq sends one: the column is there only then
			colNumber:  text.MaskNumber(a.AccountNo),
			colBalance: text.FormatAmount(text.Safe(a.Balance), a.Currency),
			colAvail:   text.FormatAmount(text.Safe(a.AvailableFunds), a.Currency),
		}
		if a.CreditLimit != "" {
			r.cells[colLimit] = text.FormatAmount(text.Safe(a.CreditLimit), a.Currency)
		}
		if !a.LastUpdated.IsZero() {
			r.cells[colUpdated] = a.LastUpdated.Local().Format("2 Jan 15:04")
		}
		for i := range r.cells {
			r.cells[i] = text.Field(r.cells[i])
		}
		bank = r.cells[colBank]
		r.negBal, r.negAvail = text.ParseMoney(a.Balance).Negative(), text.ParseMoney(a.AvailableFunds).Negative()
		if _, seen := byBank[bank]; !seen {
			m.banks = append(m.banks, bank)
		}
		byBank[bank] = append(byBank[bank], r)
	}
	for _, bank := range m.banks {
		m.rows = append(m.rows, byBank[bank]...)
	}
	m.totals = m.totalRows()
	m.measure()
	m.cursor = min(m.cursor, max(len(m.rows)-1, 0))
}

// totalRows adds up the balances per currency: per bank when there are
// several, then over all of them. A balance that does not parse is counted
// in unparsed and left out.
func (m *Model) totalRows() []totalRow {
	type key struct{ bank, currency string }
	sums := map[key]text.Money{}
	currencies := map[string]bool{}
	for _, r := range m.rows {
		a := r.acct
		bal := text.ParseMoney(a.Balance)
		if !bal.OK() {
			if a.Balance != "" {
				m.unparsed++
			}
			continue
		}
		currencies[a.Currency] = true
		sums[key{r.cells[colBank], a.Currency}] = sums[key{r.cells[colBank], a.Currency}].Add(bal)
		sums[key{"", a.Currency}] = sums[key{"", a.Currency}].Add(bal)
	}
	sorted := make([]string, 0, len(currencies))
	for c := range currencies {
		sorted = append(sorted, c)
	}
	sort.Strings(sorted)
	var out []totalRow
	if len(m.banks) > 1 {
		for _, bank := range m.banks {
			for _, c := range sorted {
				if sum, ok := sums[key{bank, c}]; ok {
					label := bank
					if len(sorted) > 1 {
						label += " (" + c + ")"
					}
					out = append(out, totalRow{label: label, amount: sum.Format(c), negative: sum.Negative()})
				}
			}
		}
	}
	for _, c := range sorted {
		sum := sums[key{"", c}]
		out = append(out, totalRow{label: "Total " + c, amount: sum.Format(c), negative: sum.Negative(), overall: true})
	}
	return out
}

// formatBSB writes an Australian BSB as 062-000; anything else as it came.
func formatBSB(bsb string) string {
	bsb = text.Safe(strings.TrimSpace(bsb))
	if len(bsb) == 6 && strings.Trim(bsb, "0123456789") == "" {
		return bsb[:3] + "-" + bsb[3:]
	}
	return bsb
}

// tableRows is how many account rows fit: the body less heading, header,
// rule, totals, notes and what the last export said.
func (m Model) tableRows() int {
	headingLines := 1
	if m.request != "" {
		headingLines = lipgloss.Height(m.headingView(max(m.width, 40), true))
	}
	return max(m.height-5-headingLines-len(m.totals)-m.exportLines(), 3)
}

// exportLines is how many lines the export's outcome takes under the table.
func (m Model) exportLines() int {
	switch {
	case m.exportErr != nil:
		return 2 // a blank line and the error (long errors wrap; rare enough)
	case len(m.exported) > 0:
		return 2 + len(m.exported)
	}
	return 0
}

// measure finds each column's natural width, once per SetAccounts: a frame
// then costs only the rows it shows. A column no account has a value for
// (BSB, say) stays 0 and is never shown.
func (m *Model) measure() {
	var w [columnCount]int
	for _, r := range m.rows {
		for id, cell := range r.cells {
			w[id] = max(w[id], lipgloss.Width(cell))
		}
	}
	for _, t := range m.totals {
		w[colBalance] = max(w[colBalance], lipgloss.Width(t.amount))
	}
	for id := range w {
		if w[id] > 0 || columnID(id) == colName {
			w[id] = max(w[id], lipgloss.Width(columnTitles[id]))
		}
	}
	w[colBank] = min(w[colBank], maxBankWidth)
	w[colProduct] = min(w[colProduct], maxProductWidth)
	w[colHolder] = min(w[colHolder], maxHolderWidth)
	m.natural = w
}

// layout picks the columns that fit in w, dropping the least useful first:
// with one bank its column goes first (the heading names it), then the
// holder, the product, the time of the last update, the credit limit, the
// BSB, the available funds and the type. The account's name takes what is
// left. (README's table of widths follows this order.)
func (m Model) layout(w int) []column {
	var show [columnCount]bool
	for id, width := range m.natural {
		show[id] = width > 0
	}
	width := func(nameW int) int {
		n := 1 // the gutter, where the cursor goes
		for id, on := range show {
			if !on {
				continue
			}
			if columnID(id) == colName {
				n += nameW + 2
			} else {
				n += m.natural[id] + 2
			}
		}
		return n - 2
	}
	drop := []columnID{colHolder, colProduct, colUpdated, colLimit, colBSB, colAvail, colType}
	if len(m.banks) <= 1 {
		drop = append([]columnID{colBank}, drop...)
	}
	wantName := min(m.natural[colName], wantNameWidth)
	for _, id := range drop {
		if width(wantName) <= w {
			break
		}
		show[id] = false
	}
	nameW := min(m.natural[colName], max(w-(width(0)), minNameWidth))
	var cols []column
	for id, on := range show {
		if !on {
			continue
		}
		c := column{id: columnID(id), width: m.natural[id]}
		if c.id == colName {
			c.width = nameW
		}
		cols = append(cols, c)
	}
	return cols
}

// line lays cells out in the columns; style draws the cells it says it
// styles (nil: none), the others stay as they are.
func line(cols []column, cell func(columnID) string, style func(columnID) (lipgloss.Style, bool), gap string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(gap)
		}
		text := cell(c.id)
		if c.id.alignsRight() {
			text = padLeft(text, c.width)
		} else {
			text = pad(text, c.width)
		}
		if style != nil {
			if st, ok := style(c.id); ok {
				text = st.Render(text)
			}
		}
		b.WriteString(text)
	}
	return b.String()
}

func (m Model) tableView(w, visible int, interactive bool) string {
	st := m.st
	var lines []string
	lines = append(lines, m.headingView(w, interactive), "")
	if len(m.rows) == 0 {
		empty := "Basiq has no accounts for this user yet. If the job is still running they may arrive soon; if it finished, the bank shared none."
		if m.noConsent {
			empty = "No accounts: the consent was revoked, and Basiq deleted the user's connections with their accounts and transactions. In Connections, b consents again."
		}
		lines = append(lines, st.Muted.Width(w).Render(empty))
		return strings.Join(lines, "\n")
	}
	cols := m.layout(w)
	title := func(id columnID) string { return columnTitles[id] }
	lines = append(lines, " "+st.TableHeader.Render(line(cols, title, nil, "  ")))
	top := 0
	if interactive {
		top = m.top
	}
	end := min(top+visible, len(m.rows))
	plain := m.rowStyle(st.TableRow, true)
	unavailable := false
	for i := top; i < end; i++ {
		r := &m.rows[i]
		cell := func(id columnID) string {
			// A bank's name heads its group (and the window), not every row.
			if id == colBank && i > top && r.cells[colBank] == m.rows[i-1].cells[colBank] {
				return ""
			}
			return r.cells[id]
		}
		unavailable = unavailable || r.na
		if interactive && i == m.cursor {
			lines = append(lines, m.selectedLine(cols, r, cell))
			continue
		}
		var text string
		if r.na {
			text = st.Dimmed.Render(line(cols, cell, nil, "  "))
		} else {
			text = line(cols, cell, plain.of(r), "  ")
		}
		lines = append(lines, " "+text)
	}
	tableW := lipgloss.Width(line(cols, func(columnID) string { return "" }, nil, "  "))
	lines = append(lines, " "+st.Rule.Render(strings.Repeat("─", min(tableW, w-1))))
	lines = append(lines, m.totalsView(cols)...)
	var notes []string
	if len(m.rows) > visible {
		notes = append(notes, fmt.Sprintf("%d–%d of %s", top+1, end, listing.Plural(len(m.rows), "account")))
		if !interactive {
			notes[len(notes)-1] += " (e exports them all)"
		}
	}
	if unavailable {
		notes = append(notes, "dimmed: unavailable at the bank")
	}
	if m.unparsed > 0 {
		notes = append(notes, fmt.Sprintf("%d balance(s) Basiq sent in a form we could not add up are left out of the total", m.unparsed))
	}
	if interactive && m.txnsPending {
		notes = append(notes, "Transactions are still being retrieved…")
	}
	if len(notes) > 0 {
		lines = append(lines, st.Muted.Render(strings.Join(notes, " · ")))
	}
	if interactive {
		lines = append(lines, m.exportView(w)...)
	}
	return strings.Join(lines, "\n")
}

// headingView is whose accounts, at which banks, and when they were loaded;
// in the views, with the request they came from (under the title where
// there is no room beside it).
func (m Model) headingView(w int, interactive bool) string {
	head := []string{}
	if m.heading != "" {
		head = append(head, text.Field(text.Safe(m.heading)))
	}
	switch {
	case len(m.banks) == 1:
		head = append(head, m.banks[0])
	case len(m.banks) > 1:
		head = append(head, listing.Plural(len(m.banks), "bank"))
	}
	title := strings.Join(append(head, listing.Plural(len(m.rows), "account")), " · ")
	if interactive && m.request != "" {
		request := m.request
		if !m.updated.IsZero() {
			request += " at " + m.updated.Local().Format("15:04:05")
		}
		return listing.Heading(m.st, title, request, w)
	}
	right := ""
	if !m.updated.IsZero() {
		right = m.st.Muted.Render("updated " + m.updated.Local().Format("15:04:05"))
	}
	return theme.Spread(m.st.Title.Render(title), right, w)
}

// rowStyle draws a row's cells: negative amounts in the error colour, the
// others in base; with amountsOnly the cells that are not money keep the
// terminal's own colour (a frame then styles only what needs it).
type rowStyle struct {
	base, negative lipgloss.Style
	amountsOnly    bool
}

func (m Model) rowStyle(base lipgloss.Style, amountsOnly bool) rowStyle {
	return rowStyle{base: base, negative: base.Foreground(m.st.ErrorColor), amountsOnly: amountsOnly}
}

func (rs rowStyle) of(r *row) func(columnID) (lipgloss.Style, bool) {
	return func(id columnID) (lipgloss.Style, bool) {
		switch {
		case id == colBalance && r.negBal || id == colAvail && r.negAvail:
			return rs.negative, true
		case id == colBalance || id == colAvail || id == colLimit:
			return rs.base, true
		}
		return rs.base, !rs.amountsOnly
	}
}

// selectedLine is the row under the cursor, on the selection's background
// from edge to edge (gaps too). Without colour it is still marked: the
// gutter's › and bold text.
func (m Model) selectedLine(cols []column, r *row, cell func(columnID) string) string {
	sel := m.st.SelectedRow
	gutter := m.st.Selected.Background(sel.GetBackground()).Render("›")
	if r.na {
		sel = sel.Faint(true)
	}
	return gutter + line(cols, cell, m.rowStyle(sel, false).of(r), sel.Render("  "))
}

// totalsView is the lines under the rule: each bank's total when there are
// several, then the total of all; amounts end where the balance column ends.
func (m Model) totalsView(cols []column) []string {
	st := m.st
	balanceEnd, balW := 0, 0
	for i, c := range cols {
		if i > 0 {
			balanceEnd += 2
		}
		balanceEnd += c.width
		if c.id == colBalance {
			balW = c.width
			break
		}
	}
	var lines []string
	for _, t := range m.totals {
		labelStyle, amountStyle := st.Muted, st.TableRow
		if t.overall {
			labelStyle, amountStyle = st.Text.Bold(true), st.TableRow.Bold(true)
		}
		if t.negative {
			amountStyle = amountStyle.Foreground(st.ErrorColor)
		}
		label := pad(t.label, max(balanceEnd-balW, lipgloss.Width(t.label)+2))
		lines = append(lines, " "+labelStyle.Render(label)+amountStyle.Render(padLeft(t.amount, balW)))
	}
	return lines
}

// exportView says where the last export went, or why it failed.
func (m Model) exportView(w int) []string {
	st := m.st
	switch {
	case m.exportErr != nil:
		return []string{"", st.Error.Width(w).Render(theme.SymbolFailed + " The export failed: " + m.exportErr.Error())}
	case len(m.exported) > 0:
		// One file a line, so wrapping never splits a name.
		where := ""
		if m.exportDir != "" {
			where = " in " + text.Safe(m.exportDir)
		}
		lines := []string{"", st.Success.Width(w).Render(theme.SymbolDone + " Saved" + where + ", readable only by you:")}
		for _, f := range m.exported {
			lines = append(lines, "  "+st.Text.Render(f))
		}
		return lines
	}
	return nil
}

func padLeft(s string, w int) string {
	s = text.Cut(s, w)
	return strings.Repeat(" ", max(w-lipgloss.Width(s), 0)) + s
}
