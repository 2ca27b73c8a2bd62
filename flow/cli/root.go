package cli

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/pkg/browser"
	"github.com/spf13/cobra"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	"github.com/basiq-onboard/basiq-onboard/flow/headless"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/flow/wizard"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// options is the parsed command line of the wizard.
type options struct {
	demo       bool
	apiURL     string
	consentURL string
	email      string
	mobile     string
	userID     string
	jobIDList  string // --job-id as given: comma-separated
	jobIDs     []string
	persona    string
	noBrowser  bool
	plain      bool
	json       bool
	events     bool
	timeout    time.Duration
	debugFile  string
	exportTo   string // --export-script: the bash script's path
	deleteUser bool
	forwardTo  string // --forward-to, as ParseForwardTo made it
	// forwardToGiven: --forward-to was on the command line, even empty (an
	// unset $PORT): an empty one is a mistake, not "no forwarding".
	forwardToGiven bool
}

const rootLong = `A terminal wizard for the Basiq open-banking API (v3): from an API key to a user, consent in the browser, the connection job and the user's accounts, in a few keys. With --demo it runs against a built-in Basiq simulator, no key needed.

The API key comes from BASIQ_API_KEY, then the key saved for that API, then a prompt; never a flag. Without a terminal (a pipe, TERM=dumb, --plain, --json, --events) the same steps print as lines, and a failed step ends the run; with a terminal on stdin they ask for what they need (the key, not echoed; the email; a bank's question). Exit codes: 0 done, 1 the API or a job failed, 2 bad usage, 130 interrupted, 143 terminated, 129 hung up.`

const rootExamples = `# The whole quickstart against the built-in simulator, no key needed
basiq-onboard --demo
# Every step as a line of JSON, for a script
basiq-onboard --demo --events | jq -c .
# Your own key, from the environment (never a flag)
BASIQ_API_KEY=... basiq-onboard
# Come back to the user of an earlier run
basiq-onboard --user-id "$USER_ID"`

// rootCommand is basiq-onboard itself: the wizard, or its plain faces.
func (a *app) rootCommand() *cobra.Command {
	var o options
	cmd := a.flagsOnly(&cobra.Command{
		Use:     "basiq-onboard",
		Short:   "Onboard a user with the Basiq API v3, in the terminal",
		Long:    rootLong,
		Example: rootExamples,
	}, func(cmd *cobra.Command) (int, error) {
		o.forwardToGiven = cmd.Flags().Changed("forward-to")
		if err := checkOptions(&o, a.getenv); err != nil {
			return 0, usageError{cmd.CommandPath(), err.Error()}
		}
		return a.run(cmd.Context(), o)
	})
	fs := cmd.Flags()
	// The flags in the order below: what to run against, the user, output, timing and debugging.
	fs.BoolVar(&o.demo, "demo", false, "run against the built-in simulator; no key needed")
	fs.StringVar(&o.apiURL, "api-url", "", "the Basiq API to run against, or BASIQ_API_URL\n(default "+basiq.DefaultBaseURL+"; http on loopback)")
	fs.StringVar(&o.consentURL, "consent-url", "", "the consent page, or BASIQ_CONSENT_URL\n(default "+basiq.DefaultConsentBase+")")
	fs.StringVar(&o.persona, "persona", "", "demo only: consent at once as this sandbox login\n("+qs.SandboxPersona+"; bighead, erlich, jianYang fail)")
	fs.BoolVar(&o.noBrowser, "no-browser", false, "never open a browser; show the link and a QR code")
	fs.StringVar(&o.email, "email", "", "the new user's email; prefills the form")
	fs.StringVar(&o.mobile, "mobile", "", "the new user's mobile, e.g. +61412345678")
	fs.StringVar(&o.userID, "user-id", "", "come back to this user instead of creating one")
	fs.StringVar(&o.jobIDList, "job-id", "", fmt.Sprintf("watch these jobs of the user (ID,ID,…; at most %d)\ninstead of opening consent", qs.MaxJobs))
	fs.BoolVar(&o.deleteUser, "delete-user", false, "at the end, delete the user this run created\n(never one given with --user-id)")
	fs.BoolVar(&o.plain, "plain", false, "progress line by line, no full-screen UI")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON on stdout; implies --plain")
	fs.BoolVar(&o.events, "events", false, "print each step as a line of JSON on stdout;\nimplies --plain")
	fs.StringVar(&o.exportTo, "export-script", "", "at the end, save the session as a bash script FILE\nand a Go program beside it")
	fs.StringVar(&o.forwardTo, "forward-to", "", "forward the user's Basiq events to your handler, as\nlisten does: a URL, host:port, :port or a port")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long the run may take, consent and jobs too;\nin the wizard, how long consent may take")
	fs.StringVar(&o.debugFile, "debug", "", "write a redacted trace of each HTTP exchange to FILE")
	describeValues(cmd, map[string]value{
		"api-url":       {"URL", "a URL, e.g. --api-url http://127.0.0.1:8080"},
		"consent-url":   {"URL", "a URL, e.g. --consent-url http://127.0.0.1:8080/consent/home"},
		"persona":       {"LOGIN", "a sandbox login, e.g. --persona " + qs.SandboxPersona},
		"email":         {"ADDR", "an email address, e.g. --email max@example.com"},
		"mobile":        {"NUMBER", "a mobile number, e.g. --mobile +61412345678"},
		"user-id":       {"ID", "a user's id, e.g. --user-id 7f1c2a4e-5b6d-4c3e-9f8a-0b2e9c3d4f5a"},
		"job-id":        {"ID[,ID...]", "one or more job ids, comma-separated"},
		"export-script": {"FILE", "a file to write, e.g. --export-script quickstart.sh"},
		"forward-to":    {"URL", "a URL, host:port, :port or a port, e.g. --forward-to 3000"},
		"timeout":       {"DURATION", "a duration, e.g. --timeout 10m or --timeout 90s"},
		"debug":         {"FILE", "a file to write, e.g. --debug trace.log"},
	})
	a.completeRoot(cmd, &o)
	register(cmd, "forward-to", cobra.NoFileCompletions) // a URL or a port: no file
	return cmd
}

// checkOptions completes the options from the environment and refuses
// combinations the program cannot run with; the error names the flag.
func checkOptions(o *options, getenv func(string) string) error {
	o.apiURL = apiURLFlagOrEnv(o.apiURL, getenv)
	if o.consentURL == "" {
		o.consentURL = getenv("BASIQ_CONSENT_URL")
	}
	if o.json || o.events {
		o.plain = true
	}
	o.jobIDs = splitJobIDs(o.jobIDList)
	switch {
	case o.demo && o.apiURL != "":
		return fmt.Errorf("--demo runs the built-in simulator; it cannot be combined with --api-url or BASIQ_API_URL")
	case o.json && o.events:
		return fmt.Errorf("--json and --events both write stdout; pick one")
	case o.deleteUser && o.userID != "":
		return fmt.Errorf("--delete-user deletes the user a run creates; a user given with --user-id is never deleted")
	case o.persona != "" && !o.demo:
		return fmt.Errorf("--persona completes consent in the built-in simulator only; add --demo")
	case o.persona != "" && !isPersona(o.persona):
		return fmt.Errorf("--persona %q is not a sandbox login; try %s (or bighead, erlich, jianYang to see failures)", o.persona, qs.SandboxPersona)
	case o.timeout <= 0:
		return fmt.Errorf("--timeout must be positive, e.g. 10m")
	}
	if err := qs.CheckJobIDs(o.jobIDs); err != nil {
		return err // the session's own rule, asked before any face starts
	}
	if err := checkForwardTo(o); err != nil {
		return err
	}
	if o.exportTo != "" {
		// Before any request: a run that cannot save its script at the end should not start.
		if err := flow.CheckScriptPath(o.exportTo); err != nil {
			return fmt.Errorf("--export-script %v", err)
		}
	}
	for _, u := range []struct{ flag, url string }{{"--api-url", o.apiURL}, {"--consent-url", o.consentURL}} {
		if err := checkURLFlag(u.flag, u.url); err != nil {
			return err
		}
	}
	return nil
}

// apiURLFlagOrEnv is the API a command line names: --api-url, else
// BASIQ_API_URL; "" for Basiq's own (apiURLOf). Every command takes it so.
func apiURLFlagOrEnv(flag string, getenv func(string) string) string {
	if flag == "" {
		return getenv("BASIQ_API_URL")
	}
	return flag
}

// checkURLFlag holds a URL flag to the rule for base URLs (https, plain
// http on this machine only); "" passes.
func checkURLFlag(flag, url string) error {
	if url == "" {
		return nil
	}
	if err := basiq.CheckBaseURL(url); err != nil {
		return fmt.Errorf("%s: %s", flag, strings.TrimPrefix(err.Error(), "basiq: "))
	}
	return nil
}

// splitJobIDs is --job-id's list: trimmed, without blanks or repeats.
func splitJobIDs(list string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, id := range strings.Split(list, ",") {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

func isPersona(login string) bool {
	_, ok := simulator.Persona(login)
	return ok
}

// consentWarning says when a consent link would point at Basiq's real
// consent page although the API is this machine (the standalone simulator):
// that page cannot know the simulator's users. "" when all is well.
func consentWarning(o options) string {
	if o.demo || o.consentURL != "" || o.apiURL == "" {
		return ""
	}
	u, err := url.Parse(o.apiURL)
	if err != nil || !isLoopbackHost(u.Hostname()) {
		return ""
	}
	return "the API is on this machine (" + u.Host + ") but the consent link goes to " + basiq.DefaultConsentBase +
		", which cannot see its users: set BASIQ_CONSENT_URL (the simulator prints it) or --consent-url"
}

func isLoopbackHost(host string) bool {
	return basiq.CheckBaseURL("http://"+host) == nil
}

// run is the quickstart for checked options: the wizard in a terminal, the
// headless faces elsewhere. Its code is the exit code; an error is bad usage
// found only on the way (a --debug file that cannot be written).
func (a *app) run(ctx context.Context, o options) (int, error) {
	stdin, stdout, stderr, getenv := a.stdin, a.stdout, a.stderr, a.getenv
	if w := consentWarning(o); w != "" {
		fmt.Fprintln(stderr, "basiq-onboard: warning:", w)
	}

	traces, closeTrace, err := flow.NewTraceLog(o.debugFile)
	if err != nil {
		return qs.ExitUsage, usageError{"basiq-onboard", "--debug: " + err.Error()}
	}
	defer closeTrace()

	cfg := wizardConfig(o, getenv, traces, basiq.NewRedactor())
	if err := forwardEvents(&cfg, o, stderr); err != nil {
		fmt.Fprintln(stderr, "basiq-onboard:", err)
		return qs.ExitFailed, nil
	}
	interactive := !o.plain && term.IsTerminal(stdin.Fd()) && term.IsTerminal(stdout.Fd()) && !lineByLine(getenv("TERM"))
	if !interactive {
		if term.IsTerminal(stdin.Fd()) {
			// Someone can answer: the key (not echoed), the email, a bank's question.
			cfg.Prompt = flow.NewTerminalPrompter(stdin, stderr)
		}
		out := headless.OutputTable
		switch {
		case o.json:
			out = headless.OutputJSON
		case o.events:
			out = headless.OutputEvents
		}
		code := headless.Run(ctx, cfg, out, stdout, stderr)
		if c := signalled(ctx); c != 0 {
			return c, nil
		}
		if code == qs.ExitUsage { // a flag the run needed and did not have: it has said which
			printHelpHint(colorprofile.NewWriter(stderr, os.Environ()), theme.New(theme.DarkFromEnv(getenv)), "basiq-onboard")
		}
		return code, nil
	}
	return runWizard(ctx, cfg, getenv, stdout, stderr), nil
}

// lineByLine reports whether a terminal of this TERM gets lines rather
// than the full-screen wizard, as gh and git do: a dumb terminal, or one
// that does not say what it is.
func lineByLine(termName string) bool {
	return termName == "" || termName == "dumb"
}

// runWizard runs the full-screen wizard; its summary stays in the terminal.
func runWizard(ctx context.Context, cfg flow.Config, getenv func(string) string, stdout, stderr *os.File) int {
	// The browser launcher's chatter would scribble over the screen.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	isDark := theme.DarkFromEnv(getenv)
	m := &madeInInit{make: func() wizard.Model { return wizard.New(cfg, isDark) }}
	// Signals are ours (withSignals): Bubble Tea's own handler would quit
	// with exit 0 on SIGTERM. Cancelling ctx restores the terminal.
	_, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler(), tea.WithFPS(firstFrameFPS)).Run()
	// However it ended, what it was still writing is waited for, and said
	// where it did not finish.
	for _, line := range m.close() {
		fmt.Fprintln(stderr, "basiq-onboard:", line)
	}
	if c := signalled(ctx); c != 0 {
		return c
	}
	fm, ok := m.model()
	if !ok || err != nil {
		fmt.Fprintln(stderr, "basiq-onboard:", err)
		return qs.ExitFailed
	}
	if summary := fm.Summary(); summary != "" {
		// Printed after the program, to the restored terminal, in its colours (or none).
		out := colorprofile.NewWriter(stdout, os.Environ())
		fmt.Fprintln(out, summary)
	}
	return fm.ExitCode()
}

// apiURLOf is the API a command line points at: --api-url or
// BASIQ_API_URL (checkOptions has merged them), else Basiq's own.
func apiURLOf(o options) string {
	if o.apiURL == "" {
		return basiq.DefaultBaseURL
	}
	return o.apiURL
}

// wizardConfig turns the command line and environment into the quickstart's configuration.
func wizardConfig(o options, getenv func(string) string, traces *flow.TraceLog, redact *basiq.Redactor) flow.Config {
	apiURL := apiURLOf(o)
	cfg := flow.Config{
		NewAPI: func(key string) (flow.API, error) {
			return basiq.New(basiq.Config{APIKey: key, BaseURL: apiURL, UserAgent: userAgent(), Trace: traces.Add, Redactor: redact})
		},
		StartDemo:    func() (flow.Demo, error) { return startDemo(getenv, traces, redact) },
		Redactor:     redact,
		Traces:       traces.Snapshot,
		Demo:         o.demo,
		Where:        whereLabel(apiURL),
		APIURL:       apiURL,
		ConsentBase:  o.consentURL,
		EnvKey:       getenv("BASIQ_API_KEY"),
		Email:        o.email,
		Mobile:       o.mobile,
		UserID:       o.userID,
		JobIDs:       o.jobIDs,
		Persona:      o.persona,
		Timeout:      o.timeout,
		ExportScript: o.exportTo,
		DeleteUser:   o.deleteUser,
		Events:       true,
	}
	if o.demo {
		cfg.EnvKey = "" // the demo has its own key; a real one stays out of it
	}
	if store, err := openStore(); err == nil {
		cfg.UseStore(store) // the key and the session, each per API origin
	}
	if !o.noBrowser {
		cfg.OpenBrowser = browser.OpenURL
		cfg.BrowserUnavailable = flow.NoBrowserReason(getenv)
	}
	return cfg
}

// openStore is the store of what earlier runs kept (the key and the last
// user, per API origin): the wizard's and --user-id's completion read the same one.
func openStore() (*flow.Store, error) {
	return flow.OpenStore()
}

// whereLabel names the API in the header: its host.
func whereLabel(apiURL string) string {
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		return u.Host
	}
	return apiURL
}
