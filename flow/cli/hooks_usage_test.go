package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/basiq-onboard/basiq-onboard/basiq/webhook"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
)

// The webhook commands' usage errors: exit 2 before any request, at most
// three lines (the message, the 15 types where they help, where --help
// is), naming the flag or the word.
func TestWebhookCommandsUsageErrorsExitTwo(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	env := map[string]string{"BASIQ_API_URL": "http://127.0.0.1:1", "BASIQ_API_KEY": "a-key-that-is-never-sent"}
	for _, c := range []struct {
		args  []string
		want  []string // in the first line
		types bool     // the 15 on the second line
		help  string
	}{
		{[]string{"trigger"}, []string{"which event type? e.g. basiq-onboard trigger user.created"}, true, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.craeted"}, []string{`no event type "user.craeted"; did you mean user.created?`}, true, "basiq-onboard trigger --help"},
		{[]string{"trigger", "Consent_Revoked"}, []string{"did you mean consent.revoked?"}, true, "basiq-onboard trigger --help"},
		{[]string{"trigger", "payment.made"}, []string{`no event type "payment.made"`}, true, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.created", "user.deleted"}, []string{"one event type at a time"}, false, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.created", "--user-id", "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"}, []string{"user.created makes a new user: leave out --user-id"}, false, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.updated", "--user-id", "max"}, []string{`--user-id "max"`}, false, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.updated", "--timeout", "0s"}, []string{"--timeout must be positive"}, false, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.updated", "--api-url", "http://example.com"}, []string{"--api-url: ", "plain http"}, false, "basiq-onboard trigger --help"},
		{[]string{"trigger", "user.updated", "--demo"}, []string{"--demo is basiq-onboard's flag, not trigger's"}, false, "basiq-onboard trigger --help"},
		{[]string{"webhooks", "lst"}, []string{`no command "lst" of webhooks; did you mean list?`}, false, "basiq-onboard webhooks --help"},
		{[]string{"webhooks", "frobnicate"}, []string{`no command "frobnicate" of webhooks; the commands are`, "verify"}, false, "basiq-onboard webhooks --help"},
		{[]string{"webhooks", "list", "all"}, []string{`unexpected argument "all"`}, false, "basiq-onboard webhooks list --help"},
		{[]string{"webhooks", "create"}, []string{"--url is needed"}, false, "basiq-onboard webhooks create --help"},
		{[]string{"webhooks", "create", "--url", "ftp://example.com/x"}, []string{"--url ", "not an http or https URL"}, false, "basiq-onboard webhooks create --help"},
		{[]string{"webhooks", "create", "--url", "http://127.0.0.1:3000/h", "--events", "user.created,users.deleted"}, []string{`--events: no event type "users.deleted"; did you mean user.deleted?`}, true, "basiq-onboard webhooks create --help"},
		{[]string{"webhooks", "create", "--url", "http://127.0.0.1:3000/h", "--events", ","}, []string{"--events names no event type"}, false, "basiq-onboard webhooks create --help"},
		{[]string{"webhooks", "delete"}, []string{"which webhook? give its id"}, false, "basiq-onboard webhooks delete --help"},
		{[]string{"webhooks", "delete", "my-hook"}, []string{`WEBHOOK_ID "my-hook"`}, false, "basiq-onboard webhooks delete --help"},
		{[]string{"webhooks", "messages", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "nope"}, []string{`MESSAGE_ID "nope"`}, false, "basiq-onboard webhooks messages --help"},
		{[]string{"webhooks", "messages", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "x"}, []string{`unexpected argument "x"`}, false, "basiq-onboard webhooks messages --help"},
		{[]string{"webhooks", "verify"}, []string{"no webhook secret: set BASIQ_WEBHOOK_SECRET"}, false, "basiq-onboard webhooks verify --help"},
		{[]string{"webhooks", "verify", "--secret", "whsec_AAAA", "--secret-file", "f"}, []string{"--secret-file and --secret are two secrets"}, false, "basiq-onboard webhooks verify --help"},
		{[]string{"webhooks", "verify", "--secret", "not base64!"}, []string{"--secret: a webhook secret is"}, false, "basiq-onboard webhooks verify --help"},
		{[]string{"webhooks", "verify", "--secret-file", "/nonexistent/secret"}, []string{"--secret-file: open /nonexistent/secret"}, false, "basiq-onboard webhooks verify --help"},
		{[]string{"webhooks", "verify", "--api-url", "http://127.0.0.1:1"}, []string{"--api-url is"}, false, "basiq-onboard webhooks verify --help"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runCLI(t, env, c.args...)
			got := lines(r.stderr)
			wantLines := 2
			if c.types {
				wantLines = 3
			}
			if r.code != qs.ExitUsage || len(got) != wantLines || r.stdout != "" {
				t.Fatalf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %d lines on stderr only", r.code, r.stdout, r.stderr, wantLines)
			}
			for _, want := range c.want {
				if !strings.Contains(got[0], want) {
					t.Errorf("the message lacks %q:\n%s", want, got[0])
				}
			}
			if c.types && got[1] != "Basiq's 15: "+strings.Join(webhook.EventTypeIDs(), ", ") {
				t.Errorf("the second line is not the 15 types: %s", got[1])
			}
			if !strings.Contains(got[len(got)-1], c.help) {
				t.Errorf("the last line does not point at %s:\n%s", c.help, got[len(got)-1])
			}
		})
	}
	// No key anywhere is bad usage too, before any request.
	if r := runCLI(t, map[string]string{"BASIQ_API_URL": "http://127.0.0.1:1"}, "webhooks", "list"); r.code != qs.ExitUsage || !strings.Contains(r.stderr, "no API key: set BASIQ_API_KEY") {
		t.Errorf("no key: exit %d\n%s", r.code, r.stderr)
	}
}

func TestCompletionOffersTheEventTypesAndTheCommands(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if got := complete(t, nil, "trigger", ""); strings.Join(got, " ") != strings.Join(webhookTypesInBasiqsOrder(), " ") {
		t.Errorf("trigger offers %q", got)
	}
	if got := complete(t, nil, "trigger", "consent.re"); strings.Join(got, " ") != "consent.reminder consent.revoked" {
		t.Errorf("trigger consent.re offers %q", got)
	}
	if got := complete(t, nil, "trigger", "user.created", ""); len(got) != 0 {
		t.Errorf("a second type is offered: %q", got)
	}
	if got := complete(t, nil, "webhooks", "create", "--events", "user.created,user."); strings.Join(got, " ") != "user.created,user.deleted user.created,user.updated" {
		t.Errorf("--events after one offers %q", got)
	}
	if got := complete(t, nil, "webhooks", ""); strings.Join(got, " ") != "create delete list messages verify" {
		t.Errorf("webhooks offers %q", got)
	}
	const local, user = "http://127.0.0.1:8080", "7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"
	rememberUser(t, local, user)
	if got := complete(t, nil, "trigger", "user.updated", "--api-url", local, "--user-id", ""); len(got) != 1 || got[0] != user {
		t.Errorf("trigger --user-id offers %q, want the user saved for %s", got, local)
	}
	r := runCLI(t, nil, "__complete", "trigger", "")
	if !strings.Contains(r.stdout, "consent.warning\twhen a consent is about to expire") {
		t.Errorf("the types come without Basiq's words for them:\n%s", r.stdout)
	}
}

func webhookTypesInBasiqsOrder() []string {
	var ids []string
	for _, t := range webhook.EventTypes {
		ids = append(ids, t.ID)
	}
	return ids
}

// The new commands' help: on stdout, with examples, in 80 columns.
func TestWebhookCommandsHelp(t *testing.T) {
	for _, args := range [][]string{{"trigger", "--help"}, {"webhooks", "--help"}, {"webhooks", "create", "--help"}, {"webhooks", "verify", "--help"},
		{"webhooks", "list", "--help"}, {"webhooks", "delete", "--help"}, {"webhooks", "messages", "--help"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || r.stderr != "" || !strings.Contains(r.stdout, "USAGE") {
			t.Errorf("%q: exit %d\n%s", args, r.code, r.stderr)
		}
		_, flags, _ := strings.Cut(r.stdout, "FLAGS")
		_, commands, _ := strings.Cut(r.stdout, "COMMANDS")
		for _, line := range strings.Split(flags+commands, "\n") {
			if line = strings.TrimRight(line, " "); len([]rune(line)) > 80 {
				t.Errorf("%q: a line of %d columns:\n%s", args, len([]rune(line)), line)
			}
		}
	}
	if r := runCLI(t, nil, "webhooks"); r.code != 0 || !strings.Contains(r.stdout, "verify") || !strings.Contains(r.stdout, "EXAMPLES") {
		t.Errorf("webhooks alone: exit %d\n%s", r.code, r.stdout)
	}
	if r := runCLI(t, nil, "help", "trigger"); r.code != 0 || !strings.Contains(r.stdout, "POST /notifications/messages/test") {
		t.Errorf("help trigger: exit %d\n%s", r.code, r.stdout)
	}
}

// README's Flags section lists the flags of trigger and of each webhooks
// command, in --help's order.
func TestREADMEListsTheWebhookCommandsFlags(t *testing.T) {
	block := readmeFlagsBlock(t)
	// Commands on lines one after another share the flags under the last.
	listed := map[string][]string{}
	var commands []string
	flagsSeen := false
	starts := regexp.MustCompile(`^basiq-onboard ((?:trigger|webhooks(?: [a-z]+)?))\b`)
	flagAtStart := regexp.MustCompile(`^\s+(?:-[a-z], )?--([a-z-]+)`)
	for _, line := range strings.Split(block, "\n") {
		if strings.HasPrefix(line, "basiq-onboard ") {
			if flagsSeen {
				commands, flagsSeen = nil, false
			}
			if m := starts.FindStringSubmatch(line); m != nil {
				commands = append(commands, m[1])
			}
		}
		if m := flagAtStart.FindStringSubmatch(line); m != nil {
			flagsSeen = true
			for _, c := range commands {
				listed[c] = append(listed[c], m[1])
			}
		}
	}
	tree := (&app{getenv: func(string) string { return "" }}).commandTree()
	for _, path := range []string{"trigger", "webhooks list", "webhooks create", "webhooks delete", "webhooks messages", "webhooks verify"} {
		cmd, _, err := tree.Find(strings.Fields(path))
		if err != nil {
			t.Fatal(err)
		}
		var flags []string
		cmd.Flags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f.Name) })
		if got, want := strings.Join(listed[path], " "), strings.Join(flags, " "); got != want {
			t.Errorf("README's flags of %q:\n %s\nthe command's, in --help's order:\n %s", "basiq-onboard "+path, got, want)
		}
	}
}

// readmeFlagsBlock is the block of README's Flags section that lists every
// command's flags.
func readmeFlagsBlock(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, _ := strings.Cut(string(readme), "\n## Flags\n")
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, _ := strings.Cut(section, "```\n")
	block, _, _ = strings.Cut(block, "```")
	return block
}
