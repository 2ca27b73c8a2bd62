package transactions

import (
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// Filter narrows the transactions, as Basiq filters them: "" leaves a part open.
type Filter struct {
	Direction string // basiq.DirectionCredit or DirectionDebit
	Class     string // one of basiq.TransactionClasses
	From, To  string // post dates, YYYY-MM-DD
}

// FilteredMsg asks flow for the transactions that pass f.
type FilteredMsg struct{ Filter Filter }

// dateLayout is how the form takes a date, as Basiq's filters do.
const dateLayout = "2006-01-02"

const (
	fieldDirection = iota
	fieldClass
	fieldFrom
	fieldTo
	fieldCount
)

// form is the filter being edited: two choices (←/→) and two dates.
type form struct {
	st                          *theme.Styles
	focus                       int
	direction                   int // index into directions
	class                       int // index into classes
	from, to                    textinput.Model
	problem                     string // what keeps the filter from being applied
	directions                  []string
	classes                     []string
	apply, next, prev, up, down key.Binding
	choose                      key.Binding
	cancel                      key.Binding
}

func newForm(st *theme.Styles) form {
	f := form{
		st:         st,
		from:       widget.TextInput("YYYY-MM-DD", len(dateLayout)),
		to:         widget.TextInput("YYYY-MM-DD", len(dateLayout)),
		directions: []string{"", basiq.DirectionCredit, basiq.DirectionDebit},
		classes:    append([]string{""}, basiq.TransactionClasses...),
		apply:      keys.Main.Help("apply"),
		next:       keys.Next.Help("next field"),
		prev:       keys.Prev.Hidden(),
		up:         keys.Up.Hidden(),
		down:       keys.Down.Hidden(),
		choose:     keys.Choose.Binding(),
		cancel:     keys.Back.Help("cancel"),
	}
	widget.SetInputWidth(&f.from, len(dateLayout)+1)
	widget.SetInputWidth(&f.to, len(dateLayout)+1)
	return f
}

// open starts editing the filter in force.
func (f *form) open(current Filter) tea.Cmd {
	f.direction = max(slices.Index(f.directions, current.Direction), 0)
	f.class = max(slices.Index(f.classes, current.Class), 0)
	f.from.SetValue(current.From)
	f.to.SetValue(current.To)
	f.problem = ""
	return f.setFocus(fieldDirection)
}

func (f *form) setFocus(i int) tea.Cmd {
	f.focus = (i + fieldCount) % fieldCount
	f.from.Blur()
	f.to.Blur()
	switch f.focus {
	case fieldFrom:
		return f.from.Focus()
	case fieldTo:
		return f.to.Focus()
	}
	return nil
}

func (f form) keys() []key.Binding {
	ks := []key.Binding{f.apply, f.next}
	if f.focus == fieldDirection || f.focus == fieldClass {
		ks = append(ks, f.choose)
	}
	return append(ks, f.cancel)
}

// update handles a key; done says the form closed, with the filter to ask
// for (nil: cancelled).
func (f form) update(msg tea.Msg) (form, tea.Cmd, bool) {
	k, isKey := msg.(tea.KeyPressMsg)
	switch {
	case isKey && key.Matches(k, f.cancel):
		return f, nil, true
	case isKey && key.Matches(k, f.apply):
		filter, problem := f.filter()
		if f.problem = problem; problem != "" {
			return f, nil, false
		}
		return f, keys.Send(FilteredMsg{Filter: filter}), true
	case isKey && key.Matches(k, f.next, f.prev, f.up, f.down):
		step := 1
		if key.Matches(k, f.prev, f.up) {
			step = -1
		}
		return f, f.setFocus(f.focus + step), false
	case isKey && key.Matches(k, f.choose) && (f.focus == fieldDirection || f.focus == fieldClass):
		step := 1
		if k.String() == "left" {
			step = -1
		}
		if f.focus == fieldDirection {
			f.direction = (f.direction + step + len(f.directions)) % len(f.directions)
		} else {
			f.class = (f.class + step + len(f.classes)) % len(f.classes)
		}
		return f, nil, false
	}
	var cmd tea.Cmd
	switch f.focus {
	case fieldFrom:
		f.from, cmd = f.from.Update(msg)
	case fieldTo:
		f.to, cmd = f.to.Update(msg)
	}
	f.problem = ""
	return f, cmd, false
}

// filter is the form's filter, or what is wrong with its dates.
func (f form) filter() (Filter, string) {
	out := Filter{Direction: f.directions[f.direction], Class: f.classes[f.class],
		From: strings.TrimSpace(f.from.Value()), To: strings.TrimSpace(f.to.Value())}
	var from, to time.Time
	for _, d := range []struct {
		value string
		at    *time.Time
		name  string
	}{{out.From, &from, "From"}, {out.To, &to, "To"}} {
		if d.value == "" {
			continue
		}
		t, err := time.Parse(dateLayout, d.value)
		if err != nil {
			return out, d.name + " is not a date: write it as YYYY-MM-DD, e.g. 2026-01-31."
		}
		*d.at = t
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return out, "To is before From: no transaction could pass."
	}
	return out, ""
}

// view draws the form in w columns.
func (f form) view(w int) string {
	st := f.st
	choice := func(values []string, i int, focused bool) string {
		v := values[i]
		if v == "" {
			v = "any"
		}
		if focused {
			return st.Selected.Render("‹ ") + st.Value.Render(v) + st.Selected.Render(" ›")
		}
		return st.Value.Render(v)
	}
	label := func(i int, text string) string {
		mark := "  "
		if f.focus == i {
			mark = st.Selected.Render("› ")
		}
		return mark + st.Label.Render(lipgloss.NewStyle().Width(11).Render(text))
	}
	lines := []string{
		st.Title.Render("Filter the transactions"),
		st.Muted.Width(w).Render("Basiq applies it (transaction.direction, transaction.class, transaction.postDate); the list loads again."),
		"",
		label(fieldDirection, "Direction") + choice(f.directions, f.direction, f.focus == fieldDirection),
		label(fieldClass, "Class") + choice(f.classes, f.class, f.focus == fieldClass),
		label(fieldFrom, "From") + f.from.View() + st.Muted.Render("  posted on or after; empty for any"),
		label(fieldTo, "To") + f.to.View() + st.Muted.Render("  posted on or before"),
	}
	if f.problem != "" {
		lines = append(lines, "", st.Error.Width(w).Render(theme.SymbolFailed+" "+f.problem))
	}
	return strings.Join(lines, "\n")
}

// Words is the filter in a few words: "debit · payment · from 2026-01-01";
// "" when it lets everything through.
func (f Filter) Words() string {
	var parts []string
	for _, p := range []string{f.Direction, f.Class} {
		if p != "" {
			parts = append(parts, text.Safe(p))
		}
	}
	switch {
	case f.From != "" && f.To != "":
		parts = append(parts, text.Safe(f.From)+" to "+text.Safe(f.To))
	case f.From != "":
		parts = append(parts, "from "+text.Safe(f.From))
	case f.To != "":
		parts = append(parts, "until "+text.Safe(f.To))
	}
	return strings.Join(parts, " · ")
}
