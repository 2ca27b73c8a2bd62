// Package connections is a view of the user: the banks it is connected
// to, with their method, status and dates, and what can be done to them.
package connections

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// Messages to flow; U (refresh all) and b (another bank, through consent)
// are keys.IntentMsg.
type (
	RefreshAskedMsg struct{ ID string } // refresh one connection: Basiq runs a new job
	RemoveAskedMsg  struct{ ID string } // delete one (flow asks first)
)

// State is the connections as flow has them.
type State struct {
	Items []basiq.Connection
	listing.Load
	Banks map[string]string // institution id -> name
	Now   time.Time
	// NoConsent: no consent is in force (it was revoked): connecting a bank starts with consent.
	NoConsent bool
}

// Model is the Connections view.
type Model struct {
	listing.Screen
	state State

	refresh, refreshAll, del, another key.Binding
}

const (
	colBank = iota
	colMethod
	colStatus
	colCreated
	colLastUsed
)

// New builds the Connections view.
func New(st *theme.Styles) Model {
	return Model{
		Screen: listing.NewScreen(st, []listing.Column{
			colBank:     {Title: "Bank", Flex: true},
			colMethod:   {Title: "Method", Drop: 2},
			colStatus:   {Title: "Status"},
			colCreated:  {Title: "Created", Drop: 3},
			colLastUsed: {Title: "Last used"},
		}, true),
		refresh:    keys.Refresh.Binding(),
		refreshAll: keys.RefreshAll.Binding(),
		del:        keys.Remove.Help("delete"),
		another:    keys.NewLink.Help("another bank"),
	}
}

// anotherKey is b as the state has it: another bank, or consent again where none is in force.
func (m Model) anotherKey() key.Binding {
	if m.state.NoConsent {
		b := m.another
		b.SetHelp("b", "consent again")
		return b
	}
	return m.another
}

// SetState shows the connections as they are now.
func (m *Model) SetState(s State) {
	m.state = s
	m.List.Style = listing.StyleWhere(&m.St.Warning, func(row, _ int) bool {
		return s.Items[row].Status != basiq.ConnectionActive // not refreshing as it should: worth a look
	})
	listing.SetRowsOf(&m.List, s.Items, func(c basiq.Connection) []string {
		bank := text.Safe(c.Institution.ID)
		if name, ok := s.Banks[c.Institution.ID]; ok && name != "" {
			bank = text.Safe(name)
		}
		return []string{
			colBank:     bank,
			colMethod:   text.Safe(c.Method),
			colStatus:   text.Safe(c.Status),
			colCreated:  listing.When(c.CreatedAt(), s.Now),
			colLastUsed: listing.When(c.LastUsedAt(), s.Now),
		}
	})
}

// FullHelp are the help line's keys and the list's other moves.
func (m Model) FullHelp() [][]key.Binding {
	return m.ListHelp(m.ShortHelp())
}

// ShortHelp are the view's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	var ks []key.Binding
	if m.List.Len() > 0 {
		all := m.refreshAll
		if m.List.Len() == 1 {
			all.SetHelp("U", "refresh all (the one)") // U works, and says which it refreshes
		}
		ks = append(ks, m.List.Move(), m.refresh, m.del, m.another, all)
		return ks
	}
	return append(ks, m.anotherKey())
}

// Update handles keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	if m.Scroll(k, m.page()) {
		return m, nil
	}
	sel, ok := listing.SelectedOf(m.List, m.state.Items)
	switch {
	case key.Matches(k, m.another):
		return m, keys.Ask(keys.NewLink)
	case !ok:
	case key.Matches(k, m.refresh):
		return m, keys.Send(RefreshAskedMsg{ID: sel.ID})
	case key.Matches(k, m.refreshAll):
		return m, keys.Ask(keys.RefreshAll)
	case key.Matches(k, m.del):
		return m, keys.Send(RemoveAskedMsg{ID: sel.ID})
	}
	return m, nil
}

func (m Model) page() listing.Page {
	s := m.state
	empty := "No connections: this user has no bank connected (or they were deleted). Press b to connect one."
	if s.NoConsent {
		empty = "No connections: the consent was revoked, and Basiq deleted them with their accounts and transactions. Press b to consent again and connect a bank."
	}
	p := s.Load.Page("Connections", listing.Plural(len(s.Items), "connection"), empty)
	if sel, ok := listing.SelectedOf(m.List, s.Items); ok {
		p.Under = m.details(sel)
	}
	return p
}

// details are more of the selected connection: its id and expiry, and
// what Basiq does on u and d.
func (m Model) details(c basiq.Connection) string {
	st := m.St
	w := m.BodyWidth()
	var b strings.Builder
	b.WriteString(st.Label.Render("Connection ") + st.Code.Render(text.Field(text.Safe(c.ID))))
	if c.ExpiryDate != "" {
		b.WriteString(st.Label.Render(" · expires ") + st.Value.Render(text.Field(text.Safe(c.ExpiryDate))))
	}
	if c.Status != basiq.ConnectionActive {
		b.WriteString("\n" + st.Warning.Width(w).Render(theme.SymbolWarning+" Not active: Basiq does not refresh it. Refreshing it (u) shows why, or connect the bank again through consent (b)."))
	}
	b.WriteString("\n" + st.Muted.Width(w).Render("u asks the bank again (a new job, watched in the job view); x deletes the connection, keeping the accounts it brought."))
	return b.String()
}

// View draws the connections.
func (m Model) View() string {
	return m.Show(m.page())
}
