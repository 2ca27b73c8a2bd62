package text

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestCommandLinesBreakAtOptionsAndStayPasteable(t *testing.T) {
	cmd := `curl -X POST 'https://au-api.basiq.io/users' -H "Authorization: Bearer $BASIQ_TOKEN" -H 'Content-Type: application/json' --data-raw '{"email":"max@example.com","note":"a -H b"}'`
	got := CommandLines(cmd, 80)
	want := []string{
		`curl -X POST 'https://au-api.basiq.io/users' \`,
		`  -H "Authorization: Bearer $BASIQ_TOKEN" \`,
		`  -H 'Content-Type: application/json' \`,
		`  --data-raw '{"email":"max@example.com","note":"a -H b"}'`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCommandLinesWrapALongBodyIndentedWithinTheWidth(t *testing.T) {
	body := `{"email":"` + strings.Repeat("a", 100) + `@example.com","mobile":"+61412345678"}`
	got := CommandLines(`curl 'https://au-api.basiq.io/users' --data-raw '`+body+`'`, 60)
	if len(got) < 3 {
		t.Fatalf("a 140-column body in 60 columns did not wrap: %q", got)
	}
	for i, l := range got {
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("line %d is %d wide: %q", i, w, l)
		}
		if i > 1 && !strings.HasPrefix(l, "    ") {
			t.Errorf("continuation %q is not indented under its option", l)
		}
	}
	if joined := strings.ReplaceAll(strings.Join(got[1:], ""), "    ", ""); !strings.Contains(joined, body) {
		t.Errorf("the body is not all there: %q", joined)
	}
}

func TestCommandLinesLeaveAPipelineWhole(t *testing.T) {
	got := CommandLines(`export T=$(curl -s -X POST https://x/token -H "A: b" -d scope=SERVER_ACCESS | jq -r .access_token)`, 100)
	if len(got) != 3 || got[2] != `  -d scope=SERVER_ACCESS | jq -r .access_token)` {
		t.Errorf("got %q", got)
	}
}

func TestCommandLinesWrapALongURLDeeperThanTheOptions(t *testing.T) {
	got := CommandLines(`curl 'http://127.0.0.1:40337/users/7d04dd4a-f538-4122-adc0-167a80a41bd6/accounts' -H 'Accept: application/json'`, 60)
	if len(got) != 3 || !strings.HasPrefix(got[1], "    ") || strings.HasPrefix(got[1], "     ") || !strings.HasPrefix(got[2], "  -H") {
		t.Errorf("got %q", got)
	}
}
