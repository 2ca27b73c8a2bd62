// Command basiq-onboard walks a developer through the Basiq API v3 quickstart:
// API key, access token, a user, consent in the browser, the connection job,
// and the user's accounts. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"
	"github.com/pkg/browser"

	"github.com/basiq-onboard/basiq-onboard/basiq"
	"github.com/basiq-onboard/basiq-onboard/basiq/simulator"
	"github.com/basiq-onboard/basiq-onboard/flow"
	qs "github.com/basiq-onboard/basiq-onboard/flow/quickstart"
	"github.com/basiq-onboard/basiq-onboard/flow/wizard"
	"github.com/basiq-onboard/basiq-onboard/ui/theme"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

func currentVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	// Built from a checkout: the commit says which.
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+changes"
			}
		}
	}
	if rev == "" {
		return "development build (go run and -buildvcs=false record no commit)"
	}
	return "commit " + rev[:min(12, len(rev))] + modified
}

// options is the parsed command line of the wizard.
type options struct {
	demo       bool
	apiURL     string
	consentURL string
	email      string
	mobile     string
	userID     string
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
	version    bool
}

// usageError is a command line the program cannot run with; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usageHead = `Usage:
  basiq-onboard [flags]
  basiq-onboard simulator [--addr 127.0.0.1:8080] [--step-delay 2s] [--faults SPEC]

The API key comes from BASIQ_API_KEY, then the saved key, then a prompt; never a flag.

Flags:
`

func parseOptions(args []string, getenv func(string) string, stdout, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("basiq-onboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.demo, "demo", false, "run against the built-in Basiq simulator; no key needed")
	fs.StringVar(&o.apiURL, "api-url", "", "Basiq API base URL (or BASIQ_API_URL; default "+basiq.DefaultBaseURL+")")
	fs.StringVar(&o.consentURL, "consent-url", "", "consent UI (or BASIQ_CONSENT_URL; default "+basiq.DefaultConsentBase+")")
	fs.StringVar(&o.email, "email", "", "the new user's email (prefills the form)")
	fs.StringVar(&o.mobile, "mobile", "", "the new user's mobile, international form, e.g. +61412345678")
	fs.StringVar(&o.userID, "user-id", "", "use an existing user instead of creating one")
	jobIDs := fs.String("job-id", "", fmt.Sprintf("watch these jobs (comma-separated, at most %d) instead of opening consent", qs.MaxJobs))
	fs.StringVar(&o.persona, "persona", "", "demo only: complete the first consent automatically as this sandbox login")
	fs.BoolVar(&o.noBrowser, "no-browser", false, "never open a browser; show the URL (and QR code) instead")
	fs.BoolVar(&o.plain, "plain", false, "line-by-line progress, no full-screen UI")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON on stdout (progress on stderr); implies --plain")
	fs.BoolVar(&o.events, "events", false, "print each step as one JSON object a line on stdout; implies --plain")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long the run may take: consent and jobs included")
	fs.StringVar(&o.debugFile, "debug", "", "write a redacted trace of every HTTP exchange to FILE (a token answer only as its length; each body to its first 64 KiB)")
	fs.BoolVar(&o.deleteUser, "delete-user", false, "at the end, delete the user this run created (DELETE /users/{id}); never one given with --user-id")
	fs.StringVar(&o.exportTo, "export-script", "", "at the end, save the session as a bash script FILE and a Go program beside it (FILE's .sh as .go)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		// Asked for (--help): stdout. After a mistake: stderr, with the mistake.
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout)
		}
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("unexpected argument %q (flags start with --; see --help)", fs.Arg(0))}
	}
	if o.apiURL == "" {
		o.apiURL = getenv("BASIQ_API_URL")
	}
	if o.consentURL == "" {
		o.consentURL = getenv("BASIQ_CONSENT_URL")
	}
	if o.json || o.events {
		o.plain = true
	}
	if *jobIDs != "" {
		seen := map[string]bool{}
		for _, id := range strings.Split(*jobIDs, ",") {
			if id = strings.TrimSpace(id); id != "" && !seen[id] {
				seen[id] = true
				o.jobIDs = append(o.jobIDs, id)
			}
		}
	}
	switch {
	case o.demo && o.apiURL != "":
		return o, usageError{"--demo runs the built-in simulator; it cannot be combined with --api-url or BASIQ_API_URL"}
	case o.json && o.events:
		return o, usageError{"--json and --events both write stdout; pick one"}
	case o.deleteUser && o.userID != "":
		return o, usageError{"--delete-user deletes the user a run creates; a user given with --user-id is never deleted"}
	case o.persona != "" && !o.demo:
		return o, usageError{"--persona completes consent in the built-in simulator only; add --demo"}
	case o.persona != "" && !isPersona(o.persona):
		return o, usageError{fmt.Sprintf("--persona %q is not a sandbox login; try Wentworth-Smith (or bighead, erlich, jianYang to see failures)", o.persona)}
	case o.timeout <= 0:
		return o, usageError{"--timeout must be positive, e.g. 10m"}
	case len(o.jobIDs) > qs.MaxJobs:
		return o, usageError{fmt.Sprintf("--job-id: %d ids; one run watches at most %d", len(o.jobIDs), qs.MaxJobs)}
	}
	for _, id := range o.jobIDs {
		if err := basiq.ValidateID(id); err != nil {
			return o, usageError{fmt.Sprintf("--job-id %q: %v", id, err)}
		}
	}
	if o.exportTo != "" {
		// Before any request: a run that cannot save its script at the end should not start.
		if err := flow.CheckScriptPath(o.exportTo); err != nil {
			return o, usageError{"--export-script " + err.Error()}
		}
	}
	for flagName, u := range map[string]string{"--api-url": o.apiURL, "--consent-url": o.consentURL} {
		if u == "" {
			continue
		}
		if err := basiq.CheckBaseURL(u); err != nil {
			return o, usageError{flagName + ": " + strings.TrimPrefix(err.Error(), "basiq: ")}
		}
	}
	return o, nil
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

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// interruption is why the run was stopped from outside: a signal.
type interruption struct{ sig os.Signal }

func (i interruption) Error() string { return "interrupted by " + i.sig.String() }

// ExitCode is the code for a signal: 128 + its number, as shells report it.
func (i interruption) ExitCode() int {
	switch i.sig {
	case syscall.SIGTERM:
		return qs.ExitTerminated
	case syscall.SIGHUP:
		return qs.ExitHungUp
	}
	return qs.ExitInterrupted
}

// withSignals is a context cancelled, with the signal as its cause, by
// SIGINT, SIGTERM or SIGHUP; stop ends the watch.
func withSignals() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			cancel(interruption{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// signalled is the exit code for a context a signal cancelled, 0 if none did.
func signalled(ctx context.Context) int {
	var i interruption
	if errors.As(context.Cause(ctx), &i) {
		return i.ExitCode()
	}
	return 0
}

func run(args []string, stdin *os.File, stdout, stderr *os.File, getenv func(string) string) int {
	ctx, stop := withSignals()
	defer stop()
	if len(args) > 0 && args[0] == "simulator" {
		code := simulator.RunCommand(ctx, args[1:], stdout, stderr)
		if c := signalled(ctx); c != 0 && code == 0 {
			return qs.ExitOK // the simulator's way to stop is a signal
		}
		return code
	}
	o, err := parseOptions(args, getenv, stdout, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return qs.ExitOK
	case err != nil:
		var usage usageError
		if errors.As(err, &usage) {
			fmt.Fprintln(stderr, "basiq-onboard:", err)
		} // the flag package has said what was wrong, with the usage
		return qs.ExitUsage
	case o.version:
		fmt.Fprintln(stdout, "basiq-onboard", currentVersion())
		return qs.ExitOK
	}
	if w := consentWarning(o); w != "" {
		fmt.Fprintln(stderr, "basiq-onboard: warning:", w)
	}

	traces, closeTrace, err := flow.NewTraceLog(o.debugFile)
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard: --debug:", err)
		return qs.ExitUsage
	}
	defer closeTrace()

	cfg := wizardConfig(o, getenv, traces, basiq.NewRedactor())
	interactive := !o.plain && term.IsTerminal(stdin.Fd()) && term.IsTerminal(stdout.Fd())
	if !interactive {
		out := flow.OutputTable
		switch {
		case o.json:
			out = flow.OutputJSON
		case o.events:
			out = flow.OutputEvents
		}
		code := flow.RunHeadless(ctx, cfg, out, stdout, stderr)
		if c := signalled(ctx); c != 0 {
			return c
		}
		return code
	}
	return runWizard(ctx, cfg, getenv, stdout, stderr)
}

// runWizard runs the full-screen wizard; its summary stays in the terminal.
func runWizard(ctx context.Context, cfg flow.Config, getenv func(string) string, stdout, stderr *os.File) int {
	// The browser launcher's chatter would scribble over the screen.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	m := wizard.New(cfg, theme.DarkFromEnv(getenv))
	defer m.Close()
	// Signals are ours (withSignals): Bubble Tea's own handler would quit
	// with exit 0 on SIGTERM. Cancelling ctx restores the terminal.
	final, err := tea.NewProgram(m, tea.WithContext(ctx), tea.WithoutSignalHandler()).Run()
	if c := signalled(ctx); c != 0 {
		return c
	}
	fm, ok := final.(wizard.Model)
	if !ok || err != nil {
		fmt.Fprintln(stderr, "basiq-onboard:", err)
		return qs.ExitFailed
	}
	fm.Close()
	if summary := fm.Summary(); summary != "" {
		// Printed after the program, to the restored terminal, in its colours (or none).
		out := colorprofile.NewWriter(stdout, os.Environ())
		fmt.Fprintln(out, summary)
	}
	code := fm.ExitCode()
	if cfg.ExportScript != "" {
		files, err := flow.ExportSessionScript(fm.Session(), cfg)
		fmt.Fprintln(stdout, flow.ScriptSavedText("", files, err))
		if err != nil && code == qs.ExitOK {
			code = qs.ExitFailed
		}
	}
	return code
}

// userAgent is what every request says it is: the version, or "dev" for a
// build that has none stamped.
func userAgent() string {
	v := currentVersion()
	if strings.Contains(v, " ") {
		v = "dev"
	}
	return "basiq-onboard/" + strings.TrimPrefix(v, "commit ")
}

// wizardConfig turns the command line and environment into the quickstart's
// configuration. Every client tells redact the key and tokens it sees, and
// every output goes through it.
func wizardConfig(o options, getenv func(string) string, traces *flow.TraceLog, redact *basiq.Redactor) flow.Config {
	apiURL := o.apiURL
	if apiURL == "" {
		apiURL = basiq.DefaultBaseURL
	}
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
	}
	if o.demo {
		cfg.EnvKey = "" // the demo has its own key; a real one stays out of it
	}
	if store, err := flow.NewKeyStore(); err == nil {
		cfg.Keys = store
	}
	if memory, err := flow.NewMemory(); err == nil {
		cfg.Memory = memory
	}
	if !o.noBrowser {
		cfg.OpenBrowser = browser.OpenURL
		cfg.BrowserUnavailable = flow.NoBrowserReason(getenv)
	}
	return cfg
}

// whereLabel names the API in the header: its host.
func whereLabel(apiURL string) string {
	if u, err := url.Parse(apiURL); err == nil && u.Host != "" {
		return u.Host
	}
	return apiURL
}

// demoStepDelayEnv slows or speeds the demo's job steps (tests set 0).
const demoStepDelayEnv = "BASIQ_DEMO_STEP_DELAY"

// startDemo runs the simulator in this process on a free loopback port and
// a client for it with the simulator's demo key.
func startDemo(getenv func(string) string, traces *flow.TraceLog, redact *basiq.Redactor) (flow.Demo, error) {
	delay := 1500 * time.Millisecond
	if v := getenv(demoStepDelayEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return flow.Demo{}, fmt.Errorf("%s=%q: %w", demoStepDelayEnv, v, err)
		}
		delay = d
	}
	srv := simulator.New(simulator.Options{StepDelay: delay})
	baseURL, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return flow.Demo{}, err
	}
	client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL, UserAgent: userAgent(), Trace: traces.Add, Redactor: redact})
	if err != nil {
		srv.Close()
		return flow.Demo{}, err
	}
	return flow.Demo{
		API:         client,
		APIURL:      baseURL,
		ConsentBase: srv.ConsentBase(),
		AutoConsent: func(ctx context.Context, clientToken, institutionID, login string) ([]string, error) {
			password, ok := simulator.Persona(login)
			if !ok {
				return nil, fmt.Errorf("%q is not a sandbox login; try %s", login, qs.SandboxPersona)
			}
			// A bank that asks a security question gets the login's sandbox answers.
			answers, _ := simulator.PersonaMFA(login)
			return srv.CompleteConsent(ctx, clientToken, institutionID, login, password, simulator.MFAResponse(answers...))
		},
		Close: func() { srv.Close() },
	}, nil
}
