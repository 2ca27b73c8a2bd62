package flow

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/flow/flowtest"
)

func TestNoBrowserOverSSHOrWithoutADisplay(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cases := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", map[string]string{"DISPLAY": ":0"}, ""},
		{"linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, ""},
		{"linux", map[string]string{}, "no display"},
		{"linux", map[string]string{"DISPLAY": ":0", "SSH_CONNECTION": "1.2.3.4 22 5.6.7.8 22"}, "SSH"},
		{"darwin", map[string]string{}, ""},
		{"darwin", map[string]string{"SSH_TTY": "/dev/ttys001"}, "SSH"},
	}
	for _, c := range cases {
		got := noBrowserReason(env(c.env), c.goos)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s %v: %q, want %q", c.goos, c.env, got, c.want)
		}
	}
}

func TestExportWritesCSVAndJSONOwnerOnlyAndDefusesFormulas(t *testing.T) {
	t.Chdir(t.TempDir())
	d := ExportData{
		User:         basiq.User{ID: flowtest.UserID},
		Accounts:     []basiq.Account{{ID: "acc-1", Name: "=HYPERLINK(\"http://evil\")", Balance: "-6081.50", Currency: "AUD"}},
		Transactions: []basiq.Transaction{{ID: "t-1", Account: "acc-1", Description: "@SUM(A1)", Amount: "-12.00"}},
	}
	now := time.Date(2026, 11, 24, 14, 5, 0, 0, time.UTC)
	_, files, err := ExportAccounts(d, "csv", now)
	if err != nil || len(files) != 2 || files[0] != "basiq-accounts-20261124-140500.csv" || files[1] != "basiq-transactions-20261124-140500.csv" {
		t.Fatalf("export: %q, %v", files, err)
	}
	b, err := os.ReadFile("basiq-accounts-20261124-140500.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("accounts CSV: %v\n%s", err, b)
	}
	if rows[1][2] != `'=HYPERLINK("http://evil")` || rows[1][7] != "-6081.50" {
		t.Errorf("row = %q: a formula must be defused, a negative amount kept", rows[1])
	}
	if info, _ := os.Stat("basiq-accounts-20261124-140500.csv"); info.Mode().Perm() != 0o600 {
		t.Errorf("export mode %o, want 0600", info.Mode().Perm())
	}
	if _, _, err := ExportAccounts(d, "csv", now); err == nil {
		t.Error("a second export at the same second overwrote the first")
	}
	_, _, err = ExportAccounts(d, "json", now)
	b, _ = os.ReadFile("basiq-accounts-20261124-140500.json")
	var doc ExportData
	if err != nil || json.Unmarshal(b, &doc) != nil || len(doc.Accounts) != 1 || len(doc.Transactions) != 1 {
		t.Errorf("JSON export: %v\n%s", err, b)
	}
}

func TestTraceLogKeepsTheLatestAndWritesTheDebugFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.log")
	log, closeLog, err := NewTraceLog(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range traceKeep + 5 {
		log.Add(basiq.Exchange{Method: "GET", URL: "https://au-api.basiq.io/jobs/" + string(rune('a'+i%26)), Status: 200})
	}
	closeLog()
	if got := log.Snapshot(); len(got) != traceKeep {
		t.Errorf("kept %d exchanges, want %d", len(got), traceKeep)
	}
	b, _ := os.ReadFile(path)
	if n := strings.Count(string(b), " GET "); n != traceKeep+5 {
		t.Errorf("debug file has %d exchanges, want all %d", n, traceKeep+5)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o600 {
		t.Errorf("debug file mode %o, want 0600", info.Mode().Perm())
	}
}

// The events' poll answering as before takes one row of the inspector, its
// newest; a poll that brought news, or failed, keeps its own.
func TestTheInspectorKeepsOneRowOfEventPollsThatAnsweredTheSame(t *testing.T) {
	log, closeLog, err := NewTraceLog("")
	if err != nil {
		t.Fatal(err)
	}
	defer closeLog()
	poll := func(body string, status int) basiq.Exchange {
		return basiq.Exchange{Method: "GET", URL: "http://127.0.0.1:9/events?filter=user.id.eq('u')", Status: status, ResponseBody: body}
	}
	log.Add(basiq.Exchange{Method: "GET", URL: "http://127.0.0.1:9/users/u/accounts", Status: 200})
	for range 300 {
		log.Add(poll(`{"data":[]}`, 200))
	}
	log.Add(poll(`{"data":[{"id":"e1"}]}`, 200))
	log.Add(poll(`{"data":[{"id":"e1"}]}`, 200))
	log.Add(poll(`busy`, 500))
	got := log.Snapshot()
	var shape []string
	for _, x := range got {
		shape = append(shape, x.URL[strings.LastIndex(x.URL, "/"):]+" "+x.ResponseBody)
	}
	want := []string{"/accounts ", `/events?filter=user.id.eq('u') {"data":[]}`, `/events?filter=user.id.eq('u') {"data":[{"id":"e1"}]}`, "/events?filter=user.id.eq('u') busy"}
	if strings.Join(shape, "|") != strings.Join(want, "|") {
		t.Errorf("kept %q, want %q", shape, want)
	}
}
