package transactions

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/spinner"
	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/keys"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

const request = "GET /users/7f1c2a4e…/transactions?limit=50"

func txn(id, date, account, desc, class, amount string) basiq.Transaction {
	dir := basiq.DirectionCredit
	if strings.HasPrefix(amount, "-") {
		dir = basiq.DirectionDebit
	}
	return basiq.Transaction{ID: id, PostDate: date + "T00:00:00Z", Account: account, Description: desc, Class: class, Amount: amount, Currency: "AUD", Direction: dir}
}

func loaded() State {
	return State{Endpoint: request, Accounts: map[string]string{"acc-1": "Transaction 14000", "acc-3": "Credit Card 13000", "acc-b1": "Everyday"},
		Feed: Feed{Started: true, More: true, Items: []basiq.Transaction{
			txn("t1", "2026-11-23", "acc-1", "BILL & TONY'S CAFE NEWTOWN", "payment", "-12.20"),
			txn("t2", "2026-11-23", "acc-3", "COLES 0456 NEWTOWN", "payment", "-116.42"),
			txn("t3", "2026-11-22", "acc-1", "TRANSFER TO SAVINGS 123890", "transfer", "-1000.00"),
			txn("t4", "2026-11-21", "acc-b1", "PAYROLL RAVIGA CAPITAL", "direct-credit", "2940.00"),
			txn("t5", "2026-11-21", "acc-1", "MONTHLY ACCOUNT FEE", "bank-fee", "-5.00"),
			txn("t6", "2026-11-20", "acc-1", "BILL & TONY'S CAFE NEWTOWN", "payment", "-8.71"),
		}}}
}

func sized(w, h int, s State) Model {
	return uitest.InTabs(New(theme.New(true)), frame.TabbedBodySize, w, h, s)
}

func typeText(m Model, text string) Model { return uitest.Typed(m, text) }

func TestGoldens(t *testing.T) {
	filtered := loaded()
	filtered.Filter = Filter{Direction: basiq.DirectionDebit, Class: "payment", From: "2026-11-01", To: "2026-11-30"}
	filtered.Endpoint = "GET /users/7f1c2a4e…/transactions?filter=transaction.direction.eq('debit'),transaction.class.eq('payment')," +
		"transaction.postDate.gteq('2026-11-01'),transaction.postDate.lteq('2026-11-30')&limit=50"
	filtered.More = false
	cases := map[string]uitest.Drawn[State, Model]{
		"loading":  {State: State{Feed: Feed{Loading: true}, Endpoint: request}},
		"loaded":   {State: loaded()},
		"filtered": {State: filtered},
		"searched": {State: loaded(), Then: func(m Model) Model {
			m, _ = uitest.Keys(m, "/")
			m, _ = uitest.Keys(typeText(m, "cafe"), "enter")
			return m
		}},
		"filter_form": {State: loaded(), Then: func(m Model) Model {
			m, _ = uitest.Keys(m, "f", "right", "right", "tab", "right", "tab")
			return typeText(m, "2026-11-01")
		}},
		"two_banks": {State: func() State {
			s := loaded()
			for i := range s.Items {
				s.Items[i].Institution = "AU00000"
			}
			s.Items[3].Institution = "AU00002"
			s.Banks = map[string]string{"AU00000": "Hooli Bank", "AU00002": "Pied Piper Bank"}
			return s
		}()},
		"none_pass": {State: State{Feed: Feed{Started: true}, Endpoint: request, Filter: Filter{Class: "refund"}}},
		"problem": {State: func() State {
			s := loaded()
			s.Problem = &theme.Problem{What: "Loading transactions: Service unavailable. (503 service-unavailable)"}
			return s
		}()},
	}
	uitest.StateGoldens(t, uitest.Windows, frame.TabbedBodySize, cases, sized)
}

func TestTheFilterFormAsksForWhatItShows(t *testing.T) {
	m := sized(80, 24, loaded())
	m, _ = uitest.Keys(m, "f")
	if !m.Capturing() || !m.TakesEsc() {
		t.Fatal("the form open: letters and esc should be the form's")
	}
	m, _ = uitest.Keys(m, "right", "right", "tab", "left", "tab")
	m = typeText(m, "2026-11-30")
	m, _ = uitest.Keys(m, "tab")
	m = typeText(m, "2026-11-01")
	m, msg := uitest.Keys(m, "enter")
	if msg != nil || !strings.Contains(m.View(), "To is before From") {
		t.Fatalf("dates the wrong way round sent %#v:\n%s", msg, m.View())
	}
	m, _ = uitest.Keys(m, "shift+tab")
	for range 10 {
		m, _ = uitest.Keys(m, "backspace")
	}
	m = typeText(m, "2026-10-01")
	m, msg = uitest.Keys(m, "enter")
	want := FilteredMsg{Filter: Filter{Direction: basiq.DirectionDebit, Class: basiq.TransactionClasses[len(basiq.TransactionClasses)-1], From: "2026-10-01", To: "2026-11-01"}}
	if msg != want || m.Capturing() {
		t.Errorf("enter sent %#v, want %#v; the form should close", msg, want)
	}
	// esc leaves the filter as it was.
	m, _ = uitest.Keys(m, "f", "right")
	if m, msg = uitest.Keys(m, "esc"); msg != nil || m.Capturing() {
		t.Errorf("esc sent %#v", msg)
	}
}

func TestSearchNarrowsWhatIsLoadedAndEscClearsIt(t *testing.T) {
	m := sized(80, 24, loaded())
	m, _ = uitest.Keys(m, "/")
	if !m.Capturing() {
		t.Fatal("/ did not focus the search")
	}
	m = typeText(m, "CAFE n") // letters are text: n does not load more
	v := uitest.Render(m.View(), 0)
	if strings.Contains(v, "COLES") || strings.Count(v, "BILL & TONY'S CAFE NEWTOWN") != 2 {
		t.Errorf("searching for cafe n:\n%s", v)
	}
	m, _ = uitest.Keys(m, "enter")
	if m.Capturing() || !m.TakesEsc() || !strings.Contains(m.View(), "2 of 6 loaded") {
		t.Errorf("after enter the search should stay, and esc clear it:\n%s", m.View())
	}
	m, _ = uitest.Keys(m, "esc")
	if m.TakesEsc() || !strings.Contains(m.View(), "COLES") {
		t.Errorf("esc did not clear the search:\n%s", m.View())
	}
}

func TestMoreIsAskedOnlyWhenThereIsMore(t *testing.T) {
	m := sized(80, 24, loaded())
	uitest.Sends(t, m, keys.IntentMsg{Intent: keys.More}, "m")
	s := loaded()
	s.More = false
	uitest.Sends(t, sized(80, 24, s), nil, "m") // after the last page
	s.More, s.Loading = true, true
	uitest.Sends(t, sized(80, 24, s), nil, "m") // while a page loads
}

// TestAnotherScreensTickLeavesTheFilterAsItIs: the wizard gives every
// screen a spinner's tick; the filter's word on a bad date stays.
func TestAnotherScreensTickLeavesTheFilterAsItIs(t *testing.T) {
	m := New(theme.New(true))
	m.SetSize(96, 20)
	m, _ = uitest.Keys(m, "f", "tab", "tab", "x", "enter")
	if !strings.Contains(m.View(), "not a date") {
		t.Fatalf("a bad date is not said:\n%s", m.View())
	}
	m, _ = m.Update(spinner.TickMsg{ID: 99})
	if !strings.Contains(m.View(), "not a date") {
		t.Errorf("a tick cleared the filter's word:\n%s", m.View())
	}
}
