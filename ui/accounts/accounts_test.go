package accounts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/frame"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
	"github.com/basiq-onboard/basiq-onboard/ui/uitest"
)

var updated = time.Date(2026, 11, 24, 14, 5, 12, 0, time.UTC)

var insts = map[string]basiq.Institution{"AU00000": {ID: "AU00000", Name: "Hooli Bank"}}

// wentworthSmith is the sandbox persona's four accounts (basiq-api.md §6).
func wentworthSmith() []basiq.Account {
	acct := func(no, name, class, product, bal, avail, holder string) basiq.Account {
		return basiq.Account{ID: "acc-" + no, AccountNo: "60000015700000" + no, Name: name, Currency: "AUD", Balance: bal, AvailableFunds: avail,
			Status: "available", Class: basiq.AccountClass{Type: class, Product: product}, Institution: "AU00000", AccountHolder: holder,
			LastUpdated: updated, TransactionIntervals: []basiq.TransactionInterval{{From: "2024-05-30", To: "2026-11-24"}}, BSB: "062000"}
	}
	accts := []basiq.Account{
		acct("2", "Transaction 14000", "transaction", "Hooli Transaction", "34076.00", "34076.00", "Max Wentworth-Smith"),
		acct("3", "Savings 123890", "savings", "Hooli Saver", "38383.73", "38383.73", "Max Wentworth-Smith"),
		acct("1", "Credit Card 13000", "credit-card", "Hooli Visa", "-6081.50", "13918.50", "Max Wentworth-Smith"),
		acct("4", "Mortgage 746833", "mortgage", "Hooli Home Loan", "-299292.25", "100707.75", "Max Wentworth-Smith & Paul Wentworth-Smith"),
	}
	accts[2].CreditLimit, accts[3].CreditLimit = "20000.00", "400000.00" // as the sandbox's persona has them
	return accts
}

// twoBanks is Wentworth-Smith's accounts and two at a second bank, as after
// connecting another bank: Basiq lists them in no particular order.
func twoBanks() []basiq.Account {
	hooli := wentworthSmith()
	other := func(id, name, class, bal, avail string) basiq.Account {
		return basiq.Account{ID: id, AccountNo: "1234567" + id[len(id)-1:], Name: name, Currency: "AUD", Balance: bal, AvailableFunds: avail,
			Status: "available", Class: basiq.AccountClass{Type: class}, Institution: "AU00001", LastUpdated: updated.Add(-26 * time.Hour), BSB: "633000"}
	}
	return []basiq.Account{hooli[0], other("acc-b1", "Everyday", "transaction", "1520.10", "1520.10"), hooli[1], hooli[2],
		other("acc-b2", "Bonus Saver", "savings", "20000.00", "20000.00"), hooli[3]}
}

func many(n int) []basiq.Account {
	var out []basiq.Account
	base := wentworthSmith()
	for i := range n {
		a := base[i%4]
		a.ID = fmt.Sprintf("acc-%d", i)
		a.Name = fmt.Sprintf("%s #%d", a.Name, i)
		if i%2 == 1 {
			a.Institution = "AU00001"
		}
		if i%7 == 0 {
			a.Status = "unavailable"
		}
		out = append(out, a)
	}
	return out
}

func sized(w, h int, accts []basiq.Account) Model {
	m := uitest.Sized(New(theme.New(true)), frame.BodySize, w, h)
	m.setHeading("Max Wentworth-Smith")
	all := map[string]basiq.Institution{"AU00001": {ID: "AU00001", Name: "Hooli Credit Union"}}
	for k, v := range insts {
		all[k] = v
	}
	m.setAccounts(accts, all, updated)
	return m
}

func press(m Model, code rune) (Model, tea.Msg) {
	k := tea.KeyPressMsg{Code: code}
	if code != tea.KeyEnter && code != tea.KeyEscape && code != tea.KeyRight {
		k.Text = string(code)
	}
	m, cmd := m.Update(k)
	if cmd == nil {
		return m, nil
	}
	return m, cmd()
}

func txns() []basiq.Transaction {
	return []basiq.Transaction{
		{ID: "t1", Description: "WOOLWORTHS 1234 SYDNEY", Amount: "-82.35", Currency: "AUD", PostDate: "2026-11-23T00:00:00Z"},
		{ID: "t2", Description: "Salary ACME PTY LTD", Amount: "4250.00", Currency: "AUD", PostDate: "2026-11-20T00:00:00Z"},
		{ID: "t3", Description: "Transfer to savings", Amount: "-1000.00", Currency: "AUD", PostDate: "2026-11-19T00:00:00Z"},
	}
}

func TestGoldens(t *testing.T) {
	cases := map[string]uitest.Drawn[[]basiq.Account, Model]{
		"none": {},
		"consent_revoked": {Then: func(m Model) Model {
			m.setNoConsent(true)
			return m
		}},
		"four":      {State: wentworthSmith()},
		"two_banks": {State: twoBanks()},
		"two_banks_selected": {State: twoBanks(), Then: func(m Model) Model {
			for range 4 {
				m, _ = press(m, 'j')
			}
			return m
		}},
		"thousand":     {State: many(1000)},
		"thousand_end": {State: many(1000), Then: func(m Model) Model { m, _ = press(m, 'G'); return m }},
		"detail": {State: wentworthSmith(), Then: func(m Model) Model {
			for range 3 {
				m, _ = press(m, 'j')
			}
			m, _ = press(m, tea.KeyEnter)
			return m
		}},
		"detail_long_values": {State: func() []basiq.Account {
			a := wentworthSmith()
			a[0].AccountHolder = "Max Wentworth-Smith & Paul Wentworth-Smith & Hooli Family Trust (ABN 12 345 678 901) as trustee for the Wentworth-Smith Superannuation Fund"
			a[0].ID = "acc-" + strings.Repeat("0123456789", 10)
			return a
		}(), Then: func(m Model) Model { m, _ = press(m, tea.KeyEnter); return m }},
		"transactions": {State: wentworthSmith(), Then: func(m Model) Model {
			m, _ = press(m, 't')
			m.setFeed("acc-2", Feed{Items: txns(), Started: true, More: true})
			return m
		}},
		"pending_transactions": {State: wentworthSmith(), Then: func(m Model) Model { m.setTransactionsPending(true); return m }},
		"exported": {State: wentworthSmith(), Then: func(m Model) Model {
			m, _ = press(m, 'e')
			m.setExported("/home/max", []string{"basiq-accounts-20261124-140512.csv", "basiq-transactions-20261124-140512.csv"}, nil)
			return m
		}},
	}
	uitest.StateGoldens(t, uitest.Windows, frame.BodySize, cases, sized)
	t.Run("color", func(t *testing.T) { uitest.GoldenColor(t, sized(100, 30, wentworthSmith()).View()) })
	t.Run("color_light", func(t *testing.T) {
		m := New(theme.New(false))
		m.SetSize(frame.BodySize(120, 40))
		m.setAccounts(twoBanks(), map[string]basiq.Institution{"AU00000": insts["AU00000"], "AU00001": {ID: "AU00001", Name: "Hooli Credit Union"}}, updated)
		m, _ = press(m, 'j')
		uitest.GoldenColor(t, m.View())
	})
}

func TestWentworthSmithTotalIsExact(t *testing.T) {
	v := sized(100, 30, wentworthSmith()).View()
	for _, want := range []string{"-$232,914.02", "$34,076.00", "-$299,292.25", "••0002", "Credit card"} {
		if !strings.Contains(v, want) {
			t.Errorf("the table lacks %q:\n%s", want, v)
		}
	}
}

func TestNarrowTerminalsDropTheLeastUsefulColumnsFirst(t *testing.T) {
	cases := []struct {
		name  string
		accts []basiq.Account
		w     int
		want  []string
		not   []string
	}{
		{"one bank, wide", wentworthSmith(), 120, []string{"Bank", "Account", "Type", "BSB", "Number", "Balance", "Available", "Updated", "062-000", "24 Nov"}, nil},
		{"one bank, 80", wentworthSmith(), 80, []string{"Account", "Type", "BSB", "Number", "Balance", "Available"}, []string{"Bank", "Updated"}},
		{"two banks, 80", twoBanks(), 80, []string{"Bank", "Account", "Number", "Balance"}, []string{"BSB", "Updated"}},
		{"no BSBs", many(8), 200, []string{"Bank", "Updated"}, []string{"BSB"}},
	}
	for _, c := range cases {
		for i := range c.accts {
			if c.name == "no BSBs" {
				c.accts[i].BSB = ""
			}
		}
		header := strings.Split(uitest.Render(sized(c.w, 40, c.accts).View(), colorprofile.NoTTY), "\n")[2]
		v := uitest.Render(sized(c.w, 40, c.accts).View(), colorprofile.NoTTY)
		for _, want := range c.want {
			if !strings.Contains(v, want) {
				t.Errorf("%s: want %q in\n%s", c.name, want, v)
			}
		}
		for _, not := range c.not {
			if strings.Contains(header, not) {
				t.Errorf("%s: %q should give way in %q", c.name, not, header)
			}
		}
	}
}

func TestSeveralBanksHaveABankColumnAndATotalEach(t *testing.T) {
	v := uitest.Render(sized(80, 24, twoBanks()).View(), colorprofile.NoTTY)
	for _, want := range []string{"2 banks · 6 accounts", "Hooli Bank", "Hooli Credit Union", "$21,520.10", "-$232,914.02", "Total AUD", "-$211,393.92"} {
		if !strings.Contains(v, want) {
			t.Errorf("want %q in\n%s", want, v)
		}
	}
	// Grouped by bank: a bank's name heads its rows, its accounts follow it.
	lines := strings.Split(v, "\n")
	var order []string
	for _, l := range lines[3:9] {
		order = append(order, strings.TrimSpace(strings.TrimPrefix(l, "›")))
	}
	if !strings.HasPrefix(order[0], "Hooli Bank") || !strings.HasPrefix(order[4], "Hooli Credit Union") || strings.HasPrefix(order[1], "Hooli") {
		t.Errorf("rows not grouped under their bank:\n%s", strings.Join(order, "\n"))
	}
}

func TestUnparseableBalanceIsLeftOutOfTheTotalAndSaid(t *testing.T) {
	accts := wentworthSmith()
	accts[0].Balance = "n/a"
	v := sized(100, 30, accts).View()
	if !strings.Contains(v, "-$266,990.02") || !strings.Contains(v, "left out of the total") {
		t.Errorf("view:\n%s", v)
	}
}

func TestKeys(t *testing.T) {
	m := sized(100, 30, wentworthSmith())
	m, msg := press(m, 't')
	if msg != (TransactionsRequestedMsg{AccountID: "acc-2"}) || !m.TakesEsc() || m.Capturing() {
		t.Fatalf("t sent %#v", msg)
	}
	if !strings.Contains(m.View(), "Loading transactions") {
		t.Errorf("before the first page:\n%s", m.View())
	}
	m.setFeed("acc-2", Feed{Items: txns(), Started: true, More: true})
	if _, msg := press(m, 'm'); msg != (TransactionsRequestedMsg{AccountID: "acc-2", More: true}) {
		t.Errorf("m sent %#v", msg)
	}
	m.setFeed("acc-2", Feed{Items: txns(), Started: true, More: true, Problem: &theme.Problem{What: "Basiq answered 503."}})
	if _, msg := press(m, 'r'); msg != (TransactionsRequestedMsg{AccountID: "acc-2"}) {
		t.Errorf("r after a failed page sent %#v", msg)
	}
	m, _ = press(m, tea.KeyEscape)
	if m.TakesEsc() {
		t.Error("esc did not go back to the table")
	}
	m, _ = press(m, 'e')
	if _, msg := press(m, tea.KeyEnter); msg != (ExportAskedMsg{Format: "csv"}) {
		t.Errorf("e enter sent %#v, want CSV first", msg)
	}
	m, _ = press(m, tea.KeyRight)
	if _, msg := press(m, tea.KeyEnter); msg != (ExportAskedMsg{Format: "json"}) {
		t.Errorf("e → enter sent %#v, want JSON", msg)
	}
}

func TestTheCursorStaysInViewWhenTheExportMessageTakesRoom(t *testing.T) {
	m := sized(80, 24, many(1000))
	m, _ = press(m, 'G')
	m, _ = press(m, 'e')
	m.setExported("/home/max", []string{"basiq-accounts-20261124-140512.csv", "basiq-transactions-20261124-140512.csv"}, nil)
	v := uitest.Render(m.View(), colorprofile.NoTTY)
	_, bodyHeight := frame.BodySize(80, 24)
	if !strings.Contains(v, "Mortgage 746833 #999") || !strings.Contains(v, "›") {
		t.Errorf("the selected last row scrolled out of view:\n%s", v)
	}
	if !strings.Contains(v, "basiq-transactions-20261124-140512.csv") {
		t.Errorf("the export message is cut off:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n > bodyHeight {
		t.Errorf("the table takes %d lines; the body has %d", n, bodyHeight)
	}
}

func TestFinalViewHasNoCursor(t *testing.T) {
	m := sized(100, 30, wentworthSmith())
	v := m.FinalView(100)
	if strings.Contains(v, "›") || !strings.Contains(v, "-$232,914.02") {
		t.Errorf("final view:\n%s", v)
	}
}

func BenchmarkAccountsView1000(b *testing.B) {
	m := sized(200, 60, many(1000))
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}

func TestTheSelectedRowHasABackgroundAndWithoutColourStaysMarked(t *testing.T) {
	m := sized(120, 40, wentworthSmith())
	m, _ = press(m, 'j')
	selected := func(profile colorprofile.Profile) string {
		for _, l := range strings.Split(uitest.Render(m.View(), profile), "\n") {
			if strings.Contains(l, "Savings 123890") {
				return l
			}
		}
		t.Fatal("no Savings row")
		return ""
	}
	if l := selected(colorprofile.ANSI256); !strings.Contains(l, "48;5;") || strings.Count(l, "48;5;") < 8 {
		t.Errorf("the selected row should have a background from edge to edge: %q", l)
	}
	// NO_COLOR: no colours at all, and still the › and bold.
	if l := selected(colorprofile.Ascii); !strings.HasPrefix(l, "\x1b[1m›") || strings.Contains(l, "38;") || strings.Contains(l, "48;") {
		t.Errorf("without colour the selected row should keep its mark and bold, and nothing else: %q", l)
	}
}

func TestInTheViewsTheHeadingSaysTheRequest(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("two_banks_in_views_%dx%d", size[0], size[1]), func(t *testing.T) {
			m := New(theme.New(true))
			bw, bh := frame.TabbedBodySize(size[0], size[1])
			m.SetSize(bw, bh)
			m.setAccounts(twoBanks(), map[string]basiq.Institution{"AU00000": insts["AU00000"], "AU00001": {ID: "AU00001", Name: "Hooli Credit Union"}}, updated)
			m.setRequest("GET /users/7f1c2a4e…/accounts")
			v := m.View()
			if !strings.Contains(v, "GET /users/7f1c2a4e…/accounts at ") || strings.Contains(v, "1–") {
				t.Errorf("the request, and every account without scrolling:\n%s", v)
			}
			uitest.GoldenInBody(t, v, bw, bh)
		})
	}
	if v := sized(80, 24, twoBanks()).FinalView(80); strings.Contains(v, "GET /users") {
		t.Errorf("the table left in the terminal names no request:\n%s", v)
	}
}

// Issue 19 item 11: a wide window shows more of each account: the product,
// the holder, the credit limit, and the BSB only where Basiq sends one.
func TestItem11AWideWindowShowsProductHolderCreditLimitAndABSBOnlyWhereSent(t *testing.T) {
	header := func(w int, accts []basiq.Account) (string, string) {
		v := uitest.Render(sized(w, 40, accts).View(), colorprofile.NoTTY)
		return strings.Split(v, "\n")[2], v
	}
	noBSB := wentworthSmith()
	for i := range noBSB {
		noBSB[i].BSB = "" // as the sandbox (and the simulator) send them
	}
	h, v := header(200, noBSB)
	for _, want := range []string{"Product", "Holder", "Credit limit", "Hooli Visa", "Max Wentworth-Smith", "$20,000.00", "$400,000.00"} {
		if !strings.Contains(v, want) {
			t.Errorf("200 columns: %q missing:\n%s", want, v)
		}
	}
	if strings.Contains(h, "BSB") {
		t.Errorf("a BSB column where Basiq sent none: %q", h)
	}
	if h, _ := header(200, wentworthSmith()); !strings.Contains(h, "BSB") {
		t.Errorf("no BSB column where Basiq sent them: %q", h)
	}
	// 80 columns keep what they had.
	if h, _ := header(80, noBSB); strings.Join(strings.Fields(h), " ") != "Account Type Number Balance Available" {
		t.Errorf("80 columns: %q", h)
	}
	// The order columns come in as the window widens (README's table).
	var seen []string
	prev := ""
	for w := 80; w <= 200; w++ {
		h, _ := header(w, noBSB)
		if h = strings.Join(strings.Fields(h), " "); h != prev {
			seen, prev = append(seen, h), h
		}
	}
	want := []string{
		"Account Type Number Balance Available",
		"Account Type Number Balance Available Credit limit",
		"Account Type Number Balance Available Credit limit Updated",
		"Account Type Product Number Balance Available Credit limit Updated",
		"Account Type Product Holder Number Balance Available Credit limit Updated",
		"Bank Account Type Product Holder Number Balance Available Credit limit Updated",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("as the window widens:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}
