package simulator

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestREADMEQuickstart runs the curl calls README shows, as written, against
// a simulator: if the README drifts from what works, this fails.
func TestREADMEQuickstart(t *testing.T) {
	for _, tool := range [][2]string{{"curl", "curl"}, {"jq", "jq"}} {
		if _, err := exec.LookPath(tool[0]); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed, and CI must run every test (apt-get install %s)", tool[0], tool[1])
			}
			t.Skipf("%s is not installed: apt-get install %s", tool[0], tool[1])
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "<!-- quickstart -->\n```sh\n")
	script, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("README has no quickstart block after <!-- quickstart -->")
	}
	srv := New(Options{})
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cmd := exec.Command("sh", "-e", "-c", script)
	cmd.Env = append(os.Environ(), "BASIQ_API_URL="+base, "BASIQ_API_KEY="+DemoAPIKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the quickstart failed: %v\n%s", err, out)
	}
	for _, want := range []string{`{"title":"retrieve-accounts","status":"success"}`, `{"name":"Transaction 14000","balance":"34076.00"}`, `{"name":"Mortgage 746833","balance":"-299292.25"}`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the quickstart's output lacks %s:\n%s", want, out)
		}
	}
}
