// Package user is the second screen: the Basiq user who owns the
// connection: a new one from an email and/or mobile, or an existing id.
package user

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/widget"
)

// SubmittedMsg asks flow to create a user (the values are validated), or
// with ID to use that existing user.
type SubmittedMsg struct{ Email, Mobile, ID string }

// ConsentAskedMsg moves on to consent once the user exists.
type ConsentAskedMsg struct{}

// Offer is the last session's user, offered to continue with.
type Offer struct {
	UserID  string
	Created bool // basiq-onboard made it
	Jobs    int  // its jobs not yet over, watched again on continuing
}

const (
	fieldEmail = iota
	fieldMobile
	fieldID
)

// Model is the user screen.
type Model struct {
	widget.Body
	st      *theme.Styles
	fields  [3]textinput.Model
	touched [3]bool     // left once, or submit tried: errors show from then on
	apiErr  [3]apiError // what Basiq said about a field, while it holds the value it was said of
	focus   int
	byID    bool // "use an existing user id" mode
	// example is the user enter on an empty form creates ("" for none): the
	// demo's, where the details are made up anyway.
	example  string
	working  widget.Working // what is being done
	problem  *theme.Problem // from flow: a request that failed
	hint     string         // from the form itself: what to fix before sending
	retry    bool           // enter tries the failed request again
	askAgain bool           // y/N: create another user although the last may exist
	offer    *Offer         // the last session's user, until answered
	user     *basiq.User
	created  bool // user was created here, not looked up
	copied   bool
	answers  int // the session's answers about the user the form has taken

	submit, toggle, copyID, cont, yes, no, resume, fresh key.Binding
	next, prev, up, down, enter, esc                     key.Binding
}

type apiError struct{ msg, value string }

// New builds the user screen.
func New(st *theme.Styles) Model {
	m := Model{
		st:      st,
		working: widget.NewWorking(st),
		submit:  keys.Main.Help("create"),
		next:    keys.Next.Help("next field"),
		prev:    keys.Prev.Hidden(),
		up:      keys.Up.Hidden(),
		down:    keys.Down.Hidden(),
		// ctrl+o, not ctrl+u: in a shell ctrl+u clears the line, and a field should too.
		toggle: keys.ExistingUser.Binding(),
		copyID: keys.Copy.Help("copy the id"),
		cont:   keys.Main.Help("on to consent"),
		yes:    keys.Yes.Help("create another"),
		no:     keys.No.Help("don't"),
		enter:  keys.Main.Hidden(), // a question's default: no
		esc:    keys.Back.Hidden(),
		resume: keys.Main.Help("continue"),
		fresh:  keys.No.Help("start fresh"),
	}
	placeholders := [3]string{"max@example.com", "+61412345678", "7f1c2a4e-…"}
	for i := range m.fields {
		in := widget.TextInput(placeholders[i], 254)
		m.fields[i] = in
	}
	return m
}

// State is the user as the session has it: the screen draws it, and owns
// only what is typed and where the cursor is.
type State struct {
	// Example is the user enter on an empty form creates ("" for none): the demo's.
	Example string
	// LookingUp is the id being looked up (shown on the form for ids), "" for none.
	LookingUp string
	// Working says what is being done, "" when nothing.
	Working string
	// FieldErrors are Basiq's (or the session's) words on a field ("email",
	// "mobile", "id"; "" for the form), taken when Answers changes.
	FieldErrors map[string]string
	Answers     int
	// Problem is a failure that concerns no single field (nil: none); Retry,
	// that enter tries the request again.
	Problem *theme.Problem
	Retry   bool
	// AskCreateAgain: create a user although the last request may have made one?
	AskCreateAgain bool
	// Offer is the last session's user, offered to continue with (nil: none).
	Offer *Offer
	// User is the user the quickstart goes on with (nil: the form); Created, made here.
	User    *basiq.User
	Created bool
	// Focus: the screen is shown, and the field with the cursor takes what is typed.
	Focus bool
}

// SetState shows the user as the session has it; it returns the spinner's
// first tick, or the field's focus.
func (m *Model) SetState(s State) tea.Cmd {
	m.setExample(s.Example)
	if s.LookingUp != "" && s.Working != "" {
		m.setExistingID(s.LookingUp)
	}
	cmd := m.setWorking(s.Working)
	if s.Answers != m.answers {
		// Words on a field, once an answer brings them: set again on every
		// frame they would cling to a value the person has changed since.
		m.answers = s.Answers
		m.setFieldErrors(s.FieldErrors)
	}
	m.setProblem(s.Problem, s.Retry)
	m.setAskCreateAgain(s.AskCreateAgain)
	m.setOffer(s.Offer)
	m.setUser(s.User, s.Created)
	if s.Focus && s.Working == "" {
		cmd = tea.Batch(cmd, m.focusField())
	}
	return cmd
}

// SetSize gives the screen its body size.
func (m *Model) SetSize(width, height int) {
	m.Body.SetSize(width, height)
	for i := range m.fields {
		widget.SetInputWidth(&m.fields[i], min(max(width-30, 20), 44))
	}
}

// focusField puts the cursor in the current field.
func (m *Model) focusField() tea.Cmd {
	if m.user != nil || m.working.Busy() || m.fields[m.focus].Focused() {
		return nil
	}
	return m.fields[m.focus].Focus()
}

// setExample says that enter on an empty form creates the user of this email
// ("" for none), so a demo needs no typing.
func (m *Model) setExample(email string) { m.example = email }

// SetValues prefills email and mobile (from --email, --mobile).
func (m *Model) SetValues(email, mobile string) {
	m.fields[fieldEmail].SetValue(email)
	m.fields[fieldMobile].SetValue(mobile)
}

// setWorking shows a spinner with what is being done ("" when nothing); it
// returns the spinner's first tick when it starts.
func (m *Model) setWorking(what string) tea.Cmd {
	if what != "" {
		m.fields[m.focus].Blur()
	}
	return m.working.Set(what)
}

// setFieldErrors puts Basiq's words next to the fields they concern
// ("email", "mobile" or "id"); each stays while its field holds the value
// it was said of. Words for other fields show as a problem.
func (m *Model) setFieldErrors(errs map[string]string) {
	for field, msg := range errs {
		i, ok := map[string]int{"email": fieldEmail, "mobile": fieldMobile, "id": fieldID}[field]
		if !ok {
			m.hint = msg
			continue
		}
		value := strings.TrimSpace(m.fields[i].Value())
		if m.apiErr[i] == (apiError{msg, value}) {
			continue
		}
		m.apiErr[i], m.touched[i] = apiError{msg, value}, true
		m.setFocus(i)
	}
}

// setProblem shows a failure that concerns no single field (nil clears it);
// retry says enter tries the request again.
func (m *Model) setProblem(p *theme.Problem, retry bool) { m.problem, m.retry = p, retry }

// setExistingID shows the form for an existing user's id, holding id
// (--user-id, or the user looked up).
func (m *Model) setExistingID(id string) {
	if !m.byID {
		m.byID = true
		m.setFocus(fieldID)
	}
	if m.fields[fieldID].Value() != id {
		m.fields[fieldID].SetValue(id)
	}
}

// setOffer offers to continue with the last session's user (nil: no offer).
func (m *Model) setOffer(o *Offer) {
	m.offer = o
	if o != nil {
		m.fields[m.focus].Blur()
	}
}

// setAskCreateAgain asks whether to create a user although the last request may have made one.
func (m *Model) setAskCreateAgain(ask bool) { m.askAgain = ask }

// setUser shows the user the quickstart goes on with (nil: the form).
func (m *Model) setUser(u *basiq.User, created bool) {
	if u == nil {
		m.user = nil
		return
	}
	if m.user == nil || m.user.ID != u.ID {
		m.copied = false
	}
	m.user, m.created = u, created
	for i := range m.fields {
		m.fields[i].Blur()
	}
	if created && m.fields[fieldEmail].Value() == "" && m.fields[fieldMobile].Value() == "" {
		// Made up (the demo's example): show who was created.
		m.fields[fieldEmail].SetValue(u.Email)
		m.fields[fieldMobile].SetValue(u.Mobile)
	}
}

// TakesEsc is true while a question is asked: esc answers no.
func (m Model) TakesEsc() bool { return m.askAgain }

// Capturing reports whether a text field has focus.
func (m Model) Capturing() bool {
	return m.user == nil && !m.working.Busy() && !m.askAgain && m.offer == nil
}

// FullHelp are the help line's keys: the form has no others.
func (m Model) FullHelp() [][]key.Binding { return keys.KeyMap{Short: m.ShortHelp()}.FullHelp() }

// ShortHelp are this screen's keys for its state.
func (m Model) ShortHelp() []key.Binding {
	switch {
	case m.user != nil:
		return []key.Binding{m.cont, m.copyID}
	case m.working.Busy():
		return nil
	case m.offer != nil:
		return []key.Binding{m.resume, m.fresh}
	case m.askAgain:
		return []key.Binding{m.yes, m.no}
	case m.byID:
		use := m.submit
		use.SetHelp("enter", "use this user")
		back := m.toggle
		back.SetHelp("ctrl+o", "create a new user instead")
		return []key.Binding{use, back}
	}
	submit := m.submit
	if m.problem != nil && m.retry {
		submit.SetHelp("enter", "try again")
	}
	return []key.Binding{submit, m.next, m.toggle}
}

func (m *Model) setFocus(i int) tea.Cmd {
	m.fields[m.focus].Blur()
	m.focus = i
	return m.fields[i].Focus()
}

// fieldError is what to say about field i now, "" when nothing.
func (m Model) fieldError(i int) string {
	v := strings.TrimSpace(m.fields[i].Value())
	if e := m.apiErr[i]; e.msg != "" && e.value == v {
		return e.msg
	}
	if !m.touched[i] || v == "" {
		return ""
	}
	var err error
	switch i {
	case fieldEmail:
		err = basiq.ValidateEmail(v)
	case fieldMobile:
		err = basiq.ValidateMobile(v)
	case fieldID:
		err = basiq.ValidateID(v)
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// Update handles keys, paste and the spinner.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.working, cmd = m.working.Update(msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		if !m.Capturing() {
			return m, nil
		}
		var cmd tea.Cmd
		m.hint, cmd = widget.PasteAtCursor(&m.fields[m.focus], msg.Content)
		return m, cmd
	}
	return m, nil
}

func (m Model) key(msg tea.KeyPressMsg) (Model, tea.Cmd) {
	if m.user != nil {
		switch {
		case key.Matches(msg, m.cont):
			return m, keys.Send(ConsentAskedMsg{})
		case key.Matches(msg, m.copyID):
			m.copied = true
			return m, tea.SetClipboard(m.user.ID)
		}
		return m, nil
	}
	if m.working.Busy() {
		return m, nil
	}
	if m.offer != nil {
		switch {
		case key.Matches(msg, m.resume):
			return m, keys.Ask(keys.Yes)
		case key.Matches(msg, m.fresh):
			return m, keys.Ask(keys.No)
		}
		return m, nil
	}
	if m.askAgain {
		switch {
		case key.Matches(msg, m.yes):
			return m, keys.Ask(keys.Yes)
		case key.Matches(msg, m.no, m.enter, m.esc):
			return m, keys.Ask(keys.No)
		}
		return m, nil
	}
	switch {
	case key.Matches(msg, m.toggle):
		m.byID = !m.byID
		m.hint = ""
		if m.byID {
			return m, m.setFocus(fieldID)
		}
		return m, m.setFocus(fieldEmail)
	case key.Matches(msg, m.next, m.prev, m.up, m.down) && !m.byID:
		m.touched[m.focus] = true
		return m, m.setFocus(1 - m.focus) // two fields: the other one
	case key.Matches(msg, m.submit):
		return m.trySubmit()
	}
	var cmd tea.Cmd
	m.fields[m.focus], cmd = m.fields[m.focus].Update(msg)
	m.hint = ""
	return m, cmd
}

func (m Model) trySubmit() (Model, tea.Cmd) {
	m.hint = ""
	if m.byID {
		m.touched[fieldID] = true
		id := strings.TrimSpace(m.fields[fieldID].Value())
		if id == "" {
			m.hint = "Paste the id of a user of this application."
			return m, nil
		}
		if m.fieldError(fieldID) != "" {
			return m, nil
		}
		return m, keys.Send(SubmittedMsg{ID: id})
	}
	m.touched[fieldEmail], m.touched[fieldMobile] = true, true
	email := strings.TrimSpace(m.fields[fieldEmail].Value())
	mobile := basiq.NormalizeMobile(m.fields[fieldMobile].Value())
	for _, i := range []int{fieldEmail, fieldMobile} {
		if m.fieldError(i) != "" {
			return m, m.setFocus(i)
		}
	}
	return m, keys.Send(SubmittedMsg{Email: email, Mobile: mobile})
}

// View draws the screen.
func (m Model) View() string {
	st := m.st
	w := m.BodyWidth()
	if m.offer != nil && !m.working.Busy() {
		return m.Fit(m.offerView(w))
	}
	var b strings.Builder
	if m.byID {
		b.WriteString(st.Title.Render("Use an existing user") + "\n\n")
		b.WriteString(st.Text.Width(w).Render("Paste the id of a user this application created before (the dashboard lists them).") + "\n\n")
		b.WriteString(m.fieldLine("User id", fieldID) + "\n")
	} else {
		b.WriteString(st.Title.Render("Create a user") + "\n\n")
		b.WriteString(st.Text.Width(w).Render("Basiq keeps each customer's data under a user. Give an email, a mobile, or both.") + "\n\n")
		b.WriteString(m.fieldLine("Email", fieldEmail) + "\n")
		b.WriteString(m.fieldLine("Mobile", fieldMobile) + "\n")
	}
	b.WriteString("\n")
	switch {
	case m.user != nil:
		did := " Using user "
		if m.created {
			did = " Created user "
		}
		b.WriteString(st.Success.Render(theme.SymbolDone+did) + st.Code.Render(text.Field(text.Safe(m.user.ID))))
		if m.copied {
			b.WriteString(st.Muted.Render("  (copied)"))
		} else {
			b.WriteString(st.Muted.Render("  (c copies the id)"))
		}
		b.WriteString("\n\n" + theme.Wrap(w, st.Text.Render("Next: consent, where the user picks a bank and agrees to share data. Press "), st.Key.Render("enter"), st.Text.Render(".")))
	case m.working.Busy():
		b.WriteString(m.working.View(st))
	case m.askAgain:
		if m.problem != nil {
			b.WriteString(st.RenderProblem(*m.problem, w) + "\n\n")
		}
		b.WriteString(theme.Wrap(w, st.Warning.Render(theme.SymbolWarning+" The last request may have created this user already. Create another anyway? "),
			st.Key.Render("y"), st.Muted.Render("/"), st.Key.Render("N")))
	case m.hint != "":
		b.WriteString(st.Warning.Width(w).Render(theme.SymbolWarning + " " + m.hint))
	case m.problem != nil:
		b.WriteString(st.RenderProblem(*m.problem, w))
	case m.example != "" && !m.byID && m.fields[fieldEmail].Value() == "" && m.fields[fieldMobile].Value() == "":
		b.WriteString(theme.Wrap(w, st.Muted.Render("Demo: "), st.Key.Render("enter"),
			st.Muted.Render(" with nothing typed creates "+text.Safe(m.example)+".")))
	}
	return m.Fit(strings.TrimRight(b.String(), "\n"))
}

func (m Model) fieldLine(label string, i int) string {
	st := m.st
	labelCell := st.Label.Render(lipgloss.NewStyle().Width(labelWidth).Render(label))
	value := m.fields[i].View()
	if m.user != nil || m.working.Busy() {
		// Shown whole, a long value (a 240-character email) wraps within
		// the field's column as one block, the mark beside its first line.
		value = st.Value.Render(text.WrapValue(text.Safe(m.fields[i].Value()), m.fields[i].Width()))
	}
	field := lipgloss.NewStyle().Width(m.fields[i].Width() + 2).Render(value)
	mark := ""
	e := m.fieldError(i)
	switch {
	case e != "":
		msg := st.Error.Render(theme.SymbolFailed + " " + text.Field(text.Safe(e)))
		if labelWidth+lipgloss.Width(field)+1+lipgloss.Width(msg) > m.BodyWidth() {
			// No room beside the field: under it, aligned with the value.
			under := st.Error.Width(max(m.Width-labelWidth, 20)).Render(theme.SymbolFailed + " " + text.Field(text.Safe(e)))
			return lipgloss.JoinHorizontal(lipgloss.Top, labelCell, field) + "\n" + lipgloss.NewStyle().PaddingLeft(labelWidth).Render(under)
		}
		mark = " " + msg
	case m.touched[i] && strings.TrimSpace(m.fields[i].Value()) != "":
		mark = " " + st.Success.Render(theme.SymbolDone)
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, labelCell, field, mark)
}

// labelWidth is the column a field's label takes; values and the messages
// under them start after it.
const labelWidth = 10

// offerView asks whether to go on with the last session's user.
func (m Model) offerView(w int) string {
	st := m.st
	o := m.offer
	id := text.Field(text.Safe(o.UserID))
	last := "The last session against this API used user " + id
	if o.Created {
		last += ", which basiq-onboard created"
	}
	last += "."
	switch {
	case o.Jobs == 1:
		last += " Its job had not finished: continuing asks Basiq about it, and watches it if it still runs."
	case o.Jobs > 1:
		last += " " + strconv.Itoa(o.Jobs) + " of its jobs had not finished: continuing asks Basiq about them, and watches those that still run."
	}
	question := "Continue with user " + text.ShortID(id) + "…"
	switch {
	case o.Jobs == 1:
		question += " (and its unfinished job)"
	case o.Jobs > 1:
		question += " (and its unfinished jobs)"
	}
	return st.Title.Render("Continue where you left off?") + "\n\n" +
		st.Text.Render(text.WrapValue(last, w)) + "\n\n" + // never breaks the id at a '-'

		theme.Wrap(w, st.Text.Render(question+"? "), st.Key.Render("enter"), st.Muted.Render(" continue · "),
			st.Key.Render("n"), st.Muted.Render(" start fresh (a new user, or ctrl+o for another id)"))
}
