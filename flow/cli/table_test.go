package cli

import (
	"strings"
	"testing"
)

func TestTablesFitTheTerminalAndLeaveOutEmptyColumns(t *testing.T) {
	header := []string{"ID", "STATUS", "URL", "EVENTS", "NAME"}
	rows := [][]string{
		{"3762cca9-aa60-4bda-9db5-35606dbb5740", "active", "http://127.0.0.1:3000/webhooks", "user.created, consent.warning, connection.activated", ""},
		{"8a1b2c3d-aa60-4bda-9db5-35606dbb5740", "active", "http://127.0.0.1:3000/other", "all 15", ""},
	}
	wide := formatTable(header, rows, 0)
	want := []string{
		"ID                                    STATUS  URL                             EVENTS",
		"3762cca9-aa60-4bda-9db5-35606dbb5740  active  http://127.0.0.1:3000/webhooks  user.created, consent.warning, connection.activated",
		"8a1b2c3d-aa60-4bda-9db5-35606dbb5740  active  http://127.0.0.1:3000/other     all 15",
	}
	if strings.Join(wide, "\n") != strings.Join(want, "\n") {
		t.Errorf("through a pipe:\n%s\nwant\n%s", strings.Join(wide, "\n"), strings.Join(want, "\n"))
	}
	if got := formatTable(header, rows, 200); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("a wide terminal:\n%s", strings.Join(got, "\n"))
	}
	narrow := formatTable(header, rows, 80)
	want = []string{
		"3762cca9-aa60-4bda-9db5-35606dbb5740  active  http://127.0.0.1:3000/webhooks",
		"  events: user.created, consent.warning, connection.activated",
		"8a1b2c3d-aa60-4bda-9db5-35606dbb5740  active  http://127.0.0.1:3000/other",
		"  events: all 15",
	}
	if strings.Join(narrow, "\n") != strings.Join(want, "\n") {
		t.Errorf("at 80 columns:\n%s\nwant\n%s", strings.Join(narrow, "\n"), strings.Join(want, "\n"))
	}
	for _, l := range narrow {
		if len([]rune(l)) > 80 {
			t.Errorf("a line of %d columns at 80: %s", len([]rune(l)), l)
		}
	}
	if tiny := formatTable(header, rows, 20); tiny[0] != rows[0][0] || tiny[1] != "  status: active" {
		t.Errorf("at 20 columns the id still leads:\n%s", strings.Join(tiny, "\n"))
	}
	// A message's columns: three lead, the counts and times are named.
	messages := formatTable([]string{"MESSAGE", "TYPE", "STATUS", "ATTEMPTS", "LAST ANSWER", "CREATED"},
		[][]string{{"11c62cb2-d1b5-400e-98b0-a66f0c3cc849", "consent.warning", "delivered", "1", "✓ 200 in 2ms", "2026-12-03 13:02:42"}}, 80)
	if strings.Join(messages, "\n") != "11c62cb2-d1b5-400e-98b0-a66f0c3cc849  consent.warning  delivered\n  attempts: 1\n  last answer: ✓ 200 in 2ms\n  created: 2026-12-03 13:02:42" {
		t.Errorf("a message at 80 columns:\n%s", strings.Join(messages, "\n"))
	}
}
