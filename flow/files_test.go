package flow

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/basiqtest"
)

// What a hostile server (or bank) could put in a name: set the clipboard
// (OSC 52), clear the screen, ring the bell, an 8-bit CSI, text that runs
// right to left.
const hostileText = "Hooli\x1b]52;c;ZWNobyBwd25lZA==\a\x1b[2J\u009b31m\u202eknaB"

// terminalBytes lists what must never reach a file from the server: C0
// controls (the writer's own newlines aside), DEL, C1 controls and bidi overrides.
func terminalBytes(t *testing.T, name string, b []byte) {
	t.Helper()
	for i, r := range string(b) {
		if r == '\n' || r == '\r' && strings.HasSuffix(name, ".csv") {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) {
			t.Errorf("%s holds %U at byte %d: %q", name, r, i, b)
			return
		}
	}
}

func TestExportedFilesAreSafeToOpen(t *testing.T) {
	t.Chdir(t.TempDir())
	d := ExportData{
		User: basiq.User{ID: "86c79d8c-5033-46b3-b16e-d6cee4200fb3", Email: "max@example.com"},
		Accounts: []basiq.Account{
			{ID: "acc-1", Name: hostileText, Balance: "-6081.50", AvailableFunds: "-1+cmd|' /C calc'!A0", Currency: "AUD"},
		},
		Transactions: []basiq.Transaction{
			{ID: "t-1", Account: "acc-1", Description: "\t=1+1", Amount: "-12.00", Class: "  +SUM(A1)", Status: "@x"},
		},
	}
	now := time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)
	for _, format := range []string{"csv", "json"} {
		if _, _, err := ExportAccounts(d, format, now); err != nil {
			t.Fatalf("%s export: %v", format, err)
		}
	}
	files, _ := filepath.Glob("basiq-*")
	if len(files) != 3 {
		t.Fatalf("files %q, want accounts and transactions CSV and one JSON", files)
	}
	for _, name := range files {
		b, _ := os.ReadFile(name)
		terminalBytes(t, name, b)
	}

	cells := func(name string) [][]string {
		b, _ := os.ReadFile(name)
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		return rows
	}
	account := cells("basiq-accounts-20261124-140500.csv")[1]
	if account[2] != "Hooli31mknaB" || account[7] != "-6081.50" || account[8] != "'-1+cmd|' /C calc'!A0" {
		t.Errorf("account row %q: want the name without its escapes, the balance a number, the formula defused", account)
	}
	txn := cells("basiq-transactions-20261124-140500.csv")[1]
	if txn[4] != "' =1+1" || txn[5] != "-12.00" || txn[8] != "'  +SUM(A1)" || txn[9] != "'@x" {
		t.Errorf("transaction row %q: want every formula defused, the amount a number", txn)
	}

	// JSON escapes what it cannot show, so the data is whole once decoded.
	b, _ := os.ReadFile("basiq-accounts-20261124-140500.json")
	var doc ExportData
	if err := json.Unmarshal(b, &doc); err != nil || doc.Accounts[0].Name != hostileText {
		t.Errorf("JSON name = %q (%v), want the server's text back", doc.Accounts[0].Name, err)
	}
}

func TestDebugTraceIsPrivateAndSanitised(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "trace.log")
	if err := os.WriteFile(path, []byte("old secrets\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	log, closeLog, err := NewTraceLog(path)
	if err != nil {
		t.Fatal(err)
	}
	log.Add(basiq.Exchange{
		Method: "GET", URL: "https://au-api.basiq.io/users/x", Status: 502, CorrelationID: "c\x1b[2J",
		ResponseHeader: http.Header{"X-Note": {"\x1b]0;pwned\a"}},
		ResponseBody:   "<html>\x1b]52;c;ZWNobyBwd25lZA==\a\x1b[2J bad gateway</html>\n\u009b31mline two",
		Err:            "read: \x07",
	})
	closeLog()
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("an existing 0644 file became a trace of mode %04o, want 0600", info.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	terminalBytes(t, "trace", b)
	if strings.Contains(string(b), "old secrets") || !strings.Contains(string(b), "< <html> bad gateway</html>") || !strings.Contains(string(b), "< 31mline two") {
		t.Errorf("trace:\n%s", b)
	}

	// Through a symbolic link: refused, and the file it points at untouched.
	target := filepath.Join(dir, "precious")
	os.WriteFile(target, []byte("keep me"), 0o644)
	link := filepath.Join(dir, "link.log")
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if _, _, err := NewTraceLog(link); err == nil || !strings.Contains(err.Error(), "is a symbolic link, not a plain file") {
		t.Errorf("a trace through a symlink: %v", err)
	}
	if b, _ := os.ReadFile(target); string(b) != "keep me" {
		t.Errorf("the link's target now holds %q", b)
	}
}

// TestDebugTraceSaysWhatItDidNotKeep: a token answer is in the trace as its
// length and status only, a long body as its start and its whole length.
func TestDebugTraceSaysWhatItDidNotKeep(t *testing.T) {
	var b strings.Builder
	writeExchange(&b, basiq.Exchange{Method: "POST", URL: "https://au-api.basiq.io/token", Status: 200,
		RequestBody: "scope=SERVER_ACCESS", RequestBytes: 19, ResponseNotKept: true, ResponseBytes: 1021})
	writeExchange(&b, basiq.Exchange{Method: "GET", URL: "https://au-api.basiq.io/users/u/accounts", Status: 200,
		ResponseBody: `{"data":[{"name":"` + strings.Repeat("a", basiq.TraceBodyLimit-18), ResponseBytes: 2 << 20})
	got := b.String()
	for _, want := range []string{
		"POST https://au-api.basiq.io/token -> 200", "> scope=SERVER_ACCESS\n< (body not kept: 1021 bytes, a token answer, status 200)\n",
		"< (the first 65536 bytes of 2097152)\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the trace lacks %q:\n%.600s", want, got)
		}
	}
	if len(got) > basiq.TraceBodyLimit+1024 {
		t.Errorf("%d bytes of trace for a 2 MiB answer", len(got))
	}
}

// TestExportedAccountsHoldNoSecret: a token a server put in an account's
// name is in neither the CSV nor the JSON the e key writes.
func TestExportedAccountsHoldNoSecret(t *testing.T) {
	t.Chdir(t.TempDir())
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzY29wZSI6IlNFUlZFUl9BQ0NFU1MifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	redact := basiq.NewRedactor()
	redact.Remember(token)
	d := ExportData{Redactor: redact, User: basiq.User{ID: "86c79d8c-5033-46b3-b16e-d6cee4200fb3"},
		Accounts: []basiq.Account{{ID: "acc-1", Name: "Savings " + token[30:], Balance: "1.00", Currency: "AUD"}}}
	now := time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)
	for _, format := range []string{"csv", "json"} {
		if _, _, err := ExportAccounts(d, format, now); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob("basiq-*")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if leaked := basiqtest.Leaks(string(b), token); len(leaked) > 0 || !strings.Contains(string(b), "86c79d8c-5033-46b3-b16e-d6cee4200fb3") && strings.HasSuffix(f, ".json") {
			t.Errorf("%s holds %q (or lost the user's id):\n%s", f, leaked, b)
		}
	}
}
