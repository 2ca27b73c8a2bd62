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
)

// Exit codes: a contract that scripts depend on (design.md).
const (
	exitOK          = 0
	exitFailed      = 1 // the API or a job failed
	exitUsage       = 2
	exitInterrupted = 130
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build info.
var version = ""

func currentVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
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
	timeout    time.Duration
	debugFile  string
	version    bool
}

const (
	defaultAPIURL     = "https://au-api.basiq.io"
	defaultConsentURL = "https://consent.basiq.io/home"
)

// usageError is a command line the program cannot run with; it exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("basiq-onboard", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.demo, "demo", false, "run against the built-in Basiq simulator; no key needed")
	fs.StringVar(&o.apiURL, "api-url", "", "Basiq API base URL (or BASIQ_API_URL; default "+defaultAPIURL+")")
	fs.StringVar(&o.consentURL, "consent-url", "", "consent UI (default "+defaultConsentURL+")")
	fs.StringVar(&o.email, "email", "", "the new user's email (prefills the form)")
	fs.StringVar(&o.mobile, "mobile", "", "the new user's mobile, international form, e.g. +61412345678")
	fs.StringVar(&o.userID, "user-id", "", "use an existing user instead of creating one")
	jobIDs := fs.String("job-id", "", "watch these jobs (comma-separated) instead of opening consent")
	fs.StringVar(&o.persona, "persona", "", "demo only: complete the first consent automatically as this sandbox login")
	fs.BoolVar(&o.noBrowser, "no-browser", false, "never open a browser; show the URL (and QR code) instead")
	fs.BoolVar(&o.plain, "plain", false, "line-by-line progress, no full-screen UI")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON on stdout (progress on stderr); implies --plain")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "how long to wait for consent and jobs")
	fs.StringVar(&o.debugFile, "debug", "", "write a redacted trace of every HTTP exchange to FILE")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage:\n  basiq-onboard [flags]\n  basiq-onboard simulator [--addr 127.0.0.1:8080] [--step-delay 2s] [--faults SPEC]\n\nThe API key comes from BASIQ_API_KEY, then the saved key, then a prompt; never a flag.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Sprintf("unexpected argument %q (flags start with --; see --help)", fs.Arg(0))}
	}
	if o.apiURL == "" {
		o.apiURL = getenv("BASIQ_API_URL")
	}
	if o.json {
		o.plain = true
	}
	if *jobIDs != "" {
		for _, id := range strings.Split(*jobIDs, ",") {
			if id = strings.TrimSpace(id); id != "" {
				o.jobIDs = append(o.jobIDs, id)
			}
		}
	}
	switch {
	case o.demo && o.apiURL != "":
		return o, usageError{"--demo runs the built-in simulator; it cannot be combined with --api-url or BASIQ_API_URL"}
	case o.persona != "" && !o.demo:
		return o, usageError{"--persona completes consent in the built-in simulator only; add --demo"}
	case o.persona != "" && !isPersona(o.persona):
		return o, usageError{fmt.Sprintf("--persona %q is not a sandbox login; try Wentworth-Smith (or bighead, erlich, jianYang to see failures)", o.persona)}
	case o.timeout <= 0:
		return o, usageError{"--timeout must be positive, e.g. 10m"}
	}
	if o.apiURL != "" {
		if err := checkBaseURL(o.apiURL); err != nil {
			return o, usageError{"--api-url: " + err.Error()}
		}
	}
	if o.consentURL != "" {
		if err := checkBaseURL(o.consentURL); err != nil {
			return o, usageError{"--consent-url: " + err.Error()}
		}
	}
	return o, nil
}

func isPersona(login string) bool {
	_, ok := simulator.Persona(login)
	return ok
}

// checkBaseURL accepts https anywhere and plain http on loopback only, so a
// key and tokens never cross a network in clear text.
func checkBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL like https://au-api.basiq.io", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
			return nil
		}
		return fmt.Errorf("plain http is allowed only for loopback (localhost, 127.0.0.1, ::1); use https for %s", host)
	}
	return fmt.Errorf("%q: the scheme must be https (or http for loopback)", raw)
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

func run(args []string, stdin *os.File, stdout, stderr *os.File, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) > 0 && args[0] == "simulator" {
		return simulator.RunCommand(ctx, args[1:], stdout, stderr)
	}
	o, err := parseOptions(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) || (err != nil && strings.Contains(err.Error(), flag.ErrHelp.Error())) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard:", err)
		return exitUsage
	}
	if o.version {
		fmt.Fprintln(stdout, "basiq-onboard", currentVersion())
		return exitOK
	}

	traces, closeTrace, err := flow.NewTraceLog(o.debugFile)
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard: --debug:", err)
		return exitUsage
	}
	defer closeTrace()

	cfg := wizardConfig(o, getenv, traces)
	interactive := !o.plain && term.IsTerminal(stdin.Fd()) && term.IsTerminal(stdout.Fd())
	if !interactive {
		return flow.RunPlain(ctx, cfg, stdout, stderr, o.json)
	}
	// The browser launcher's chatter would scribble over the screen.
	browser.Stdout, browser.Stderr = io.Discard, io.Discard
	m := flow.New(cfg)
	defer m.Close()
	final, err := tea.NewProgram(m, tea.WithContext(ctx)).Run()
	if fm, ok := final.(flow.Model); ok {
		fm.Close()
		if summary := fm.Summary(); summary != "" {
			// Printed after the program, to the restored terminal, in its colours (or none).
			out := colorprofile.NewWriter(stdout, os.Environ())
			fmt.Fprintln(out, summary)
		}
		if err == nil || errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return fm.ExitCode()
		}
	}
	if ctx.Err() != nil {
		return exitInterrupted
	}
	if err != nil {
		fmt.Fprintln(stderr, "basiq-onboard:", err)
		return exitFailed
	}
	return exitOK
}

// userAgent is what every request says it is.
func userAgent() string { return "basiq-onboard/" + currentVersion() }

// wizardConfig turns the command line and environment into the wizard's configuration.
func wizardConfig(o options, getenv func(string) string, traces *flow.TraceLog) flow.Config {
	apiURL := o.apiURL
	if apiURL == "" {
		apiURL = defaultAPIURL
	}
	cfg := flow.Config{
		NewAPI: func(key string) (flow.API, error) {
			return basiq.New(basiq.Config{APIKey: key, BaseURL: apiURL, UserAgent: userAgent(), Trace: traces.Add})
		},
		StartDemo:   func() (flow.Demo, error) { return startDemo(getenv, traces) },
		Traces:      traces.Snapshot,
		Demo:        o.demo,
		Where:       whereLabel(apiURL),
		APIURL:      apiURL,
		ConsentBase: o.consentURL,
		EnvKey:      getenv("BASIQ_API_KEY"),
		Email:       o.email,
		Mobile:      o.mobile,
		UserID:      o.userID,
		JobIDs:      o.jobIDs,
		Persona:     o.persona,
		Timeout:     o.timeout,
	}
	if o.demo {
		cfg.EnvKey = "" // the demo has its own key; a real one stays out of it
	}
	if store, err := flow.NewKeyStore(); err == nil {
		cfg.Keys = store
	}
	if !o.noBrowser {
		cfg.OpenBrowser = browser.OpenURL
		cfg.BrowserUnavailable = flow.NoBrowserReason(getenv)
	}
	return cfg
}

// whereLabel names the API in the header: "sandbox" for Basiq's own API
// (keys for sandbox and production share it), else the host.
func whereLabel(apiURL string) string {
	if apiURL == defaultAPIURL {
		return "au-api.basiq.io"
	}
	if u, err := url.Parse(apiURL); err == nil {
		return u.Host
	}
	return apiURL
}

// demoStepDelayEnv slows or speeds the demo's job steps (tests set 0).
const demoStepDelayEnv = "BASIQ_DEMO_STEP_DELAY"

// startDemo runs the simulator in this process on a free loopback port and
// a client for it with the simulator's demo key.
func startDemo(getenv func(string) string, traces *flow.TraceLog) (flow.Demo, error) {
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
	client, err := basiq.New(basiq.Config{APIKey: simulator.DemoAPIKey, BaseURL: baseURL, UserAgent: userAgent(), Trace: traces.Add})
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
				return nil, fmt.Errorf("%q is not a sandbox login; try %s", login, "Wentworth-Smith")
			}
			return srv.CompleteConsent(ctx, clientToken, institutionID, login, password)
		},
		Close: func() { srv.Close() },
	}, nil
}
