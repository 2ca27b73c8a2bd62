package flow

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/ui/text"
)

// ExportData is what `e` on the accounts screen writes: Basiq's own field
// names, so the file reads like the API's answers.
type ExportData struct {
	User         basiq.User          `json:"user"`
	Accounts     []basiq.Account     `json:"accounts"`
	Transactions []basiq.Transaction `json:"transactions,omitempty"`
	// Redactor is the run's: a secret a server put in the data stays out of the file.
	Redactor *basiq.Redactor `json:"-"`
}

// ExportAccounts writes the accounts (and loaded transactions) into the
// current directory, owner-readable only (it is someone's bank data), never
// over an existing file. CSV gives one file for accounts and, when any are
// loaded, one for transactions. It says where the files went, and their names
// in the order written (those written before a failure too).
func ExportAccounts(d ExportData, format string, now time.Time) (dir string, files []string, err error) {
	stamp := now.Format("20060102-150405")
	write := func(name string, body []byte) error {
		err := writeNew(name, body)
		if err == nil {
			files = append(files, name)
		}
		return err
	}
	switch format {
	case "json":
		err = write("basiq-accounts-"+stamp+".json", exportJSON(d))
	default:
		err = write("basiq-accounts-"+stamp+".csv", accountsCSV(d.Accounts, d.Redactor))
		if err == nil && len(d.Transactions) > 0 {
			err = write("basiq-transactions-"+stamp+".csv", transactionsCSV(d.Transactions, d.Redactor))
		}
	}
	dir, _ = os.Getwd() // only said to the user; empty if the directory is gone
	return dir, files, err
}

func writeNew(name string, body []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func accountsCSV(accounts []basiq.Account, r *basiq.Redactor) []byte {
	rows := [][]string{{"id", "institution", "name", "class", "product", "accountNo", "currency", "balance", "availableFunds", "status", "lastUpdated"}}
	for _, a := range accounts {
		rows = append(rows, []string{a.ID, a.Institution, a.Name, a.Class.Type, a.Class.Product, a.AccountNo,
			a.Currency, a.Balance, a.AvailableFunds, a.Status, a.LastUpdated.Format(time.RFC3339)})
	}
	return csvBytes(rows, r)
}

func transactionsCSV(txns []basiq.Transaction, r *basiq.Redactor) []byte {
	rows := [][]string{{"id", "account", "postDate", "transactionDate", "description", "amount", "currency", "direction", "class", "status"}}
	for _, t := range txns {
		rows = append(rows, []string{t.ID, t.Account, t.PostDate, t.TransactionDate, t.Description, t.Amount,
			t.Currency, t.Direction, t.Class, t.Status})
	}
	return csvBytes(rows, r)
}

// csvBytes writes rows of server text as CSV that is safe to open: no
// escape sequence or control character (`cat` of the file must not set the
// clipboard or clear the screen), no formula a spreadsheet would run, no
// secret.
func csvBytes(rows [][]string, redact *basiq.Redactor) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		for i, cell := range r {
			r[i] = defuseFormula(redact.String(text.Safe(cell)))
		}
		_ = w.Write(r) // writes to a bytes.Buffer cannot fail
	}
	w.Flush()
	return buf.Bytes()
}

// plainNegative is how Basiq writes a negative amount, e.g. -6081.50.
var plainNegative = regexp.MustCompile(`^-[0-9]+(\.[0-9]+)?$`)

// defuseFormula keeps a spreadsheet from running a cell that came from a bank
// (a description like "=HYPERLINK(...)", or " =..." after leading spaces) as
// a formula. A negative amount is a number, not a formula, and stays as it
// is; anything more after the minus ("-1+cmd|...") is defused.
func defuseFormula(cell string) string {
	lead := strings.TrimLeft(cell, " ")
	if lead == "" {
		return cell
	}
	switch lead[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + cell
	case '-':
		if !plainNegative.MatchString(cell) {
			return "'" + cell
		}
	}
	return cell
}

// exportJSON is d as indented JSON in which every character the terminal
// would act on or hide is a \u escape: the encoder escapes C0 controls
// itself, this does the same for what text.Safe would drop (DEL, C1
// controls such as U+009B, bidi overrides), so the data stays whole and
// `cat` stays harmless.
func exportJSON(d ExportData) []byte {
	body, _ := json.MarshalIndent(d, "", "  ") // plain data: it cannot fail
	var b bytes.Buffer
	b.Grow(len(body) + 1)
	for _, r := range d.Redactor.String(string(body)) {
		// Everything below DEL is JSON's own, structure or already escaped.
		if r < 0x7f || text.Safe(string(r)) == string(r) {
			b.WriteRune(r)
			continue
		}
		for _, unit := range utf16.Encode([]rune{r}) {
			fmt.Fprintf(&b, `\u%04x`, unit)
		}
	}
	b.WriteByte('\n')
	return b.Bytes()
}
