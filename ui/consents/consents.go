// Package consents is a view of the user: the consents it gave, why the
// data is asked for and until when, and revoking one.
package consents

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

// RemoveAskedMsg asks flow to revoke a consent (it asks first).
type RemoveAskedMsg struct{ ID string }

// Item is one consent, and whether it can be revoked (flow says).
type Item struct {
	Consent   basiq.Consent
	Revocable bool
}

// State is the consents as flow has them.
type State struct {
	Items []Item
	listing.Load
}

// Model is the Consents view.
type Model struct {
	listing.Screen
	state  State
	revoke key.Binding
}

const (
	colStatus = iota
	colPurpose
	colGiven
	colExpires
	colRevoked
)

// New builds the Consents view.
func New(st *theme.Styles) Model {
	return Model{
		Screen: listing.NewScreen(st, []listing.Column{
			colStatus:  {Title: "Status"},
			colPurpose: {Title: "Purpose", Flex: true, Min: 28},
			colGiven:   {Title: "Given", Drop: 2},
			colExpires: {Title: "Expires"},
			colRevoked: {Title: "Revoked", Drop: 3},
		}, true),
		revoke: keys.Remove.Help("revoke"),
	}
}

// SetState shows the consents as they are now.
func (m *Model) SetState(s State) {
	m.state = s
	m.List.Style = listing.StyleWhere(&m.St.Dimmed, func(row, _ int) bool {
		return s.Items[row].Consent.Status != basiq.ConsentActive // no longer in force
	})
	listing.SetRowsOf(&m.List, s.Items, func(it Item) []string {
		c := it.Consent
		revoked := ""
		if c.Revoked != nil {
			revoked = day(*c.Revoked)
		}
		return []string{
			colStatus:  text.Safe(c.Status),
			colPurpose: text.Safe(c.Purpose.Primary.Title),
			colGiven:   day(c.Created),
			colExpires: day(c.ExpiryDate),
			colRevoked: revoked,
		}
	})
}

// day is a date as the consents show it: a consent lasts a year, so the year counts.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2 Jan 2006")
}

func (m Model) selected() (Item, bool) { return listing.SelectedOf(m.List, m.state.Items) }

// FullHelp are the help line's keys and the list's other moves.
func (m Model) FullHelp() [][]key.Binding {
	return m.ListHelp(m.ShortHelp())
}

// ShortHelp are the view's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	if m.List.Len() == 0 {
		return nil
	}
	ks := []key.Binding{m.List.Move()}
	if it, ok := m.selected(); ok && it.Revocable {
		ks = append(ks, m.revoke)
	}
	return ks
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
	if it, ok := m.selected(); ok && it.Revocable && key.Matches(k, m.revoke) {
		return m, keys.Send(RemoveAskedMsg{ID: it.Consent.ID})
	}
	return m, nil
}

func (m Model) page() listing.Page {
	s := m.state
	p := s.Load.Page("Consents", listing.Plural(len(s.Items), "consent"), "No consents: this user has not been through Basiq's consent page yet.")
	if it, ok := m.selected(); ok {
		p.Under = m.details(it)
	}
	return p
}

// details are the selected consent's purpose in full, what it shares, and
// what revoking it does.
func (m Model) details(it Item) string {
	st := m.St
	w := m.BodyWidth()
	c := it.Consent
	var lines []string
	if d := c.Purpose.Primary.Description; d != "" {
		lines = append(lines, st.Text.Width(w).Render(text.Field(text.Safe(d))))
	}
	var shared []string
	for _, p := range c.Data.Permissions {
		if p.Consented && p.Information.Name != "" {
			shared = append(shared, text.Field(text.Safe(p.Information.Name)))
		}
	}
	if len(shared) > 0 {
		lines = append(lines, st.Muted.Width(w).Render("Shares: "+strings.Join(shared, ", ")))
	}
	if it.Revocable {
		lines = append(lines, st.Muted.Width(w).Render("x revokes it: Basiq stops sharing, and deletes the user's connections with their data."))
	}
	return strings.Join(lines, "\n")
}

// View draws the consents.
func (m Model) View() string {
	return m.Show(m.page())
}
