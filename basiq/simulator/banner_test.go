package simulator

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestBannerCurlsAsTheExportedScriptDoes: the banner's token call is the
// script template's own, so the two cannot drift apart.
func TestBannerCurlsAsTheExportedScriptDoes(t *testing.T) {
	s := New(Options{})
	var b bytes.Buffer
	s.WriteBanner(&b, "")
	tmpl, err := os.ReadFile("../../assets/script/calls.sh.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`BASIQ_TOKEN=$(curl -s -X POST "$BASIQ_API_URL/token" \`, `-d scope=SERVER_ACCESS | jq -r .access_token)`} {
		if !strings.Contains(b.String(), want) || !strings.Contains(string(tmpl), strings.ReplaceAll(want, "curl -s", "{{.}}")) {
			t.Errorf("the banner or the template lacks %q:\n%s", want, b.String())
		}
	}
}

// The banner says where the simulator's events go: listen to a handler, trigger to raise one.
func TestBannerSaysHowToSeeItsEvents(t *testing.T) {
	var b bytes.Buffer
	New(Options{}).WriteBanner(&b, "")
	for _, want := range []string{"basiq-onboard listen --forward-to 3000", "basiq-onboard trigger user.created"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, b.String())
		}
	}
}
