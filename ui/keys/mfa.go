package keys

import "charm.land/bubbles/v2/key"

// MFA are the keys of a bank's question in the job view: a field for each
// question (or for the code the bank sent), the first focused at once.
// While a field has focus letters are answers, so these are the only keys.
type MFA struct {
	Send  key.Binding // enter: send the answers
	Next  key.Binding // tab: the next field
	Prev  key.Binding // shift+tab: the previous field
	Later key.Binding // esc: leave the fields; the job waits on to the bank's deadline
	// Answer is enter once the fields were left: back to them.
	Answer key.Binding
}

// NewMFA returns the bindings of a bank's question.
func NewMFA() MFA {
	return MFA{
		Send:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Next:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next field")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field")),
		Later:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "answer later")),
		Answer: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "answer the bank")),
	}
}
