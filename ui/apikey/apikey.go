// Package apikey is the first screen: the API key, masked, swapped for an
// access token; then the offer to save it.
package apikey

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// SubmittedMsg asks flow to exchange the key for a token.
type SubmittedMsg struct{ Key string }

// Model is the key screen.
type Model struct {
	widget.Body
	st       *theme.Styles
	input    textinput.Model
	working  widget.Working // the key being checked
	fromEnv  bool
	problem  *theme.Problem
	retry    bool
	hint     string // inline, e.g. "Paste your API key first"
	asking   bool   // the key is good: save it?
	saveTo   string // "" while finding out where
	insecure bool
	replaces bool // a key is saved for this API already

	submit, demo, demoLetter, yes, no, notNow, saveEnter key.Binding
}

// New builds the key screen.
func New(st *theme.Styles) Model {
	in := widget.TextInput("paste your API key", 512)
	in.EchoMode = textinput.EchoPassword
	in.EchoCharacter = '•'
	return Model{
		st:         st,
		input:      in,
		working:    widget.NewWorking(st),
		submit:     keys.Main.Help("check the key"),
		demo:       keys.Demo.Binding(),
		demoLetter: keys.Demo.Alt(),
		yes:        keys.Yes.Help("save it"),
		saveEnter:  keys.Main.Hidden(), // the question's default: save
		no:         keys.No.Help("not now"),
		notNow:     keys.Back.Hidden(),
	}
}

// State is what the session says of the key: the screen draws it.
type State struct {
	Working bool // the key is being read or checked
	FromEnv bool // it came from BASIQ_API_KEY
	// Problem is why the key did not work (nil: none); Retry, that enter
	// tries it again.
	Problem *theme.Problem
	Retry   bool
	// Save offers to keep the good key, nil when not asked.
	Save *SaveOffer
	// Focus: the screen is shown, and the field takes what is typed.
	Focus bool
}

// SaveOffer is where a good key would be saved ("" while finding out where).
type SaveOffer struct {
	Where              string
	Insecure, Replaces bool // a plain file; a key is saved for this API already
}

// SetState shows the key as the session has it; it returns the spinner's
// first tick, or the field's focus.
func (m *Model) SetState(s State) tea.Cmd {
	cmd := m.setWorking(s.Working)
	m.setFromEnv(s.FromEnv)
	if s.Problem != nil {
		m.setProblem(*s.Problem, s.Retry)
	} else {
		m.clearProblem()
	}
	if s.Save != nil {
		m.askSave(s.Save.Where, s.Save.Insecure, s.Save.Replaces)
	} else {
		m.stopAsking()
	}
	if s.Focus && !s.Working && s.Save == nil {
		cmd = tea.Batch(cmd, m.focus())
	}
	return cmd
}

// SetSize gives the screen its body size.
func (m *Model) SetSize(width, height int) {
	m.Body.SetSize(width, height)
	widget.SetInputWidth(&m.input, min(max(width-14, 20), 60))
}

// focus puts the cursor in the field.
func (m *Model) focus() tea.Cmd { return m.input.Focus() }

// SetValue fills the field (a saved key or BASIQ_API_KEY); it stays masked.
func (m *Model) SetValue(k string) { m.input.SetValue(strings.TrimSpace(k)) }

// Value is what the field holds.
func (m Model) Value() string { return m.input.Value() }

// setFromEnv notes that the key came from BASIQ_API_KEY.
func (m *Model) setFromEnv(v bool) { m.fromEnv = v }

// setWorking shows the spinner while the key is checked; it returns the
// spinner's first tick when it starts.
func (m *Model) setWorking(working bool) tea.Cmd {
	if !working {
		return m.working.Set("")
	}
	m.input.Blur()
	return m.working.Set("Exchanging the key for an access token…")
}

// setProblem shows why the key did not work; the field keeps the key.
func (m *Model) setProblem(p theme.Problem, retryable bool) {
	m.problem, m.retry, m.asking = &p, retryable, false
}

// clearProblem removes the problem. A hint about the field (a key is
// needed) stays until the person types: it is about the field, not a call.
func (m *Model) clearProblem() { m.problem = nil }

// askSave offers to keep the good key in where ("" while finding out where);
// insecure means a plain file; replaces, that a key is saved for this API
// already. StopAsking ends the offer.
func (m *Model) askSave(where string, insecure, replaces bool) {
	m.asking, m.saveTo, m.insecure, m.replaces = true, where, insecure, replaces
	m.input.Blur()
}

// TakesEsc reports whether esc is the screen's: while it asks whether to
// save the key, esc answers "not now" (the key is used, and not saved).
func (m Model) TakesEsc() bool { return m.asking }

// stopAsking ends the offer to save the key.
func (m *Model) stopAsking() { m.asking = false }

// Capturing reports whether the field has focus (letters are text).
func (m Model) Capturing() bool { return m.input.Focused() && !m.working.Busy() && !m.asking }

// ShortHelp are this screen's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	switch {
	case m.asking && m.saveTo == "":
		return nil
	case m.asking:
		no := m.no
		no.SetHelp("n/esc", "not now")
		return []key.Binding{m.yes, no}
	case m.working.Busy():
		return nil
	case m.problem != nil && m.retry:
		return []key.Binding{keys.Main.Help("try again"), m.demo}
	}
	return []key.Binding{m.submit, m.demo}
}

// FullHelp are the help line's keys, and d for the demo while the field is empty.
func (m Model) FullHelp() [][]key.Binding {
	k := keys.KeyMap{Short: m.ShortHelp()}
	if !m.asking && !m.working.Busy() && m.input.Value() == "" {
		k.More = []key.Binding{m.demoLetter}
	}
	return k.FullHelp()
}

// Update handles keys, paste and the spinner.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.working, cmd = m.working.Update(msg)
		return m, cmd
	case tea.PasteMsg:
		if m.working.Busy() || m.asking {
			return m, nil
		}
		// A pasted key often carries a newline or spaces from the dashboard.
		m.hint = widget.PasteWhole(&m.input, msg.Content)
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	switch {
	case m.asking && m.saveTo == "":
		return m, nil
	case m.asking:
		switch {
		case key.Matches(msg, m.yes, m.saveEnter):
			m.asking = false
			return m, keys.Ask(keys.Yes)
		case key.Matches(msg, m.no, m.notNow):
			m.asking = false
			return m, keys.Ask(keys.No)
		}
		return m, nil
	case m.working.Busy():
		return m, nil
	case key.Matches(msg, m.demo), key.Matches(msg, m.demoLetter) && m.input.Value() == "":
		return m, keys.Ask(keys.Demo)
	case key.Matches(msg, m.submit):
		k := strings.TrimSpace(m.input.Value())
		if k == "" && !(m.problem != nil && m.retry) {
			m.hint = "A key is needed: paste it from the Basiq dashboard (or press d for the demo)."
			return m, nil
		}
		m.hint = ""
		return m, keys.Send(SubmittedMsg{Key: k})
	}
	if !m.input.Focused() {
		return m, nil
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.hint = ""
	return m, cmd
}

// View draws the screen. The key itself never appears: only its mask.
func (m Model) View() string {
	st := m.st
	w := m.BodyWidth()
	var b strings.Builder
	b.WriteString(st.Title.Render("Your API key") + "\n\n")
	b.WriteString(st.Text.Width(w).Render("Paste the key from the Basiq dashboard (Developer → API Keys). It is swapped for an access token that lasts 60 minutes; the key itself is never shown, logged or sent anywhere but Basiq.") + "\n\n")

	field := m.input.View()
	if m.working.Busy() || m.asking {
		field = st.Dimmed.Render(strings.Repeat("•", min(len([]rune(m.input.Value())), 40)))
	}
	label := st.Label.Render("API key   ")
	b.WriteString(label + field + "\n")
	if m.fromEnv {
		b.WriteString(st.Muted.Render("          from BASIQ_API_KEY") + "\n")
	}
	if m.hint != "" {
		b.WriteString(st.Warning.Render("          "+m.hint) + "\n")
	}
	b.WriteString("\n")

	switch {
	case m.working.Busy():
		b.WriteString(m.working.View(st) + "\n")
	case m.asking && m.saveTo == "":
		b.WriteString(st.Success.Render(theme.SymbolDone+" Basiq accepted the key.") + "\n\n")
		b.WriteString(st.Muted.Render("Finding where it could be saved…") + "\n")
	case m.asking:
		b.WriteString(st.Success.Render(theme.SymbolDone+" Basiq accepted the key.") + "\n\n")
		question := "Save it in " + m.saveTo + " so next time starts here? "
		if m.replaces {
			question = "Save it in " + m.saveTo + " instead of the key saved for this API? "
		}
		b.WriteString(theme.Wrap(w, st.Text.Render(question), st.Key.Render("y"), st.Muted.Render("/"), st.Key.Render("n")) + "\n")
		if m.replaces {
			b.WriteString(st.Muted.Width(w).Render("n or esc keeps the saved key as it is; this run goes on with the one you typed.") + "\n")
		}
		if m.insecure {
			b.WriteString(st.Warning.Width(w).Render(theme.SymbolWarning+" There is no system keyring here, so this would be a plain file that only your user can read (mode 0600).") + "\n")
		}
	case m.problem != nil:
		b.WriteString(st.RenderProblem(*m.problem, w) + "\n")
	}
	if !m.asking && !m.working.Busy() {
		b.WriteString("\n")
		if m.input.Value() == "" {
			b.WriteString(theme.Wrap(w, st.Muted.Render("No key yet? Press "), st.Key.Render("d"), st.Muted.Render(" for the demo: the whole flow against a built-in Basiq simulator.")) + "\n")
		} else {
			b.WriteString(theme.Wrap(w, st.Muted.Render("No key yet? "), st.Key.Render("ctrl+d"), st.Muted.Render(" runs the demo against a built-in Basiq simulator.")) + "\n")
		}
	}
	return m.Fit(strings.TrimRight(b.String(), "\n"))
}
