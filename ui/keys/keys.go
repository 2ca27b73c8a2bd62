// Package keys is the one keymap: every key the program binds, each with
// one intent, the same on every screen where it works (gh-dash's keys/ is
// the model). A screen takes its bindings from here (Intent.Binding, or
// Intent.Help for its own words) and says which work in its state through
// a help.KeyMap; flow turns an intent into the session's event. README's
// table of keys is this one.
package keys

import (
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Intent is what a person asks for with a key.
type Intent int

// The generic intents mean the same on every screen; the others are one
// thing each, wherever they work.
const (
	Main         Intent = iota + 1 // enter: the screen's main action (in a y/N question, its default)
	Back                           // esc: back a step, or cancel what is open
	Next                           // tab: the next field, view or pane
	Prev                           // shift+tab: the previous one
	Up                             // ↑, k: move or scroll up
	Down                           // ↓, j
	PageUp                         // pgup
	PageDown                       // pgdn, space
	Home                           // home, g
	End                            // end, G
	Copy                           // c: copy what the screen shows (OSC 52)
	Help                           // ?: every key of the screen (f1 in a text field)
	Quit                           // q: quit, asking what is to be asked first
	ForceQuit                      // ctrl+c: quit from anywhere, at once
	Requests                       // i: the request inspector (f2 in a text field)
	Demo                           // ctrl+d (d in the empty key field): the built-in simulator
	Yes                            // y
	No                             // n
	ExistingUser                   // ctrl+o: use an existing user's id instead
	WholeLink                      // l: the consent link whole, alone in the window
	QRCode                         // v: the consent link as a QR code
	OpenBrowser                    // o: open the link in a browser again
	Paste                          // p: paste where consent ended, or a job id
	AutoConsent                    // a: demo, consent as the sandbox login
	WaitLonger                     // w: past --timeout, wait for consent longer
	TryAgain                       // r: what failed, again; in a view, read it again
	NewLink                        // b: consent again with a new link (another bank, from the views)
	Refresh                        // u: refresh a connection (Basiq runs its job again)
	RefreshAll                     // U: refresh every connection
	Remove                         // x: delete or revoke what is selected (asks y/N)
	Transactions                   // t: the account's transactions
	Export                         // e: export the accounts
	More                           // m: load the next page
	Filter                         // f: filter the list
	Search                         // /: search what is loaded
	SaveScript                     // s: save the session as a script
	Choose                         // ←/→: choose among values
)

// Row is one line of the keymap: the keys of an intent, the name the help
// shows them by and what they do where nothing else is said.
type Row struct {
	Intent Intent
	Keys   []string
	Label  string // how the help writes the keys: "↑/↓"
	Does   string
}

// Table is every binding, in the order README lists them. An intent may
// have several rows (help's ? and f1); a key has one row, and so one intent.
// A screen not seen yet takes its keys from here as the others do: listen's
// list of events, say, opens one with enter (Main), sends it again with r
// (TryAgain), goes back with esc, moves with the moves and quits with q.
var Table = []Row{
	{Main, []string{"enter"}, "enter", "the screen's main action"},
	{Back, []string{"esc"}, "esc", "back, or cancel what is open"},
	{Next, []string{"tab"}, "tab", "next field, view or pane"},
	{Prev, []string{"shift+tab"}, "shift+tab", "previous field, view or pane"},
	{Up, []string{"up", "k"}, "↑/↓", "move"},
	{Down, []string{"down", "j"}, "↓", "move down"},
	{PageUp, []string{"pgup"}, "pgup/pgdn", "a page up or down"},
	{PageDown, []string{"pgdown", "space"}, "pgdn", "a page down"},
	{Home, []string{"home", "g"}, "home", "to the first"},
	{End, []string{"end", "G"}, "end", "to the last"},
	{Copy, []string{"c"}, "c", "copy"},
	{Help, []string{"?"}, "?", "help"},
	{Help, []string{"f1"}, "f1", "help"},
	{Quit, []string{"q"}, "q", "quit"},
	{ForceQuit, []string{"ctrl+c"}, "ctrl+c", "quit"},
	{Requests, []string{"i"}, "i", "requests"},
	{Requests, []string{"f2"}, "f2", "requests"},
	{Demo, []string{"ctrl+d"}, "ctrl+d", "demo, no key"},
	{Demo, []string{"d"}, "d", "demo, no key"},
	{Yes, []string{"y"}, "y", "yes"},
	{No, []string{"n"}, "n", "no"},
	{ExistingUser, []string{"ctrl+o"}, "ctrl+o", "use an existing user id"},
	{WholeLink, []string{"l"}, "l", "whole link"},
	{QRCode, []string{"v"}, "v", "QR code"},
	{OpenBrowser, []string{"o"}, "o", "open again"},
	{Paste, []string{"p"}, "p", "paste job id"},
	{AutoConsent, []string{"a"}, "a", "consent automatically"},
	{WaitLonger, []string{"w"}, "w", "wait longer"},
	{TryAgain, []string{"r"}, "r", "try again"},
	{NewLink, []string{"b"}, "b", "new consent link"},
	{Refresh, []string{"u"}, "u", "refresh"},
	{RefreshAll, []string{"U"}, "U", "refresh all"},
	{Remove, []string{"x"}, "x", "delete"},
	{Transactions, []string{"t"}, "t", "transactions"},
	{Export, []string{"e"}, "e", "export"},
	{More, []string{"m"}, "m", "load more"},
	{Filter, []string{"f"}, "f", "filter"},
	{Search, []string{"/"}, "/", "search"},
	{SaveScript, []string{"s"}, "s", "save as script"},
	{Choose, []string{"left", "right"}, "←/→", "choose"},
}

// row is the intent's first row: the keys a screen binds it to.
func (i Intent) row() Row {
	for _, r := range Table {
		if r.Intent == i {
			return r
		}
	}
	panic("keys: an intent with no row") // every intent has one: a test lists them
}

// Binding is the intent's first row as a binding, with the table's words.
func (i Intent) Binding() key.Binding {
	r := i.row()
	return key.NewBinding(key.WithKeys(r.Keys...), key.WithHelp(r.Label, r.Does))
}

// Help is the intent's binding with what it does on this screen.
func (i Intent) Help(does string) key.Binding {
	b := i.Binding()
	b.SetHelp(i.row().Label, does)
	return b
}

// Hidden is the intent's binding with no help: it works, and a key the
// help line shows beside it names it (↓ beside ↑/↓).
func (i Intent) Hidden() key.Binding {
	return key.NewBinding(key.WithKeys(i.row().Keys...))
}

// Alt is the intent's other row (f1 for help, f2 for the requests, d for
// the demo), with the table's words.
func (i Intent) Alt() key.Binding {
	var rows []Row
	for _, r := range Table {
		if r.Intent == i {
			rows = append(rows, r)
		}
	}
	r := rows[len(rows)-1]
	return key.NewBinding(key.WithKeys(r.Keys...), key.WithHelp(r.Label, r.Does))
}

// IntentOf is the intent of a binding made from the table: the row with
// exactly its keys. false for a binding made anywhere else.
func IntentOf(b key.Binding) (Intent, bool) {
	for _, r := range Table {
		if slices.Equal(r.Keys, b.Keys()) {
			return r.Intent, true
		}
	}
	return 0, false
}

// IntentMsg is a screen asking flow for what an intent means there, for
// intents that carry nothing more: flow turns it into the session's event.
type IntentMsg struct{ Intent Intent }

// Ask is a command that delivers IntentMsg{i}.
func Ask(i Intent) tea.Cmd { return Send(IntentMsg{Intent: i}) }

// Send is a command that delivers msg: how a screen tells flow what a key
// press asks for.
func Send(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

// Global are the bindings flow handles before any screen sees a key.
type Global struct {
	Quit key.Binding // ctrl+c: quit from anywhere, cancelling what is in flight
	// Leave is q: quit, asking first what there is to ask (delete the user
	// this session made?), wherever no text field has focus.
	Leave key.Binding
	Help  key.Binding // ?: all keys of this screen
	// HelpWhileTyping is f1: in a text field ? is a character, so help
	// needs a key that types nothing.
	HelpWhileTyping key.Binding
	Back            key.Binding // esc: one step back, where that makes sense
	Requests        key.Binding // i: the request inspector
	// RequestsWhileTyping is f2, for the same reason as f1.
	RequestsWhileTyping key.Binding
}

// NewGlobal returns the global bindings.
func NewGlobal() Global {
	return Global{
		Quit:                ForceQuit.Binding(),
		Leave:               Quit.Binding(),
		Help:                Help.Binding(),
		HelpWhileTyping:     Help.Alt(),
		Back:                Back.Help("back"),
		Requests:            Requests.Binding(),
		RequestsWhileTyping: Requests.Alt(),
	}
}

// Quits reports whether k asks to quit: ctrl+c, with whatever other
// modifier the terminal reported along with it. A person who presses esc
// and then ctrl+c within about 30 ms sends ESC 0x03, which Bubble Tea reads
// as one key, ctrl+alt+c; kitty's keyboard protocol adds shift or caps
// lock. Each means what the person meant: quit.
func (g Global) Quits(k tea.KeyPressMsg) bool {
	if key.Matches(k, g.Quit) {
		return true
	}
	return k.Mod.Contains(tea.ModCtrl) && (k.Code == 'c' || k.Code == 'C' || k.BaseCode == 'c')
}

// KeyMap is a help.KeyMap of bindings already chosen: the help line's
// keys, most useful first, and more that only ? lists.
type KeyMap struct {
	Short, More []key.Binding
}

// ShortHelp are the keys for the help line.
func (k KeyMap) ShortHelp() []key.Binding { return k.Short }

// FullHelp are the keys for ?: the help line's, then the rest.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(append([]key.Binding{}, k.Short...), k.More...)}
}
