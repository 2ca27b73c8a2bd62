// Package frame draws what surrounds every screen: a header with the
// product, where it points and the steps; the screen's body; a help line.
package frame

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// Steps are the quickstart's stages, as the header names them.
var Steps = []string{"Key", "User", "Consent", "Connect", "Accounts"}

// The smallest terminal the wizard draws in.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Rows the frame takes from the terminal: header, blank, blank, notice, help.
const chromeRows = 5

// Frame is one full-window picture.
type Frame struct {
	Width, Height int
	Where         string // "demo", "sandbox" or the API host
	Step          int    // index into Steps
	Body          string
	// Keys are the screen's: its help line's, most useful first, and
	// the others ? lists; the global ones are added.
	Keys      help.KeyMap
	ShowHelp  bool        // ? pressed: every key, one per line
	Typing    bool        // a text field has focus: help is f1, not ?
	CanGoBack bool        // esc goes back a step, so help lists it
	Notice    string      // a one-line status above the help line
	Overlay   string      // replaces the body (the request inspector)
	Global    keys.Global // the keys every screen has
	// Tabs are views of one place, drawn as tabs over the body (not over an
	// overlay or the help); Tab is the one shown.
	Tabs []string
	Tab  int
	// Right, when set, is drawn where the steps go (listen has no steps:
	// where its events go).
	Right string
}

// tabRows are the rows the tabs take from the body: their names and a rule.
const tabRows = 2

// TabbedBodySize is BodySize under tabs.
func TabbedBodySize(width, height int) (int, int) {
	w, h := BodySize(width, height)
	return w, max(h-tabRows, 0)
}

// BodySize is the room a screen has inside the frame: two columns of margin
// each side, and the rows the header and help line leave.
func BodySize(width, height int) (int, int) {
	return max(width-4, 0), max(height-chromeRows, 0)
}

// TooSmall reports whether the terminal is under 80x24.
func TooSmall(width, height int) bool { return width < MinWidth || height < MinHeight }

// TooSmallView asks politely for more room.
func TooSmallView(st *theme.Styles, width, height int) string {
	msg := st.Title.Render("basiq-onboard needs a bigger window") + "\n\n" +
		st.Text.Render(fmt.Sprintf("It needs at least %dx%d; this one is %dx%d.", MinWidth, MinHeight, width, height)) + "\n" +
		st.Muted.Render("Make the window larger (or the font smaller). ctrl+c quits.")
	return lipgloss.Place(width, height, lipgloss.Center, lipgloss.Center, msg)
}

// Render draws the frame: exactly Height lines, none wider than Width.
func Render(st *theme.Styles, f Frame) string {
	bodyW, bodyH := BodySize(f.Width, f.Height)
	body := f.Body
	if f.Overlay != "" {
		body = f.Overlay
	}
	if f.ShowHelp {
		body = fullHelp(st, f.Global, f.Keys, f.CanGoBack)
	}
	lines := []string{header(st, f), ""}
	if len(f.Tabs) > 0 && f.Overlay == "" && !f.ShowHelp {
		lines = append(lines, tabs(st, f.Tabs, f.Tab, bodyW)...)
		bodyW, bodyH = TabbedBodySize(f.Width, f.Height)
	}
	lines = append(lines, fit(body, bodyW, bodyH)...)
	lines = append(lines, "", "  "+clip(f.Notice, bodyW), helpLine(st, f.Global, withBack(f, short(f.Keys)), f.Typing, f.Width))
	return strings.Join(lines, "\n")
}

// short is the help line's keys of a key map (none without one).
func short(k help.KeyMap) []key.Binding {
	if k == nil {
		return nil
	}
	return k.ShortHelp()
}

// withBack is ks and, where esc goes back a step, esc; unless the screen
// gives esc a meaning of its own (cancel a field), which is then the only
// one listed.
func withBack(f Frame, ks []key.Binding) []key.Binding {
	if !f.CanGoBack || bindsEsc(ks) {
		return ks
	}
	return append(append([]key.Binding{}, ks...), f.Global.Back)
}

func bindsEsc(ks []key.Binding) bool {
	for _, k := range ks {
		if k.Enabled() && slices.Contains(k.Keys(), "esc") {
			return true
		}
	}
	return false
}

// globalKeys are shown after the screen's own keys.
func globalKeys(g keys.Global, typing bool) []key.Binding {
	if typing {
		return []key.Binding{g.HelpWhileTyping, g.Quit}
	}
	return []key.Binding{g.Help, g.Leave}
}

func header(st *theme.Styles, f Frame) string {
	product := " " + st.Product.Render("basiq-onboard")
	// Narrow windows first lose the lines between the steps, then the front of
	// the API's host: the steps and where requests go both stay.
	var steps, where string
	for _, sep := range []string{" ─ ", " "} {
		steps = stepsLine(st, f.Step, sep)
		if f.Right != "" {
			steps = st.Where.Render(f.Right) + " "
		}
		room := f.Width - lipgloss.Width(product) - lipgloss.Width(steps) - len(" · ") - 1
		if where = ShortHost(f.Where, room); where == f.Where {
			break
		}
	}
	left := product
	if where != "" {
		left += st.Where.Render(" · " + where)
	}
	gap := max(f.Width-lipgloss.Width(left)-lipgloss.Width(steps), 1)
	return clip(left+strings.Repeat(" ", gap)+steps, f.Width)
}

// stepsLine is the steps, the current one marked, joined by sep.
func stepsLine(st *theme.Styles, current int, sep string) string {
	parts := make([]string, 0, len(Steps))
	for i, name := range Steps {
		switch {
		case i < current:
			parts = append(parts, st.StepDone.Render(theme.SymbolPast+" "+name))
		case i == current:
			parts = append(parts, st.StepCurrent.Render(theme.SymbolCurrent+" "+name))
		default:
			parts = append(parts, st.StepFuture.Render(theme.SymbolFuture+" "+name))
		}
	}
	return strings.Join(parts, st.Separator.Render(sep)) + " "
}

// tabs are the names on a line, the current one bold on the selection's
// background, and a rule under them, heavy under the current one: without
// colour the rule still says which it is.
func tabs(st *theme.Styles, names []string, current, w int) []string {
	var line, rule strings.Builder
	for i, name := range names {
		if i > 0 {
			line.WriteString(" ")
			rule.WriteString(st.Rule.Render("─"))
		}
		label := " " + name + " "
		if i == current {
			line.WriteString(st.SelectedRow.Render(label))
			rule.WriteString(st.Selected.Render(strings.Repeat("━", lipgloss.Width(label))))
			continue
		}
		line.WriteString(st.Muted.Render(label))
		rule.WriteString(st.Rule.Render(strings.Repeat("─", lipgloss.Width(label))))
	}
	text := line.String()
	if hint := st.Muted.Render("tab / shift+tab"); lipgloss.Width(text)+4+lipgloss.Width(hint) <= w {
		text = widget.Spread(text, hint, w)
	}
	rule.WriteString(st.Rule.Render(strings.Repeat("─", max(w-lipgloss.Width(rule.String()), 0))))
	return []string{"  " + clip(text, w), "  " + clip(rule.String(), w)}
}

// ShortHost fits an API host into room columns, keeping what tells hosts
// apart: without its port, then its last labels ("…basiq.io"), then its
// start; "" when not even that fits.
func ShortHost(host string, room int) string {
	const shortest = 4 // fewer columns say nothing
	if lipgloss.Width(host) <= room {
		return host
	}
	if i := strings.LastIndexByte(host, ':'); i > 0 && !strings.HasSuffix(host, "]") {
		if name := host[:i]; !strings.Contains(name, ":") || strings.HasSuffix(name, "]") {
			host = name // a port, not part of a bare IPv6 address
			if lipgloss.Width(host) <= room {
				return host
			}
		}
	}
	if labels := strings.Split(host, "."); len(labels) > 2 && !isIPv4(host) {
		for i := 1; i <= len(labels)-2; i++ {
			if tail := text.Ellipsis + strings.Join(labels[i:], "."); lipgloss.Width(tail) <= room {
				return tail
			}
		}
	}
	if room < shortest {
		return ""
	}
	return text.Cut(host, room)
}

func isIPv4(host string) bool {
	return strings.Trim(host, "0123456789.") == ""
}

// helpLine shows as many of the screen's keys as fit, most useful first
// (bubbles/help ends the line with … where some did not: ? lists them),
// then ? and ctrl+c, always.
func helpLine(st *theme.Styles, g keys.Global, screen []key.Binding, typing bool, width int) string {
	h := helpModel(st)
	tail := h.ShortHelpView(globalKeys(g, typing))
	shown := make([]key.Binding, 0, len(screen))
	for _, b := range screen {
		if b.Enabled() && b.Help().Key != "" {
			shown = append(shown, b)
		}
	}
	sep := st.Separator.Render(h.ShortSeparator)
	room := max(width-1-lipgloss.Width(sep+tail), 1)
	h.SetWidth(room)
	line := h.ShortHelpView(shown)
	for lipgloss.Width(line) > room && len(shown) > 0 {
		// bubbles/help keeps a key that does not fit where its … would not either: that key goes.
		shown = shown[:len(shown)-1]
		line = h.ShortHelpView(shown)
	}
	if line == "" {
		return clip(" "+tail, width)
	}
	return clip(" "+line+sep+tail, width)
}

// helpModel is bubbles/help drawn in the theme: keys bold, what they do muted.
func helpModel(st *theme.Styles) help.Model {
	h := help.New()
	h.ShortSeparator, h.FullSeparator = " · ", "  "
	h.Styles = help.Styles{Ellipsis: st.Muted, ShortKey: st.Key, ShortDesc: st.KeyHelp, ShortSeparator: st.Separator,
		FullKey: st.Key.PaddingRight(1), FullDesc: st.Text, FullSeparator: st.Separator} // two spaces after the keys, as in a man page
	return h
}

// fullHelp is every key of the screen (its key map's full help, esc where it
// goes back, help and quit), one a line, each listed once.
func fullHelp(st *theme.Styles, g keys.Global, screen help.KeyMap, canGoBack bool) string {
	all := []key.Binding{}
	if screen != nil {
		for _, group := range screen.FullHelp() {
			all = append(all, group...)
		}
	}
	if canGoBack && !bindsEsc(all) {
		all = append(all, g.Back)
	}
	helpKey := g.Help
	helpKey.SetHelp("? or f1", "help (f1 also while typing in a field)")
	all = append(all, helpKey, g.Leave, g.Quit)
	seen := map[string]bool{}
	listed := make([]key.Binding, 0, len(all))
	for _, k := range all {
		if h := k.Help(); h.Key != "" && !seen[h.Key] && k.Enabled() {
			seen[h.Key] = true
			listed = append(listed, k)
		}
	}
	return st.Title.Render("Keys on this screen") + "\n\n" + helpModel(st).FullHelpView([][]key.Binding{listed}) + "\n\n" +
		st.Muted.Render("Letters act only when no text field has focus. esc, ? or f1 closes this.")
}

// fit pads or clips text to exactly h lines, each indented two columns and
// at most w wide.
func fit(text string, w, h int) []string {
	lines := strings.Split(text, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = "  " + clip(l, w)
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return lines
}

func clip(s string, w int) string { return text.Cut(s, w) }
