package flow

import (
	"strings"
	"testing"
)

// TestTheSummarysCommandsAreTheScriptsCalls: the accounts fetched again
// after the wizard are the exported script's calls, each one command.
func TestTheSummarysCommandsAreTheScriptsCalls(t *testing.T) {
	got := FetchAccountsCommands("https://au-api.basiq.io/", "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a")
	want := []string{
		"BASIQ_API_URL=https://au-api.basiq.io",
		"USER_ID=7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a",
		`BASIQ_TOKEN=$(curl -s -X POST "$BASIQ_API_URL/token" -H "Authorization: Basic $BASIQ_API_KEY" -H "basiq-version: 3.0" -d scope=SERVER_ACCESS | jq -r .access_token)`,
		`curl -s "$BASIQ_API_URL/users/$USER_ID/accounts" -H "Authorization: Bearer $BASIQ_TOKEN"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := FetchAccountsCommands("", "it's"); got[0] != "BASIQ_API_URL=https://au-api.basiq.io" || got[1] != `USER_ID='it'\''s'` {
		t.Errorf("Basiq's URL by default, an id quoted where it needs it: %q", got[:2])
	}
}
