package wizard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/ui/user"
)

// savedScripts are the session's files in the current directory.
func savedScripts(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("basiq-quickstart-*.[sg][ho]") // the .sh and the .go; the handler's folder is handlerDir
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestSOnTheAccountsTableSavesTheSessionAndTheSummaryNamesIt(t *testing.T) {
	t.Chdir(t.TempDir())
	w := newRig().demoToAccounts(t)
	w.sees("s saves this session as a bash script and a Go program")
	w.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	if !strings.Contains(w.helpLine(), "s save as script") {
		t.Errorf("the accounts table does not offer s: %q", w.helpLine())
	}
	w.keys("enter") // an account in full: its keys are its own
	if strings.Contains(w.helpLine(), "save as script") {
		t.Errorf("s is offered over an account's detail: %q", w.helpLine())
	}
	w.keys("esc", "s")
	files := savedScripts(t)
	if len(files) != 2 || !strings.HasSuffix(files[0], ".go") || !strings.HasSuffix(files[1], ".sh") {
		t.Fatalf("s wrote %q, want a .sh and a .go", files)
	}
	w.sees("Saved the session as " + files[1] + ", .go and -webhooks/ (mode 0600)")
	if _, err := os.Stat(filepath.Join(qs.HandlerDirFor(files[1]), "go.mod")); err != nil {
		t.Errorf("no webhook handler beside them: %v", err)
	}
	w.keys("q", "n")
	summary := w.m.Summary()
	for _, want := range []string{"bash " + files[1], "go run " + files[0], "$BASIQ_API_KEY", "cd " + qs.HandlerDirFor(files[1]) + " && BASIQ_WEBHOOK_SECRET=$(basiq-onboard listen --print-secret) go run ."} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q:\n%s", want, summary)
		}
	}
	script, _ := os.ReadFile(files[1])
	if !strings.Contains(string(script), "https://au-api.basiq.io") || strings.Contains(string(script), "127.0.0.1") {
		t.Errorf("the demo's script should point at Basiq, not the stopped simulator:\n%s", script)
	}
}

func TestSInTheInspectorSavesTheSessionOnceThereIsAUser(t *testing.T) {
	t.Chdir(t.TempDir())
	r := newRig()
	r.cfg.Traces = func() []basiq.Exchange { return nil }
	w := r.toUser(t)
	w.keys("f2") // the inspector; in the form's field i is a letter
	if strings.Contains(w.helpLine(), "save") {
		t.Errorf("the inspector offers s before there is a user: %q", w.helpLine())
	}
	w.keys("s", "f2")
	if files := savedScripts(t); len(files) != 0 {
		t.Fatalf("s saved %q with no user", files)
	}
	w.send(user.SubmittedMsg{Email: "max@example.com"})
	w.until("made the user", func(m Model) bool { return m.session.User.User.ID != "" }).settle()
	w.keys("f2", "s")
	files := savedScripts(t)
	if len(files) != 2 {
		t.Fatalf("s in the inspector wrote %q", files)
	}
	w.sees("Saved the session as " + files[1] + ", .go and -webhooks/ in")
	script, _ := os.ReadFile(files[1])
	if !strings.Contains(string(script), `NEW_USER='{"email":"max@example.com"}'`) {
		t.Errorf("the script does not create the session's user:\n%s", script)
	}
}

// With --forward-to the exported handler's line carries the secret this
// run signed with (the demo's is nowhere else), past the redactor that
// hides it everywhere else in the summary.
func TestTheExportedHandlersLineHasTheSecretTheRunSignedWith(t *testing.T) {
	t.Chdir(t.TempDir())
	r := newRig()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	r.cfg.Redactor = basiq.NewRedactor()
	r.cfg.Redactor.Remember(secret.Reveal())
	r.cfg.ForwardSecret = secret
	w := r.demoToAccounts(t)
	w.keys("s")
	files := savedScripts(t)
	w.keys("q", "n")
	summary := w.m.Summary()
	if want := "cd " + qs.HandlerDirFor(files[1]) + " && BASIQ_WEBHOOK_SECRET=" + secret.Reveal() + " go run ."; !strings.Contains(summary, want) {
		t.Errorf("the summary lacks %q:\n%s", want, summary)
	}
	if strings.Count(summary, secret.Reveal()) != 1 {
		t.Errorf("the secret is in the summary %d times, want once, in the handler's line:\n%s", strings.Count(summary, secret.Reveal()), summary)
	}
}
