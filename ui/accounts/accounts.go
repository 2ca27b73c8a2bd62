// Package accounts is the last screen: the user's accounts in a table that
// fits the terminal, one account in full, its transactions, and export.
package accounts

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/transactions"
)

// Messages to flow.
type (
	// TransactionsRequestedMsg asks for an account's transactions: the
	// first page, or (More) the next one.
	TransactionsRequestedMsg struct {
		AccountID string
		More      bool
	}
	ExportAskedMsg struct{ Format string } // "csv" or "json"
)

type view int

const (
	viewTable view = iota
	viewDetail
	viewTransactions
	viewExport
)

// Feed is one account's transactions as loaded so far.
type Feed = transactions.Feed

type txnState struct {
	Feed
	top int // the first transaction shown
}

// Model is the accounts screen: a view of a list (the table), with an
// account's details, its transactions and the export beside it.
type Model struct {
	listing.Screen
	heading     string
	request     string   // the request the accounts came from, "" outside the views
	rows        []row    // grouped by bank, in Basiq's order within each
	banks       []string // the banks, in the order of the rows
	updated     time.Time
	unparsed    int // balances that did not parse, left out of the totals
	mode        view
	txnsPending bool
	noConsent   bool // the consent was revoked: the accounts went with it
	txns        map[string]*txnState
	exportDir   string   // where the last export went
	exported    []string // the files it wrote
	exportErr   error
	format      int     // the export's format chosen: an index into exportFormats
	version     int     // the accounts' version laid out
	shownExport *Export // the session's last export, as shown

	// up and down scroll an account's transactions, and up is the table's ↑/↓ in the help
	// line (the table itself moves with the list's keys).
	up, down, detail, txnKey, export, back, more, retry, choose, write key.Binding
}

// exportFormats are what e writes, as ←/→ chooses them.
var exportFormats = []struct{ name, words string }{{"csv", "CSV"}, {"json", "JSON"}}

// New builds the accounts screen.
func New(st *theme.Styles) Model {
	return Model{
		Screen: listing.NewScreen(st, columns(0), true),
		txns:   map[string]*txnState{},
		up:     keys.Up.Binding(),
		down:   keys.Down.Hidden(),
		detail: keys.Main.Help("details"),
		txnKey: keys.Transactions.Binding(),
		export: keys.Export.Binding(),
		back:   keys.Back.Help("back"),
		more:   keys.More.Binding(),
		retry:  keys.TryAgain.Binding(),
		choose: keys.Choose.Help("CSV or JSON"),
		write:  keys.Main.Help("write the file"),
	}
}

// State is the accounts as the session has them: the screen draws them,
// and owns only the cursor, what it shows (an account, its transactions,
// the export) and where each list is scrolled to.
type State struct {
	Heading  string // whose accounts ("" for nobody in particular)
	Accounts []basiq.Account
	// Banks names the accounts' institutions; Version changes whenever
	// the accounts or the names do (the table is laid out again then), at Updated.
	Banks   map[string]basiq.Institution
	Version int
	Updated time.Time
	Request string // the request they came from, "" outside the views
	// Pending: Basiq is still retrieving transactions; NoConsent, the
	// consent was revoked and the accounts went with it.
	Pending, NoConsent bool
	// Feeds are the accounts' transactions as loaded, by account id.
	Feeds map[string]Feed
	// Export is what the last export wrote, nil before one.
	Export *Export
}

// Export is where an export went, or why it did not.
type Export struct {
	Dir   string
	Files []string
	Err   error
}

// SetState shows the accounts as the session has them.
func (m *Model) SetState(s State) {
	if s.Version != m.version {
		m.version = s.Version
		m.setHeading(s.Heading)
		m.setAccounts(s.Accounts, s.Banks, s.Updated)
	}
	m.setRequest(s.Request)
	m.setTransactionsPending(s.Pending)
	m.setNoConsent(s.NoConsent)
	for id, f := range s.Feeds {
		m.setFeed(id, f)
	}
	if e := s.Export; e != nil && (m.shownExport == nil || e.Dir != m.shownExport.Dir || !slices.Equal(e.Files, m.shownExport.Files) || e.Err != m.shownExport.Err) {
		m.shownExport = e // said once: e clears it from the screen, and a later export says its own
		m.setExported(e.Dir, e.Files, e.Err)
	}
}

// setAccounts shows the accounts; insts names their institutions. The rows
// are grouped by bank (in the order the banks first appear), so each bank
// has its total under the table.
func (m *Model) setAccounts(accts []basiq.Account, insts map[string]basiq.Institution, updated time.Time) {
	m.updated = updated
	m.banks = m.banks[:0]
	byBank := map[string][]row{}
	for _, a := range accts {
		bank := text.Safe(a.Institution)
		if inst, ok := insts[a.Institution]; ok {
			bank = text.Safe(inst.DisplayName())
		}
		r := newRow(a, bank)
		if _, seen := byBank[r.cells[colBank]]; !seen {
			m.banks = append(m.banks, r.cells[colBank])
		}
		byBank[r.cells[colBank]] = append(byBank[r.cells[colBank]], r)
	}
	m.rows = nil // a new slice: the list's style reads these rows
	for _, bank := range m.banks {
		m.rows = append(m.rows, byBank[bank]...)
	}
	cells := make([][]string, len(m.rows))
	for i, r := range m.rows {
		cells[i] = r.cells
	}
	m.List.SetColumns(columns(len(m.banks)))
	m.List.SetRows(cells)
	totals, unparsed := m.totals()
	m.List.SetTotals(totals)
	m.unparsed = unparsed
	rows := *m
	m.List.Style, m.List.RowStyle = rows.style, rows.rowStyle
}

// setHeading names whose accounts these are ("" for nobody in particular).
func (m *Model) setHeading(userName string) { m.heading = userName }

// setRequest says which request the accounts came from, for the heading.
func (m *Model) setRequest(request string) { m.request = request }

// setTransactionsPending says whether Basiq is still retrieving transactions.
func (m *Model) setTransactionsPending(pending bool) { m.txnsPending = pending }

// setNoConsent says no consent is in force: it was revoked, and the
// accounts went with the connections.
func (m *Model) setNoConsent(none bool) { m.noConsent = none }

// setFeed shows an account's transactions as they are now.
func (m *Model) setFeed(accountID string, f Feed) {
	s := m.txnState(accountID)
	s.Feed = f
	s.top = min(s.top, max(len(f.Items)-1, 0))
}

// setExported says which files the export wrote in dir, or why it did not.
func (m *Model) setExported(dir string, files []string, err error) {
	m.exportDir, m.exported, m.exportErr = dir, files, err
	if m.mode == viewExport {
		m.mode = viewTable
	}
}

func (m *Model) txnState(id string) *txnState {
	s, ok := m.txns[id]
	if !ok {
		s = &txnState{}
		m.txns[id] = s
	}
	return s
}

// TakesEsc is true away from the table, where esc goes back to it.
func (m Model) TakesEsc() bool { return m.mode != viewTable }

// FullHelp are the help line's keys, and the table's moves by the page and to its ends.
func (m Model) FullHelp() [][]key.Binding {
	k := keys.KeyMap{Short: m.ShortHelp()}
	if m.mode == viewTable {
		k.More = m.List.Moves()
	}
	return k.FullHelp()
}

// ShortHelp are this screen's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	switch m.mode {
	case viewDetail:
		return []key.Binding{m.txnKey, m.back}
	case viewTransactions:
		ks := []key.Binding{m.up}
		if s := m.current(); s != nil && s.Problem != nil && !s.Loading {
			ks = append(ks, m.retry)
		} else if s != nil && s.More && !s.Loading {
			ks = append(ks, m.more)
		}
		return append(ks, m.back)
	case viewExport:
		return []key.Binding{m.write, m.choose, keys.Back.Help("cancel")}
	}
	if len(m.rows) == 0 {
		return nil
	}
	return []key.Binding{m.up, m.detail, m.txnKey, m.export}
}

func (m Model) current() *txnState {
	if len(m.rows) == 0 {
		return nil
	}
	return m.txns[m.selected().acct.ID]
}

// selected is the account under the cursor (there is one, where rows are).
func (m Model) selected() row { return m.rows[max(m.List.Selected(), 0)] }

// Update handles keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch m.mode {
	case viewExport:
		switch {
		case key.Matches(k, m.choose):
			m.format = (m.format + 1) % len(exportFormats) // two formats: left and right alike
		case key.Matches(k, m.write):
			return m, keys.Send(ExportAskedMsg{Format: exportFormats[m.format].name})
		case key.Matches(k, m.back):
			m.mode = viewTable
		}
		return m, nil
	case viewDetail, viewTransactions:
		return m.subviewKey(k)
	}
	switch {
	case m.Scroll(k, m.page(true)):
	case len(m.rows) == 0:
	case key.Matches(k, m.detail):
		m.mode = viewDetail
	case key.Matches(k, m.txnKey):
		return m.openTransactions()
	case key.Matches(k, m.export):
		m.mode, m.exported, m.exportErr = viewExport, nil, nil
	}
	return m, nil
}

func (m Model) subviewKey(k tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case key.Matches(k, m.back):
		m.mode = viewTable
	case key.Matches(k, m.txnKey) && m.mode == viewDetail:
		return m.openTransactions()
	case m.mode != viewTransactions:
	case key.Matches(k, m.up):
		if s := m.current(); s != nil && s.top > 0 {
			s.top--
		}
	case key.Matches(k, m.down):
		if s := m.current(); s != nil && s.top < len(s.Items)-1 {
			s.top++
		}
	case key.Matches(k, m.more):
		if s := m.current(); s != nil && s.More && !s.Loading {
			return m, keys.Send(TransactionsRequestedMsg{AccountID: m.selected().acct.ID, More: true})
		}
	case key.Matches(k, m.retry):
		if s := m.current(); s != nil && s.Problem != nil && !s.Loading {
			return m, keys.Send(TransactionsRequestedMsg{AccountID: m.selected().acct.ID})
		}
	}
	return m, nil
}

// openTransactions shows the account's transactions, asking for the first
// page (flow loads it only once).
func (m Model) openTransactions() (Model, tea.Cmd) {
	m.mode = viewTransactions
	return m, keys.Send(TransactionsRequestedMsg{AccountID: m.selected().acct.ID})
}

// View draws the current view.
func (m Model) View() string {
	w := m.BodyWidth()
	var out string
	switch m.mode {
	case viewDetail:
		out = m.detailView(w)
	case viewTransactions:
		out = m.transactionsView(w)
	default:
		// The table is laid out to fit w; it skips the clipping pass below,
		// which would cost as much as drawing it.
		out = m.List.Render(m.page(true), w, m.Height)
		if m.mode == viewExport {
			out += "\n\n" + theme.Wrap(w, m.St.Text.Render("Export the accounts (and transactions loaded so far) as "),
				m.St.Selected.Render("‹ ")+m.St.Value.Render(exportFormats[m.format].words)+m.St.Selected.Render(" ›"),
				m.St.Text.Render("? "), m.St.Key.Render("←/→"), m.St.Muted.Render(" choose · "), m.St.Key.Render("enter"), m.St.Muted.Render(" writes it"))
		}
		return out
	}
	return m.Fit(out)
}

// FinalView is the table for the scrollback after quitting: no cursor, and
// at most finalRows rows.
func (m Model) FinalView(width int) string {
	return m.List.Unselected().RenderRows(m.page(false), width, finalRows)
}

// page is the table's heading and notes: in the views (interactive) with
// the request it came from, and what the last export wrote.
func (m Model) page(interactive bool) listing.Page {
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
	p := listing.Page{Title: strings.Join(append(head, listing.Plural(len(m.rows), "account")), " · "), Loaded: true, Noun: "account",
		Empty: "Basiq has no accounts for this user yet. If the job is still running they may arrive soon; if it finished, the bank shared none."}
	if m.noConsent {
		p.Empty = "No accounts: the consent was revoked, and Basiq deleted the user's connections with their accounts and transactions. In Connections, b consents again."
	}
	at := updatedAt(m.updated)
	switch {
	case interactive && m.request != "" && at != "":
		p.Request = m.request + " at " + at
	case interactive && m.request != "":
		p.Request = m.request
	case at != "":
		p.Request = "updated " + at
	}
	var notes []string
	if !interactive && len(m.rows) > finalRows {
		notes = append(notes, "e exports them all")
	}
	for _, r := range m.rows {
		if r.na {
			notes = append(notes, "dimmed: unavailable at the bank")
			break
		}
	}
	if m.unparsed > 0 {
		notes = append(notes, fmt.Sprintf("%d balance(s) Basiq sent in a form we could not add up are left out of the total", m.unparsed))
	}
	if interactive && m.txnsPending {
		notes = append(notes, "Transactions are still being retrieved…")
	}
	p.Note = strings.Join(notes, " · ")
	if interactive {
		p.Under = strings.Join(m.exportView(m.BodyWidth()), "\n")
	}
	return p
}

// exportView says where the last export went, or why it failed.
func (m Model) exportView(w int) []string {
	st := m.St
	switch {
	case m.exportErr != nil:
		return []string{st.Error.Width(w).Render(theme.SymbolFailed + " The export failed: " + m.exportErr.Error())}
	case len(m.exported) > 0:
		// One file a line, so wrapping never splits a name.
		where := ""
		if m.exportDir != "" {
			where = " in " + text.Safe(m.exportDir)
		}
		lines := []string{st.Success.Width(w).Render(theme.SymbolDone + " Saved" + where + ", readable only by you:")}
		for _, f := range m.exported {
			lines = append(lines, "  "+st.Text.Render(f))
		}
		return lines
	}
	return nil
}

const finalRows = 50

func (m Model) detailView(w int) string {
	st := m.St
	r := m.selected()
	a := r.acct
	var b strings.Builder
	b.WriteString(st.Title.Render(r.cells[colName]) + st.Muted.Render("  "+r.cells[colBank]) + "\n\n")
	field := func(label, value string) {
		if value == "" {
			return
		}
		// A long value wraps in its own column beside its label, at spaces
		// only: an id or a number breaks where the line ends, never at a '-'.
		value = text.WrapValue(text.Field(text.Safe(value)), max(w-18, 20))
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top, st.Label.Render(text.PadRight(label, 18)), st.Value.Render(value)) + "\n")
	}
	field("Holder", a.AccountHolder)
	field("Product", a.Class.Product)
	field("Type", r.cells[colType])
	field("BSB", r.cells[colBSB])
	field("Account number", a.AccountNo)
	field("Status", a.Status)
	field("Balance", r.cells[colBalance])
	field("Available", r.cells[colAvail])
	if a.CreditLimit != "" {
		field("Credit limit", text.FormatAmount(a.CreditLimit, a.Currency))
	}
	field("Currency", a.Currency)
	if !a.LastUpdated.IsZero() {
		field("Last updated", a.LastUpdated.Local().Format("2 Jan 2006 15:04:05"))
	}
	for i, iv := range a.TransactionIntervals {
		label := ""
		if i == 0 {
			label = "Transactions"
		}
		field(label, iv.From+" to "+iv.To)
	}
	field("Account id", a.ID)
	field("Connection", a.Connection)
	return strings.TrimRight(b.String(), "\n")
}

func (m Model) transactionsView(w int) string {
	st := m.St
	r := m.selected()
	s := m.txnState(r.acct.ID)
	var lines []string
	lines = append(lines, st.Title.Render(r.cells[colName])+st.Muted.Render("  transactions, newest first"), "")
	if s.Problem != nil {
		lines = append(lines, st.RenderProblem(*s.Problem, w))
	}
	if len(s.Items) == 0 {
		if s.Loading || !s.Started && s.Problem == nil {
			lines = append(lines, st.Muted.Render("Loading transactions…"))
		} else if s.Problem == nil {
			msg := "No transactions for this account."
			if m.txnsPending {
				msg = "No transactions yet: Basiq is still retrieving them. Go back (esc) and press t again in a moment."
			}
			lines = append(lines, st.Muted.Width(w).Render(msg))
		}
		return strings.Join(lines, "\n")
	}
	amountW := 0
	for _, t := range s.Items {
		amountW = max(amountW, lipgloss.Width(text.FormatAmount(t.Amount, t.Currency)))
	}
	descW := max(w-12-amountW-4, 10)
	visible := max(m.Height-4, 3)
	end := min(s.top+visible, len(s.Items))
	for _, t := range s.Items[s.top:end] {
		date := t.PostDate
		if date == "" {
			date = t.TransactionDate
		}
		if len(date) > 10 {
			date = date[:10]
		}
		amount := text.FormatAmount(t.Amount, t.Currency)
		style := st.TableRow
		if text.ParseMoney(t.Amount).Negative() {
			style = st.Error
		}
		desc := text.Cut(text.Safe(t.Description), descW)
		lines = append(lines, text.PadRight(date, 10)+"  "+text.PadRight(desc, descW)+"  "+style.Render(text.PadLeft(amount, amountW)))
	}
	status := fmt.Sprintf("%d–%d of %d loaded", s.top+1, end, len(s.Items))
	switch {
	case s.Loading:
		status += " · loading more…"
	case s.More:
		status += " · m loads more"
	}
	lines = append(lines, st.Muted.Render(status))
	return strings.Join(lines, "\n")
}

var classNames = map[string]string{
	"transaction":  "Transaction",
	"savings":      "Savings",
	"credit-card":  "Credit card",
	"mortgage":     "Mortgage",
	"loan":         "Loan",
	"investment":   "Investment",
	"term-deposit": "Term deposit",
	"insurance":    "Insurance",
	"foreign":      "Foreign",
	"unknown":      "Other",
}

func classWords(class string) string {
	if n, ok := classNames[class]; ok {
		return n
	}
	return text.Safe(class)
}

// style draws a cell of row i: unavailable accounts dimmed, negative
// amounts in the error colour, the money in the text's; the other cells
// keep the terminal's own colour (a frame styles only what needs it).
func (m *Model) style(i, col int) *lipgloss.Style {
	r := &m.rows[i]
	st := m.St
	switch {
	case r.na:
		return &st.Dimmed // the selected row: its cells are drawn one by one
	case col == colBalance && r.negBal || col == colAvail && r.negAvail:
		return &st.Error // negative money
	case col == colBalance || col == colAvail || col == colLimit:
		return &st.TableRow
	}
	return nil
}

// rowStyle dims a whole row unavailable at its bank, drawn at once.
func (m *Model) rowStyle(i int) *lipgloss.Style {
	if m.rows[i].na {
		return &m.St.Dimmed
	}
	return nil
}

// updatedAt is when the accounts were loaded, for the heading.
func updatedAt(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("15:04:05")
}
