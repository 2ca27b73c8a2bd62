// Package transactions is a view of the user: the transactions of all its
// accounts, newest first, filtered as Basiq filters them, searched over
// what is loaded, a page at a time.
package transactions

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// Feed is transactions as loaded so far, of every account here and of one
// in the accounts' detail (flow decides what is loaded, and when).
type Feed struct {
	Items   []basiq.Transaction
	Started bool // the first page is in
	More    bool // another page can be asked for
	Loading bool
	Problem *theme.Problem
}

// State is the transactions as flow has them.
type State struct {
	Feed
	Endpoint string // the first page's request, filter and all
	Filter   Filter
	// Accounts name the accounts by id, and Banks the institutions.
	Accounts map[string]string
	Banks    map[string]string
	// Pending: Basiq is still retrieving transactions.
	Pending bool
	// NoConsent: the consent was revoked, and the transactions went with it.
	NoConsent bool
}

// Model is the Transactions view.
type Model struct {
	listing.Screen
	state     State
	shown     []int // the indexes of the items that match the search, in order
	search    textinput.Model
	searching bool // the search field has focus
	filtering bool // the filter form is open
	form      form

	more, filter, find, doneSearch, clearSearch key.Binding
}

const (
	colDate = iota
	colBank
	colAccount
	colDescription
	colClass
	colAmount
)

// New builds the Transactions view.
func New(st *theme.Styles) Model {
	return Model{
		Screen: listing.NewScreen(st, []listing.Column{
			colDate:        {Title: "Date"},
			colBank:        {Title: "Bank", Drop: 3},
			colAccount:     {Title: "Account", Drop: 2},
			colDescription: {Title: "Description", Flex: true, Min: 30},
			colClass:       {Title: "Class", Drop: 4},
			colAmount:      {Title: "Amount", Right: true},
		}, false),
		search:      widget.TextInput("words in the description", 60),
		form:        newForm(st),
		more:        keys.More.Binding(),
		filter:      keys.Filter.Binding(),
		find:        keys.Search.Binding(),
		doneSearch:  keys.Main.Help("keep the search"),
		clearSearch: keys.Back.Help("clear the search"),
	}
}

// SetSize gives the view its body size.
func (m *Model) SetSize(width, height int) {
	m.Screen.SetSize(width, height)
	widget.SetInputWidth(&m.search, min(max(width-20, 20), 50))
}

// SetState shows the transactions as they are now.
func (m *Model) SetState(s State) {
	m.state = s
	m.match()
}

// match lists the transactions whose description holds the search, and
// lays them out as rows.
func (m *Model) match() {
	s := m.state
	words := strings.ToLower(strings.TrimSpace(m.search.Value()))
	m.shown = m.shown[:0]
	rows := make([][]string, 0, len(s.Items))
	severalBanks := false // one bank's name on every row says nothing
	for _, t := range s.Items {
		severalBanks = severalBanks || t.Institution != s.Items[0].Institution
	}
	for i, t := range s.Items {
		if words != "" && !strings.Contains(strings.ToLower(t.Description), words) {
			continue
		}
		m.shown = append(m.shown, i)
		date := t.PostDate
		if date == "" {
			date = t.TransactionDate
		}
		bank := ""
		if severalBanks {
			bank = text.Safe(s.Banks[t.Institution])
		}
		rows = append(rows, []string{
			colDate:        text.Safe(date[:min(len(date), len(dateLayout))]),
			colBank:        bank,
			colAccount:     text.Safe(m.accountName(t.Account)),
			colDescription: text.Safe(t.Description),
			colClass:       text.Safe(t.Class),
			colAmount:      text.FormatAmount(text.Safe(t.Amount), t.Currency),
		})
	}
	shown := m.shown
	m.List.Style = listing.StyleWhere(&m.St.Error, func(row, col int) bool {
		return col == colAmount && text.ParseMoney(s.Items[shown[row]].Amount).Negative()
	})
	m.List.SetRows(rows)
}

func (m Model) accountName(id string) string {
	if name, ok := m.state.Accounts[id]; ok && name != "" {
		return name
	}
	return text.ShortID(id)
}

// Capturing reports whether a field has focus: the search, or the filter form.
func (m Model) Capturing() bool { return m.searching || m.filtering }

// TakesEsc is true while esc closes something: the form, or the search.
func (m Model) TakesEsc() bool { return m.Capturing() || m.search.Value() != "" }

// FullHelp are the help line's keys and the list's other moves.
func (m Model) FullHelp() [][]key.Binding {
	k := keys.KeyMap{Short: m.ShortHelp()}
	if !m.filtering && !m.searching {
		k.More = m.List.Moves()
	}
	return k.FullHelp()
}

// ShortHelp are the view's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	switch {
	case m.filtering:
		return m.form.keys()
	case m.searching:
		return []key.Binding{m.doneSearch, m.clearSearch}
	}
	var ks []key.Binding
	if m.List.Len() > 0 {
		ks = append(ks, m.List.Move())
	}
	if m.state.More && !m.state.Loading && m.state.Problem == nil {
		ks = append(ks, m.more)
	}
	ks = append(ks, m.filter, m.find)
	if m.search.Value() != "" {
		ks = append(ks, m.clearSearch)
	}
	return ks
}

// Update handles keys (and a paste into the search); what else comes by
// (another screen's spinner ticking) is not the view's.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
	default:
		return m, nil
	}
	switch {
	case m.filtering:
		var cmd tea.Cmd
		var done bool
		m.form, cmd, done = m.form.update(msg)
		m.filtering = !done
		return m, cmd
	case m.searching:
		return m.searchKey(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	if m.Scroll(k, m.page()) {
		return m, nil
	}
	switch {
	case key.Matches(k, m.more) && m.state.More && !m.state.Loading && m.state.Problem == nil:
		return m, keys.Ask(keys.More)
	case key.Matches(k, m.filter):
		m.filtering = true
		return m, m.form.open(m.state.Filter)
	case key.Matches(k, m.find):
		m.searching = true
		return m, m.search.Focus()
	case key.Matches(k, m.clearSearch):
		m.search.SetValue("")
		m.match()
	}
	return m, nil
}

func (m Model) searchKey(msg tea.Msg) (Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.doneSearch):
			m.searching = false
			m.search.Blur()
			return m, nil
		case key.Matches(k, m.clearSearch):
			m.searching = false
			m.search.Blur()
			m.search.SetValue("")
			m.match()
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	m.match()
	return m, cmd
}

func (m Model) page() listing.Page {
	s := m.state
	p := listing.Page{
		Title:   "Transactions of all accounts, newest first",
		Request: s.Endpoint,
		Loading: s.Loading && len(s.Items) == 0,
		Loaded:  s.Started,
		Problem: s.Problem,
		Above:   m.filterLine(),
		Empty:   "No transactions pass this filter.",
	}
	if s.Filter.Words() == "" {
		p.Empty = "No transactions."
	}
	if s.Pending {
		p.Empty += " Basiq is still retrieving them: press r in a moment."
	}
	if s.NoConsent {
		p.Empty = "No transactions: the consent was revoked, and Basiq deleted them with the connections. In Connections, b consents again."
	}
	if words := strings.TrimSpace(m.search.Value()); words != "" && len(s.Items) > 0 && m.List.Len() == 0 {
		p.Empty = "None of the " + listing.Plural(len(s.Items), "transaction") + " loaded mentions “" + text.Safe(words) + "”."
		p.Loaded = true
	}
	switch {
	case s.Loading && len(s.Items) > 0:
		p.Note = "loading more…"
	case s.More && s.Problem == nil:
		p.Note = "m loads more"
	case s.Started && !s.More && len(s.Items) > 0:
		p.Note = "all loaded"
	}
	return p
}

// filterLine says what narrows the list: Basiq's filter, and the search.
func (m Model) filterLine() string {
	st := m.St
	filter := st.Label.Render("Filter ")
	if words := m.state.Filter.Words(); words != "" {
		filter += st.Value.Render(words)
	} else {
		filter += st.Muted.Render("none")
	}
	search := st.Label.Render("Search ")
	switch {
	case m.searching:
		search += m.search.View()
	case m.search.Value() != "":
		search += st.Value.Render("“"+text.Safe(m.search.Value())+"”") +
			st.Muted.Render(" "+listing.Thousands(m.List.Len())+" of "+listing.Thousands(len(m.state.Items))+" loaded")
	default:
		search += st.Muted.Render("none")
	}
	return filter + st.Separator.Render("  ·  ") + search
}

// View draws the transactions, or the filter form.
func (m Model) View() string {
	if m.filtering {
		return m.Fit(m.form.view(m.BodyWidth()))
	}
	return m.Show(m.page())
}
