package accounts

import (
	"sort"
	"strings"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/listing"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// row is one account, formatted once when the accounts arrive. The table
// is a listing: its cells, the columns' order of giving way and the totals
// are the accounts' own.
type row struct {
	acct                 basiq.Account
	cells                []string // by column
	negBal, negAvail, na bool
}

const ( // the columns, in the order they are drawn
	colBank = iota
	colName
	colType
	colProduct
	colHolder
	colBSB
	colNumber
	colBalance
	colAvail
	colLimit
	colUpdated
	columnCount
)

// columns are the table's. As a window narrows they give way in this order
// (the highest Drop first): with one bank its column (the heading names
// it), then the holder, the product, when Basiq last updated the account,
// the credit limit, the BSB, the available funds and the type; the
// account's name takes what is left, no shorter than 24 while others can
// go, nor than 14 at all. A column no account has a value for (BSB, say)
// is not shown. (README's table of widths follows this order.)
func columns(banks int) []listing.Column {
	bankDrop := 0 // several banks: the column says which each account is at
	if banks <= 1 {
		bankDrop = 8
	}
	return []listing.Column{
		colBank:    {Title: "Bank", Max: 20, Drop: bankDrop, Group: true},
		colName:    {Title: "Account", Flex: true, Min: 24, Floor: 14},
		colType:    {Title: "Type", Drop: 1},
		colProduct: {Title: "Product", Max: 24, Drop: 6},
		colHolder:  {Title: "Holder", Max: 28, Drop: 7},
		colBSB:     {Title: "BSB", Drop: 3},
		colNumber:  {Title: "Number", Right: true},
		colBalance: {Title: "Balance", Right: true},
		colAvail:   {Title: "Available", Right: true, Drop: 2},
		colLimit:   {Title: "Credit limit", Right: true, Drop: 4},
		colUpdated: {Title: "Updated", Drop: 5},
	}
}

// newRow formats an account's cells; bank is its institution's name.
func newRow(a basiq.Account, bank string) row {
	r := row{acct: a, na: a.Status == "unavailable", cells: make([]string, columnCount)}
	r.cells[colBank] = bank
	r.cells[colName] = text.Safe(a.Name)
	r.cells[colType] = classWords(a.Class.Type)
	r.cells[colProduct] = text.Safe(a.Class.Product)
	r.cells[colHolder] = text.Safe(a.AccountHolder)
	r.cells[colBSB] = formatBSB(a.BSB) // only where Basiq sends one: the column is there only then
	r.cells[colNumber] = text.MaskNumber(a.AccountNo)
	r.cells[colBalance] = text.FormatAmount(text.Safe(a.Balance), a.Currency)
	r.cells[colAvail] = text.FormatAmount(text.Safe(a.AvailableFunds), a.Currency)
	if a.CreditLimit != "" { // an empty limit is none, not $0.00
		r.cells[colLimit] = text.FormatAmount(text.Safe(a.CreditLimit), a.Currency)
	}
	if !a.LastUpdated.IsZero() {
		r.cells[colUpdated] = a.LastUpdated.Local().Format("2 Jan 15:04")
	}
	for i := range r.cells {
		r.cells[i] = text.Field(r.cells[i])
	}
	r.negBal, r.negAvail = text.ParseMoney(a.Balance).Negative(), text.ParseMoney(a.AvailableFunds).Negative()
	return r
}

// totals adds up the balances per currency: per bank when there are
// several, then over all of them; how many balances did not parse (and
// are left out).
func (m *Model) totals() (out []listing.Total, unparsed int) {
	type key struct{ bank, currency string }
	sums := map[key]text.Money{}
	currencies := map[string]bool{}
	for _, r := range m.rows {
		bal := text.ParseMoney(r.acct.Balance)
		if !bal.OK() && r.acct.Balance != "" {
			unparsed++
		}
		if !bal.OK() {
			continue
		}
		c := r.acct.Currency
		currencies[c], sums[key{"", c}] = true, sums[key{"", c}].Add(bal)
		sums[key{r.cells[colBank], c}] = sums[key{r.cells[colBank], c}].Add(bal)
	}
	sorted := make([]string, 0, len(currencies))
	for c := range currencies {
		sorted = append(sorted, c)
	}
	sort.Strings(sorted)                                                                // AUD before NZD, every time
	total := func(label string, sum text.Money, c string, overall bool) listing.Total { // a bank's, or all of them
		return listing.Total{Label: label, Value: sum.Format(c), Col: colBalance, Strong: overall, Negative: sum.Negative()}
	}
	if len(m.banks) > 1 {
		for _, bank := range m.banks {
			for _, c := range sorted {
				if sum, ok := sums[key{bank, c}]; ok {
					label := bank
					if len(sorted) > 1 {
						label += " (" + c + ")"
					}
					out = append(out, total(label, sum, c, false))
				}
			}
		}
	}
	for _, c := range sorted {
		out = append(out, total("Total "+c, sums[key{"", c}], c, true))
	}
	return out, unparsed
}

// formatBSB writes an Australian BSB as 062-000; anything else as it came.
func formatBSB(bsb string) string {
	bsb = text.Safe(strings.TrimSpace(bsb))
	if len(bsb) == 6 && strings.Trim(bsb, "0123456789") == "" {
		return bsb[:3] + "-" + bsb[3:]
	}
	return bsb
}
